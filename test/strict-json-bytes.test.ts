import fc from 'fast-check';
import { ModelsealError } from '../src/errors';
import { parseJson } from '../src/envelope/read-json';
import { parseStrictJson, StreamedItems, type StrictJsonOptions } from '../src/envelope/strict-json';

const OPTS: StrictJsonOptions = { code: 'BUNDLE_INVALID', what: 'x' };

function refusal(input: Buffer | string, options: Partial<StrictJsonOptions> = {}): string {
  try {
    parseStrictJson(input, { ...OPTS, ...options });
  } catch (err) {
    if (!(err instanceof ModelsealError)) throw err;
    expect(err.code).toBe('BUNDLE_INVALID');
    return err.message;
  }
  throw new Error(`accepted ${JSON.stringify(input.toString())}`);
}

const json = (reason: string): string => `x is not acceptable JSON: ${reason}`;

/** Deep equality that also tells -0 from 0, and own "__proto__" keys and key order apart. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

// ---------- random documents, written with random spacing and escapes ----------

type Doc = null | boolean | { num: string } | { str: string } | Doc[] | { obj: [string, Doc][] };

const codeUnits = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }), // any code point, astral ones included
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((u) => String.fromCharCode(...u)), // lone surrogates too
  fc.constantFrom('', '__proto__', 'name', 'constructor', 'a'.repeat(40), 'é', '\u{1F600}', '"\\/\b\f\n\r\t'),
);
const numberText = fc
  .tuple(fc.boolean(), fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 10n ** 22n }).map(String)), fc.option(fc.stringMatching(/^[0-9]{1,12}$/)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 99 }))))
  .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp[0] + exp[1] + String(exp[2]).padStart(1 + (exp[2] % 2), '0')}`);
const { doc } = fc.letrec<{ doc: Doc }>((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false),
    numberText.map((num) => ({ num })),
    codeUnits.map((str) => ({ str })),
    fc.array(tie('doc'), { maxLength: 5 }),
    fc.array(fc.tuple(codeUnits, tie('doc')), { maxLength: 5 }).map((entries) => ({ obj: [...new Map(entries)] })),
  ),
}));

function write(d: Doc, rnd: () => number): string {
  const ws = (): string => ['', ' ', '\n  ', '\t', '\r\n'][Math.floor(rnd() * 5)] as string;
  const str = (s: string): string => {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const u = s.charCodeAt(i);
      const pair = u >= 0xd800 && u <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
      const lone = !pair && u >= 0xd800 && u <= 0xdfff;
      const short = ({ 0x22: '\\"', 0x5c: '\\\\', 0x2f: '\\/', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' } as Record<number, string>)[u];
      const hex = (v: number): string => `\\u${v.toString(16).padStart(4, '0')}`;
      if (lone || u < 0x20 || u === 0x22 || u === 0x5c || rnd() < 0.2) {
        out += short !== undefined && rnd() < 0.5 ? short : rnd() < 0.5 ? hex(u) : hex(u).toUpperCase().replace('\\U', '\\u');
      } else if (pair) {
        out += s.slice(i, i + 2);
        i++;
      } else {
        out += s[i];
      }
    }
    return `${out}"`;
  };
  if (d === null || typeof d === 'boolean') return String(d);
  if (Array.isArray(d)) return `[${ws()}${d.map((e) => `${write(e, rnd)}${ws()}`).join(`,${ws()}`)}]`;
  if ('num' in d) return d.num;
  if ('str' in d) return str(d.str);
  return `{${ws()}${d.obj.map(([k, v]) => `${str(k)}${ws()}:${ws()}${write(v, rnd)}${ws()}`).join(`,${ws()}`)}}`;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe('the strict reader reads bytes', () => {
  test('agrees with JSON.parse on random valid documents, given as bytes or as a string', () => {
    fc.assert(
      fc.property(doc, fc.integer(), (d, seed) => {
        const text = `${['', ' ', '\n'][seed & 1]}${write(d, seeded(seed))}${['', '\n', ' \t'][(seed >>> 1) % 3]}`;
        const reference = JSON.parse(text);
        expect(same(parseStrictJson(Buffer.from(text), OPTS), reference)).toBe(true);
        expect(same(parseStrictJson(text, OPTS), reference)).toBe(true);
        expect(same(parseStrictJson(new Uint8Array(Buffer.from(text)) as Buffer, OPTS), reference)).toBe(true);
      }),
      { numRuns: 1500, seed: 16 },
    );
  });

  test('reads many distinct keys of one length (keys looked up by their bytes never mix up)', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${String(i * 7919).padStart(8, '0')}`);
    const text = `[${[0, 1].map(() => `{${keys.map((k, i) => `"${k}":${i}`).join(',')}}`).join(',')},{"ké":1,"kè":2,"k\\u00e9x":3}]`;
    expect(same(parseStrictJson(Buffer.from(text), OPTS), JSON.parse(text))).toBe(true);
  });

  test('keeps a "__proto__" key as data and keys in JSON.parse order', () => {
    const v = parseStrictJson('{"b":1,"__proto__":{"polluted":true},"a":2,"10":3,"2":4}', OPTS) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(['2', '10', 'b', '__proto__', 'a']);
    expect(same(v, JSON.parse('{"b":1,"__proto__":{"polluted":true},"a":2,"10":3,"2":4}'))).toBe(true);
  });

  test('numbers: the RFC 8259 grammar, out of range refused', () => {
    for (const t of ['0', '-0', '12', '-12', '1.5', '1e5', '1E+5', '2.5e-3', '123456789012345', '1234567890123456789', '-999999999999999', '0.1', '1e308', '5e-324']) {
      expect(Object.is(parseStrictJson(t, OPTS), JSON.parse(t))).toBe(true);
    }
    expect(refusal('1e400')).toBe(json('number 1e400 is out of range'));
    expect(refusal('[-1234567890123456789e400]')).toBe(json('number -1234567890123456789 is out of range'));
    expect(refusal('01')).toBe(json('trailing data at offset 1'));
    expect(refusal('1.')).toBe(json('trailing data at offset 1'));
    expect(refusal('[1.e2]')).toBe(json('unexpected character at offset 2'));
    expect(refusal('[1e]')).toBe(json('unexpected character at offset 2'));
    expect(refusal('[1e+]')).toBe(json('unexpected character at offset 2'));
    expect(refusal('-')).toBe(json('unexpected character at offset 0'));
    expect(refusal('[-a]')).toBe(json('unexpected character at offset 1'));
    expect(refusal('+1')).toBe(json('unexpected character at offset 0'));
    expect(refusal('.5')).toBe(json('unexpected character at offset 0'));
    expect(refusal('[1,')).toBe(json('it ends too early (truncated?)'));
  });

  test('a string with lone surrogates reads as it did when strings were read as given', () => {
    for (const t of ['"a\ud800b"', '"\udc00"', '{"\ud800":"\udbff\udbff\udc00"}', '"\\\\\ud800"', '"\ud83d\ude00"']) {
      expect(same(parseStrictJson(t, OPTS), JSON.parse(t))).toBe(true);
    }
    expect(refusal('"\\\ud800"')).toMatch(/^x is not acceptable JSON: bad escape at offset 1$/);
    expect(refusal('\ud800')).toBe(json('unexpected character at offset 0'));
  });

  test('offsets in messages are byte offsets', () => {
    expect(refusal('"é" x')).toBe(json('trailing data at offset 5'));
    expect(refusal(Buffer.from('["\u{1F600}\u0001"]'))).toBe(json('control character in a string at offset 6'));
  });
});

describe('the strict reader refuses what it refused before', () => {
  test('duplicate keys, also "__proto__" and keys written differently', () => {
    expect(refusal('{"a":1,"a":2}')).toBe(json('duplicate key "a"'));
    expect(refusal('{"a":1,"b":{"c":1,"c":1}}')).toMatch(/duplicate key "c"/);
    expect(refusal('{"__proto__":1,"__proto__":2}')).toMatch(/duplicate key "__proto__"/);
    expect(refusal('{"é":1,"\\u00e9":2}')).toMatch(/duplicate key/);
    expect(refusal('{"toString":1,"toString":2}')).toMatch(/duplicate key "toString"/);
    const long = 'k'.repeat(50);
    expect(refusal(`{"${long}":1,"${long}":2}`)).toMatch(/duplicate key/);
    expect(parseStrictJson('{"toString":1,"constructor":2}', OPTS)).toEqual({ toString: 1, constructor: 2 });
  });

  test('invalid UTF-8: overlong, encoded surrogates, truncated sequences, out of range, stray bytes', () => {
    const cases = ['c0 af', 'e0 80 af', 'f0 80 80 af', 'ed a0 80', 'ed bf bf', 'ed a0 bd ed b8 80', 'e2 82', 'f0 9f 98', 'c3', 'f4 90 80 80', 'f5 80 80 80', '80', 'bf', 'fe', 'ff', 'c3 28'];
    for (const hex of cases) {
      const bad = Buffer.from(hex.replace(/ /g, ''), 'hex');
      expect(refusal(Buffer.concat([Buffer.from('{"a":"'), bad, Buffer.from('"}')]))).toBe('x is not valid UTF-8');
      expect(refusal(Buffer.concat([Buffer.from('{"a":"x"}'), bad]))).toBe('x is not valid UTF-8');
    }
    // The last bytes of the buffer are checked too (a sequence truncated by the end of input).
    expect(refusal(Buffer.from('"\xe2\x82', 'latin1'))).toBe('x is not valid UTF-8');
  });

  test('UTF-8 is refused exactly where a fatal TextDecoder refuses it', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        const buf = Buffer.concat([Buffer.from('"'), Buffer.from(bytes), Buffer.from('"')]);
        let valid = true;
        try {
          decoder.decode(buf);
        } catch {
          valid = false;
        }
        let message = '';
        try {
          parseStrictJson(buf, OPTS);
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message === 'x is not valid UTF-8').toBe(!valid);
      }),
      { numRuns: 3000, seed: 16 },
    );
  });

  test('a byte-order mark', () => {
    expect(refusal(Buffer.from('\ufeff{}'))).toBe(json('starts with a byte-order mark'));
    expect(refusal('\ufeff{}')).toBe(json('starts with a byte-order mark'));
    expect(refusal(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(json('starts with a byte-order mark'));
    expect(refusal(Buffer.from([0xef, 0xbb]))).toBe('x is not valid UTF-8');
  });

  test('control characters in strings and bad escapes', () => {
    expect(refusal('"a\u0001b"')).toBe(json('control character in a string at offset 2'));
    expect(refusal('"a\nb"')).toBe(json('control character in a string at offset 2'));
    expect(refusal('{"k\u001f":1}')).toBe(json('control character in a string at offset 3'));
    expect(refusal('"\\x"')).toBe(json('bad escape at offset 1'));
    expect(refusal('"\\\'"')).toBe(json('bad escape at offset 1'));
    expect(refusal('"\\')).toBe(json('bad escape at offset 1'));
    expect(refusal('"\\u12G4"')).toBe(json('bad \\u escape at offset 1'));
    expect(refusal('"\\u12"')).toBe(json('bad \\u escape at offset 1'));
    expect(refusal('"ab\\u1')).toBe(json('bad \\u escape at offset 3'));
    expect(refusal('"\\U0041"')).toBe(json('bad escape at offset 1'));
    expect(parseStrictJson('"\\u00E9\\u00e9\\uD83D\\uDE00\\ud800"', OPTS)).toBe('éé\u{1F600}\ud800');
  });

  test('a depth bomb, without a stack overflow', () => {
    const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    expect(() => parseStrictJson(nest(64), OPTS)).not.toThrow();
    expect(refusal(nest(65))).toBe(json('nesting is deeper than 64 levels'));
    expect(refusal(Buffer.from('[{"a":'.repeat(100_000)))).toBe(json('nesting is deeper than 64 levels'));
    expect(refusal(nest(200_000))).toBe(json('nesting is deeper than 64 levels'));
    expect(refusal('{"a":[{}]}', { maxDepth: 2 })).toBe(json('nesting is deeper than 2 levels'));
  });

  test('trailing data, truncated and empty input, stray characters', () => {
    expect(refusal('{} x')).toBe(json('trailing data at offset 3'));
    expect(refusal('1 2')).toBe(json('trailing data at offset 2'));
    expect(refusal('{}{}')).toBe(json('trailing data at offset 2'));
    for (const t of ['{"a":', '{"a"', '{"a', '{', '[1,2', '[', '"abc', '{"a":1,', '[1 ']) {
      expect(refusal(t)).toBe(json('it ends too early (truncated?)'));
    }
    expect(refusal('')).toBe(json('it is empty'));
    expect(refusal(' \n\t')).toBe(json('it is empty'));
    expect(refusal('{"a":1,}')).toBe(json('expected a key at offset 7'));
    expect(refusal('{1:2}')).toBe(json('expected a key at offset 1'));
    expect(refusal('{"a" 1}')).toBe(json('expected ":" at offset 5'));
    expect(refusal('[1,]')).toBe(json('unexpected character at offset 3'));
    expect(refusal('[1 2]')).toBe(json('unexpected character at offset 3'));
    expect(refusal('{"a":1 "b":2}')).toBe(json('unexpected character at offset 7'));
    expect(refusal('trux')).toBe(json('unexpected character at offset 0'));
    expect(refusal('tru')).toBe(json('unexpected character at offset 0'));
    expect(refusal('[nulL]')).toBe(json('unexpected character at offset 1'));
    expect(refusal('\u00a0{}')).toBe(json('unexpected character at offset 0'));
  });
});

describe('the items option', () => {
  const statement = (resources: string, extra = ''): string =>
    `{"_type":"s","predicate":{"serialization":{"method":"files"},"resources":${resources}${extra}},"other":{"resources":[1,2]}}`;
  const collect = (text: string | Buffer, path: readonly string[] = ['predicate', 'resources']): { result: any; items: [unknown, number][] } => {
    const items: [unknown, number][] = [];
    const result = parseStrictJson(text, { ...OPTS, items: { path, onItem: (value, index) => items.push([value, index]) } });
    return { result, items };
  };

  test('delivers the elements in order, and the array becomes a StreamedItems with their count', () => {
    const resources = [{ name: 'a', digest: { sha256: 'x' } }, [1, [2, [3]]], 'é\u{1F600}', -0, null, { nested: [{ deep: [] }] }];
    const { result, items } = collect(Buffer.from(statement(JSON.stringify(resources, null, 2))));
    expect(items.map(([, i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(same(items.map(([v]) => v), JSON.parse(JSON.stringify(resources)))).toBe(true);
    expect(result.predicate.resources).toBeInstanceOf(StreamedItems);
    expect(result.predicate.resources.count).toBe(6);
    expect(Object.keys(result.predicate)).toEqual(['serialization', 'resources']);
    expect(result.other.resources).toEqual([1, 2]);
    expect(collect(statement('[ ]')).result.predicate.resources).toEqual(new StreamedItems(0));
  });

  test('the path is matched exactly, from the root; elsewhere arrays parse as usual', () => {
    const text = statement('[1,2]');
    for (const path of [['resources'], ['predicate'], ['predicate', 'resources', 'x'], ['other', 'resource'], ['predicate', 'serialization']]) {
      const { result, items } = collect(text, path);
      expect(items).toEqual([]);
      expect(same(result, JSON.parse(text))).toBe(true);
    }
    expect(collect(text, ['other', 'resources']).items).toEqual([
      [1, 0],
      [2, 1],
    ]);
    // A path through an array does not match: path elements are object keys.
    expect(collect('{"a":[{"b":[1]}]}', ['a', 'b']).items).toEqual([]);
    // An array inside a streamed element is not the path again.
    expect(collect('{"a":[{"a":[1]}]}', ['a']).items).toEqual([[{ a: [1] }, 0]]);
    // [] is the root array.
    const root = collect('[{"x":1},2]', []);
    expect(root.items).toEqual([
      [{ x: 1 }, 0],
      [2, 1],
    ]);
    expect(root.result).toEqual(new StreamedItems(2));
    // A value at the path that is not an array parses as usual.
    expect(collect(statement('{"a":[1]}')).result.predicate.resources).toEqual({ a: [1] });
  });

  test('elements are read with the same strictness and depth accounting', () => {
    const onItem = (): void => undefined;
    const opts = (maxDepth?: number): Partial<StrictJsonOptions> => ({ maxDepth, items: { path: ['r'], onItem } });
    expect(refusal('{"r":[{"a":1,"a":2}]}', opts())).toBe(json('duplicate key "a"'));
    expect(refusal('{"r":[1,]}', opts())).toBe(json('unexpected character at offset 8'));
    expect(refusal('{"r":[1', opts())).toBe(json('it ends too early (truncated?)'));
    expect(refusal('{"r":[[[]]]}', opts(3))).toBe(json('nesting is deeper than 3 levels'));
    expect(() => parseStrictJson('{"r":[[]]}', { ...OPTS, ...opts(3) })).not.toThrow();
  });

  test('a second "resources" key is still a duplicate', () => {
    const items: unknown[] = [];
    expect(refusal(statement('[1]', ',"resources":[2]'), { items: { path: ['predicate', 'resources'], onItem: (v) => items.push(v) } })).toMatch(/duplicate key "resources"/);
  });

  test('what onItem throws propagates unchanged', () => {
    const boom = new Error('boom');
    let calls = 0;
    expect(() =>
      parseStrictJson(statement('[1,2,3]'), {
        ...OPTS,
        items: {
          path: ['predicate', 'resources'],
          onItem: (_v, i) => {
            calls++;
            if (i === 1) throw boom;
          },
        },
      }),
    ).toThrow(boom);
    expect(calls).toBe(2);
  });

  test('parseJson passes the option through', () => {
    const items: unknown[] = [];
    const r = parseJson(Buffer.from(statement('[{"n":1}]')), 'f.json', 'STATEMENT_INVALID', 'the signed statement', { items: { path: ['predicate', 'resources'], onItem: (v) => items.push(v) } }) as any;
    expect(items).toEqual([{ n: 1 }]);
    expect(r.predicate.resources.count).toBe(1);
    expect(() => parseJson('{"a":1,"a":1}', 'f.json', 'STATEMENT_INVALID', 'the signed statement')).toThrow(/the signed statement is not acceptable JSON: duplicate key "a"/);
  });
});
