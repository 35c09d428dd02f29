/**
 * For tests of deadlock reports: the `DeadlockError` a run ends with.
 */
import { DeadlockError } from "../src/runtime/deadlock.js";

/** The `DeadlockError` `p` rejects with; any other outcome fails the test. */
export async function deadlockOf(p: Promise<unknown>): Promise<DeadlockError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeadlockError) return e;
    throw e;
  }
  throw new Error("expected a DeadlockError, but run() resolved");
}
