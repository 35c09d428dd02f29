/**
 * Stream: a recipe card that plates one dish after another. Where a future is polled until it gives
 * its one output, a stream is polled with `pollNext(cx)` and answers each time with
 *
 * - an item (the next dish),
 * - {@link DONE} (the kitchen has closed this order: no more items, ever; except that
 *   `BufReader.lines()` and `FramedRead` read their reader again when polled after it, as tokio's
 *   do, so a file that grew gives its new lines; adapters stop at the first `DONE`), or
 * - `PENDING`, after storing `cx.waker` to be paged when the next item may be ready.
 *
 * Like a future, a stream is lazy and is driven by one task. An item is handed over only when
 * `pollNext` returns it, so a `PENDING` answer never loses anything: `next()` is cancellation safe.
 * Streams that hold resources (sockets, timers, listeners) release them in `[Symbol.dispose]()`, and
 * every combinator disposes the stream it wraps.
 *
 * Errors: a `pollNext` that throws hands out an error in place of an item. An adapter that can go
 * on does (`andThen`, `buffered` keep the error in its position, as futures-rs' `FuturesOrdered`
 * yields an `Err`); a source that cannot ends (`fromAsyncIterable`). A future or adapter whose poll
 * throws because it is finished (`fold`, `collect`, `forEach`, `forEachConcurrent`) first releases
 * what it owns: it disposes its upstream and drops its in-flight children with `drop` (so a cleanup
 * that awaits is finished as a detached task), and the runtime's metrics (`liveTimers`,
 * `liveWaiters`) read zero afterwards.
 *
 * The combinators (`map`, `filter`, `buffered`, …) are methods of {@link StreamBase}, installed by
 * `ext.ts`, the way futures-rs puts them on the `StreamExt` extension trait.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { disposeOf, FutureBase } from "../future/future.js";
import { DONE, PENDING, type Poll } from "../future/poll.js";

/** The one value `pollNext` returns when a stream has ended (defined in future/poll.ts). */
export { DONE };

/** What `pollNext` returns: an item, {@link DONE}, or `PENDING`. */
export type StreamPoll<T> = T | typeof DONE | typeof PENDING;

/** A sequence of values produced asynchronously, polled like a future. */
export interface Stream<T> {
  /** The next item, `DONE` at the end, or `PENDING` with `cx.waker` registered. */
  pollNext(cx: Context): StreamPoll<T>;
}

/**
 * Whether a value follows the stream protocol.
 *
 * @example
 * ```ts
 * isStream(iter([1, 2])); // true
 * isStream([1, 2]); // false
 * ```
 */
export function isStream(value: unknown): value is Stream<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { pollNext?: unknown }).pollNext === "function"
  );
}

/**
 * Throw a clear `TypeError` unless `value` is a stream; `where` names the argument.
 *
 * @example
 * ```ts
 * assertStream(orders, "merge(a, b): b"); // a TypeError naming b unless it is a stream
 * ```
 */
export function assertStream(value: unknown, where: string): asserts value is Stream<unknown> {
  if (!isStream(value)) {
    const got = value === null ? "null" : typeof value;
    const hint =
      typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] ===
      "function"
        ? " (an async iterable: wrap it with fromAsyncIterable(iterable))"
        : typeof (value as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] === "function"
          ? " (an iterable: wrap it with iter(iterable))"
          : "";
    throw new TypeError(`${where} must be a stream, got ${got}${hint}`);
  }
}

/** @internal dispose a value if it is disposable (what adapters wrap may or may not be): future.ts. */
export { disposeOf };

/**
 * Taking a dropped `next()`'s wait back, through any chain of adapters.
 *
 * A source that parks on something outside (a channel receiver, a listener's accept queue, a
 * socket) records who parked, so that a dropped poller can take back its own registration
 * (src/stream/source-wait.ts). A source stream parks as itself, since through adapters
 * (`rx.map(f).next()`) it cannot see the `next()` future. So when a `next()` parks, it tells the
 * chain: `[CLAIM](itself)` passes down through every adapter, and the source notes that this
 * future's wait is the one it holds. When a `next()` that parked is dropped, `[WITHDRAW](itself)`
 * passes down the same way, and the source takes its registration back only if that future made
 * the latest claim: a newer `next()`, through this chain or another over the same source, keeps
 * its wait. A `next()` that completes (an item, the end, an error) after a source parked on the
 * way (a merge's other side, the upstream a debounce drained), in this poll or an earlier one,
 * claims and withdraws the same way, so that no wait outlives it. So the walks happen when a
 * `next()` parks, is dropped, or completes past a parked source; an item that comes at once from a
 * chain where nothing parked costs none.
 */
