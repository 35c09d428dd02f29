/**
 * Who called the chef off: the reason a task was aborted, for the message of its `JoinError`
 * ("task 'stew' was cancelled: the runtime shut down"). Kept as a small code in three bits of the
 * task's state, so an abort allocates nothing, and spelled out only when the error is made.
 */

/** `abort()` on the task's handle (or its `AbortHandle`): the default. */
export const BY_HANDLE = 0;
/** The runtime shut down (main ended, or `rt.shutdown()`). */
export const BY_SHUTDOWN = 1;
/** Spawned while its runtime was shutting down. */
export const SPAWNED_IN_SHUTDOWN = 2;
/** The `AbortSignal` given to `spawn` or `run` was aborted. */
export const BY_SIGNAL = 3;
/** `abortAll()` of its JoinSet. */
export const BY_ABORT_ALL = 4;
/** `shutdown()` of its JoinSet (also a member spawned into the set while that runs). */
export const BY_SET_SHUTDOWN = 5;
/** Its JoinSet was disposed. */
export const BY_SET_DISPOSED = 6;
/** Another member of its JoinSet failed while `joinAll()` waited. */
export const BY_JOIN_ALL = 7;

/** Where the code sits in the task's state (see state.ts). */
export const WHY_SHIFT = 14;
export const WHY_MASK = 7 << WHY_SHIFT;

const WORDS = [
  "abort() was called on its handle",
  "the runtime shut down",
  "it was spawned while the runtime shut down",
  "its AbortSignal was aborted",
  "its JoinSet's abortAll() was called",
  "its JoinSet's shutdown() was called",
  "its JoinSet was disposed",
  "another member of its JoinSet failed while joinAll() waited",
];

/**
 * The words for the abort code kept in `state`.
 *
 * @example
 * ```ts
 * abortWhy(BY_SHUTDOWN << WHY_SHIFT); // "the runtime shut down"
 * ```
 */
export function abortWhy(state: number): string {
  return WORDS[(state & WHY_MASK) >> WHY_SHIFT]!;
}
