import { resolveIgnorePathsFromCwd } from '../api/digest';
import type { CliWarning } from './warnings';

/** `--ignore-paths` resolved as model_signing resolves it (see resolveIgnorePathsFromCwd), with its warnings. */
export function cliIgnorePaths(artifact: string, given: readonly string[] | undefined): { paths: string[]; warnings: CliWarning[] } {
  const r = resolveIgnorePathsFromCwd(artifact, given ?? []);
  return { paths: r.paths, warnings: r.warnings.map((message) => ({ code: 'IGNORE_PATH_UNMATCHED', message })) };
}
