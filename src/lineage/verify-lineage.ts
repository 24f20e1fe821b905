import { quoted } from '../names';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError } from '../errors';
import type { OmsStatement } from '../statement/oms';
import { parseProvenance, type Provenance } from '../statement/provenance';
import { parseStatement } from '../statement/statement';
import { readOwnStatement } from '../sign/signed-digest';
import { digestArtifact } from '../digest-artifact';
import { defaultSignaturePath } from '../sign/signature-path';
import { subjectNameOf } from '../sign/subject-name';
import { HashCache, matchFiles } from '../verify/match-files';
import { walkWhileReading } from '../verify/verify-artifact';
import type { WalkAhead } from '../digest/walk-ahead';
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_DEPTH, type ArtifactRule, type Policy } from '../policy/policy-types';
import { ruleForNames } from '../policy/rules';
import { checkProvenanceTimes } from '../statement/provenance';
import { verifyBundleAgainstSigners, type SignerMatch } from '../policy/verify-signers';
import { checkEvalRequirements, type EvalCheck } from '../eval/check-eval';
import { nearNameRefusal } from '../guard/near-name-refusal';
import { besideEvidence, evidenceBundle, indexAttestationFolders, loadWithArtifact, OMS_V1, withDigest, type Evidence, type EvidenceIndex, type WithArtifact } from './evidence';
import type { LineageEvaluation, LineageGraph, LineageNode, LineageOptions, NodeDependency, NodeSigner } from './lineage-types';

const DAY_MS = 86_400_000;

interface Context {
  policy: Policy;
  index: EvidenceIndex;
  withArtifacts: WithArtifact[];
  nodes: Map<string, LineageNode>;
  /** Longest path below each verified node, for the depth limit on shared nodes. */
  heights: Map<string, number>;
  roots: Set<string>;
  maxDepth: number;
  now: Date;
  /** Artifacts are hashed once per evaluation, however many signatures point at them. */
  cache: HashCache;
  /** Provenance times may be this far ahead of `now` (clock skew). */
  skewMs: number;
}

interface VerifiedEvidence {
  evidence: Evidence;
  /** Every policy signer name that holds the verifying key or identity. */
  signers: string[];
  keyHint?: string;
  oms?: OmsStatement;
  provenance?: Provenance;
}

interface NodeInput {
  digest: string;
  name: string;
  role: LineageNode['role'];
  path?: string;
  /** For the artifact itself: the files' digest as computed (may differ from a signature's claim). */
  evidence: Evidence[];
  depth: number;
  stack: string[];
  /** The artifact's rule (top node only; dependencies find theirs by ruleNames). */
  rule?: ArtifactRule;
  /**
   * Names that may select a dependency's rule, deployer side first: the parent's
   * binding, then the --with artifact's path. Never the dependency's own signature.
   */
  ruleNames?: string[];
  /** Follow the provenance of the top node (dependencies that are not roots are always followed). */
  follow?: boolean;
  /** A walk of `path` started while its signature was read (top node: match-files takes it where it equals the signed walk). */
  walkAhead?: WalkAhead;
  /** A human label for the node that needs this one. */
  neededBy?: string;
}

function short(d: string): string {
  return `sha256:${d.slice(0, 12)}`;
}

function label(n: { name: string; digest: string; role: LineageNode['role'] }): string {
  const role = n.role === 'artifact' ? '' : `${n.role === 'base_model' ? 'base model' : 'dataset'} `;
  return `${role}${quoted(n.name)} (${short(n.digest)})`;
}

/** Re-throws an error with the node named first, keeping its code. */
function atNode(node: LineageNode, err: unknown): ModelsealError {
  const e = err instanceof ModelsealError ? err : new ModelsealError('INTERNAL_ERROR', String((err as Error)?.message ?? err));
  node.status = 'failed';
  if (!node.error) node.error = { code: e.code, message: e.message };
  if ((e as ModelsealError & { lineageNode?: string }).lineageNode) return e;
  return withFile(new ModelsealError(e.code, `lineage node ${label(node)}: ${e.message}`, { details: { node: node.digest, name: node.name }, cause: e }), e.file, node.digest);
}

