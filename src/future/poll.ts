/**
 * Poll: the answer a future gives each time it is asked "are you done?".
 *
 * Rust's `Poll<T>` is `Ready(T) | Pending`. Brigade keeps the value itself for Ready and a single
 * shared symbol for Pending, so a poll never allocates: a dish is either on the pass (the value)
 * or set aside (`PENDING`).
 */

/** The one value that means "not ready yet; I have arranged to be woken". */
export const PENDING: unique symbol = Symbol("brigade.pending");

/**
 * The one value that means "there will be nothing more": what a stream's `pollNext` returns once it
 * has ended, and what `JoinSet.joinNext()` gives once the set is empty. A symbol of its own, not
 * `undefined`, so that an item or an output that is `undefined` (a `JoinSet<void>`) is still told
 * apart from the end. Here beside `PENDING` because both the task and the stream layers use it.
 */
export const DONE: unique symbol = Symbol("brigade.done");

/** What `poll` returns: the output itself, or {@link PENDING}. */
export type Poll<T> = T | typeof PENDING;

/**
 * Whether a poll result is {@link PENDING}.
 *
 * @example
 * ```ts
 * const r = future.poll(cx);
 * if (isPending(r)) return PENDING;
 * ```
 */
export function isPending<T>(poll: Poll<T>): poll is typeof PENDING {
  return poll === PENDING;
}
