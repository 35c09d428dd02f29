/**
 * A counter of the child processes Brigade started that have not exited yet: the outside cooks
 * still in the building. Tests read it to prove that nothing was left behind (a killed child
 * counts until Node has seen it exit, an orphan left running until it ends by itself).
 */

/** @internal mutable counter, raised when a process starts and lowered at its `'exit'`. */
export const processCounters = { live: 0 };

/** A snapshot of the child processes still running. */
export interface ProcessMetrics {
  /** Children started by a `Command` whose exit has not been seen, orphans included. */
  liveChildren: number;
}

/**
 * How many child processes Brigade started are still running.
 *
 * @example
 * ```ts
 * yield* child.kill();
 * processMetrics().liveChildren; // 0
 * ```
 */
export function processMetrics(): ProcessMetrics {
  return { liveChildren: processCounters.live };
}
