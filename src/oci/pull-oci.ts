import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { verifyLineage } from '../lineage/verify-lineage';
import type { LineageGraph } from '../lineage/lineage-types';
import { DEFAULT_SIGNATURE_NAME } from '../sign/signature-path';
import { TEST_RESULT_PREDICATE_TYPE } from '../statement/test-result';
import { verifyArtifact } from '../verify/verify-artifact';
import type { LayerFile } from './layer-files';
import type { RegistryClient } from './registry-client';
import { findBundles } from './referrers';
import { bodyChunks } from './transport';
import { verifyOci, type OciVerifyOptions, type OciVerifyResult } from './verify-oci';

export interface OciPullOptions extends Omit<OciVerifyOptions, 'bundleDir' | 'folderChecksFollow'> {
  /** Replace a non-empty DIR (atomically: the old folder is kept until the new one is in place). */
  force?: boolean;
  /** With a policy: folders of attestation bundles for the lineage check of the pulled folder. */
  attestations?: string[];
  /** With a policy: verify the lineage even if the rule does not require it. */
  lineage?: boolean;
  onLayer?: (file: LayerFile, index: number, total: number) => void;
}

export interface OciPullResult {
  verified: OciVerifyResult;
  dir: string;
  signature: string;
  bytes: number;
  graph?: LineageGraph;
}

/** Bytes gathered before one write. */
const WRITE_BATCH = 4 * 1024 * 1024;
const OMS_V1 = /^https:\/\/model_signing\/signature\/v1\.\d+$/;

/** The predicateType a bundle's payload claims (unverified), or undefined. */
function claimedPredicateType(bundle: Buffer): string | undefined {
  try {
    const payload = Buffer.from((JSON.parse(bundle.toString('utf8')) as { dsseEnvelope?: { payload?: string } }).dsseEnvelope?.payload ?? '', 'base64');
    const t = (JSON.parse(payload.toString('utf8')) as { predicateType?: unknown }).predicateType;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

function blobMismatch(f: LayerFile, why: string): ModelsealError {
  return new ModelsealError('OCI_BLOB_MISMATCH', `layer ${f.layer.digest} (${JSON.stringify(f.name.slice(0, 100))}): ${why}; nothing was placed`);
}

/**
 * Streams one layer into `<staging>/<name>`, hashing as it goes: more bytes than the
 * manifest's size stop the download at once, and a short or wrong blob is refused
 * before the next layer is fetched.
 */
async function downloadLayer(client: RegistryClient, f: LayerFile, staging: string): Promise<number> {
  const target = path.join(staging, ...f.name.split('/'));
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  const res = await client.openBlob(f.layer.digest);
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) !== f.layer.size) {
    await res.body?.cancel().catch(() => undefined);
    throw blobMismatch(f, `the registry announces ${Number(declared)} bytes, the manifest ${f.layer.size}`);
  }
  const fh = await fs.promises.open(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  const hash = createHash('sha256');
  let n = 0;
  // Writes go out in batches: one await per network chunk (64 KiB) would halve the throughput.
  let batch: Uint8Array[] = [];
  let batched = 0;
  const flush = async () => {
    if (batched > 0) await fh.write(batch.length === 1 ? batch[0] : Buffer.concat(batch, batched));
    batch = [];
    batched = 0;
  };
  try {
    for await (const chunk of bodyChunks(res)) {
      n += chunk.length;
      if (n > f.layer.size) {
        await res.body?.cancel().catch(() => undefined);
        throw blobMismatch(f, `the registry sent more than the manifest's ${f.layer.size} bytes`);
      }
      hash.update(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) await flush();
    }
    await flush();
    if (n !== f.layer.size) throw blobMismatch(f, `the registry sent ${n} of the manifest's ${f.layer.size} bytes`);
    if (`sha256:${hash.digest('hex')}` !== f.layer.digest) throw blobMismatch(f, 'the bytes received do not match the signed digest');
    await fh.sync();
  } finally {
    await fh.close();
  }
  return n;
}

function isEmptyDir(dir: string): boolean {
  return fs.readdirSync(dir).length === 0;
}

/** Checks DIR before any download: not a symlink, a folder if it exists, empty unless --force. */
function checkTarget(dir: string, force: boolean | undefined): 'absent' | 'empty' | 'replace' {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, dir);
    if (!fs.existsSync(path.dirname(dir))) throw new ModelsealError('PATH_NOT_FOUND', 'folder does not exist', { file: path.dirname(dir) });
    return 'absent';
  }
  if (st.isSymbolicLink()) throw new ModelsealError('OUTPUT_UNSAFE', 'is a symbolic link; refusing to write through it', { file: dir });
  if (!st.isDirectory()) throw new ModelsealError('OUTPUT_UNSAFE', 'exists and is not a folder', { file: dir });
  if (isEmptyDir(dir)) return 'empty';
  if (!force) throw new ModelsealError('OUTPUT_EXISTS', 'already exists and is not empty; pass --force to replace it', { file: dir });
  return 'replace';
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some filesystems cannot fsync a folder; the rename is still atomic.
  }
}

