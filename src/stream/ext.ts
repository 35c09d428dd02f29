/**
 * StreamExt: the combinators every stream has, as methods of {@link StreamBase}. futures-rs puts
 * them on an extension trait implemented for every stream; here they are declared on StreamBase by
 * module augmentation and installed on its prototype when this file is loaded (the stream barrel,
 * `stream/index.ts`, loads it), which keeps `stream.ts` free of import cycles with the adapters.
 *
 * Names follow futures-rs, except `then`, which is `andThen` here (a `then` method would make every
 * stream a thenable, and `await stream` would hang).
 *
 * Each method checks its arguments, wraps `this` in an adapter and returns it: the adapter owns the
 * stream from then on (dispose the adapter, not the stream).
 */

import { disposeOwned } from "../future/cancel.js";
import type { Future } from "../future/future.js";
import { assertFuture } from "../future/future.js";
import { checkDuration } from "../time/instant.js";
import { toAsyncIterable } from "./async-iter.js";
import { BufferedStream, ForEachConcurrent } from "./buffered.js";
import { ChainStream } from "./chain.js";
import { ChunksStream, MergeStream, ZipStream } from "./combine.js";
import { Fold, ForEach } from "./consume.js";
import { FlattenUnorderedStream } from "./flatten-unordered.js";
import { SkipStream, TakeStream, TakeUntilStream, TakeWhileStream } from "./limit.js";
import {
  EnumerateStream,
  InspectStream,
  type ScanStep,
  ScanStream,
  SkipWhileStream,
} from "./stateful.js";
import { assertStream, type Stream, StreamBase } from "./stream.js";
import { ChunksTimeoutStream, DebounceStream, ThrottleStream, TimeoutStream } from "./timed.js";
import { AndThenStream, FilterMapStream, MapStream, SKIP } from "./transform.js";

