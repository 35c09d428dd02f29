/**
 * Bridges between Brigade streams and JavaScript's async iterables, both ways.
 *
 * - `fromAsyncIterable(it)`: a stream that asks the iterable for one item at a time (the waiter
 *   next door passing plates through the hatch). While an item is being fetched the runtime counts
 *   it as an open bridge, like `fromPromise`, so a paused clock does not jump ahead of it.
 *   Disposing the stream calls the iterator's `return()` (even before the first item), so an async
 *   generator's `finally` runs; a web `ReadableStream` is read through its reader, and disposing
 *   cancels it, mid-read too.
 * - `toAsyncIterable(stream)` (and `for await (const x of stream)`): native code pulls items. A
 *   stream must be polled by a task, so a small pump task is spawned on the runtime that is ticking,
 *   or on a runtime of its own when called from plain async code. The pump polls the stream only
 *   while someone awaits an item: no read-ahead, so backpressure holds. Breaking out of the loop
 *   disposes the stream.
 */
import { ambient, type Host } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { describeType } from "../runtime/option-checks.js";
import { Runtime } from "../runtime/runtime.js";
import type { JoinHandle } from "../task/join-handle.js";
import { RuntimeStateError } from "../task/runtime-state-error.js";
import { spawnerAmbient } from "../task/spawn.js";
import { DONE, disposeOf, type Stream, StreamBase, type StreamPoll } from "./stream.js";

const IDLE = 0; // no item requested from the iterator
const FETCHING = 1; // iterator.next() is in flight
const HAVE = 2; // an item arrived and waits to be taken
const FAILED = 3; // next() rejected: the error waits to be thrown
const ENDED = 4; // the iterator said done, or the stream was disposed

class FromAsyncIterable<T> extends StreamBase<T> {
  private iterator: AsyncIterator<T> | null = null;
  private state = IDLE;
  private item: unknown = undefined;
  private waker: Waker | null = null;
  private host: Host | null = null;
  private readonly onValue = (r: IteratorResult<T>) => this.received(r);
  private readonly onError = (e: unknown) => this.settle(false, e, true);

  constructor(private readonly iterable: AsyncIterable<T>) {
    super();
  }

  pollNext(cx: Context): StreamPoll<T> {
    switch (this.state) {
      case IDLE: {
        if (this.iterator === null) {
          try {
            this.iterator = readerIterator(this.iterable) ?? this.iterable[Symbol.asyncIterator]();
          } catch (e) {
            // No iterator to fetch from, nor to return(): the stream fails once, then has ended
            // (as `for await` throws once), rather than asking the iterable again at each poll.
            this.state = ENDED;
            throw e;
          }
        }
        this.state = FETCHING;
        this.waker = cx.waker;
        this.host = ambient.host;
        this.host?.bridgeOpened();
        let p: Promise<IteratorResult<T>>;
        try {
          p = this.iterator.next();
        } catch (e) {
          p = Promise.reject(e);
        }
        Promise.resolve(p).then(this.onValue, this.onError);
        return PENDING;
      }
      case FETCHING:
        this.waker = cx.waker;
        return PENDING;
      case HAVE: {
        this.state = IDLE;
        const v = this.item as T;
        this.item = undefined;
        return v;
      }
      case FAILED: {
        this.state = ENDED;
        const e = this.item;
        this.item = undefined;
        throw e;
      }
      default:
        return DONE;
    }
  }

  /**
   * What `next()` resolved to. A result that is not an object (or whose `done` getter throws) is
   * the iterator's bug: the stream fails with it, as native `for await` does, rather than throwing
   * inside this callback where nobody would catch it and the stream would wait for ever.
   */
  private received(r: IteratorResult<T>): void {
    let done: boolean;
    let value: unknown;
    try {
      if ((typeof r !== "object" && typeof r !== "function") || r === null) {
        throw new TypeError(
          `fromAsyncIterable(iterable): the iterator's next() must resolve to an object, got ${r === null ? "null" : typeof r}`,
        );
      }
      done = r.done === true;
      value = done ? undefined : r.value;
    } catch (e) {
      this.settle(false, e, true);
      return;
    }
    this.settle(done, value, false);
  }

