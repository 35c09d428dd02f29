/**
 * Errors of the sync primitives. Each message names the primitive (by its `name` option when one
 * was given) and the rule that was broken. Lock deadlocks are reported with the runtime's
 * `DeadlockError` (src/runtime/deadlock.ts), shared with the "all tasks asleep" check.
 */

/**
 * A semaphore (or a primitive built on one) was closed while, or before, a future waited on it.
 *
 * @example
 * ```ts
 * sem.close();
 * try { yield* sem.acquire(); } catch (e) { e instanceof AcquireError; } // true
 * ```
 */
export class AcquireError extends Error {
  override name = "AcquireError";
}

/**
 * A guard or permit was used after it was released: `release()` twice, or `value` read after
 * `release()`. (`[Symbol.dispose]()` is idempotent and never throws this.)
 *
 * @example
 * ```ts
 * const guard = yield* mutex.lock();
 * guard.release();
 * guard.release(); // throws ReleasedError
 * ```
 */
export class ReleasedError extends Error {
  override name = "ReleasedError";
}