declare module "./stream.js" {
  interface StreamBase<T> {
    /**
     * Each item through `f`.
     * @example `iter([1, 2]).map((x) => x * 10)` yields 10, 20
     */
    map<U>(f: (item: T) => U): StreamBase<U>;
    /**
     * Only the items for which `pred` is true. A type guard narrows the items' type, as
     * `Array.prototype.filter` does.
     * @example `iter([1, 2, 3, 4]).filter((x) => x % 2 === 0)` yields 2, 4
     */
    filter<S extends T>(pred: (item: T) => item is S): StreamBase<S>;
    filter(pred: (item: T) => boolean): StreamBase<T>;
    /**
     * Each item through `f`; items for which `f` returns `undefined` are dropped.
     * @example `iter(["1", "x", "3"]).filterMap((s) => (Number.isNaN(+s) ? undefined : +s))` yields 1, 3
     */
    filterMap<U>(f: (item: T) => U | undefined): StreamBase<U>;
    /**
     * Each item through an async step; the next item is pulled when the step is done. This is
     * futures-rs' `then`, renamed: an object with a `then` method is a thenable in JavaScript, so
     * `await stream` (or a stream returned from an async function) would call it and hang.
     * @example `ids.andThen((id) => fetchUser(id))` yields users in order
     */
    andThen<U>(f: (item: T) => Future<U>): StreamBase<U>;
    /**
     * The first `n` items; the stream is disposed after the last one (for `take(0)`, at the first
     * poll, which pulls nothing).
     * @example `iter([1, 2, 3]).take(2)` yields 1, 2
     */
    take(n: number): StreamBase<T>;
    /**
     * Items while `pred` holds; ends at the first item for which it fails (that item is dropped).
     * A type guard narrows the items' type.
     * @example `iter([1, 2, 5, 1]).takeWhile((x) => x < 3)` yields 1, 2
     */
    takeWhile<S extends T>(pred: (item: T) => item is S): StreamBase<S>;
    takeWhile(pred: (item: T) => boolean): StreamBase<T>;
    /**
     * Items until `stop` is ready (checked before each item). A `stop` that throws ends the stream
     * too: its error is thrown once, in place of the next item, then the stream answers `DONE`.
     * @example `ticks.takeUntil(sleep(1000))` ends after a second
     */
    takeUntil(stop: Future<unknown>): StreamBase<T>;
    /**
     * All but the first `n` items.
     * @example `iter([1, 2, 3]).skip(2)` yields 3
     */
    skip(n: number): StreamBase<T>;
    /**
     * Arrays of `n` items; the last one may be shorter, and so may one cut short by an error from
     * upstream, which comes right after it (items keep their order around errors).
     * @example `iter([1, 2, 3]).chunks(2)` yields [1, 2], [3]
     */
    chunks(n: number): StreamBase<T[]>;
    /**
     * Arrays of up to `n` items: a chunk goes when it is full, or when its first item has waited
     * `ms` on the runtime's clock (tokio-stream's `chunks_timeout`), so a slow trickle is still
     * batched and still delivered. An error from upstream cuts the open chunk short: it goes
     * first, then the error.
     * @example `orders.chunksTimeout(50, 100)` yields batches of at most 50, none older than 100 ms
     */
    chunksTimeout(n: number, ms: number): StreamBase<T[]>;
    /**
     * The items as they come, but an item later than `ms` after the previous one (or after the
     * first poll) is preceded by a `TimeoutError` thrown from the stream, once per silence; the
     * stream goes on (tokio-stream's `timeout`). An error the stream throws counts as an item.
     * @example `readings.timeout(5000)`: a sensor silent for 5 s raises one TimeoutError
     */
    timeout(ms: number): StreamBase<T>;
    /**
     * The items no faster than one per `ms` on the runtime's clock: after each item the next is
     * not pulled before `ms` has passed (tokio-stream's `throttle`; the first is not delayed). An
     * error the stream throws counts as an item.
     * @example `retries.throttle(1000)` pulls at most one retry a second
     */
    throttle(ms: number): StreamBase<T>;
    /**
     * The last item of each burst: an item goes out once `ms` has passed on the runtime's clock
     * with no newer one (RxJS's `debounceTime`; the ones it replaced are let go, disposed if
     * `OWNED`). When the stream ends, the item held goes out at once. An error the stream throws
     * passes at once and the item held stays held. An item that comes in the millisecond the
     * quiet period ends, in a turn before the stream is polled, starts the period over.
     * @example `keystrokes.debounce(250)` yields what was typed once the typing pauses for 250 ms
     */
    debounce(ms: number): StreamBase<T>;
    /**
     * The items of both streams, as they come; ends when both have ended.
     * @example `tableA.merge(tableB)` yields every order of both tables
     */
    merge(other: Stream<T>): StreamBase<T>;
    /**
     * Pairs of one item from each; ends when either ends.
     * @example `iter([1, 2]).zip(iter(["a", "b"]))` yields [1, "a"], [2, "b"]
     */
    zip<U>(other: Stream<U>): StreamBase<[T, U]>;
    /**
     * Each item passed on unchanged after `f` has looked at it (a log line, a counter). A throw
     * from `f` is handed out in place of the item, which is dropped; the stream goes on.
     * @example `orders.inspect((o) => console.log("order", o.id))` yields the orders
     */
    inspect(f: (item: T) => unknown): StreamBase<T>;
    /**
     * Each item with its position, from 0: `[index, item]`. Errors pass through uncounted.
     * @example `iter(["a", "b"]).enumerate()` yields [0, "a"], [1, "b"]
     */
    enumerate(): StreamBase<[number, T]>;
    /**
     * A running state: `f(state, item)` returns `[nextState, out]` to hand out `out`, or
     * `undefined` (or `DONE`) to end the stream there, as futures-rs' scan ends on `None`. A plain
     * function, like `filterMap`'s and `takeWhile`'s, rather than futures-rs' future of an
     * `Option` (an async step per item is `andThen`'s job); `undefined` means "no item" as it does
     * for `filterMap`, and here there is none ever after. The state goes in and comes back out
     * because a JavaScript function cannot change a number it was given in place, as Rust's
     * `&mut S` can. The item that ended it is dropped (OWNED), as `takeWhile` drops the one that
     * stopped it. A throw from `f` is handed out in place of the item, the state unchanged.
     * @example `iter([1, 2, 3]).scan(0, (sum, x) => [sum + x, sum + x])` yields 1, 3, 6
     */
    scan<S, U>(init: S, f: (state: S, item: T) => ScanStep<S, U>): StreamBase<U>;
    /**
     * Drops items while `pred` holds; from the first item for which it fails, every item passes
     * (`pred` is not called again).
     * @example `iter([1, 2, 5, 1]).skipWhile((x) => x < 3)` yields 5, 1
     */
    skipWhile(pred: (item: T) => boolean): StreamBase<T>;
    /**
     * Every item of this stream, then every item of `other` (not polled before this one ends).
     * @example `iter([1, 2]).chain(iter([3]))` yields 1, 2, 3
     */
    chain(other: Stream<T>): StreamBase<T>;
    /**
     * For a stream of streams: their items merged as they come, from at most `limit` inner
     * streams at once (an integer of at least 1, or `undefined` or `Infinity` for no limit);
     * futures-rs' `flatten_unordered`. Only the inner streams that were woken are polled, one that
     * is always ready cannot starve the others, and the outer stream is not pulled while `limit`
     * are in flight. An error of an inner stream or of the outer one is an item, as for every
     * adapter: it is handed out and that stream goes on (a stream that failed for good, such as
     * `lines()` after its reader's error, ends by itself).
     * @example `streamsOfLines.flattenUnordered(100)` yields lines from up to 100 streams at once
     * @example `subscriptions.flattenUnordered()` merges every subscription, however many
     */
    flattenUnordered<U>(this: StreamBase<Stream<U>>, limit?: number): StreamBase<U>;
    /**
     * Each item through `f` to an inner stream, whose items are merged as they come, from at most
     * `limit` at once (see `flattenUnordered`); futures-rs' `flat_map_unordered`. A throw from `f`
     * (or a value of `f` that is not a stream) is handed out in place of that item only.
     * @example `listener.incoming().flatMapUnordered(100, (conn) => new BufReader(conn).lines())`
     */
    flatMapUnordered<U>(limit: number | undefined, f: (item: T) => Stream<U>): StreamBase<U>;
    /**
     * A future of the last accumulator, after `f` has seen every item.
     * @example `yield* iter([1, 2, 3]).fold(0, (a, x) => a + x)` is 6
     */
    fold<A>(init: A, f: (acc: A, item: T) => A): Future<A> & Disposable;
    /**
     * A future of every item, in an array.
     * @example `yield* iter([1, 2]).collect()` is [1, 2]
     */
    collect(): Future<T[]> & Disposable;
    /**
     * A future that runs `f` on every item; if `f` returns a future it is awaited before the next.
     * A Promise is refused with a TypeError (wrap it: `fromPromise(() => p)`); a throw from `f`,
     * its future or the stream disposes the stream before it reaches the caller.
     * @example `yield* lines.forEach((line) => console.log(line))`
     */
    forEach(f: (item: T) => unknown): Future<void> & Disposable;
    /**
     * A future that runs `f(item)` for every item, up to `limit` at once: an integer of at least 1,
     * or `undefined` or `Infinity` for no limit. A limit of 0 is refused with a RangeError (where
     * futures-rs reads 0 as "no limit", a JavaScript 0 is more often a count that came out wrong).
     * When one fails, the others are dropped (their `finally` blocks run) and the error is thrown.
     * @example `yield* listener.incoming().forEachConcurrent(100, (conn) => serve(conn))`
     */
    forEachConcurrent(
      limit: number | undefined,
      f: (item: T) => Future<unknown>,
    ): Future<void> & Disposable;
    /**
     * For a stream of futures: up to `n` in flight, outputs in the order the futures came. A
     * future's error is thrown in its place in that order; polling on gives the items after it.
     * An error thrown by the stream itself (not by one of its futures) is thrown as soon as it is
     * pulled, ahead of the outputs still in flight (as futures-rs' `try_buffered`).
     * @example `urls.map((u) => get(u)).buffered(8)`
     */
    buffered<U>(this: StreamBase<Future<U>>, n: number): StreamBase<U>;
    /**
     * For a stream of futures: up to `n` in flight, outputs as they finish (an error as it comes,
     * the stream going on after it).
     * @example `urls.map((u) => get(u)).bufferUnordered(8)`
     */
    bufferUnordered<U>(this: StreamBase<Future<U>>, n: number): StreamBase<U>;
    /**
     * `for await (const x of stream)` from native code (see `toAsyncIterable`).
     * @example `for await (const line of reader.lines()) console.log(line);`
     */
    [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined>;
  }
}

/** A period of the timed adapters: a finite duration in ms (`checkDuration`'s rules, no `Infinity`). */
function checkPeriod(ms: unknown, where: string): number {
  const d = checkDuration(ms as number, where);
  if (d === Number.POSITIVE_INFINITY) throw new RangeError(`${where} must be finite, got Infinity`);
  return d;
}

function checkFn(f: unknown, where: string): void {
  if (typeof f !== "function") throw new TypeError(`${where} must be a function, got ${typeof f}`);
}

function checkCount(n: unknown, where: string, min: number, orElse = ""): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new RangeError(
      `${where} must be an integer of at least ${min}${orElse}, got ${String(n)}`,
    );
  }
  return n;
}

