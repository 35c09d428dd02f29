/**
 * Leaf helpers: the simplest recipe cards. `ready(v)` is a dish already plated, `pending()` one
 * that never comes, `pollFn(fn)` a future written as one poll function.
 */
import type { Context } from "./context.js";
import { DESCRIBE, type Description } from "./describe.js";
import { FutureBase } from "./future.js";
import { PENDING, type Poll } from "./poll.js";

class Ready<T> extends FutureBase<T> {
  constructor(private readonly value: T) {
    super();
  }
  poll(_cx: Context): Poll<T> {
    return this.value;
  }
}

class Pending<T> extends FutureBase<T> {
  poll(cx: Context): Poll<T> {
    // Never woken on purpose. Taking the waker (and dropping it) tells the lost-waker check that
    // this is deliberate, not a bug.
    void cx.waker;
    return PENDING;
  }
  [DESCRIBE](): Description {
    return { label: "pending() (never ready)", children: [] };
  }
}

class PollFn<T> extends FutureBase<T> {
  constructor(private readonly fn: (cx: Context) => Poll<T>) {
    super();
  }
  poll(cx: Context): Poll<T> {
    return this.fn(cx);
  }
}

/**
 * A future that is ready at once with `value`.
 *
 * @example
 * ```ts
 * const five = yield* ready(5);
 * ```
 */
export function ready<T>(value: T): FutureBase<T> {
  return new Ready(value);
}

/**
 * A future that is never ready (and never wakes anyone). Useful as a placeholder in `select`.
 *
 * @example
 * ```ts
 * const { index } = yield* select(pending(), sleep(10)); // index === 1
 * ```
 */
export function pending<T = never>(): FutureBase<T> {
  return new Pending<T>();
}

/**
 * A future whose every poll calls `fn(cx)`; `fn` returns the output or `PENDING`. If it returns
 * `PENDING` it must arrange for `cx.waker` to be woken.
 *
 * @example
 * ```ts
 * let n = 0;
 * const third = pollFn((cx) => {
 *   if (++n < 3) { cx.waker.wake(); return PENDING; }
 *   return n;
 * });
 * ```
 */
export function pollFn<T>(fn: (cx: Context) => Poll<T>): FutureBase<T> {
  if (typeof fn !== "function") {
    throw new TypeError(`pollFn(fn): fn must be a function, got ${typeof fn}`);
  }
  return new PollFn(fn);
}
