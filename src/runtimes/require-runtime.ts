import { ModelsealError } from '../errors';

/**
 * Loads an optional runtime package (a peer dependency) when a helper is first called,
 * so that requiring modelseal, or even its runtime subpath, never loads the runtime.
 */
export function requireRuntime<T>(name: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${name}'`)) {
      throw new ModelsealError('RUNTIME_UNAVAILABLE', `${name} is not installed; add it to your project (npm install ${name})`, { cause: err });
    }
    throw err;
  }
}
