import { ModelsealError } from '../../src';

/** Awaits a promise that must be refused and returns its ModelsealError (anything else fails the test). */
export async function refusal(p: Promise<unknown>): Promise<ModelsealError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ModelsealError) return err;
    throw err;
  }
  throw new Error('expected a refusal, but it succeeded');
}