/** A concurrency limit: an integer of at least 1, or `undefined` or `Infinity` for none. */
function checkLimit(limit: unknown, where: string): number {
  return limit === undefined || limit === Number.POSITIVE_INFINITY
    ? Number.POSITIVE_INFINITY
    : checkCount(limit, where, 1, " (undefined or Infinity for no limit)");
}

type AnyStream = StreamBase<any>;

const methods = {
  map(this: AnyStream, f: (item: unknown) => unknown) {
    checkFn(f, "stream.map(f): f");
    return new MapStream(this, f);
  },
  filter(this: AnyStream, pred: (item: unknown) => boolean) {
    checkFn(pred, "stream.filter(pred): pred");
    // A rejected item is dropped, as Rust's filter drops it: disposed if it has one owner (OWNED).
    return new FilterMapStream(this, (x) => {
      let keep: boolean;
      try {
        keep = pred(x);
      } catch (e) {
        // The predicate only looked at the item (Rust's `&T`): failing, it drops it all the same.
        disposeOwned(x);
        throw e;
      }
      if (keep) return x;
      disposeOwned(x);
      return SKIP;
    });
  },
  filterMap(this: AnyStream, f: (item: unknown) => unknown) {
    checkFn(f, "stream.filterMap(f): f");
    return new FilterMapStream(this, (x) => {
      const out = f(x);
      return out === undefined ? SKIP : out;
    });
  },
  andThen(this: AnyStream, f: (item: unknown) => Future<unknown>) {
    checkFn(f, "stream.andThen(f): f");
    return new AndThenStream(this, f);
  },
  take(this: AnyStream, n: number) {
    return new TakeStream(this, checkCount(n, "stream.take(n): n", 0));
  },
  takeWhile(this: AnyStream, pred: (item: unknown) => boolean) {
    checkFn(pred, "stream.takeWhile(pred): pred");
    return new TakeWhileStream(this, pred);
  },
  takeUntil(this: AnyStream, stop: Future<unknown>) {
    assertFuture(stop, "stream.takeUntil(stop): stop");
    return new TakeUntilStream(this, stop);
  },
  skip(this: AnyStream, n: number) {
    return new SkipStream(this, checkCount(n, "stream.skip(n): n", 0));
  },
  chunks(this: AnyStream, n: number) {
    return new ChunksStream(this, checkCount(n, "stream.chunks(n): n", 1));
  },
  chunksTimeout(this: AnyStream, n: number, ms: number) {
    const size = checkCount(n, "stream.chunksTimeout(n, ms): n", 1);
    return new ChunksTimeoutStream(this, size, checkPeriod(ms, "stream.chunksTimeout(n, ms): ms"));
  },
  timeout(this: AnyStream, ms: number) {
    return new TimeoutStream(this, checkPeriod(ms, "stream.timeout(ms): ms"));
  },
  throttle(this: AnyStream, ms: number) {
    return new ThrottleStream(this, checkPeriod(ms, "stream.throttle(ms): ms"));
  },
  debounce(this: AnyStream, ms: number) {
    return new DebounceStream(this, checkPeriod(ms, "stream.debounce(ms): ms"));
  },
  merge(this: AnyStream, other: Stream<unknown>) {
    assertStream(other, "stream.merge(other): other");
    return new MergeStream(this, other);
  },
  zip(this: AnyStream, other: Stream<unknown>) {
    assertStream(other, "stream.zip(other): other");
    return new ZipStream(this, other);
  },
  inspect(this: AnyStream, f: (item: unknown) => unknown) {
    checkFn(f, "stream.inspect(f): f");
    return new InspectStream(this, f);
  },
  enumerate(this: AnyStream) {
    return new EnumerateStream(this);
  },
  scan(
    this: AnyStream,
    init: unknown,
    f: (state: unknown, item: unknown) => ScanStep<unknown, unknown>,
  ) {
    checkFn(f, "stream.scan(init, f): f");
    return new ScanStream(this, init, f);
  },
  skipWhile(this: AnyStream, pred: (item: unknown) => boolean) {
    checkFn(pred, "stream.skipWhile(pred): pred");
    return new SkipWhileStream(this, pred);
  },
  chain(this: AnyStream, other: Stream<unknown>) {
    assertStream(other, "stream.chain(other): other");
    return new ChainStream(this, other);
  },
  flattenUnordered(this: AnyStream, limit: number | undefined) {
    const n = checkLimit(limit, "stream.flattenUnordered(limit): limit");
    return new FlattenUnorderedStream(this, n, null, "flattenUnordered");
  },
  flatMapUnordered(
    this: AnyStream,
    limit: number | undefined,
    f: (item: unknown) => Stream<unknown>,
  ) {
    const n = checkLimit(limit, "stream.flatMapUnordered(limit, f): limit");
    checkFn(f, "stream.flatMapUnordered(limit, f): f");
    return new FlattenUnorderedStream(this, n, f, "flatMapUnordered");
  },
  fold(this: AnyStream, init: unknown, f: (acc: unknown, item: unknown) => unknown) {
    checkFn(f, "stream.fold(init, f): f");
    return new Fold(this, init, f);
  },
  collect(this: AnyStream) {
    return new Fold(
      this,
      [] as unknown[],
      (acc, x) => {
        acc.push(x);
        return acc;
      },
      "stream.collect()",
    );
  },
  forEach(this: AnyStream, f: (item: unknown) => unknown) {
    checkFn(f, "stream.forEach(f): f");
    return new ForEach(this, f);
  },
  forEachConcurrent(
    this: AnyStream,
    limit: number | undefined,
    f: (item: unknown) => Future<unknown>,
  ) {
    const n =
      limit === undefined || limit === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : checkCount(
            limit,
            "stream.forEachConcurrent(limit, f): limit",
            1,
            " (undefined or Infinity for no limit)",
          );
    checkFn(f, "stream.forEachConcurrent(limit, f): f");
    return new ForEachConcurrent(this, n, f);
  },
  buffered(this: AnyStream, n: number) {
    return new BufferedStream(this, checkCount(n, "stream.buffered(n): n", 1), true);
  },
  bufferUnordered(this: AnyStream, n: number) {
    return new BufferedStream(this, checkCount(n, "stream.bufferUnordered(n): n", 1), false);
  },
  [Symbol.asyncIterator](this: AnyStream) {
    return toAsyncIterable(this);
  },
};

for (const key of Reflect.ownKeys(methods)) {
  Object.defineProperty(StreamBase.prototype, key, {
    value: (methods as Record<PropertyKey, unknown>)[key],
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
