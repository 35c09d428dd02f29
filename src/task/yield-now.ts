/**
 * yieldNow: the chef steps back from the stove and lets the others have a turn. The first poll
 * wakes its own task and returns `PENDING`, so the task goes to the back of the run queue; the
 * second poll is ready.
 */
import type { Context } from "../future/context.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";

class YieldNow extends FutureBase<void> {
  private yielded = false;

  poll(cx: Context): Poll<void> {
    if (this.yielded) return undefined;
    this.yielded = true;
    cx.waker.wake();
    return PENDING;
  }
}

/**
 * Let every other runnable task poll before this one continues.
 *
 * @example
 * ```ts
 * for (const item of bigList) {
 *   process(item);
 *   yield* yieldNow();
 * }
 * ```
 */
export function yieldNow(): FutureBase<void> {
  return new YieldNow();
}
