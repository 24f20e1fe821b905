/**
 * modelseal/transformers: load a verified local model with transformers.js
 * (`@huggingface/transformers`, an optional peer dependency loaded on the first call).
 *
 * Every file the library asks for (config, tokenizer, ONNX weights and their external
 * data) is served from the verified reader through its supported extension point for
 * custom file loading, `env.useCustomCache` + `env.customCache` (match/put). The model
 * is named by an id under the null device, so a file that is not signed can never be
 * found on disk instead (transformers.js falls back to a local read), and
 * `local_files_only` keeps it off the network. ONNX sessions are sealed as in
 * modelseal/onnxruntime: external data only from mounted verified bytes.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelsealError, fsError } from '../errors';
import { aboutExternalData, checkExternalDataRanges, externalDataFiles, shown } from '../load/onnx-external-data';
import { isSignedFile, readVerified } from '../load/verified-read';
import { signedFiles } from '../verify/match-files';
import { requireRuntime } from './require-runtime';
import { sealedSessionOptions } from './sealed-session';
import { verifyForLoad, type RuntimeLoadHooks, type TrustOptions, type Verification } from './verify-source';

export type { TrustOptions, Verification, RuntimeLoadHooks } from './verify-source';

/** The Web Cache API subset transformers.js calls on `env.customCache`. */
interface CacheLike {
  match(request: string): Promise<unknown>;
  put(request: string, response: unknown, progress?: unknown): Promise<void>;
}

interface TransformersEnv {
  useCustomCache: boolean;
  customCache: CacheLike | null;
  allowLocalModels: boolean;
  remoteHost: string;
  remotePathTemplate: string;
}

interface Transformers {
  env: TransformersEnv;
  pipeline(task: string, model: string, options?: Record<string, unknown>): Promise<unknown>;
}

/** Options of transformers.js's `pipeline()` / `from_pretrained()` that a verified load sets itself. */
const FORCED = ['local_files_only', 'cache_dir', 'revision'] as const;

export type TransformersLoadOptions = TrustOptions &
  RuntimeLoadHooks & {
    /**
     * transformers.js options (`dtype`, `device`, `subfolder`, `model_file_name`,
     * `session_options`, ...). `local_files_only`, `cache_dir` and `revision` are set by
     * modelseal; `session_options.externalData` is refused (external data comes from the verified files).
     */
    transformers?: Record<string, unknown>;
  };

