import { foldKey, lookKey, normalizeName } from './confusables';
import { damerauLevenshtein } from './distance';
import { isGlob, matchesGlob } from '../policy/glob';
import { isDeliberateVariant } from './variant';
import { quoted } from '../names';

/**
 * Why a name was flagged:
 * - case-separator: the same name up to case and -_. separators (Llama-2-7b / llama_2_7b)
 * - confusable: the same name up to look-alike characters (Cyrillic а, Greek ο, I/l, rn/m)
 * - digit-letter: the same name up to digits that pass for letters (1/l, 0/o)
 * - namespace: the same or a near name under another namespace (dependency confusion)
 * - edit-distance: within Damerau–Levenshtein 2 (1 for short names) of the folded form,
 *   and not explained as a deliberate variant (another size, version or tuning)
 */
export type NameReason = 'case-separator' | 'confusable' | 'digit-letter' | 'namespace' | 'edit-distance';

export interface NameMatch {
  /** The pinned name or trusted policy pattern the name is close to. */
  target: string;
  source: 'pinned' | 'policy';
  reasons: NameReason[];
  /** Edit distance on the folded forms, for edit-distance matches. */
  distance?: number;
}

export interface NameCheck {
  name: string;
  /** The name is pinned exactly: it is the artifact the user chose. */
  pinned: boolean;
  /** Trusted policy patterns the name matches exactly. */
  trustedBy: string[];
  flagged: boolean;
  matches: NameMatch[];
}

export interface CheckNameOptions {
  /** Names pinned in the lock file. */
  pinned?: Iterable<string>;
  /** Artifact name patterns the policy trusts (globs: * within a segment, ** across). */
  trustedPatterns?: Iterable<string>;
}

interface Parsed {
  raw: string;
  namespace?: string;
  model: string;
}

/** Splits after separator look-alikes are folded: `meta-llama∕Llama` splits like `meta-llama/Llama`. */
function parse(name: string): Parsed {
  const n = normalizeName(name);
  const i = n.lastIndexOf('/');
  return i < 0 ? { raw: n, model: n } : { raw: n, namespace: n.slice(0, i), model: n.slice(i + 1) };
}

/** The edit budget for a reference of this (skeleton) length: short names would match nearly anything. */
function budget(s: string): number {
  const n = Array.from(lookKey(s)).length;
  return n <= 3 ? 0 : n <= 5 ? 1 : 2;
}

/** Same text up to folding or look-alikes: which reason, or undefined. */
function lookAlike(a: string, b: string): NameReason | undefined {
  if (foldKey(a) === foldKey(b)) return 'case-separator';
  if (lookKey(a, false) === lookKey(b, false)) return 'confusable';
  if (lookKey(a) === lookKey(b)) return 'digit-letter';
  return undefined;
}

/** Near but not a deliberate variant: the edit distance, or undefined. */
function nearEdit(a: string, b: string): number | undefined {
  const max = budget(b);
  if (max === 0) return undefined;
  const d = damerauLevenshtein(lookKey(a), lookKey(b), max);
  if (d === 0 || d > max) return undefined;
  return isDeliberateVariant(a, b) ? undefined : d;
}

/**
 * A namespace that imitates another: look-alike, the same up to digits (TheBloke2,
 * mistralai2), or one edit away (mistrai, facebok). No "deliberate variant" excuse:
 * a namespace is an identity, not a version.
 */
function nearNamespace(a: string, b: string): { reason: NameReason; distance?: number } | undefined {
  const same = lookAlike(a, b);
  if (same) return { reason: same };
  const ka = lookKey(a);
  const kb = lookKey(b);
  if (ka.replace(/[0-9]+/g, '') === kb.replace(/[0-9]+/g, '') && ka !== kb) return { reason: 'edit-distance', distance: damerauLevenshtein(ka, kb) };
  if (Array.from(kb).length < 4) return undefined;
  return damerauLevenshtein(ka, kb, 1) === 1 ? { reason: 'edit-distance', distance: 1 } : undefined;
}

type Relation = Omit<NameMatch, 'target' | 'source'>;
const unique = (reasons: NameReason[]): NameReason[] => [...new Set(reasons)];

