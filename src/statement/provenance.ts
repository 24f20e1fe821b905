import { ModelsealError } from '../errors';
import { parseRfc3339 } from '../util/rfc3339';
import { isObject, STATEMENT_TYPE_V1, type ResourceDescriptor, type Statement } from './statement';
import { quoted } from '../names';

/** SLSA Provenance v1 (https://slsa.dev/provenance/v1). */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/** How an artifact was made; each kind has its own documented buildType URI (docs/lineage.md). */
export const BUILD_KINDS = ['train', 'finetune', 'lora', 'quantize', 'merge', 'distill', 'dataset'] as const;
export type BuildKind = (typeof BUILD_KINDS)[number];

const BUILD_TYPE_PREFIX = 'https://modelseal.dev/buildtypes/';

/** The buildType URI of a kind, e.g. `https://modelseal.dev/buildtypes/lora/v1`. */
export function buildTypeFor(kind: BuildKind): string {
  return `${BUILD_TYPE_PREFIX}${kind}/v1`;
}

/** The kind a buildType URI stands for, or undefined if it is not one of ours. */
export function kindOfBuildType(buildType: string): BuildKind | undefined {
  return BUILD_KINDS.find((k) => buildTypeFor(k) === buildType);
}

export function isBuildKind(k: string): k is BuildKind {
  return (BUILD_KINDS as readonly string[]).includes(k);
}

/** The role annotation of a resolved dependency; lineage follows base_model and dataset. */
export const DEPENDENCY_ROLES = ['source', 'base_model', 'dataset', 'attestation'] as const;
export type DependencyRole = (typeof DEPENDENCY_ROLES)[number];

/** The builder id recorded when no build platform is named: a person or script attesting locally. */
export const DEFAULT_BUILDER_ID = 'https://modelseal.dev/builders/local/v1';

/** What each kind requires of its inputs: [min, max] base models and minimum datasets. */
export const KIND_INPUTS: Readonly<Record<BuildKind, { bases: [number, number]; datasets: number }>> = {
  train: { bases: [0, 0], datasets: 1 },
  finetune: { bases: [1, 1], datasets: 0 },
  lora: { bases: [1, 1], datasets: 0 },
  quantize: { bases: [1, 1], datasets: 0 },
  merge: { bases: [2, Infinity], datasets: 0 },
  distill: { bases: [1, Infinity], datasets: 0 },
  dataset: { bases: [0, 0], datasets: 0 },
};

export interface Dependency {
  role: DependencyRole;
  /** Lowercase hex SHA-256 (the OMS root digest for artifacts; the file digest for sources and attestations). */
  sha256: string;
  name?: string;
  uri?: string;
  mediaType?: string;
  /** For an attestation: the digest of the artifact it is about. */
  subject?: string;
}

export interface ProvenanceInput {
  subjectName: string;
  /** The artifact's OMS root digest (hex). */
  rootDigest: string;
  kind: BuildKind;
  builderId?: string;
  /** The user's parameters (`--param k=v`), recorded as given. */
  parameters?: Record<string, string>;
  license?: string;
  notes?: string;
  /** In this order in the statement: sources, base models, datasets, attestations (sorted here). */
  dependencies: Dependency[];
  /** Extra facts the tool found, not given by the user (e.g. adapter_config.json's base model hint). */
  internalParameters?: Record<string, unknown>;
  startedOn?: Date;
  finishedOn?: Date;
  invocationId?: string;
}

/** The predicate we emit (SLSA Provenance v1, our buildTypes). */
export interface ProvenancePredicate {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string };
    metadata: { invocationId?: string; startedOn?: string; finishedOn?: string };
  };
}

const ROLE_ORDER: Record<DependencyRole, number> = { source: 0, base_model: 1, dataset: 2, attestation: 3 };
const HEX64 = /^[0-9a-f]{64}$/;

