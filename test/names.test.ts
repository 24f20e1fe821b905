import { caseFold, checkFileNames, collisionKey, displayText, findUnsafeCharacter, foldSeparators, quoted, quotedList, skeleton } from '../src/names';
import { CASE_FOLDING_VERSION } from '../src/names/data/case-folding';
import { CONFUSABLES_VERSION } from '../src/names/data/confusables';
import { ModelsealError } from '../src/errors';

describe('names: Unicode full case folding and collision keys', () => {
  it('folds what toLowerCase does not', () => {
    expect('ſ'.toLowerCase()).toBe('ſ');
    expect(caseFold('model.safetenſors')).toBe('model.safetensors');
    expect(caseFold('Straße')).toBe('strasse');
    expect(caseFold('ΣΊΣΥΦΟΣ')).toBe(caseFold('σίσυφος'));
    expect(CASE_FOLDING_VERSION).toBe('17.0.0');
  });

  it.each([
    ['model.safetensors', 'model.safetenſors'], // long s
    ['model.safetensors', 'MODEL.SAFETENSORS'],
    ['config.json', 'confıg.json'], // dotless ı: NTFS upper-cases both to I
    ['café.txt', 'cafe\u0301.txt'], // NFC / NFD
    ['ﬁle.txt', 'file.txt'], // NFKC ligature
    ['strasse', 'straße'],
    ['a\u200bb', 'ab'], // zero-width space is ignored for comparison
    ['Ⅻ', 'xii'], // NFKC roman numeral
  ])('%s and %s collide', (a, b) => {
    expect(collisionKey(a)).toBe(collisionKey(b));
  });

  it.each([
    ['model.safetensors', 'model.safetensor'],
    ['a.bin', 'b.bin'],
    ['Ω', 'O'], // look-alike but another file: skeletons are not collision keys
  ])('%s and %s do not collide', (a, b) => {
    expect(collisionKey(a)).not.toBe(collisionKey(b));
  });
});

describe('names: file name refusal (one check for sign and verify)', () => {
  const refuse = (names: string[]) => {
    try {
      checkFileNames(names, 'UNSUPPORTED_NAME', '/x');
    } catch (e) {
      return e as ModelsealError;
    }
    return undefined;
  };
  it.each(['a\rb', 'a\u0085b', 'a\u009bb', 'a\u2028b', 'a\u2029b', 'model\u202esrosnetefas.pkl', 'a\u2066b', 'a\u200db', 'a\u00adb', 'a\ufeffb', 'a\u{e0041}b', 'a\u061cb', 'a\u200eb'])('refuses %j', (n) => {
    const e = refuse(['ok.bin', n]);
    expect(e?.code).toBe('UNSUPPORTED_NAME');
    expect(e?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\u00ad\ufeff]/u);
    expect(e?.message.split('\n')).toHaveLength(1);
  });
  it.each([
    [['model.safetensors', 'model.safetenſors']],
    [['Dir/a', 'dir/b']],
    [['A', 'a/b']],
    [['config.json', 'confıg.json']],
  ])('refuses colliding names %j', (names) => {
    expect(refuse(names)?.message).toContain('same name under Unicode case folding');
  });
  it('accepts ordinary distinct names, including non-Latin ones', () => {
    expect(refuse(['model.safetensors', 'config.json', 'tokenizer/vocab.txt', 'Ωmega.bin', '日本語.txt', 'emoji-🙂.txt'])).toBeUndefined();
  });
  it('costs the length of deep names, not the sum of their prefixes', () => {
    const deep = Array.from({ length: 2000 }, (_, i) => `d${i}`).join('/');
    const names = Array.from({ length: 500 }, (_, i) => `${deep}/f${i}`);
    const t0 = Date.now();
    checkFileNames(names, 'MANIFEST_INVALID');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(refuse([`${deep}/x`, `${deep.replace('d1999', 'D1999')}/y`])?.message).toContain('same name under Unicode case folding');
  });

  it('names the unsafe character', () => {
    expect(findUnsafeCharacter('x\u202ey')?.text).toBe('a bidirectional control character (U+202E)');
    expect(findUnsafeCharacter('x\u0085')?.reason).toBe('control');
    expect(findUnsafeCharacter('plain')).toBeUndefined();
  });
});