export const WITHDRAW: unique symbol = Symbol("brigade.stream.withdraw");

/** See {@link WITHDRAW}: a `next()` parked through this stream. */
export const CLAIM: unique symbol = Symbol("brigade.stream.claim");

/**
 * Pass a `next()`'s claim on to the stream an adapter wraps, if that stream takes claims (a plain
 * object with only `pollNext` does not, and is skipped). What an adapter's `[CLAIM]` calls.
 *
 * @example
 * ```ts
 * override [CLAIM](by: unknown): void {
 *   claimFrom(this.inner, by); // this.inner: any Stream, a StreamBase or not
 * }
 * ```
 */
export function claimFrom(stream: unknown, by: unknown): void {
  const c = (stream as { [CLAIM]?: (by: unknown) => void } | null)?.[CLAIM];
  if (typeof c === "function") c.call(stream, by);
}

/**
 * Pass a dropped `next()`'s withdrawal on to the stream an adapter wraps, if that stream takes
 * them. What an adapter's `[WITHDRAW]` calls.
 *
 * @example
 * ```ts
 * override [WITHDRAW](by: unknown): void {
 *   withdrawFrom(this.inner, by);
 * }
 * ```
 */
export function withdrawFrom(stream: unknown, by: unknown): void {
  const w = (stream as { [WITHDRAW]?: (by: unknown) => void } | null)?.[WITHDRAW];
  if (typeof w === "function") w.call(stream, by);
}

/** How many times a source stream has parked (see `Claim.parked`): a `next()` reads it. */
const claims = { parks: 0 };

/**
 * The bookkeeping of a source stream (see {@link WITHDRAW}): which `next()` last claimed the wait
 * the source holds for this stream.
 */
export class Claim {
  private by: unknown = null;

  /** `by` parked through the chain: the wait is now its. */
  set(by: unknown): void {
    this.by = by;
  }

  /**
   * The source stream's own poll parked: the wait is nobody's until a `next()` claims it (one
   * that polled it does so at once). A consumer that parks without claiming (`forEach`,
   * `collect`, `for await`) then keeps its wait when an older `next()` is dropped.
   */
  parked(): void {
    this.by = null;
    claims.parks++;
  }

  /** `by` was dropped: whether the wait was its (and is now nobody's). */
  release(by: unknown): boolean {
    if (by === null || by !== this.by) return false;
    this.by = null;
    return true;
  }
}

/**
 * Base class for streams: implement `pollNext`, and `[Symbol.dispose]` if the stream holds
 * anything. Gives `next()` and, once the stream module is loaded, every combinator.
 *
 * @example
 * ```ts
 * class Countdown extends StreamBase<number> {
 *   constructor(private n: number) { super(); }
 *   pollNext(_cx: Context): StreamPoll<number> {
 *     return this.n > 0 ? this.n-- : DONE;
 *   }
 * }
 * const items = yield* new Countdown(3).collect(); // [3, 2, 1]
 * ```
 */
export abstract class StreamBase<T> implements Stream<T>, Disposable {
  /**
   * The next item, `DONE` at the end, or `PENDING` after storing `cx.waker`. `next()` and the
   * combinators call it; call it yourself only in a hand-written stream or future, or in a test.
   *
   * @example
   * ```ts
   * const first = new Countdown(3).pollNext(new Context(Waker.noop())); // 3
   * ```
   */
  abstract pollNext(cx: Context): StreamPoll<T>;

  /**
   * A future of the next item, or {@link DONE}. Cancellation safe: dropping it before it is ready
   * loses no item, and takes back the wait it parked (a channel's waiter slot, a socket's or a
   * listener's I/O wait), through any adapters.
   *
   * @example
   * ```ts
   * for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) console.log(v);
   * ```
   */
  next(): FutureBase<T | typeof DONE> & Disposable {
    return new Next(this);
  }

  /**
   * Release whatever the stream holds (a socket, a timer, a waiter slot; an adapter disposes the
   * stream it wraps). Streams that hold nothing keep this no-op.
   *
   * @example
   * ```ts
   * using ticks = intervalStream(interval(1000)).take(3); // the timer is freed at the scope's end
   * ```
   */
  [Symbol.dispose](): void {}

