/**
 * Leaf helpers: the simplest recipe cards. `ready(v)` is a dish already plated, `pending()` one
 * that never comes, `pollFn(fn)` a future written as one poll function.
 */
import { disposeOwned } from "./cancel.js";
import type { Context } from "./context.js";
import { DESCRIBE, type Description, type WaitsOn } from "./describe.js";
import { FutureStateError } from "./errors.js";
import { FutureBase } from "./future.js";
import { PENDING, type Poll } from "./poll.js";

/** `Ready` holds its value. */
const HOLDING = 0;
/** `Ready` handed its value to the poller. */
const TAKEN = 1;
/** `Ready` was dropped before it was polled. */
const DROPPED = 2;

/**
 * Hands its value over once, as Rust's `future::ready` does (`Option::take`): polled again, it
 * throws rather than give one owned value (a lock guard, a socket) to two owners. Dropped before
 * its poll, it disposes an `OWNED` value nobody will ever receive.
 */
class Ready<T> extends FutureBase<T> implements Disposable {
  private state = HOLDING;

  constructor(private value: T | undefined) {
    super();
  }
  poll(_cx: Context): Poll<T> {
    if (this.state !== HOLDING) {
      throw new FutureStateError(
        `ready(value) was polled after it ${this.state === TAKEN ? "completed" : "was dropped"}: it hands its value over once`,
      );
    }
    this.state = TAKEN;
    const v = this.value as T;
    this.value = undefined;
    return v;
  }
  [Symbol.dispose](): void {
    if (this.state !== HOLDING) return;
    this.state = DROPPED;
    const v = this.value;
    this.value = undefined;
    disposeOwned(v);
  }
}

/** What `pending()` waits on, as the deadlock report reads it: nothing will ever end the wait. */
const NEVER: WaitsOn = { kind: "never", tasks: [] };

class Pending<T> extends FutureBase<T> {
  poll(cx: Context): Poll<T> {
    // Never woken on purpose. Taking the waker (and dropping it) tells the lost-waker check that
    // this is deliberate, not a bug.
    void cx.waker;
    return PENDING;
  }
  [DESCRIBE](): Description {
    return { label: "pending() (never ready)", children: [], waitsOn: NEVER };
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
 * A future that is ready at once with `value`. It hands the value over once: polled again, it
 * throws a `FutureStateError`; dropped unpolled, it disposes the value if it is `OWNED`.
 *
 * @example
 * ```ts
 * const five = yield* ready(5);
 * ```
 */
export function ready<T>(value: T): FutureBase<T> & Disposable {
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
  if (Object.prototype.toString.call(fn) === "[object AsyncFunction]") {
    // Its promise would be taken for the output on the first poll: ready at once, never awaited.
    throw new TypeError(
      "pollFn(fn): fn must return the output or PENDING, got an async function (its promise would be the output): wrap a promise with fromPromise instead",
    );
  }
  return new PollFn(fn);
}