describe('names: UTS #39 skeletons and separator folding', () => {
  it('uses Unicode confusables data', () => {
    expect(CONFUSABLES_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(skeleton('pаypal')).toBe(skeleton('paypal')); // Cyrillic а
    expect(skeleton('gοogle')).toBe(skeleton('google')); // Greek ο
    expect(skeleton('BAAI')).toBe(skeleton('BAAl'));
    expect(skeleton('rnicrosoft')).toBe(skeleton('microsoft'));
    expect(skeleton('ᏞLama')).toBe(skeleton('LLama')); // Cherokee Ꮮ: not in any hand table
    expect(skeleton('abc')).not.toBe(skeleton('abd'));
  });
  it.each(['\u2215', '\u2044', '\uff0f', '\u29f8'])('folds the slash look-alike %j before splitting', (slash) => {
    expect(foldSeparators(`meta-llama${slash}Llama-2-7b-hf`)).toBe('meta-llama/Llama-2-7b-hf');
  });
  it('folds dash, dot and space look-alikes', () => {
    expect(foldSeparators('meta\u2010llama\u2212x\u2013y')).toBe('meta-llama-x-y');
    expect(foldSeparators('v0\u2024 1')).toBe('v0. 1');
    expect(foldSeparators('a\u3000b\u00a0c')).toBe('a b c');
  });
});

describe('names: display', () => {
  it('escapes every control, bidi and separator character', () => {
    const s = displayText('ok\r\x1b[32mVerified\u0085\u009b\u2028\u2029\u202e\u2066\u200b');
    expect(s).toBe('ok\\r\\u001b[32mVerified\\u0085\\u009b\\u2028\\u2029\\u202e\\u2066\\u200b');
  });
  it('cuts long strings with their size, without copying them whole', () => {
    const big = 'x'.repeat(20 * 1024 * 1024);
    const s = quoted(big);
    expect(s.length).toBeLessThan(260);
    expect(s).toContain(`… (${20 * 1024 * 1024} bytes)`);
    expect(displayText('🙂'.repeat(300)).startsWith('🙂'.repeat(100) + '…')).toBe(true);
  });
  it('describes non-strings by kind and bounds lists', () => {
    expect(quoted({ a: 'x'.repeat(1e6) })).toBe('a object');
    expect(quoted([1, 2, 3])).toBe('a list of 3 items');
    expect(quotedList(Array.from({ length: 1e6 }, (_, i) => i), 3)).toBe('0, 1, 2 and 999997 more');
  });
});

describe('the packed collision check agrees with a tree of folded segments', () => {
  /** The reference: the per-level tree of Maps checkFileNames used before it was packed, with each entry's kind. */
  function reference(names: string[]): Record<string, unknown> | undefined {
    type Node = Map<string, { segment: string; node: Node; file: boolean }>;
    const root: Node = new Map();
    for (const name of names) {
      let node = root;
      let at = 0;
      const segments = name.split('/');
      for (const [i, segment] of segments.entries()) {
        at += segment.length + 1;
        const file = i === segments.length - 1;
        const key = collisionKey(segment);
        const seen = node.get(key);
        if (seen === undefined) {
          const child: Node = new Map();
          node.set(key, { segment, node: child, file });
          node = child;
        } else if (seen.segment === segment && seen.file !== file) return { name: name.slice(0, at - 1) };
        else if (seen.segment === segment) node = seen.node;
        else {
          const prefix = name.slice(0, at - 1);
          return { names: [prefix.slice(0, prefix.length - segment.length) + seen.segment, prefix] };
        }
      }
    }
    return undefined;
  }

  it('refuses the same pairs as the reference for random trees (case, folding, NFKC, a fullwidth solidus)', () => {
    const parts = ['a', 'A', 'b', 'ſ', 's', 'S', 'ﬁ', 'fi', 'ı', 'i', 'Å', 'Å', 'x／y', 'x'];
    let seed = 7;
    const rand = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % n);
    };
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      const names = new Set<string>();
      const count = 1 + rand(6);
      while (names.size < count) {
        const depth = 1 + rand(3);
        names.add(Array.from({ length: depth }, () => parts[rand(parts.length)]).join('/'));
      }
      const list = round % 2 ? [...names].sort() : [...names];
      const expected = reference(list);
      let got: unknown;
      try {
        checkFileNames(list, 'MANIFEST_INVALID');
      } catch (e) {
        got = (e as ModelsealError).details;
      }
      expect(got).toEqual(expected);
      if (expected) refused++;
    }
    expect(refused).toBeGreaterThan(300); // the trees do collide, often
    expect(refused).toBeLessThan(2900);
  });
});