/** Moves the verified staging folder into place; an old DIR is swapped out and removed only after. */
function place(staging: string, dir: string, mode: 'absent' | 'empty' | 'replace'): void {
  if (mode !== 'replace') {
    fs.renameSync(staging, dir); // rename(2) replaces an empty folder atomically
    return;
  }
  const old = `${staging}.old`;
  fs.renameSync(dir, old);
  try {
    fs.renameSync(staging, dir);
  } catch (err) {
    fs.renameSync(old, dir);
    throw fsError(err, dir);
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Verifies a model in the registry first (no layer downloaded), then downloads each layer
 * into a temporary folder beside DIR, hashing as it goes; writes the verified bundle as
 * model.sig; verifies the folder through the same path as `modelseal verify DIR` (or the
 * policy's, with lineage); and only then moves it into place. DIR is unchanged on any failure.
 */
export async function pullOci(reference: string, dir: string, options: OciPullOptions): Promise<OciPullResult> {
  const target = path.resolve(dir);
  const mode = checkTarget(target, options.force);
  let staging: string;
  try {
    staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.pull-`));
  } catch (err) {
    throw fsError(err, path.dirname(target));
  }
  let attestDir: string | undefined;
  try {
    const name = options.name ?? path.basename(target);
    const verified = await verifyOci(reference, { ...options, name: options.policy ? name : options.name, bundleDir: staging, folderChecksFollow: true });
    let bytes = 0;
    for (let i = 0; i < verified.files.length; i++) {
      options.onLayer?.(verified.files[i], i, verified.files.length);
      bytes += await downloadLayer(verified.opened.client, verified.files[i], staging);
    }
    const signature = path.join(staging, DEFAULT_SIGNATURE_NAME);
    let graph: LineageGraph | undefined;
    if (options.policy) {
      // Attestations attached to the manifest (provenance, evaluations) join the given folders.
      const attached = await findBundles(verified.opened.client, verified.manifestDigest, (t) => t === undefined || !OMS_V1.test(t));
      const extra = attached.bundles.filter((b) => b.digest !== verified.referrer);
      const evals: string[] = [];
      if (extra.length) {
        attestDir = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.attestations-`));
        for (const b of extra) {
          const file = path.join(attestDir, `${b.digest.slice('sha256:'.length)}.sig`);
          fs.writeFileSync(file, b.bundle, { flag: 'wx' });
          // Only routing: which check reads it. Each check verifies the bundle itself.
          if (claimedPredicateType(b.bundle) === TEST_RESULT_PREDICATE_TYPE) evals.push(file);
        }
      }
      const attestations = [...(attestDir ? [attestDir] : []), ...(options.attestations ?? [])];
      graph = await verifyLineage(staging, options.policy, { name, signature, lineage: options.lineage, attestations, ...(evals.length ? { evals } : {}) });
    } else {
      await verifyArtifact(staging, { signers: options.signers ?? [], signature });
    }
    place(staging, target, mode);
    fsyncDir(path.dirname(target));
    return { verified, dir: target, signature: path.join(target, DEFAULT_SIGNATURE_NAME), bytes, ...(graph ? { graph: { ...graph, artifact: target } } : {}) };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err instanceof ModelsealError ? err : fsError(err, target);
  } finally {
    if (attestDir) fs.rmSync(attestDir, { recursive: true, force: true });
  }
}