  private settle(done: boolean, value: unknown, failed: boolean): void {
    if (this.state !== FETCHING) return; // disposed meanwhile
    this.host?.bridgeClosed();
    this.host = null;
    this.state = failed ? FAILED : done ? ENDED : HAVE;
    // A failed iterator is let go without return(), as `for await` lets it go when next() fails.
    if (done || failed) this.iterator = null;
    this.item = done ? undefined : value;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  override [Symbol.dispose](): void {
    if (this.state === ENDED) return;
    if (this.state === FETCHING) {
      this.host?.bridgeClosed();
      this.host = null;
    }
    const neverRead = this.state === IDLE && this.iterator === null;
    this.state = ENDED;
    this.item = undefined;
    this.waker = null;
    let it = this.iterator;
    this.iterator = null;
    if (neverRead) {
      // Dropped before its first item: the source is let go all the same (a `fetch` body left
      // unread would keep its request open; an async generator is returned, running no code).
      try {
        it = readerIterator(this.iterable) ?? this.iterable[Symbol.asyncIterator]();
      } catch {
        // No iterator to let go of: nothing was taken from the iterable.
      }
    }
    if (typeof it?.return === "function") {
      // The iterator's own cleanup runs on; a failure there, sync or async, has nobody to report
      // to (and must not keep whoever disposes this stream from disposing its other children).
      try {
        Promise.resolve(it.return()).catch(() => {});
      } catch {
        // See above.
      }
    }
  }
}

/** What this bridge uses of a web `ReadableStream` (a `fetch` body). */
export interface WebReadableStream<T> {
  readonly locked: boolean;
  getReader(): {
    read(): Promise<{ done: true; value?: T | undefined } | { done: false; value: T }>;
    cancel(reason?: unknown): Promise<void>;
  };
}

/**
 * For a web `ReadableStream`, an iterator over its reader whose `return()` is the reader's
 * `cancel()`. The stream's own async iterator would do, except that its `return()` waits behind a
 * `next()` in flight: a body that stalls mid-way would never be cancelled, and its request would
 * stay open after the stream is dropped. `cancel()` ends the pending read at once.
 */
function readerIterator<T>(iterable: AsyncIterable<T>): AsyncIterator<T> | null {
  const w = iterable as unknown as Partial<WebReadableStream<T>>;
  if (typeof w.getReader !== "function" || w.locked !== false) return null;
  const reader = (w as WebReadableStream<T>).getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<T>>,
    return: async () => {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}

/**
 * A stream of the items of an async iterable (an async generator, a Node readable, a web
 * `ReadableStream` such as a `fetch` body, …). Dropping it cancels a web stream at once, even in
 * the middle of a read that waits for bytes (the request behind a `fetch` body is closed).
 *
 * @example
 * ```ts
 * async function* ticks() { yield 1; yield 2; }
 * const items = yield* fromAsyncIterable(ticks()).collect(); // [1, 2]
 * ```
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): StreamBase<T>;
/**
 * A stream of the chunks of a web `ReadableStream` (a `fetch` body); dropping it cancels it.
 *
 * @example
 * ```ts
 * using body = fromAsyncIterable(res.body!); // dropped mid-read, the request is closed
 * ```
 */
export function fromAsyncIterable<T>(stream: ReadableStream<T>): StreamBase<T>;
export function fromAsyncIterable<T>(
  iterable: AsyncIterable<T> | ReadableStream<T>,
): StreamBase<T> {
  const it = iterable as Partial<AsyncIterable<T> & WebReadableStream<T>> | null | undefined;
  if (
    typeof it?.[Symbol.asyncIterator] !== "function" &&
    typeof it?.getReader !== "function" // a web stream where it is not async-iterable (Safari)
  ) {
    throw new TypeError(
      `fromAsyncIterable(iterable): iterable must be an async iterable or a web ReadableStream, got ${iterable === null ? "null" : typeof iterable}`,
    );
  }
  return new FromAsyncIterable(iterable as AsyncIterable<T>);
}

interface Request<T> {
  resolve: (r: IteratorResult<T, undefined>) => void;
  reject: (e: unknown) => void;
}

/** The task that pulls items for native code, one request at a time. */
class Pump<T> extends FutureBase<void> {
  readonly requests: Request<T>[] = [];
  waker: Waker | null = null;
  finished = false;
  /** The loop is leaving (`return()`): a drop then is its own, not the runtime's. */
  leaving = false;
  /** The runtime dropped the pump before the stream ended: what every `next()` fails with. */
  cutShort: RuntimeStateError | null = null;

  constructor(private readonly stream: Stream<T>) {
    super();
  }

  poll(cx: Context): Poll<void> {
    this.waker = cx.waker;
    while (this.requests.length > 0) {
      let r: StreamPoll<T>;
      try {
        r = this.stream.pollNext(cx);
      } catch (e) {
        this.end(e, true);
        return undefined;
      }
      if (r === PENDING) return PENDING;
      if (r === DONE) {
        this.end(undefined, false);
        return undefined;
      }
      this.requests.shift()!.resolve({ done: false, value: r });
    }
    return PENDING;
  }

  /**
   * The stream failed or ended: release it, then answer every request. A stream whose dispose
   * throws must not leave the loop waiting for ever: that error goes to the first request, unless
   * the stream's own error already does.
   */
  private end(error: unknown, failed: boolean): void {
    try {
      this.finish();
    } catch (e) {
      if (!failed) {
        failed = true;
        error = e;
      }
    }
    if (failed) this.requests.shift()?.reject(error);
    this.settleRest();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.waker = null;
    disposeOf(this.stream);
  }

  settleRest(): void {
    for (const q of this.requests.splice(0)) q.resolve({ done: true, value: undefined });
  }

  /**
   * Dropped: by the loop's own `return()` (`leaving` set), the requests end as done; otherwise the
   * runtime ended the pump task (it shut down, or had before the loop began), and the stream had
   * not ended: every request, and every later `next()`, fails with that.
   */
  [Symbol.dispose](): void {
    if (!this.leaving && !this.finished) {
      this.cutShort = new RuntimeStateError(
        "for await over a stream: the runtime polling it shut down before the stream ended",
      );
    }
    try {
      this.finish();
    } finally {
      const cut = this.cutShort;
      if (cut === null) this.settleRest();
      else for (const q of this.requests.splice(0)) q.reject(cut);
    }
  }
}

class StreamIterator<T> implements AsyncIterableIterator<T, undefined, unknown> {
  private readonly pump: Pump<T>;
  private handle: JoinHandle<void> | null = null;
  private ownRuntime: Runtime | null = null;

  constructor(
    stream: Stream<T>,
    /** The runtime asked for (`toAsyncIterable`'s option), or null: the ticking one, or a new one. */
    private readonly runtime: Runtime | null = null,
  ) {
    this.pump = new Pump(stream);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const pump = this.pump;
    if (pump.cutShort !== null) return Promise.reject(pump.cutShort);
    if (pump.finished) return Promise.resolve({ done: true, value: undefined });
    const promise = new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
      pump.requests.push({ resolve, reject });
    });
    if (this.handle === null) this.start();
    else pump.waker?.wake();
    return promise.finally(() => {
      if (pump.finished) this.stopRuntime();
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.pump.leaving = true;
    this.handle?.abort();
    try {
      this.pump[Symbol.dispose]();
    } finally {
      this.stopRuntime();
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  private start(): void {
    const rt =
      this.runtime ??
      (spawnerAmbient.current as Runtime | null) ??
      (this.ownRuntime = new Runtime());
    this.handle = rt.spawn(this.pump, { name: "for await" });
  }

  private stopRuntime(): void {
    const rt = this.ownRuntime;
    this.ownRuntime = null;
    if (rt !== null) void rt.shutdown();
  }
}

/** Options of {@link toAsyncIterable}. */
export interface ToAsyncIterableOptions {
  /**
   * The runtime whose task polls the stream: its clock (a paused one in tests) times the stream's
   * timers, and its shutdown ends the loop. By default, the runtime that is ticking, or, from plain
   * async code, a runtime made for the loop (on the real clock) and shut down at its end.
   */
  runtime?: Runtime;
}

/**
 * An async iterator over a stream, for native `for await` loops. The stream is polled by a task
 * of `options.runtime`, else of the runtime that is ticking, else of a runtime made for the
 * purpose; leaving the loop early disposes the stream.
 *
 * @example
 * ```ts
 * for await (const line of toAsyncIterable(reader.lines())) console.log(line);
 *
 * const rt = new Runtime({ clock: "paused" });
 * for await (const tick of toAsyncIterable(intervalStream(interval(1000)).take(3), { runtime: rt })) {
 *   console.log(tick); // on rt's paused clock: no real second passes
 * }
 * ```
 */
export function toAsyncIterable<T>(
  stream: Stream<T>,
  options?: ToAsyncIterableOptions,
): AsyncIterableIterator<T, undefined> {
  const runtime = options?.runtime;
  if (runtime !== undefined && !(runtime instanceof Runtime)) {
    throw new TypeError(
      `toAsyncIterable(stream, options): options.runtime must be a Runtime, got ${describeType(runtime)}`,
    );
  }
  return new StreamIterator(stream, runtime ?? null);
}
