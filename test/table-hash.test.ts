/**
 * The packed name tables (NameIndex, the collision check of names) must not let crafted
 * names share a slot: an unkeyed FNV-1a lets anyone make such names offline, and verify of
 * 20,000 of them went quadratic (106 s). Here the names collide in the low 16 bits of
 * FNV-1a from its standard basis (a table of 65,536 slots), made by meet-in-the-middle.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { hashBytes } from '../src/digest/name-index';
import { checkFileNames } from '../src/names';
import { REPO } from './helpers/cli';

const P = 0x01000193;
const P_INV = (() => {
  // The inverse of the FNV prime modulo 2^16 (Newton's iteration for odd numbers).
  let x = P;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(P, x));
  return x & 0xffff;
})();
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function words(length: number): string[] {
  let out = [''];
  for (let i = 0; i < length; i++) out = out.flatMap((w) => [...ALPHABET].map((c) => w + c));
  return out;
}

/** `count` 8-character names whose unseeded FNV-1a agrees in its low 16 bits. */
function collidingNames(count: number): string[] {
  const forward = new Map<number, string[]>();
  for (const w of words(4)) {
    let h = 0x811c9dc5;
    for (const c of w) h = Math.imul(h ^ c.charCodeAt(0), P);
    const k = h & 0xffff;
    const list = forward.get(k) ?? [];
    list.push(w);
    forward.set(k, list);
  }
  const target = 0x1234;
  const out: string[] = [];
  for (const w of words(3).map((x) => `${x}a`)) {
    // Run the last four steps backwards from the target.
    let h = target;
    for (let i = w.length - 1; i >= 0; i--) h = (Math.imul(h, P_INV) & 0xffff) ^ w.charCodeAt(i);
    for (const prefix of forward.get(h & 0xffff) ?? []) {
      out.push(prefix + w);
      if (out.length === count) return out;
    }
  }
  return out;
}

function unseeded(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name)) h = Math.imul(h ^ b, P);
  return h & 0xffff;
}

describe('the slot hash of packed name tables', () => {
  const names = collidingNames(20_000);

  it('spreads names crafted to collide under unseeded FNV-1a', () => {
    expect(names).toHaveLength(20_000);
    expect(new Set(names.map(unseeded)).size).toBe(1); // they do collide without a seed
    expect(new Set(names.map((n) => hashBytes(Buffer.from(n)) & 0xffff)).size).toBeGreaterThan(12_000);
    expect(() => checkFileNames(names.map((n) => `d/${n}`).sort(), 'MANIFEST_INVALID')).not.toThrow();
  });

  it('is seeded per process: the same name hashes differently in another process', () => {
    const script = `const { hashBytes } = require(${JSON.stringify(path.join(REPO, 'dist', 'digest', 'name-index.js'))}); process.stdout.write(String(hashBytes(Buffer.from('model.safetensors'))))`;
    const runs = new Set(Array.from({ length: 4 }, () => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout));
    expect(runs.size).toBeGreaterThan(1);
  });
});
