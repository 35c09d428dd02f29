/**
 * Concurrency over a stream of futures: `buffered(n)` keeps up to n of them cooking at once and
 * serves their outputs in the order the futures came (futures-rs' `FuturesOrdered` behaviour);
 * `bufferUnordered(n)` serves each the moment it is done. Both are built on
 * {@link FuturesUnordered}, so a poll touches only the futures that were woken.
 *
 * Backpressure: the upstream is not polled while n futures are in flight, so an endless stream of
 * requests never turns into an endless pile of work.
 */
import { CANCEL, type Cancellable, type Cleanup, cancel, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { assertFuture, type Future, FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { FuturesUnordered } from "./futures-unordered.js";
import { DONE, disposeOf, type Stream, StreamBase, type StreamPoll } from "./stream.js";

/** A future tagged with its position, so ordered output can be restored. */
class Indexed<T> extends FutureBase<Indexed<T>> implements Cancellable {
  value: T | undefined = undefined;
  constructor(
    private inner: Future<T> | null,
    readonly seq: number,
  ) {
    super();
  }
  poll(cx: Context): Poll<Indexed<T>> {
    const r = this.inner!.poll(cx);
    if (r === PENDING) return PENDING;
    this.inner = null;
    this.value = r;
    return this;
  }
  [CANCEL](): Cleanup | null {
    const f = this.inner;
    this.inner = null;
    return cancel(f);
  }
  [Symbol.dispose](): void {
    drop(this);
  }
}

/** @internal */
export class BufferedStream<T> extends StreamBase<T> {
  private upstream: Stream<Future<T>> | null;
  private readonly inFlight = new FuturesUnordered<Indexed<unknown>>();
  /** Outputs that finished ahead of their turn, by sequence number. */
  private readonly early = new Map<number, T>();
  private nextIn = 0;
  private nextOut = 0;

  constructor(
    upstream: Stream<Future<T>>,
    private readonly limit: number,
    private readonly ordered: boolean,
  ) {
    super();
    this.upstream = upstream;
  }

  pollNext(cx: Context): StreamPoll<T> {
    this.fill(cx);
    if (this.ordered && this.early.has(this.nextOut)) return this.takeEarly();
    for (;;) {
      const r = this.inFlight.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) return this.upstream === null ? DONE : PENDING;
      if (!this.ordered || r.seq === this.nextOut) {
        this.nextOut++;
        return r.value as T;
      }
      this.early.set(r.seq, r.value as T);
    }
  }

  private takeEarly(): T {
    const v = this.early.get(this.nextOut) as T;
    this.early.delete(this.nextOut++);
    return v;
  }

  /** Pull futures from upstream until n are in flight or it has none ready. */
  private fill(cx: Context): void {
    const up = this.upstream;
    if (up === null) return;
    while (this.inFlight.length + this.early.size < this.limit) {
      const f = up.pollNext(cx);
      if (f === PENDING) return;
      if (f === DONE) {
        disposeOf(up);
        this.upstream = null;
        return;
      }
      assertFuture(f, "buffered(n): each item of the stream");
      this.inFlight.push(new Indexed(f, this.nextIn++));
    }
  }

  override [Symbol.dispose](): void {
    this.inFlight[Symbol.dispose]();
    this.early.clear();
    disposeOf(this.upstream);
    this.upstream = null;
  }
}

/** @internal the future behind `stream.forEachConcurrent(limit, f)`. */
export class ForEachConcurrent<T> extends FutureBase<void> implements Cancellable {
  private upstream: Stream<T> | null;
  private readonly inFlight = new FuturesUnordered<unknown>();
  private done = false;

  constructor(
    upstream: Stream<T>,
    private readonly limit: number,
    private readonly f: (item: T) => Future<unknown>,
  ) {
    super();
    this.upstream = upstream;
  }

  poll(cx: Context): Poll<void> {
    if (this.done) return undefined;
    // Bounded rounds per poll: a stream and futures that are always ready still let others run.
    for (let round = 0; round < 32; round++) {
      const up = this.upstream;
      while (up !== null && this.inFlight.length < this.limit) {
        const r = up.pollNext(cx);
        if (r === PENDING) break;
        if (r === DONE) {
          disposeOf(up);
          this.upstream = null;
          break;
        }
        const work = this.f(r);
        assertFuture(work, "forEachConcurrent(limit, f): the value f returned");
        this.inFlight.push(work);
      }
      const r = this.inFlight.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) {
        if (this.upstream !== null) return PENDING;
        this.done = true;
        return undefined;
      }
    }
    cx.waker.wake();
    return PENDING;
  }

  [CANCEL](): Cleanup | null {
    this.done = true;
    disposeOf(this.upstream);
    this.upstream = null;
    return this.inFlight[CANCEL]();
  }

  [Symbol.dispose](): void {
    drop(this);
  }
}