/** Keeps the file of the original error without printing it twice (the message already names it). */
function withFile(err: ModelsealError, file: string | undefined, lineageNode?: string): ModelsealError {
  if (file !== undefined) Object.defineProperty(err, 'file', { value: file, enumerable: true });
  if (lineageNode !== undefined) Object.defineProperty(err, 'lineageNode', { value: lineageNode });
  return err;
}

/** Verifies one piece of evidence against every signer the policy defines; throws if none signed it. */
function identify(ctx: Context, ev: Evidence, expectedDigest: string): VerifiedEvidence {
  const out = ev.type === 'signature' ? identifiedInRead(ctx, ev) : undefined;
  return checkSubject(ev, out ?? identifyNow(ctx, ev), expectedDigest);
}

/** A model signature this run verified as it read it (beside the artifact): the same bytes, not read again. */
function identifiedInRead(ctx: Context, ev: Evidence): VerifiedEvidence | undefined {
  const read = ctx.cache.verifiedRead(ev.file, ev.fileSha256);
  if (!read?.verification) return undefined;
  if ('error' in read.verification) throw read.verification.error;
  const match = read.verification.value as SignerMatch;
  if (read.method !== match.verified.method || read.oms === undefined) return undefined;
  if (read.oms instanceof ModelsealError) throw read.oms;
  return { evidence: ev, signers: match.signers.map((s) => s.name), keyHint: match.verified.keyHint, oms: read.oms };
}

/** Reads the evidence again (it must be the bytes classified), verifies it and reads its statement. */
function identifyNow(ctx: Context, ev: Evidence): VerifiedEvidence {
  const bundle = evidenceBundle(ev);
  const match = verifyBundleAgainstSigners(bundle, [...ctx.policy.signers.values()], ev.file);
  const out: VerifiedEvidence = { evidence: ev, signers: match.signers.map((s) => s.name), keyHint: match.verified.keyHint };
  // A model signature is read as verify reads it: its resources packed as they are parsed.
  if (ev.type === 'signature') out.oms = ctx.cache.omsStatement(bundle.envelope.payload, ev.fileSha256, match.verified.method, ev.file);
  else out.provenance = parseProvenance(parseStatement(bundle.envelope.payload, ev.file), ev.file);
  return out;
}

function checkSubject(ev: Evidence, out: VerifiedEvidence, expectedDigest: string): VerifiedEvidence {
  const subject = out.oms?.manifest.rootDigest ?? out.provenance!.subjectDigest;
  if (subject !== expectedDigest) {
    const what = ev.type === 'signature' ? 'signature' : 'provenance';
    const about = out.oms?.subjectName ?? out.provenance?.subjectName;
    throw new ModelsealError('SUBJECT_MISMATCH', `this ${what} is about another artifact${about ? ` ("${about}")` : ''}: its subject is ${short(subject)}, not ${short(expectedDigest)}`, { file: ev.file });
  }
  return out;
}

/** Whether any bundle of the attestation folders verifies for a signer of the policy (whatever its subject). */
function anyKnownSigner(ctx: Context): boolean {
  const signers = [...ctx.policy.signers.values()];
  for (const list of ctx.index.byDigest.values()) {
    for (const ev of list) {
      try {
        verifyBundleAgainstSigners(evidenceBundle(ev), signers, ev.file);
        return true;
      } catch {
        // not by a known signer (or unreadable): it cannot be used, whatever the digest
      }
    }
  }
  return false;
}

/** The same bundle may sit beside an artifact and in an attestation folder: count it once (the first, beside, wins). */
function dedupe(list: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    if (seen.has(e.envelopeSha256)) return false;
    seen.add(e.envelopeSha256);
    return true;
  });
}