/** RFC 3339 in UTC with "Z" and whole seconds, as in-toto's Timestamp asks. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function descriptorOf(d: Dependency): ResourceDescriptor {
  const rd: ResourceDescriptor = {};
  if (d.name !== undefined) rd.name = d.name;
  if (d.uri !== undefined) rd.uri = d.uri;
  rd.digest = { sha256: d.sha256 };
  if (d.mediaType !== undefined) rd.mediaType = d.mediaType;
  rd.annotations = { role: d.role, ...(d.subject !== undefined ? { subject: { sha256: d.subject } } : {}) };
  return rd;
}

/** Builds the in-toto Statement v1 with an SLSA Provenance v1 predicate for one artifact. */
export function buildProvenanceStatement(input: ProvenanceInput): Statement<ProvenancePredicate> {
  if (!HEX64.test(input.rootDigest)) throw new ModelsealError('USAGE_ERROR', `subject digest ${quoted(input.rootDigest)} is not a SHA-256 hex digest`);
  for (const d of input.dependencies) {
    if (!HEX64.test(d.sha256)) throw new ModelsealError('USAGE_ERROR', `dependency digest ${quoted(d.sha256)} is not a SHA-256 hex digest`);
  }
  const deps = [...input.dependencies].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
  const externalParameters: Record<string, unknown> = { parameters: { ...(input.parameters ?? {}) } };
  if (input.license !== undefined) externalParameters.license = input.license;
  if (input.notes !== undefined) externalParameters.notes = input.notes;
  const metadata: ProvenancePredicate['runDetails']['metadata'] = {};
  if (input.invocationId !== undefined) metadata.invocationId = input.invocationId;
  if (input.startedOn) metadata.startedOn = rfc3339(input.startedOn);
  metadata.finishedOn = rfc3339(input.finishedOn ?? new Date());
  return {
    _type: STATEMENT_TYPE_V1,
    subject: [{ name: input.subjectName, digest: { sha256: input.rootDigest } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: buildTypeFor(input.kind),
        externalParameters,
        ...(input.internalParameters && Object.keys(input.internalParameters).length > 0 ? { internalParameters: input.internalParameters } : {}),
        resolvedDependencies: deps.map(descriptorOf),
      },
      runDetails: { builder: { id: input.builderId ?? DEFAULT_BUILDER_ID }, metadata },
    },
  };
}

/** A provenance statement as read back: what lineage verification needs. */
export interface Provenance {
  subjectName?: string;
  subjectDigest: string;
  kind: BuildKind;
  buildType: string;
  builderId: string;
  parameters: Record<string, unknown>;
  dependencies: Dependency[];
  startedOn?: Date;
  finishedOn?: Date;
}

function parseTimestamp(v: unknown, where: string, bad: (m: string) => ModelsealError): Date | undefined {
  if (v === undefined) return undefined;
  const t = parseRfc3339(v);
  if (!t) throw bad(`${where} ${quoted(v)} is not a valid RFC 3339 date-time`);
  return t;
}

/**
 * What a kind's provenance must bind (KIND_INPUTS): undefined if the counts fit, else
 * why not. `attest` and verification both ask this, so a statement that binds no base
 * model cannot pass as a LoRA adapter.
 */
export function kindInputsProblem(kind: BuildKind, bases: number, datasets: number): string | undefined {
  const want = KIND_INPUTS[kind];
  const [min, max] = want.bases;
  if (bases < min || bases > max) {
    const range = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    return `kind ${kind} needs ${range} base model(s), got ${bases}`;
  }
  if (datasets < want.datasets) return `kind ${kind} needs at least ${want.datasets} dataset(s), got ${datasets}`;
  return undefined;
}

/** Provenance times must be possible: not ahead of `now` by more than the skew, not finished before they started. */
export function checkProvenanceTimes(p: Pick<Provenance, 'startedOn' | 'finishedOn'>, now: Date, skewMs: number, file?: string): void {
  for (const [field, t] of [['startedOn', p.startedOn], ['finishedOn', p.finishedOn]] as const) {
    if (t && t.getTime() > now.getTime() + skewMs) {
      throw new ModelsealError('TIME_INVALID', `the provenance's ${field} ${t.toISOString()} is in the future (now ${now.toISOString()}, allowed clock skew ${skewMs / 1000} s)`, { file });
    }
  }
  if (p.startedOn && p.finishedOn && p.startedOn.getTime() > p.finishedOn.getTime()) {
    throw new ModelsealError('TIME_INVALID', `the provenance started on ${p.startedOn.toISOString()}, after it finished (${p.finishedOn.toISOString()})`, { file });
  }
}