/** transformers.js's pathJoin: one slash between parts, leading/trailing slashes trimmed. */
function pathJoin(...parts: string[]): string {
  return parts.map((p, i) => (i ? p.replace(/^\//, '') : p)).map((p, i, all) => (i !== all.length - 1 ? p.replace(/\/$/, '') : p)).join('/');
}

/** Never settles: what a refused load answers from then on (see withVerifiedModel). */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** The files of one verified load, each read once through the verified reader. */
class VerifiedFiles {
  refusal?: ModelsealError;
  readonly missing = new Set<string>();
  private readonly reads = new Map<string, Promise<Buffer>>();
  /** Files a verified ONNX file names as its external data: raw tensor bytes, never deserialized. */
  private readonly tensorData = new Set<string>();
  private onRefusal?: (err: ModelsealError) => void;

  constructor(readonly verification: Verification) {}

  /** Settles with the first refusal. */
  refused(): Promise<never> {
    return new Promise<never>((_, reject) => {
      this.onRefusal = reject;
    });
  }

  /** What match() answers for a file of this load: its verified bytes, or undefined when it is not signed. */
  async response(name: string): Promise<Response | undefined> {
    if (this.refusal) return never();
    const { artifact, manifest } = this.verification;
    if (!isSignedFile(artifact, name, manifest)) {
      this.missing.add(name);
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = await this.read(name);
    } catch (err) {
      this.refuse(err);
      return never();
    }
    if (this.refusal) return never();
    return new Response(bytes, { status: 200, headers: { 'content-length': String(bytes.length) } });
  }

  /**
   * A refusal is not passed to transformers.js: it swallows match() errors (and would look
   * elsewhere), and a failing body rejects in several of its branches at once, some never
   * awaited (unhandled rejections). Its requests for this load hang instead, and the
   * caller gets the refusal.
   */
  private refuse(err: unknown): void {
    if (this.refusal) return;
    this.refusal = err instanceof ModelsealError ? err : new ModelsealError('INTERNAL_ERROR', String((err as Error)?.message ?? err), { cause: err });
    this.reads.clear();
    this.onRefusal?.(this.refusal);
  }

  private read(name: string): Promise<Buffer> {
    const key = path.posix.normalize(name);
    let p = this.reads.get(key);
    if (!p) {
      // A file that cannot be analysed may be some ONNX file's external data, asked for before that ONNX file.
      p = this.readChecked(key).catch(async (err) => {
        if (!(err instanceof ModelsealError) || err.code !== 'UNSCANNABLE' || key.toLowerCase().endsWith('.onnx')) throw err;
        await this.indexTensorData();
        if (!this.tensorData.has(key)) throw err;
        return this.readTensorData(key);
      });
      this.reads.set(key, p);
    }
    return p;
  }

  private readonly tensorReads = new Map<string, Promise<Buffer>>();
  /** External data of a verified ONNX file, read through the verified reader once. */
  private readTensorData(name: string): Promise<Buffer> {
    let p = this.tensorReads.get(name);
    if (!p) {
      p = readVerified(this.verification.artifact, name, this.verification.manifest, { allowUnscannable: true });
      this.tensorReads.set(name, p);
    }
    return p;
  }

  private tensorIndex?: Promise<void>;
  /** Reads every signed .onnx file once, which records the external data each names. */
  private indexTensorData(): Promise<void> {
    this.tensorIndex ??= (async () => {
      for (const name of signedFiles(this.verification.manifest).keys()) if (name.toLowerCase().endsWith('.onnx')) await this.read(name);
    })();
    return this.tensorIndex;
  }

  /** An ONNX file is handed over only once every external-data file it names is signed, intact and read. */
  private async readChecked(name: string): Promise<Buffer> {
    const { artifact, manifest } = this.verification;
    const bytes = await readVerified(artifact, name, manifest);
    if (name.toLowerCase().endsWith('.onnx')) {
      for (const ref of externalDataFiles(name, bytes, path.join(artifact, name))) {
        this.tensorData.add(ref.name);
        try {
          checkExternalDataRanges(ref, (await this.readTensorData(ref.name)).length, path.join(artifact, name));
        } catch (err) {
          if (!(err instanceof ModelsealError)) throw err;
          throw aboutExternalData(err, ref.location, name);
        }
      }
    }
    return bytes;
  }
}

interface ActiveLoad {
  files: VerifiedFiles;
  prefixes: string[];
}

/** The one cache object modelseal installs; it routes requests for verified loads and passes the rest on. */
const active = new Set<ActiveLoad>();
/** Ids of refused loads: transformers.js may still ask for their files; those requests hang. */
const refusedPrefixes = new Set<string>();
let previous: { useCustomCache: boolean; customCache: CacheLike | null } | undefined;

function route(request: string): { load?: ActiveLoad; name: string } | undefined {
  for (const load of active) {
    for (const prefix of load.prefixes) if (request.startsWith(prefix)) return { load, name: request.slice(prefix.length) };
  }
  for (const prefix of refusedPrefixes) if (request.startsWith(prefix)) return { name: request.slice(prefix.length) };
  return undefined;
}

const router: CacheLike = {
  async match(request: string) {
    const hit = route(String(request));
    if (hit) return hit.load ? hit.load.files.response(hit.name) : never();
    return previous?.useCustomCache && previous.customCache ? previous.customCache.match(request) : undefined;
  },
  async put(request: string, response: unknown, progress?: unknown) {
    if (route(String(request))) return;
    if (previous?.useCustomCache && previous.customCache) await previous.customCache.put(request, response, progress);
  },
};

function install(env: TransformersEnv, load: ActiveLoad): void {
  if (env.customCache !== router) {
    previous = { useCustomCache: env.useCustomCache, customCache: env.customCache };
    env.customCache = router;
  }
  env.useCustomCache = true;
  active.add(load);
}

function uninstall(env: TransformersEnv, load: ActiveLoad): void {
  active.delete(load);
  if (load.files.refusal) load.prefixes.forEach((p) => refusedPrefixes.add(p));
  if (active.size === 0 && env.customCache === router && previous) {
    env.customCache = previous.customCache;
    env.useCustomCache = previous.useCustomCache;
    previous = undefined;
  }
}

function transformersOptions(user: Record<string, unknown> | undefined): Record<string, unknown> {
  const { session_options: sessionOptions, ...rest } = user ?? {};
  for (const k of FORCED) delete rest[k];
  if ((sessionOptions as { externalData?: unknown } | undefined)?.externalData !== undefined) {
    throw new ModelsealError('USAGE_ERROR', 'session_options.externalData is served by modelseal from the verified files; leave it out');
  }
  return { ...rest, local_files_only: true, revision: 'main', session_options: sealedSessionOptions(sessionOptions as object | undefined) };
}

async function dispose(value: unknown): Promise<void> {
  const d = (value as { dispose?: () => unknown } | null)?.dispose;
  if (typeof d === 'function') await Promise.resolve(d.call(value)).catch(() => undefined);
}

/**
 * Verifies `artifact` (a model folder) and runs `load` with the model id and the options
 * (sealed: local files only, external data only from verified bytes) to hand to a
 * transformers.js loader; every file it reads comes from the verified bytes. Throws the
 * ModelsealError of the first refusal, whatever transformers.js did with it; a file it needs
 * that is not signed is PATH_NOT_FOUND. Not exported: a caller could drop the options.
 */
async function withVerifiedModel<T>(artifact: string, options: TransformersLoadOptions, load: (modelId: string, options: Record<string, unknown>) => Promise<T>): Promise<T> {
  const { transformers: userOptions, onVerified, ...trust } = options;
  const pretrained = transformersOptions(userOptions);
  const { env } = requireRuntime<Transformers>('@huggingface/transformers');
  if (!env.allowLocalModels) {
    throw new ModelsealError('USAGE_ERROR', 'transformers.js env.allowLocalModels is false; verified files are served through its local-model path, so set it to true (nothing is read from disk or network by that path)');
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(artifact);
  } catch (err) {
    throw fsError(err, artifact);
  }
  if (!st.isDirectory()) throw new ModelsealError('USAGE_ERROR', 'is not a folder; transformers.js loads a model folder (config, tokenizer, onnx/)', { file: artifact });
  const verification = await verifyForLoad(artifact, trust as TrustOptions);
  await onVerified?.(verification);

  const files = new VerifiedFiles(verification);
  // An id under the null device: a file transformers.js cannot get from us is looked for there, where nothing exists.
  const id = `${os.devNull}/modelseal-${randomUUID()}`;
  const remote = pathJoin(env.remoteHost, env.remotePathTemplate.replaceAll('{model}', id).replaceAll('{revision}', encodeURIComponent('main')));
  const handle: ActiveLoad = { files, prefixes: [`${id}/`, `${remote.replace(/\/$/, '')}/`] };
  install(env, handle);
  let result: T;
  try {
    const loading = load(id, pretrained);
    loading.catch(() => undefined); // it may settle after a refusal was already thrown
    result = await Promise.race([loading, files.refused()]);
  } catch (err) {
    if (files.refusal) throw files.refusal;
    if (files.missing.size > 0 && (err as Error)?.name === 'ModelFileNotFoundError') {
      const names = [...files.missing].map((n) => shown(n)).slice(0, 5).join(', ');
      throw new ModelsealError('PATH_NOT_FOUND', `transformers.js needs ${names}${files.missing.size > 5 ? ', ...' : ''}, which the signed manifest does not list`, { file: artifact, cause: err });
    }
    throw err;
  } finally {
    uninstall(env, handle);
  }
  if (files.refusal) {
    await dispose(result);
    throw files.refusal;
  }
  return result;
}

/** `pipeline(task, model)` of transformers.js on a verified model folder. */
export async function verifiedPipeline<T = unknown>(task: string, artifact: string, options: TransformersLoadOptions): Promise<T> {
  return withVerifiedModel(artifact, options, async (id, pretrained) => {
    const { pipeline } = requireRuntime<Transformers>('@huggingface/transformers');
    return (await pipeline(task, id, pretrained)) as T;
  });
}

/** A transformers.js class with `from_pretrained` (AutoModel, AutoTokenizer, AutoConfig, BertModel, ...). */
export interface Pretrained<T> {
  from_pretrained(modelId: string, options?: Record<string, unknown>): Promise<T>;
}

/** `cls.from_pretrained(model)` of transformers.js (AutoModel, AutoTokenizer, ...) on a verified model folder. */
export async function verifiedFromPretrained<T>(cls: Pretrained<T>, artifact: string, options: TransformersLoadOptions): Promise<T> {
  if (typeof cls?.from_pretrained !== 'function') throw new ModelsealError('USAGE_ERROR', 'the first argument must be a transformers.js class with from_pretrained (AutoModel, AutoTokenizer, ...)');
  return withVerifiedModel(artifact, options, (id, pretrained) => cls.from_pretrained(id, pretrained));
}
