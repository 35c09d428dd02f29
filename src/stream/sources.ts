/**
 * Stream sources that need no outside world: `iter` (the items of an iterable, one per poll),
 * `empty`, `once` (one future's output) and `streamPollFn` (a stream written as one function).
 *
 * `iter` is always ready, so it spends the task's cooperative budget on every item (as tokio-stream's
 * `iter` does): a loop over a million-item `iter` still gives the other chefs their turn.
 */
import { CANCEL, type Cancellable, type Cleanup, cancel, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { assertFuture, type Future } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import { DONE, StreamBase, type StreamPoll } from "./stream.js";

class Iter<T> extends StreamBase<T> {
  private iterator: Iterator<T> | null;

  constructor(iterator: Iterator<T>) {
    super();
    this.iterator = iterator;
  }

  pollNext(cx: Context): StreamPoll<T> {
    const it = this.iterator;
    if (it === null) return DONE;
    if (!pollProceed(cx)) return PENDING;
    const r = it.next();
    if (r.done === true) {
      this.iterator = null;
      return DONE;
    }
    return r.value;
  }

  override [Symbol.dispose](): void {
    const it = this.iterator;
    this.iterator = null;
    it?.return?.();
  }
}

/**
 * A stream of the items of a (sync) iterable.
 *
 * @example
 * ```ts
 * const doubled = yield* iter([1, 2, 3]).map((x) => x * 2).collect(); // [2, 4, 6]
 * ```
 */
export function iter<T>(iterable: Iterable<T>): StreamBase<T> {
  if (
    iterable === null ||
    typeof (iterable as Iterable<T> | undefined)?.[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `iter(iterable): iterable must be iterable, got ${iterable === null ? "null" : typeof iterable}`,
    );
  }
  return new Iter(iterable[Symbol.iterator]());
}

class Empty extends StreamBase<never> {
  pollNext(_cx: Context): StreamPoll<never> {
    return DONE;
  }
}

/**
 * A stream that ends at once.
 *
 * @example
 * ```ts
 * yield* empty().collect(); // []
 * ```
 */
export function empty<T = never>(): StreamBase<T> {
  return new Empty() as StreamBase<T>;
}

class Once<T> extends StreamBase<T> implements Cancellable {
  constructor(private future: Future<T> | null) {
    super();
  }

  pollNext(cx: Context): StreamPoll<T> {
    const f = this.future;
    if (f === null) return DONE;
    let r: Poll<T>;
    try {
      r = f.poll(cx);
    } catch (e) {
      // A future that threw is finished: its error is the one item, and the stream has ended
      // (futures-rs' `once` over a fallible future yields the `Err`, then `None`).
      this.future = null;
      throw e;
    }
    if (r === PENDING) return PENDING;
    this.future = null;
    return r;
  }

  /** Torn down by its consumer: a future whose `finally` awaits is handed back to be driven. */
  [CANCEL](): Cleanup | null {
    const f = this.future;
    this.future = null;
    return cancel(f);
  }

  override [Symbol.dispose](): void {
    drop(this);
  }
}

/**
 * A stream of one item: the output of `future`. If the future throws, its error is that item
 * (thrown from the stream's poll) and the stream has ended.
 *
 * @example
 * ```ts
 * yield* once(sleep(10)).collect(); // [undefined]
 * ```
 */
export function once<T>(future: Future<T>): StreamBase<T> {
  assertFuture(future, "once(future): future");
  return new Once(future);
}

class PollFnStream<T> extends StreamBase<T> {
  constructor(private readonly fn: (cx: Context) => StreamPoll<T>) {
    super();
  }
  pollNext(cx: Context): StreamPoll<T> {
    return this.fn(cx);
  }
}

/**
 * A stream whose every `pollNext` calls `fn(cx)` (futures-rs' `stream::poll_fn`). When `fn` returns
 * `PENDING` it must arrange for `cx.waker` to be woken.
 *
 * @example
 * ```ts
 * let n = 0;
 * const counter = streamPollFn(() => (n < 3 ? n++ : DONE)); // 0, 1, 2
 * ```
 */
export function streamPollFn<T>(fn: (cx: Context) => StreamPoll<T>): StreamBase<T> {
  if (typeof fn !== "function") {
    throw new TypeError(`streamPollFn(fn): fn must be a function, got ${typeof fn}`);
  }
  return new PollFnStream(fn);
}
