import { constants } from 'node:buffer';
import { ModelsealError } from '../errors';
import type { Serialization } from '../digest/manifest';
import { base64Length, maxResources, MAX_RESOURCES_ENV, signatureByteLimit, ENVELOPE_RESERVE } from '../envelope/signature-limit';
import { omsStatementLength } from '../statement/oms';

const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;

function jsonBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(s), 'utf8');
}

/** Decimal digits of a non-negative integer, without building its string. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

const MAX_IGNORE_PATHS = 1_000_000;

/** The bundle around the statement when signed with a key or keyless (hint, signature, log entry, certificate): a few KB. */
const ENVELOPE_ALLOWANCE = 64 * 1024;

function tooLarge(what: string, serialization: Serialization, files: ReadonlyArray<{ size: number }>, max: number, byCount: boolean): ModelsealError {
  let advice = `raise ${MAX_RESOURCES_ENV} (now ${max}) for both sign and verify`;
  if (serialization.method === 'shards' && !byCount) advice = `use a larger --shard-size, or ${advice}`;
  else if (serialization.method === 'shards') {
    const total = files.reduce((n, f) => n + f.size, 0);
    const room = max - files.length;
    // Each file gives at most size/shard + 1 shards: this shard size keeps the count within the limit.
    if (room > 0) advice = `use --shard-size ${Math.max(Math.ceil(total / room), (serialization.shardSize as number) + 1)} or larger, or ${advice}`;
  }
  return new ModelsealError('SIGNATURE_TOO_LARGE', `the signature would ${what}, more than verify accepts; ${advice}`);
}

/**
 * Refuses, before anything is hashed, a configuration whose signature verify would
 * refuse (too many resources, or too many bytes of names). The resource count is
 * computed without listing the shards (a 1 TiB file in 1-byte shards is refused at once);
 * the statement length is exact, the envelope around it estimated (ENVELOPE_ALLOWANCE and
 * the certificate chain); `checkSignatureBytes` checks the written bytes once it is signed.
 */
export function checkSignatureBudget(files: ReadonlyArray<{ name: string; size: number }>, serialization: Serialization, subjectName: string, options: BudgetOptions = {}): void {
  // The statement outside its resources is read value by value (MAX_JSON_VALUES): keep well inside that.
  if (serialization.ignorePaths.length > MAX_IGNORE_PATHS) {
    throw new ModelsealError('SIGNATURE_TOO_LARGE', `the signature would record ${serialization.ignorePaths.length} ignore paths, more than verify reads (${MAX_IGNORE_PATHS}); ignore a folder instead of its files`);
  }
  const max = maxResources();
  const count = resourceCount(files, serialization);
  if (count > max) throw tooLarge(`list ${count} resources, over the limit of ${max}`, serialization, files, max, true);
  if (count === 0) return; // nothing to sign: computeManifest says so
  const statement = statementLength(files, serialization, subjectName);
  const bytes = base64Length(statement) + ENVELOPE_ALLOWANCE + (options.materialBytes ?? 0);
  const limit = signatureByteLimit(max);
  if (bytes > limit) throw tooLarge(`be about ${bytes} bytes, over the ${limit}-byte limit for ${max} resources`, serialization, files, max, false);
  checkWholeString(statement, options);
}

export interface BudgetOptions {
  /** Keyless (Sigstore) signing, whose client builds the bundle as one string. */
  keyless?: boolean;
  /** Bytes of verification material beyond the allowance: the base64 of an X.509 chain. */
  materialBytes?: number;
}

/** A keyless bundle is one JavaScript string: its base64 payload must fit in one. Key and COSE signatures are written in chunks. */
function checkWholeString(statementBytes: number, options: BudgetOptions): void {
  if (!options.keyless) return;
  const chars = ENVELOPE_RESERVE + base64Length(statementBytes);
  if (chars > MAX_STRING_LENGTH) {
    throw new ModelsealError('SIGNATURE_TOO_LARGE', `the signature would be about ${chars} bytes, more than keyless (Sigstore) signing can build (${MAX_STRING_LENGTH}); sign with --key, or use a larger --shard-size`);
  }
}

/** Resources a tree gives: one per file, or one per shard (without listing the shards). */
export function resourceCount(files: ReadonlyArray<{ size: number }>, serialization: Serialization): number {
  if (serialization.method === 'files') return files.length;
  const shard = serialization.shardSize as number;
  let count = 0;
  for (const f of files) count += Math.ceil(f.size / shard);
  return count;
}

/** The exact byte length of the OMS statement sign will write for these files (at least one resource). */
export function statementLength(files: ReadonlyArray<{ name: string; size: number }>, serialization: Serialization, subjectName: string): number {
  const shard = serialization.method === 'shards' ? (serialization.shardSize as number) : undefined;
  let nameBytes = 0;
  for (const f of files) {
    const name = jsonBytes(f.name);
    if (shard === undefined) {
      nameBytes += name;
      continue;
    }
    for (let start = 0; start < f.size; start += shard) nameBytes += name + 2 + digits(start) + digits(Math.min(start + shard, f.size));
  }
  return omsStatementLength(serialization, subjectName, resourceCount(files, serialization), nameBytes);
}

/** The written signature must fit the reader's limit too (a huge certificate chain could push it over). */
export function checkSignatureBytes(bytes: number): void {
  const limit = signatureByteLimit(maxResources());
  if (bytes > limit) {
    throw new ModelsealError('SIGNATURE_TOO_LARGE', `the signature would be ${bytes} bytes, over the ${limit}-byte limit verify accepts; raise ${MAX_RESOURCES_ENV} for both sign and verify`);
  }
}

/** The same bound for a statement built from given digests (sign --from-manifest without the tree). */
export function checkStatementBudget(count: number, statementBytes: number, options: BudgetOptions = {}): void {
  const max = maxResources();
  if (count > max) throw new ModelsealError('SIGNATURE_TOO_LARGE', `the signature would list ${count} resources, over the limit of ${max} verify accepts; raise ${MAX_RESOURCES_ENV} for both sign and verify`);
  checkSignatureBytes(base64Length(statementBytes) + ENVELOPE_ALLOWANCE + (options.materialBytes ?? 0));
  checkWholeString(statementBytes, options);
}
