import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { ModelsealError, type ErrorCode } from '../errors';
import type { HashAlgorithm } from '../digest/algorithms';
import type { Manifest } from '../digest/manifest';
import type { LineageGraph, LineageNode, NodeSigner } from '../lineage/lineage-types';
import { parseShardName } from '../statement/oms';
import { toolVersion } from '../util/tool-version';
import type { CdxComponent, CdxDependency, CdxExternalReference, CdxHashAlg, CdxProperty, CycloneDxBom } from './cyclonedx-types';
import { quoted } from '../names';

export const CYCLONEDX_SPEC_VERSION = '1.6';
const SCHEMA_URL = 'http://cyclonedx.org/schema/bom-1.6.schema.json';
/** Property names are ours; CycloneDX asks for a namespace prefix. */
const NS = 'modelseal:';

export interface MlBomOptions {
  /** The BOM's timestamp (default now). */
  now?: Date;
  /** A fixed `urn:uuid:` serial number (default a random one). */
  serialNumber?: string;
  /** Signature and attestation files are referenced relative to this folder (default the current folder); give the BOM file's folder. */
  baseDir?: string;
}

const HASH_ALG: Record<HashAlgorithm, CdxHashAlg> = { sha256: 'SHA-256', blake2b: 'BLAKE2b-512', blake3: 'BLAKE3' };

/** The bom-ref of an artifact: its OMS root digest, the only identity lineage knows. */
export function bomRefOf(digest: string): string {
  return `sha256:${digest}`;
}

function short(d: string): string {
  return `sha256:${d.slice(0, 12)}`;
}

function isData(n: LineageNode): boolean {
  return n.kind !== undefined ? n.kind === 'dataset' : n.role === 'dataset';
}

/** A relative URI reference (POSIX separators, each segment percent-encoded) to a local file. */
function fileReference(file: string, baseDir: string): string {
  const rel = path.relative(baseDir, file) || path.basename(file);
  return rel.split(path.sep).map(encodeURIComponent).join('/');
}

function prop(name: string, value: string): CdxProperty {
  return { name: NS + name, value };
}

/** One `file` sub-component per signed resource; a shard `path:start:end` names its file and keeps its range as a property. */
function fileComponents(manifest: Manifest): CdxComponent[] {
  const alg = HASH_ALG[manifest.serialization.hashType];
  return manifest.resources.map((r) => {
    const shard = manifest.serialization.method === 'shards' ? parseShardName(r.name) : null;
    return {
      type: 'file' as const,
      name: shard ? shard.path : r.name,
      hashes: [{ alg, content: r.digest }],
      ...(shard ? { properties: [prop('shard', `${shard.start}-${shard.end}`)] } : {}),
    };
  });
}

function evidenceReference(s: NodeSigner, baseDir: string): CdxExternalReference {
  const what = s.evidence === 'signature' ? 'OMS signature' : 'SLSA provenance';
  return {
    type: s.evidence === 'signature' ? 'digital-signature' : 'attestation',
    url: fileReference(s.file, baseDir),
    comment: `${what} verified by modelseal: signer ${JSON.stringify(s.signer)}${s.keyHint ? `, key ${s.keyHint}` : ''}`,
    hashes: [{ alg: 'SHA-256', content: s.fileSha256 }],
  };
}

/** The ancestor as a reference: its full entry (with the bom-ref) is a top-level component, and bom-refs must be unique. */
function ancestorStub(n: LineageNode): CdxComponent {
  return { type: isData(n) ? 'data' : 'machine-learning-model', name: n.name, hashes: [{ alg: 'SHA-256', content: n.digest }], properties: [prop('bom-ref', bomRefOf(n.digest))] };
}