function checkProvenanceAgainstRule(p: Provenance, rule: ArtifactRule, ctx: Context, file: string): void {
  checkProvenanceTimes(p, ctx.now, ctx.skewMs, file);
  if (rule.kinds && !rule.kinds.includes(p.kind)) {
    throw new ModelsealError('POLICY_DENIED', `kind ${quoted(p.kind)} is not allowed by the rule ${quoted(rule.name)} (allowed: ${rule.kinds.join(', ')})`, { file });
  }
  if (rule.builders && !rule.builders.includes(p.builderId)) {
    throw new ModelsealError('POLICY_DENIED', `builder ${quoted(p.builderId)} is not allowed by the rule ${quoted(rule.name)} (allowed: ${rule.builders.join(', ')})`, { file });
  }
  if (rule.maxAgeDays !== undefined) {
    const when = p.finishedOn ?? p.startedOn;
    if (!when) throw new ModelsealError('ATTESTATION_EXPIRED', `the rule ${quoted(rule.name)} sets maxAgeDays, but the provenance has no finishedOn time`, { file });
    const age = (ctx.now.getTime() - when.getTime()) / DAY_MS;
    if (age > rule.maxAgeDays) {
      throw new ModelsealError('ATTESTATION_EXPIRED', `the provenance finished on ${when.toISOString()}, ${Math.floor(age)} days ago, over the rule's maxAgeDays ${rule.maxAgeDays}`, { file });
    }
  }
}

async function evaluateNode(ctx: Context, input: NodeInput): Promise<LineageNode> {
  const node: LineageNode = {
    digest: input.digest,
    name: input.name,
    role: input.role,
    ...(input.path ? { path: input.path } : {}),
    signers: [],
    filesChecked: false,
    trustedRoot: false,
    followed: false,
    status: 'pending',
    dependencies: [],
    references: [],
    notes: [],
  };
  ctx.nodes.set(input.digest, node);
  try {
    await verifyNodeInto(ctx, input, node);
    node.status = 'verified';
    return node;
  } catch (err) {
    throw atNode(node, err);
  }
}