/**
 * Reads a verified statement as SLSA Provenance v1 with one of our buildTypes.
 * Unknown fields are ignored (in-toto parsing rules); anything this tool must
 * interpret (buildType, subject, dependency roles and digests) is checked and a
 * statement it cannot interpret is refused.
 */
export function parseProvenance(statement: Statement, file?: string): Provenance {
  const bad = (m: string) => new ModelsealError('STATEMENT_INVALID', m, { file });
  if (statement.predicateType !== SLSA_PROVENANCE_V1) throw bad(`predicateType is ${quoted(statement.predicateType)}, expected ${SLSA_PROVENANCE_V1}`);
  if (statement.subject.length !== 1) throw bad(`a provenance must have exactly one subject (the artifact's root digest), this one has ${statement.subject.length}`);
  const subject = statement.subject[0];
  const subjectDigest = subject.digest?.sha256;
  if (typeof subjectDigest !== 'string' || !HEX64.test(subjectDigest)) throw bad('the provenance subject has no sha256 digest');
  const p = statement.predicate;
  const bd = p.buildDefinition;
  const rd = p.runDetails;
  if (!isObject(bd) || !isObject(rd)) throw bad('the predicate lacks buildDefinition or runDetails');
  if (typeof bd.buildType !== 'string') throw bad('buildDefinition.buildType is missing');
  const kind = kindOfBuildType(bd.buildType);
  if (!kind) throw bad(`buildType ${quoted(bd.buildType)} is not a modelseal buildType; its dependencies cannot be interpreted`);
  if (!isObject(bd.externalParameters)) throw bad('buildDefinition.externalParameters is missing');
  const builder = rd.builder;
  if (!isObject(builder) || typeof builder.id !== 'string' || builder.id === '') throw bad('runDetails.builder.id is missing');
  const metadata = rd.metadata === undefined ? {} : rd.metadata;
  if (!isObject(metadata)) throw bad('runDetails.metadata is not an object');
  const rds = bd.resolvedDependencies ?? [];
  if (!Array.isArray(rds)) throw bad('resolvedDependencies is not a list');
  const dependencies: Dependency[] = rds.map((r, i) => {
    const at = `resolvedDependencies[${i}]`;
    if (!isObject(r) || !isObject(r.annotations)) throw bad(`${at} has no annotations`);
    const role = r.annotations.role;
    if (typeof role !== 'string' || !(DEPENDENCY_ROLES as readonly string[]).includes(role)) throw bad(`${at} has an unknown role ${quoted(role)}`);
    const sha256 = isObject(r.digest) ? r.digest.sha256 : undefined;
    if (typeof sha256 !== 'string' || !HEX64.test(sha256)) throw bad(`${at} (${role}) has no sha256 digest`);
    const dep: Dependency = { role: role as DependencyRole, sha256 };
    if (typeof r.name === 'string') dep.name = r.name;
    if (typeof r.uri === 'string') dep.uri = r.uri;
    if (typeof r.mediaType === 'string') dep.mediaType = r.mediaType;
    const subj = r.annotations.subject;
    if (isObject(subj) && typeof subj.sha256 === 'string') dep.subject = subj.sha256;
    return dep;
  });
  const inputs = kindInputsProblem(kind, dependencies.filter((d) => d.role === 'base_model').length, dependencies.filter((d) => d.role === 'dataset').length);
  if (inputs) throw bad(`the provenance does not bind what its kind needs: ${inputs}`);
  return {
    ...(typeof subject.name === 'string' ? { subjectName: subject.name } : {}),
    subjectDigest,
    kind,
    buildType: bd.buildType,
    builderId: builder.id,
    parameters: isObject(bd.externalParameters.parameters) ? bd.externalParameters.parameters : {},
    dependencies,
    startedOn: parseTimestamp(metadata.startedOn, 'runDetails.metadata.startedOn', bad),
    finishedOn: parseTimestamp(metadata.finishedOn, 'runDetails.metadata.finishedOn', bad),
  };
}
