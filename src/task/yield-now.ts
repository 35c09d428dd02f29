/**
 * yieldNow: the chef steps back from the stove and lets the others have a turn. The first poll
 * wakes its own task and returns `PENDING`, so the task goes to the back of the run queue; the
 * second poll is ready.
 */

import { ambient } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase, RETURNED, SUSPENDED, type Suspend } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";

class YieldNow extends FutureBase<void> {
  private yielded = false;

  poll(cx: Context): Poll<void> {
    if (this.yielded) return undefined;
    this.yielded = true;
    cx.waker.wake();
    return PENDING;
  }

  /**
   * `yield* yieldNow()`, the hottest await there is: the same two steps as `poll`, without the
   * generic step's dispatch through `poll`.
   */
  override next(): IteratorResult<Suspend, void> {
    const cx = ambient.cx;
    if (cx === null) return super.next(); // outside a poll: the generic step's error
    if (this.yielded) return RETURNED;
    this.yielded = true;
    cx.waker.wake();
    ambient.suspended = this;
    return SUSPENDED;
  }

  /** For dumps: what the task waits on is its own turn. */
  [DESCRIBE](): Description {
    return { label: "yieldNow()", children: [] };
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