async function verifyNodeInto(ctx: Context, input: NodeInput, node: LineageNode): Promise<void> {
  const isTop = input.depth === 0;
  const found = dedupe([...input.evidence, ...(ctx.index.byDigest.get(input.digest) ?? [])]);
  if (found.length === 0) {
    const places = [...(input.path ? [`beside ${input.path}`] : []), ...(ctx.index.folders.length ? [`in ${ctx.index.folders.join(', ')}`] : [])];
    const where = places.length ? places.join(' or ') : 'anywhere (give --attestations DIR or --with DIR)';
    throw new ModelsealError(isTop ? 'SIGNATURE_NOT_FOUND' : 'LINEAGE_BROKEN', `no signature or provenance found ${where}${input.neededBy ? `; it is needed by ${input.neededBy}` : ''}`);
  }

  // Who signed what. Evidence beside a given artifact must verify; extra bundles in
  // attestation folders that no policy signer made are noted and left out.
  const verified: VerifiedEvidence[] = [];
  for (const ev of found) {
    try {
      verified.push(identify(ctx, ev, input.digest));
    } catch (err) {
      const code = (err as ModelsealError).code;
      if (ev.origin === 'beside' || (code !== 'UNTRUSTED_SIGNER' && code !== 'UNSUPPORTED_MATERIAL')) throw err;
      node.notes.push(`ignored ${ev.file}: ${(err as Error).message}`);
    }
  }
  if (verified.length === 0) {
    throw new ModelsealError('UNTRUSTED_SIGNER', `none of its signatures or provenances is signed by a signer the policy knows (${found.map((e) => e.file).join(', ')})`);
  }

  // The files, when we have them, must be what every signature about them lists (names and digests).
  if (input.path) {
    for (const v of verified) {
      if (v.oms) await matchFiles(input.path, v.oms.manifest, v.evidence.file, { cache: ctx.cache, walkAhead: input.walkAhead });
    }
    node.filesChecked = verified.some((v) => v.oms);
  }

  const named = verified.find((v) => v.oms)?.oms?.subjectName || verified.find((v) => v.provenance?.subjectName)?.provenance?.subjectName;
  if (!isTop && named) node.name = named;

  // A dependency signed by a lineage root ends its path.
  if (!isTop) {
    const rootSigned = verified.filter((v) => v.signers.some((n) => ctx.roots.has(n)));
    if (rootSigned.length > 0) {
      node.trustedRoot = true;
      requireSignedNames(rootSigned, input);
      for (const v of rootSigned) node.signers.push(signerOf(v, (n) => ctx.roots.has(n)));
      recordManifest(node, rootSigned);
      const p = rootSigned.find((v) => v.provenance)?.provenance;
      if (p) {
        checkProvenanceTimes(p, ctx.now, ctx.skewMs, rootSigned.find((v) => v.provenance)!.evidence.file);
        recordProvenance(node, p);
      }
      checkRoleMatchesKind(node);
      ctx.heights.set(node.digest, 0);
      return;
    }
  }

  const rule = input.rule ?? ruleForNames(ctx.policy, input.ruleNames ?? [], `dependency ${label(node)}`);
  node.rule = rule.name;
  const allowed = new Set(rule.signers);
  const accepted: VerifiedEvidence[] = [];
  for (const v of verified) {
    if (v.signers.some((n) => allowed.has(n))) accepted.push(v);
    else if (v.evidence.origin === 'beside') {
      throw new ModelsealError('UNTRUSTED_SIGNER', `is signed by ${v.signers.map((n) => quoted(n)).join(' = ')}, who may not sign or attest it (rule ${quoted(rule.name)} allows ${rule.signers.join(', ')})`, { file: v.evidence.file });
    } else node.notes.push(`ignored ${v.evidence.file}: signed by ${v.signers.map((n) => quoted(n)).join(' = ')}, not allowed by rule ${quoted(rule.name)}`);
  }
  if (accepted.length === 0) {
    const by = [...new Set(verified.flatMap((v) => v.signers))].join(', ');
    throw new ModelsealError('UNTRUSTED_SIGNER', `is signed only by ${by}, who may not sign or attest it (rule ${quoted(rule.name)} allows ${rule.signers.join(', ')}${isTop ? '' : `; lineage roots are ${[...ctx.roots].join(', ') || 'none'}`})`);
  }
  requireSignedNames(accepted, input);
  for (const v of accepted) node.signers.push(signerOf(v, (n) => allowed.has(n)));
  recordManifest(node, accepted);

  const provenances = accepted.filter((v) => v.provenance);
  if (provenances.length === 0 && (rule.kinds || rule.builders)) {
    throw new ModelsealError('POLICY_DENIED', `the rule ${quoted(rule.name)} restricts kinds or builders, but no provenance from an allowed signer was found`);
  }
  for (const v of provenances) {
    checkProvenanceAgainstRule(v.provenance!, rule, ctx, v.evidence.file);
    recordProvenance(node, v.provenance!);
  }
  checkRoleMatchesKind(node);

  const follow = isTop ? input.follow === true : true;
  if (!follow) {
    ctx.heights.set(node.digest, 0);
    return;
  }
  if (ctx.roots.size === 0) throw new ModelsealError('POLICY_DENIED', `lineage verification needs lineage roots, but the rule ${quoted(rule.name)} names none (add roots: [...])`);
  if (provenances.length === 0) {
    throw new ModelsealError(isTop ? 'POLICY_DENIED' : 'LINEAGE_BROKEN', isTop
      ? `its lineage must be verified, but it has no provenance from an allowed signer (looked for provenance.sig beside it and in the attestation folders)`
      : `is not signed by a lineage root (${[...ctx.roots].join(', ')}) and has no provenance to follow`);
  }
  node.followed = true;
  if (node.dependencies.length === 0) {
    throw new ModelsealError('LINEAGE_BROKEN', `its provenance names no base model or dataset to follow, and it is not signed by a lineage root (${[...ctx.roots].join(', ')})`);
  }
  let height = 0;
  for (const dep of node.dependencies) {
    const child = await followDependency(ctx, node, dep, input);
    height = Math.max(height, 1 + (ctx.heights.get(child.digest) ?? 0));
  }
  ctx.heights.set(node.digest, height);
}

/**
 * A digest bound as a base model must not be attested as a dataset, nor one bound as a
 * dataset as a model (dependency confusion: the parent's provenance would describe a
 * different kind of input than the one that was used). Unknown kinds (no provenance) pass.
 */
