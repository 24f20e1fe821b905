import fc from 'fast-check';
import { CborFormatError, checkStrictCbor } from '../src/envelope/cose/cbor-strict';
import { arr, bstr, int, map, tag, tstr } from './helpers/cbor-bytes';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');
const refuse = (b: Buffer, pattern: RegExp, options = {}) => expect(() => checkStrictCbor(b, options)).toThrow(pattern);

describe('strict CBOR check', () => {
  it('accepts well-formed items in preferred encoding', () => {
    for (const b of [
      int(0),
      int(23),
      int(24),
      int(255),
      int(256),
      int(65536),
      int(-1),
      int(-25),
      tstr('ü€'),
      bstr(Buffer.alloc(300)),
      arr([int(1), arr([])]),
      map([[int(1), int(2)], [tstr('a'), hex('f6')]]),
      hex('f4'),
      hex('f5'),
      hex('f6'),
      hex('f93c00'), // half-precision float 1.0
      hex('fb3ff0000000000000'), // floats carry values, not lengths: no shortest-form rule
    ]) {
      expect(() => checkStrictCbor(b)).not.toThrow();
    }
  });

  it('refuses indefinite-length arrays, maps, byte and text strings, and stray breaks', () => {
    refuse(hex('9f0102ff'), /indefinite-length item at byte 0/);
    refuse(hex('bf0102ff'), /indefinite-length/);
    refuse(hex('5f4101ff'), /indefinite-length/);
    refuse(hex('7f6161ff'), /indefinite-length/);
    refuse(hex('82 01 ff'), /unexpected "break"/);
  });

  it('refuses duplicate map keys, at any depth', () => {
    refuse(map([[int(1), int(1)], [int(1), int(2)]]), /duplicate map key at byte 3/);
    refuse(map([[tstr('k'), int(1)], [tstr('k'), int(1)]]), /duplicate map key/);
    refuse(arr([map([[int(15), map([[int(2), int(0)], [int(2), int(0)]])]])]), /duplicate map key/);
    expect(() => checkStrictCbor(map([[int(1), int(1)], [int(-2), int(1)], [tstr('1'), int(1)]]))).not.toThrow();
  });

  it('refuses non-preferred integer and length encodings', () => {
    refuse(hex('1817'), /not in its shortest form/); // 23 in two bytes
    refuse(hex('190017'), /shortest/);
    refuse(hex('1a0000ffff'), /shortest/);
    refuse(hex('1b00000000ffffffff'), /shortest/);
    refuse(hex('3807'), /shortest/); // -8 in two bytes
    refuse(hex('5801 00'), /shortest/); // 1-byte bstr with a long length
    refuse(hex('f814'), /two-byte encoding/); // simple value 20 (false) in two bytes
  });

  it('refuses trailing bytes, truncation, reserved values and bad UTF-8', () => {
    refuse(hex('0100'), /1 trailing byte\(s\) after the CBOR item at byte 1/);
    refuse(hex('42 01'), /truncated/);
    refuse(hex('83 01 02'), /truncated/);
    refuse(hex('1c'), /reserved additional information 28/);
    refuse(hex('62 c3 28'), /not valid UTF-8/);
    refuse(hex(''), /truncated/);
  });

  it('refuses integers beyond 2^53 and lengths beyond the input', () => {
    refuse(hex('1b0020000000000000'), /beyond 2\^53/);
    refuse(hex('5a7fffffff'), /truncated/);
    refuse(hex('9a7fffffff'), /truncated/);
  });

  it('allows one tag at the top only when asked', () => {
    const tagged = tag(18, arr([int(1)]));
    refuse(tagged, /unexpected tag 18 at byte 0/);
    expect(() => checkStrictCbor(tagged, { topLevelTag: true })).not.toThrow();
    refuse(tag(18, tag(1, int(0))), /unexpected tag 1/, { topLevelTag: true });
    refuse(arr([tag(1, int(0))]), /unexpected tag 1/, { topLevelTag: true });
  });

  it('refuses map keys that are not integers or text', () => {
    refuse(map([[bstr(Buffer.from('k')), int(1)]]), /map key is not an integer or text string/);
    refuse(map([[arr([]), int(1)]]), /map key/);
  });

  it('refuses nesting deeper than 16', () => {
    const deep = (n: number) => Buffer.concat([Buffer.alloc(n, 0x81), int(0)]);
    expect(() => checkStrictCbor(deep(16))).not.toThrow();
    refuse(deep(17), /nesting deeper than 16/);
  });

  it('in canonical mode, requires map keys in bytewise order of their encodings', () => {
    const sorted = map([[int(1), int(0)], [int(15), int(0)], [int(24), int(0)], [int(-1), int(0)], [tstr('a'), int(0)]]);
    expect(() => checkStrictCbor(sorted, { canonical: true })).not.toThrow();
    refuse(map([[int(4), int(0)], [int(3), int(0)]]), /not in canonical order/, { canonical: true });
    refuse(map([[int(-1), int(0)], [int(1), int(0)]]), /canonical order/, { canonical: true });
    expect(() => checkStrictCbor(map([[int(4), int(0)], [int(3), int(0)]]))).not.toThrow();
  });

  it('never fails with anything but a CborFormatError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, topLevelTag) => {
        try {
          checkStrictCbor(bytes, { topLevelTag });
        } catch (err) {
          if (!(err instanceof CborFormatError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
