/**
 * Errors of the future protocol itself: a future used against its rules. Each names the rule that
 * was broken, since these are bugs in the caller's code rather than conditions to handle.
 */

/**
 * A future was polled after completing, polled by a second task, or awaited outside a poll.
 *
 * @example
 * ```ts
 * try {
 *   soup.poll(cx); // soup already returned its dish
 * } catch (e) {
 *   if (e instanceof FutureStateError) console.log(e.message); // names the broken rule
 * }
 * ```
 */
export class FutureStateError extends Error {
  override name = "FutureStateError";
}
