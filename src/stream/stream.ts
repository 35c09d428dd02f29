/**
 * Stream: a recipe card that plates one dish after another. Where a future is polled until it gives
 * its one output, a stream is polled with `pollNext(cx)` and answers each time with
 *
 * - an item (the next dish),
 * - {@link DONE} (the kitchen has closed this order: no more items, ever), or
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
import type { PENDING, Poll } from "../future/poll.js";

/** The one value `pollNext` returns when a stream has ended. */
export const DONE: unique symbol = Symbol("brigade.stream.done");

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

/** Throw a clear `TypeError` unless `value` is a stream; `where` names the argument. */
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
  abstract pollNext(cx: Context): StreamPoll<T>;

  /**
   * A future of the next item, or {@link DONE}. Cancellation safe: dropping it before it is ready
   * loses no item.
   *
   * @example
   * ```ts
   * for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) console.log(v);
   * ```
   */
  next(): FutureBase<T | typeof DONE> {
    return new Next(this);
  }

  /** Release whatever the stream holds. Streams that hold nothing keep this no-op. */
  [Symbol.dispose](): void {}

  /** For dumps and deadlock reports: the stream's kind (adapters add what they wrap). */
  [DESCRIBE](): Description {
    return { label: streamLabel(this), children: [] };
  }
}

/** The future behind `stream.next()`: one `pollNext`, passed through. */
export class Next<T> extends FutureBase<T | typeof DONE> {
  constructor(private readonly stream: Stream<T>) {
    super();
  }

  poll(cx: Context): Poll<T | typeof DONE> {
    return this.stream.pollNext(cx);
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