function checkRoleMatchesKind(node: LineageNode): void {
  if (node.role === 'artifact' || node.kind === undefined) return;
  const isDataset = node.kind === 'dataset';
  if ((node.role === 'dataset') !== isDataset) {
    const bound = node.role === 'dataset' ? 'a dataset' : 'a base model';
    throw new ModelsealError('LINEAGE_MISMATCH', `is bound as ${bound}, but its own provenance attests it as kind ${quoted(node.kind)}: a different kind of artifact than the one named`);
  }
}

/**
 * Files at hand must be named by a signature from a signer accepted for this node: a
 * provenance binds only the root digest, which does not cover file names (two files
 * swapping names keep it), so it cannot vouch for files on its own.
 */
function requireSignedNames(accepted: VerifiedEvidence[], input: NodeInput): void {
  if (!input.path || accepted.some((v) => v.oms)) return;
  throw new ModelsealError('FILES_NOT_SIGNED', `its files are at hand, but no accepted signature lists them (a provenance binds only the root digest, which does not cover file names); sign the artifact with \`modelseal sign\``, { file: input.path });
}

/** The signer an accepted piece of evidence counts for: the first of its holders the check allows. */
function signerOf(v: VerifiedEvidence, allowed: (name: string) => boolean): NodeSigner {
  return { signer: v.signers.find(allowed) ?? v.signers[0], evidence: v.evidence.type, file: v.evidence.file, fileSha256: v.evidence.fileSha256, ...(v.keyHint ? { keyHint: v.keyHint } : {}) };
}

/**
 * The signed manifest of an accepted signature, the one the files were checked against
 * (match-files). A manifest computed from the files is never recorded on its own: its
 * root digest does not cover file names, so it cannot stand for the signed one.
 */
function recordManifest(node: LineageNode, accepted: VerifiedEvidence[]): void {
  const manifest = accepted.find((v) => v.oms)?.oms?.manifest;
  // Not enumerable: it can hold thousands of entries, and JSON output and error details stay as they were.
  if (manifest) Object.defineProperty(node, 'manifest', { value: manifest, enumerable: false, writable: true, configurable: true });
}

function recordProvenance(node: LineageNode, p: Provenance): void {
  node.kind ??= p.kind;
  node.builderId ??= p.builderId;
  for (const d of p.dependencies) {
    const rec: NodeDependency = { role: d.role, sha256: d.sha256, ...(d.name !== undefined ? { name: d.name } : {}), ...(d.uri !== undefined ? { uri: d.uri } : {}) };
    const list = d.role === 'base_model' || d.role === 'dataset' ? node.dependencies : node.references;
    if (!list.some((x) => x.sha256 === rec.sha256 && x.role === rec.role)) list.push(rec);
  }
}