/** How a candidate relates to one reference name (pinned, or a literal policy pattern). */
export function compareNames(candidate: string, reference: string): Relation | undefined {
  if (candidate === reference) return undefined;
  const c = parse(candidate);
  const r = parse(reference);
  const sameModel = c.model === r.model ? undefined : lookAlike(c.model, r.model);
  const confused = c.model === r.model || sameModel !== undefined;
  if (c.namespace !== undefined && r.namespace !== undefined && c.namespace !== r.namespace) {
    const ns = nearNamespace(c.namespace, r.namespace);
    if (ns && confused) return { reasons: unique([ns.reason, ...(sameModel ? [sameModel] : []), 'namespace']), ...(ns.distance ? { distance: ns.distance } : {}) };
    // The same or a look-alike name under an unrelated namespace: dependency confusion.
    if (confused) return { reasons: sameModel ? ['namespace', sameModel] : ['namespace'] };
    if (ns) {
      const d = nearEdit(c.model, r.model);
      if (d !== undefined) return { reasons: unique([ns.reason, 'edit-distance', 'namespace']), distance: d };
    }
    return undefined;
  }
  if (c.namespace !== r.namespace) {
    // One name is unqualified: it resolves in whatever namespace wins.
    if (confused) return { reasons: sameModel ? ['namespace', sameModel] : ['namespace'] };
    const d = nearEdit(c.model, r.model);
    return d !== undefined ? { reasons: ['edit-distance', 'namespace'], distance: d } : undefined;
  }
  // The same once separator and invisible look-alikes are folded (meta-llama∕Llama-2-7b).
  if (c.model === r.model) return { reasons: ['confusable'] };
  if (sameModel) return { reasons: [sameModel] };
  const d = nearEdit(c.model, r.model);
  return d !== undefined ? { reasons: ['edit-distance'], distance: d } : undefined;
}

/** A pattern with nothing literal in it (`**`, `*` then `/*`) says nothing about which names are trusted. */
function isPureWildcard(pattern: string): boolean {
  return !/[\p{L}\p{N}]/u.test(pattern);
}

/** How a candidate relates to a trusted glob with a literal namespace (meta-llama/*): a look-alike namespace. */
function compareToPattern(candidate: string, pattern: string): Relation | undefined {
  if (!isGlob(pattern)) return compareNames(candidate, pattern);
  const p = parse(pattern);
  const c = parse(candidate);
  // Matches only once separator and invisible look-alikes are folded: a look-alike of a trusted name.
  if (matchesGlob(pattern, c.raw)) return { reasons: ['confusable', 'namespace'] };
  if (p.namespace === undefined || isGlob(p.namespace) || c.namespace === undefined || c.namespace === p.namespace) return undefined;
  const ns = nearNamespace(c.namespace, p.namespace);
  return ns ? { reasons: unique([ns.reason, 'namespace']), ...(ns.distance ? { distance: ns.distance } : {}) } : undefined;
}

/**
 * Checks a name that is about to be used against the pinned names and the name
 * patterns the policy trusts. A pinned name is never flagged; any other name that
 * is close to a pinned name, or close to a trusted pattern without matching one,
 * is flagged with the reasons.
 */
export function checkName(name: string, options: CheckNameOptions = {}): NameCheck {
  const pinned = [...new Set(options.pinned ?? [])];
  const patterns = [...new Set(options.trustedPatterns ?? [])].filter((p) => !isPureWildcard(p));
  if (pinned.includes(name)) return { name, pinned: true, trustedBy: patterns.filter((p) => matchesGlob(p, name)), flagged: false, matches: [] };

  const matches: NameMatch[] = [];
  for (const target of pinned) {
    const m = compareNames(name, target);
    if (m) matches.push({ target, source: 'pinned', ...m });
  }
  const trustedBy = patterns.filter((p) => matchesGlob(p, name));
  if (trustedBy.length === 0) {
    for (const target of patterns) {
      const m = compareToPattern(name, target);
      if (m) matches.push({ target, source: 'policy', ...m });
    }
  }
  return { name, pinned: false, trustedBy, flagged: matches.length > 0, matches };
}

const REASON_TEXT: Record<NameReason, string> = {
  'case-separator': 'differs only in case or separators',
  confusable: 'uses look-alike characters',
  'digit-letter': 'swaps digits and look-alike letters',
  namespace: 'same name under another namespace',
  'edit-distance': 'a small edit away',
};

/** One readable line per match: `near pinned "meta-llama/Llama-2-7b": differs only in case or separators`. */
export function describeMatch(m: NameMatch): string {
  const why = m.reasons.map((r) => (r === 'edit-distance' && m.distance !== undefined ? `${REASON_TEXT[r]} (distance ${m.distance})` : REASON_TEXT[r]));
  return `near ${m.source === 'pinned' ? 'pinned' : 'trusted'} ${quoted(m.target)}: ${why.join('; ')}`;
}
