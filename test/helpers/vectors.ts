import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './cli';

/**
 * The shared interop vectors: $MODELSEAL_VECTORS, else ../shared/vectors beside the
 * checkout. When absent, interop suites skip with a visible message; under
 * MODELSEAL_REQUIRE_PEERS=1 a missing folder fails the run.
 */
export const VECTORS = process.env.MODELSEAL_VECTORS ?? path.resolve(REPO, '..', 'shared', 'vectors');
export const HAVE_VECTORS = fs.existsSync(VECTORS);

export function describeWithVectors(name: string, fn: () => void): void {
  if (HAVE_VECTORS) {
    describe(name, fn);
    return;
  }
  if (process.env.MODELSEAL_REQUIRE_PEERS === '1') {
    describe(name, () => {
      it('needs the interop vectors', () => {
        throw new Error(`interop vectors not found at ${VECTORS} (set MODELSEAL_VECTORS); required under MODELSEAL_REQUIRE_PEERS=1`);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED ${name}: interop vectors not found at ${VECTORS} (set MODELSEAL_VECTORS)`);
  // The suite body is not run at all: it may read the vectors while collecting its tests.
  describe(name, () => {
    it.skip(`interop vectors not found at ${VECTORS}`, () => undefined);
  });
}

export function vector(...parts: string[]): string {
  return path.join(VECTORS, ...parts);
}
