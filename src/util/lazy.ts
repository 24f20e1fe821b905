/**
 * Defines `names` on a module's `exports` as getters that load `load()`'s module on first
 * use, so `require('modelseal')` and the subpath entries cost a few files, not the whole
 * library (issue 16's start-up budget). The values are the module's own: classes keep
 * their identity for `instanceof`.
 */
export function lazyExports<M extends object>(target: object, load: () => M, names: ReadonlyArray<keyof M & string>): void {
  let mod: M | undefined;
  for (const name of names) {
    Object.defineProperty(target, name, { enumerable: true, configurable: false, get: () => (mod ??= load())[name] });
  }
}