function componentOf(n: LineageNode, byDigest: Map<string, LineageNode>, baseDir: string): CdxComponent {
  const data = isData(n);
  const ancestors = n.followed ? n.dependencies.map((d) => byDigest.get(d.sha256)!) : [];
  const datasets = ancestors.filter(isData);
  const properties: CdxProperty[] = [prop('role', n.role)];
  if (n.kind) properties.push(prop('kind', n.kind));
  if (n.builderId) properties.push(prop('builder', n.builderId));
  for (const signer of new Set(n.signers.map((s) => s.signer))) properties.push(prop('signer', signer));
  if (n.rule) properties.push(prop('policy-rule', n.rule));
  if (n.trustedRoot) properties.push(prop('lineage-root', 'true'));
  if (n.manifest) properties.push(prop('serialization', `${n.manifest.serialization.method}/${n.manifest.serialization.hashType}`));
  const externalReferences: CdxExternalReference[] = n.signers.map((s) => evidenceReference(s, baseDir));
  for (const r of n.references) {
    if (r.role !== 'source' || r.uri === undefined) continue;
    externalReferences.push({ type: 'source-distribution', url: r.uri, comment: 'build source named by the provenance (bound by digest; not fetched by modelseal)', hashes: [{ alg: 'SHA-256', content: r.sha256 }] });
  }
  return {
    type: data ? 'data' : 'machine-learning-model',
    'bom-ref': bomRefOf(n.digest),
    name: n.name,
    hashes: [{ alg: 'SHA-256', content: n.digest }],
    ...(data ? { data: [{ type: 'dataset' as const, name: n.name }] } : {}),
    ...(!data && datasets.length ? { modelCard: { modelParameters: { datasets: datasets.map((d) => ({ ref: bomRefOf(d.digest) })) } } } : {}),
    ...(ancestors.length ? { pedigree: { ancestors: ancestors.map(ancestorStub) } } : {}),
    externalReferences,
    ...(n.manifest ? { components: fileComponents(n.manifest) } : {}),
    properties,
  };
}

/** Refuses a graph that is not wholly verified: a BOM never lists what was not checked. */
function checkVerified(graph: LineageGraph, byDigest: Map<string, LineageNode>): void {
  if (!byDigest.has(graph.digest)) throw new ModelsealError('LINEAGE_BROKEN', `the lineage graph has no node for its artifact ${short(graph.digest)}`, { file: graph.artifact });
  for (const n of graph.nodes) {
    const at = `lineage node "${n.name}" (${short(n.digest)})`;
    if (n.status !== 'verified') {
      throw new ModelsealError((n.error?.code as ErrorCode | undefined) ?? 'LINEAGE_BROKEN', `${at} is not verified${n.error ? `: ${n.error.message}` : ''}; no BOM is written for a lineage that does not verify`);
    }
    if (n.signers.length === 0) throw new ModelsealError('LINEAGE_BROKEN', `${at} has no verified signer`);
    if (!n.followed && !n.trustedRoot && n.dependencies.length > 0) {
      throw new ModelsealError('LINEAGE_BROKEN', `${at} names dependencies that were not followed: verify with the lineage (lineage: true) before building a BOM`);
    }
    for (const d of n.followed ? n.dependencies : []) {
      if (byDigest.get(d.sha256)?.status !== 'verified') throw new ModelsealError('LINEAGE_BROKEN', `${at} depends on ${short(d.sha256)}, which is not a verified node of the graph`);
    }
  }
}

/**
 * A CycloneDX 1.6 ML-BOM of a verified lineage graph: the artifact is
 * `metadata.component`, every other node a top-level component, lineage edges are
 * `pedigree.ancestors` (and the `dependencies` graph), per-file digests are `file`
 * sub-components. Throws if any node is not verified.
 */
export function buildMlBom(graph: LineageGraph, options: MlBomOptions = {}): CycloneDxBom {
  const byDigest = new Map(graph.nodes.map((n) => [n.digest, n]));
  checkVerified(graph, byDigest);
  const serialNumber = options.serialNumber ?? `urn:uuid:${randomUUID()}`;
  if (!/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(serialNumber)) {
    throw new ModelsealError('USAGE_ERROR', `serial number ${quoted(serialNumber)} is not a lowercase urn:uuid`);
  }
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const top = byDigest.get(graph.digest)!;
  const components = graph.nodes.filter((n) => n !== top).map((n) => componentOf(n, byDigest, baseDir));
  // Only nodes whose dependencies were followed get an entry: a lineage root's own inputs are unknown, not absent.
  const dependencies: CdxDependency[] = graph.nodes
    .filter((n) => n.followed)
    .map((n) => ({ ref: bomRefOf(n.digest), dependsOn: [...new Set(n.dependencies.map((d) => bomRefOf(d.sha256)))] }));
  return {
    $schema: SCHEMA_URL,
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber,
    version: 1,
    metadata: {
      timestamp: (options.now ?? new Date()).toISOString(),
      tools: { components: [{ type: 'application', name: 'modelseal', version: toolVersion() }] },
      component: componentOf(top, byDigest, baseDir),
      properties: [prop('lineage', 'verified')],
    },
    components,
    dependencies,
  };
}

/** The BOM as written: two-space JSON with a final newline. */
export function serializeMlBom(bom: CycloneDxBom): string {
  return JSON.stringify(bom, null, 2) + '\n';
}
