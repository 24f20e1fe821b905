/**
 * The one strict RFC 3339 date-time reader (provenance times, release records).
 * `Date.parse` is lenient: it reads "2026-02-30" as March 2 and "T24:00:00" as the next
 * day, so two readers of one statement would see different times. Here every field is
 * range-checked against the calendar, "T" and "Z" are upper case, and the offset is
 * "Z" or ±HH:MM. Leap seconds (":60") are refused: JavaScript time cannot hold them.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The instant a strict RFC 3339 date-time stands for, or undefined if it is not one. */
export function parseRfc3339(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const [oh, om] = m[8].slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year); // Date.UTC reads years 0-99 as 1900-1999
  return new Date(d.getTime() - offsetMinutes * 60_000);
}
