import { checkName } from '../src/guard';
import { DISTINCT_PAIRS, LOOKALIKE_PAIRS, NAMESPACE_VARIANTS } from './fixtures/name-guard-cases';

/** The corpus figures quoted in docs/guards.md: `npx jest test/name-guard-corpus.test.ts`. */
describe('name guard corpus (real hub names)', () => {
  it('holds at least 150 look-alike and 150 distinct pairs', () => {
    expect(LOOKALIKE_PAIRS.length).toBeGreaterThanOrEqual(150);
    expect(DISTINCT_PAIRS.length).toBeGreaterThanOrEqual(150);
  });

  it('flags >= 99% of look-alikes and <= 1% of distinct pairs', () => {
    const missed = LOOKALIKE_PAIRS.filter(([candidate, target]) => !checkName(candidate, { pinned: [target] }).matches.some((m) => m.target === target));
    const falsePositives = DISTINCT_PAIRS.filter(([pinned, other]) => checkName(other, { pinned: [pinned] }).flagged);
    const recall = (LOOKALIKE_PAIRS.length - missed.length) / LOOKALIKE_PAIRS.length;
    const fpRate = falsePositives.length / DISTINCT_PAIRS.length;
    // eslint-disable-next-line no-console
    console.log(
      [
        `look-alikes flagged: ${LOOKALIKE_PAIRS.length - missed.length}/${LOOKALIKE_PAIRS.length} (recall ${(100 * recall).toFixed(1)}%)`,
        `distinct pairs flagged: ${falsePositives.length}/${DISTINCT_PAIRS.length} (false positives ${(100 * fpRate).toFixed(1)}%)`,
        ...missed.map(([c, t, why]) => `  missed ${JSON.stringify(c)} for ${t} (${why})`),
        ...falsePositives.map(([a, b]) => `  false positive ${b} near ${a}`),
      ].join('\n'),
    );
    expect(recall).toBeGreaterThanOrEqual(0.99);
    expect(fpRate).toBeLessThanOrEqual(0.01);
  });

  it.each(NAMESPACE_VARIANTS)('flags %j against the trusted pattern %s', (candidate, pattern) => {
    const r = checkName(candidate, { trustedPatterns: [pattern] });
    expect(r.trustedBy).toEqual([]);
    expect(r.flagged).toBe(true);
  });

  it.each([
    ['bigscience/bloomz', 'bigscience/bloom'],
    ['google/mt5-base', 'google-t5/t5-base'],
    ['google/byt5-small', 'google/mt5-small'],
    ['stabilityai/sdxl-turbo', 'stabilityai/sd-turbo'],
  ])('does not flag the distinct family member %s next to %s', (a, b) => {
    expect(checkName(a, { pinned: [b] }).flagged).toBe(false);
    expect(checkName(b, { pinned: [a] }).flagged).toBe(false);
  });
});