  /**
   * The `next()` future `by` parked through this stream (see {@link WITHDRAW}). A stream that parks
   * nothing outside keeps this no-op; an adapter passes it on to what it wraps (a hand-written one
   * too: otherwise a `next()` dropped through it leaves its wait at a receiver or socket).
   *
   * @example
   * ```ts
   * class Every2nd<T> extends StreamBase<T> {
   *   // …pollNext reads this.inner
   *   override [CLAIM](by: unknown): void { this.inner[CLAIM](by); }
   *   override [WITHDRAW](by: unknown): void { this.inner[WITHDRAW](by); }
   * }
   * ```
   */
  [CLAIM](_by: unknown): void {}

  /**
   * The `next()` future `by`, which parked through this stream, was dropped: if it made the latest
   * claim, take back what the stream's source registered (see {@link WITHDRAW}). An adapter passes
   * it on to what it wraps, as it does {@link StreamBase.[CLAIM]}.
   *
   * @example
   * ```ts
   * override [WITHDRAW](by: unknown): void { this.inner[WITHDRAW](by); }
   * ```
   */
  [WITHDRAW](_by: unknown): void {}

  /** For dumps and deadlock reports: the stream's kind (adapters add what they wrap). */
  [DESCRIBE](): Description {
    return { label: streamLabel(this), children: [] };
  }
}

/**
 * The future behind `stream.next()`: one `pollNext`, passed through. Parked, it claims the
 * chain's wait; dropped while parked, it withdraws it (see {@link WITHDRAW}).
 *
 * @example
 * ```ts
 * const ticket = yield* tickets.next(); // a Next: the ticket, or DONE once the stream has ended
 * if (ticket === DONE) return;
 * ```
 */
export class Next<T> extends FutureBase<T | typeof DONE> implements Disposable {
  /** The last poll returned `PENDING`: the chain's source holds a wait of ours. */
  private parked = false;

  constructor(private readonly stream: Stream<T>) {
    super();
  }

  /**
   * Poll the stream once: an item, `DONE`, or `PENDING` (the stream's source then holds a wait
   * claimed by this future). `yield*` calls it; a test may poll it by hand.
   *
   * @example
   * ```ts
   * const r = tickets.next().poll(new Context(Waker.noop())); // an item, DONE or PENDING
   * ```
   */
  poll(cx: Context): Poll<T | typeof DONE> {
    const before = claims.parks;
    let r: Poll<T | typeof DONE>;
    try {
      r = this.stream.pollNext(cx);
    } catch (e) {
      this.letGo(before);
      throw e;
    }
    if (r !== PENDING) {
      this.letGo(before);
      return r;
    }
    this.parked = true;
    claimFrom(this.stream, this);
    return r;
  }

  /**
   * Completed: leave no wait behind. A source the chain parked on the way (in this poll, or in an
   * earlier one that this future claimed) would keep this task's pager, and refuse the next
   * reader, in another task, as if this one still waited: claim it, then let it go.
   */
  private letGo(parksBefore: number): void {
    if (this.parked || claims.parks !== parksBefore) {
      claimFrom(this.stream, this);
      withdrawFrom(this.stream, this);
    }
    this.parked = false;
  }

  /**
   * Dropped while parked: take back the wait this future claimed at the stream's source, unless a
   * newer `next()` has claimed it since. The stream itself stays open and loses no item.
   *
   * @example
   * ```ts
   * const ticket = yield* race(tickets.next(), sleep(100)); // the sleep won: the next() is dropped
   * ```
   */
  [Symbol.dispose](): void {
    if (!this.parked) return;
    this.parked = false;
    withdrawFrom(this.stream, this);
  }

  /** For dumps and deadlock reports: the stream it waits on. */
  [DESCRIBE](): Description {
    return { label: "next()", children: [this.stream] };
  }
}

/**
 * A stream class's name for dumps: `MapStream` is "map", `FilterMapStream` "filterMap" (the
 * method that made it).
 */
export function streamLabel(stream: object): string {
  const name = stream.constructor?.name ?? "stream";
  const base = name.endsWith("Stream") && name.length > 6 ? name.slice(0, -6) : name;
  return base.charAt(0).toLowerCase() + base.slice(1);
}