async function followDependency(ctx: Context, parent: LineageNode, dep: NodeDependency, parentInput: NodeInput): Promise<LineageNode> {
  const role = dep.role as 'base_model' | 'dataset';
  const depLabel = label({ name: dep.name ?? '_', digest: dep.sha256, role });
  const depth = parentInput.depth + 1;
  if (parentInput.stack.includes(dep.sha256)) {
    const cycle = [...parentInput.stack.slice(parentInput.stack.indexOf(dep.sha256)), dep.sha256].map(short).join(' -> ');
    throw new ModelsealError('LINEAGE_CYCLE', `its provenance names ${depLabel}, which is already on the path: ${cycle}`);
  }
  const seen = ctx.nodes.get(dep.sha256);
  if (seen) {
    if (seen.status !== 'verified') throw new ModelsealError('LINEAGE_BROKEN', `dependency ${depLabel} failed verification`);
    if (seen.role !== role) throw new ModelsealError('LINEAGE_MISMATCH', `its provenance binds ${depLabel}, which another provenance in this lineage binds as ${seen.role === 'dataset' ? 'a dataset' : 'a base model'}: one digest cannot be both`);
    if (depth + (ctx.heights.get(seen.digest) ?? 0) > ctx.maxDepth) throw new ModelsealError('LINEAGE_TOO_DEEP', `the lineage through ${depLabel} is longer than the policy's maxDepth ${ctx.maxDepth}`);
    return seen;
  }
  if (depth > ctx.maxDepth) throw new ModelsealError('LINEAGE_TOO_DEEP', `following ${depLabel} goes past the policy's maxDepth ${ctx.maxDepth}`);

  // The node that needs them has verified: only now is a --with artifact without a signature hashed.
  for (const w of ctx.withArtifacts) await withDigest(w);
  const byDigest = ctx.withArtifacts.find((w) => w.digest === dep.sha256);
  if (!byDigest && dep.name !== undefined) {
    const lookAlike = ctx.withArtifacts.find((w) => w.names.has(dep.name!));
    if (lookAlike) {
      const what = lookAlike.evidence.some((e) => e.type === 'signature') ? 'its own signature names' : 'its files have';
      throw new ModelsealError('LINEAGE_MISMATCH', `${depLabel} is bound by digest, but for the artifact given with --with ${what} ${short(lookAlike.digest!)}: not the one this provenance was made from (swapped or changed)`, { file: lookAlike.path });
    }
  }
  // The parent's binding names it; the --with path only where the binding gives no name.
  const ruleNames = dep.name !== undefined ? [dep.name] : byDigest ? [subjectNameOf(byDigest.path)] : [];
  return evaluateNode(ctx, {
    digest: dep.sha256,
    name: dep.name ?? byDigest?.names.values().next().value ?? '_',
    ruleNames,
    role,
    ...(byDigest ? { path: byDigest.path } : {}),
    evidence: byDigest?.evidence ?? [],
    depth,
    stack: [...parentInput.stack, dep.sha256],
    neededBy: label(parent),
  });
}

/**
 * Checks that apply to the verified artifact itself: a name that only looks like a
 * trusted one (typosquat, dependency confusion) must be signed by that name's signers,
 * and the evaluation attestations its rule requires must be there and pass.
 */
function checkTopArtifactGuards(ctx: Context, artifact: string, top: { digest: string; name: string }, rule: ArtifactRule, options: LineageOptions): EvalCheck[] {
  const signers = [...new Set(ctx.nodes.get(top.digest)?.signers.map((s) => s.signer) ?? [])];
  const refusals = (signers.length ? signers : [undefined]).map((s) => nearNameRefusal(top.name, s, ctx.policy));
  if (refusals.every((r) => r !== undefined)) throw refusals[0] as ModelsealError;
  return checkEvalRequirements(artifact, top.digest, rule, ctx.policy, { attestations: options.evals });
}

function graphOf(ctx: Context, artifact: string, top: { digest: string; name: string; rule: string }): LineageGraph {
  const nodes = [...ctx.nodes.values()];
  return { artifact: path.resolve(artifact), digest: top.digest, name: top.name, rule: top.rule, nodes, skipped: ctx.index.skipped };
}

/**
 * Verifies an artifact and, as the policy asks, its whole lineage, and returns the
 * graph with each node's status; on refusal `ok` is false and `error` names the node.
 * Never throws for a refusal (so the graph can be shown); throws for bad input.
 */
