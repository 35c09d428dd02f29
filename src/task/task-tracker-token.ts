/**
 * TaskTrackerToken: a chit on the head chef's tally for work that is not a recipe card (a
 * callback, a worker's job, a native promise). The tracker counts it from `tracker.token()` until it
 * is disposed; disposing it again changes nothing. tokio-util's `TaskTrackerToken`.
 */
import { markOwned } from "../future/cancel.js";
import type { TaskTracker } from "./task-tracker.js";

/**
 * One unit of work a {@link TaskTracker} counts until the token is disposed.
 *
 * @example
 * ```ts
 * {
 *   using job = tracker.token();
 *   yield* fromPromise(() => writeLedger(order));
 * } // counted down here, however the block ends
 * ```
 */
export class TaskTrackerToken implements Disposable {
  /** Set once by the first dispose. */
  private released = false;

  /** Not for direct use: made by `tracker.token()`. */
  constructor(
    /**
     * The tracker that counts this token (tokio's `task_tracker()`).
     *
     * @example
     * ```ts
     * const job = tracker.token();
     * console.log(job.tracker.size); // 1
     * ```
     */
    readonly tracker: TaskTracker,
  ) {
    tracker.add();
  }

  /**
   * The work is over: the tracker counts it down (once, however many times this is called).
   *
   * @example
   * ```ts
   * job[Symbol.dispose]();
   * job[Symbol.dispose](); // no effect
   * ```
   */
  [Symbol.dispose](): void {
    if (this.released) return;
    this.released = true;
    this.tracker.release();
  }
}

// One owner: left over where nobody will take it (a dropped handle's output), it is disposed.
markOwned(TaskTrackerToken);