export async function evaluateLineage(artifact: string, policy: Policy, options: LineageOptions = {}): Promise<LineageEvaluation> {
  if (!fs.existsSync(artifact)) throw new ModelsealError('PATH_NOT_FOUND', 'no such file or directory', { file: artifact });
  // Signatures read through the cache (beside an artifact) are verified in that one read.
  const signers = [...policy.signers.values()];
  const cache = new HashCache({ verifyBundle: (bundle, file, statement) => (OMS_V1.test(statement.predicateType) ? verifyBundleAgainstSigners(bundle, signers, file) : undefined) });
  const index = indexAttestationFolders(options.attestations ?? []);
  const withArtifacts = (options.with ?? []).map((w) => loadWithArtifact(w, cache));
  const signature = options.signature ?? defaultSignaturePath(artifact);
  const ctx: Context = {
    policy,
    index,
    withArtifacts,
    nodes: new Map(),
    heights: new Map(),
    roots: new Set(),
    maxDepth: DEFAULT_MAX_DEPTH,
    now: options.now ?? new Date(),
    cache,
    skewMs: (policy.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS) * 1000,
  };
  const top = { digest: '', name: options.name ?? subjectNameOf(artifact), rule: '' };
  // As verify --key does: a dataset's folder is walked while its signature is read and verified.
  const walkAhead = walkWhileReading(artifact, path.resolve(signature));
  try {
    const evidence = besideEvidence(artifact, options.signature, options.provenance, cache);
    // The digest the artifact claims (its signature's subject): its files are checked against
    // that signature in evaluateNode, once it is verified (no payload is held while they are hashed).
    const signed = readOwnStatement(signature, cache);
    // Found by its digest only: unless some attestation a policy signer made could be about
    // it, no digest can be signed, and it is refused before its files are hashed.
    if (!signed && evidence.length === 0 && !anyKnownSigner(ctx)) {
      throw new ModelsealError('SIGNATURE_NOT_FOUND', `no signature or provenance found beside it${index.folders.length ? `, nor one by a signer the policy knows in ${index.folders.join(', ')}` : ' (give --attestations DIR)'}`, { file: artifact });
    }
    const manifest = signed ? undefined : await digestArtifact(artifact);
    top.digest = signed?.manifest.rootDigest ?? manifest!.rootDigest;
    options.expectDigest?.(top.digest);
    // The rule is picked by the deployer's name (--name, else the path they gave); names the
    // artifact claims for itself may only agree with it, never choose.
    const claimed = options.name !== undefined ? [] : [signed?.subjectName, ...evidence.filter((e) => e.claimedDigest === top.digest).map((e) => e.claimedName)].filter((n): n is string => !!n);
    const rule = ruleForNames(policy, [top.name, ...claimed], 'the artifact');
    top.rule = rule.name;
    ctx.roots = new Set(rule.roots ?? []);
    ctx.maxDepth = rule.maxDepth ?? DEFAULT_MAX_DEPTH;
    const hasProvenance = evidence.some((e) => e.type === 'provenance') || (index.byDigest.get(top.digest) ?? []).some((e) => e.type === 'provenance');
    const follow = options.lineage === true || withArtifacts.length > 0 || rule.lineage === 'required' || (rule.lineage === 'optional' && hasProvenance);
    await evaluateNode(ctx, { digest: top.digest, name: top.name, role: 'artifact', path: path.resolve(artifact), evidence, depth: 0, stack: [top.digest], rule, follow, ...(walkAhead ? { walkAhead } : {}) });
    // Everything given with --with must be part of what was verified: a loader will use it.
    for (const w of withArtifacts) {
      // Its own node, at its path: a copy claiming the same digest was never checked.
      const node = w.digest === undefined ? undefined : ctx.nodes.get(w.digest);
      if (node?.status !== 'verified' || node.path !== w.path) {
        throw new ModelsealError('LINEAGE_MISMATCH', `${w.path}${w.digest ? ` (${short(w.digest)})` : ''} was given with --with but is not part of the verified lineage of "${top.name}"`, { file: w.path });
      }
    }
    const evals = checkTopArtifactGuards(ctx, artifact, top, rule, options);
    return { ok: true, graph: { ...graphOf(ctx, artifact, top), ...(evals.length ? { evals } : {}) } };
  } catch (err) {
    if (!(err instanceof ModelsealError) || err.exitCode !== 1) throw err;
    // Ancestors of the failing node are failed too.
    for (const n of ctx.nodes.values()) if (n.status === 'pending') n.status = 'failed';
    return { ok: false, graph: graphOf(ctx, artifact, top), error: err };
  } finally {
    walkAhead?.cancel();
  }
}

/** Like evaluateLineage, but throws the refusal (a ModelsealError naming the node, with the graph in `details.graph`). */
export async function verifyLineage(artifact: string, policy: Policy, options: LineageOptions = {}): Promise<LineageGraph> {
  const result = await evaluateLineage(artifact, policy, options);
  if (!result.ok) {
    const e = result.error!;
    throw withFile(new ModelsealError(e.code, e.message, { details: { ...(e.details as object), graph: result.graph }, cause: e.cause ?? e }), e.file);
  }
  return result.graph;
}
