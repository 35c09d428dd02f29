/**
 * Concurrency over a stream of futures: `buffered(n)` keeps up to n of them cooking at once and
 * serves their outputs in the order the futures came (futures-rs' `FuturesOrdered` behaviour);
 * `bufferUnordered(n)` serves each the moment it is done. Both are built on
 * {@link FuturesUnordered}, so a poll touches only the futures that were woken.
 *
 * Backpressure: the upstream is not polled while n futures are in flight, so an endless stream of
 * requests never turns into an endless pile of work.
 *
 * A future that fails is an item too: its error is thrown when its turn comes (in its position for
 * `buffered`, as it arrives for `bufferUnordered`), and the next poll goes on with the rest. An
 * error from the upstream itself is thrown when it is pulled, which for `buffered` is ahead of the
 * futures already in flight (futures-rs' `try_buffered` propagates a stream error at once too).
 * `forEachConcurrent` is finished by the first failure: it drops the other jobs (their `finally`
 * blocks run) and disposes the stream before the error is thrown.
 */
import {
  CANCEL,
  type Cancellable,
  CancellableFuture,
  type Cleanup,
  cancel,
  cancelAll,
  disposeOwned,
  drop,
} from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { assertFuture, type Future, FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import {
  COMPLETED,
  DROPPED,
  FAILED,
  pollAfterFinish,
  RUNNING,
  rethrowAfter,
  type Stage,
} from "./consume.js";
import { FuturesUnordered } from "./futures-unordered.js";
import {
  CLAIM,
  claimFrom,
  DONE,
  disposeOf,
  type Stream,
  StreamBase,
  type StreamPoll,
  WITHDRAW,
  withdrawFrom,
} from "./stream.js";

/**
 * A future tagged with its position, so ordered output can be restored. It never throws: a failure
 * is kept as its outcome, so its position is still delivered (an error is an item in its place, as
 * futures-rs' `FuturesOrdered` yields an `Err` where the future stood).
 */
class Indexed<T> extends FutureBase<Indexed<T>> implements Cancellable {
  value: T | undefined = undefined;
  failed = false;
  error: unknown = undefined;
  constructor(
    private inner: Future<T> | null,
    readonly seq: number,
  ) {
    super();
  }
  poll(cx: Context): Poll<Indexed<T>> {
    try {
      const r = this.inner!.poll(cx);
      if (r === PENDING) return PENDING;
      this.value = r;
    } catch (e) {
      this.failed = true;
      this.error = e;
    }
    this.inner = null;
    return this;
  }
  /** The output, or the failure thrown, when its turn comes. */
  take(): T {
    if (this.failed) throw this.error;
    return this.value as T;
  }
  [CANCEL](): Cleanup | null {
    const f = this.inner;
    this.inner = null;
    return cancel(f);
  }

  /** For dumps and deadlock reports: the item's position, then the future. */
  [DESCRIBE](): Description {
    return { label: `item ${this.seq}`, children: [this.inner] };
  }
}

/** @internal */
export class BufferedStream<T> extends StreamBase<T> implements Cancellable {
  private upstream: Stream<Future<T>> | null;
  private readonly inFlight = new FuturesUnordered<Indexed<unknown>>();
  /** Outcomes that finished ahead of their turn, by sequence number. */
  private readonly early = new Map<number, Indexed<unknown>>();
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
        return r.take() as T;
      }
      this.early.set(r.seq, r);
    }
  }

  private takeEarly(): T {
    const r = this.early.get(this.nextOut)!;
    this.early.delete(this.nextOut++);
    return r.take() as T;
  }

  /** Pull futures from upstream until n are in flight or it has none ready. */
  private fill(cx: Context): void {
    const up = this.upstream;
    if (up === null) return;
    while (this.inFlight.length + this.early.size < this.limit) {
      const f = up.pollNext(cx);
      if (f === PENDING) return;
      if (f === DONE) {
        this.upstream = null;
        disposeOf(up);
        return;
      }
      assertFuture(
        f,
        this.ordered
          ? "stream.buffered(n): each item of the stream"
          : "stream.bufferUnordered(n): each item of the stream",
      );
      this.inFlight.push(new Indexed(f, this.nextIn++));
    }
  }

  /** The futures in flight are torn down; those whose `finally` awaits leave that to be driven. */
  [CANCEL](): Cleanup | null {
    const owned = [this.inFlight, this.upstream];
    this.upstream = null;
    // Outputs that finished early and will never be handed out: a guard among them is released.
    for (const r of this.early.values()) if (!r.failed) disposeOwned(r.value);
    this.early.clear();
    return cancelAll(owned);
  }

  override [Symbol.dispose](): void {
    drop(this);
  }

  /** A `next()` parked through this stream: the upstream may hold its wait (stream.ts, WITHDRAW). */
  override [CLAIM](by: unknown): void {
    claimFrom(this.upstream, by);
  }

  override [WITHDRAW](by: unknown): void {
    withdrawFrom(this.upstream, by);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return {
      label: this.ordered ? `buffered(${this.limit})` : `bufferUnordered(${this.limit})`,
      children: [this.inFlight, this.upstream],
    };
  }
}

/** @internal the future behind `stream.forEachConcurrent(limit, f)`. */
export class ForEachConcurrent<T> extends CancellableFuture<void> {
  private upstream: Stream<T> | null;
  private readonly inFlight = new FuturesUnordered<unknown>();
  private stage: Stage = RUNNING;

  constructor(
    upstream: Stream<T>,
    private readonly limit: number,
    private readonly f: (item: T) => Future<unknown>,
  ) {
    super();
    this.upstream = upstream;
  }

  poll(cx: Context): Poll<void> {
    if (this.stage !== RUNNING) {
      throw pollAfterFinish("stream.forEachConcurrent(limit, f)", this.stage);
    }
    try {
      return this.pollJobs(cx);
    } catch (e) {
      // One job failed (or the stream, or f): the others are cut short and the stream released.
      this.stage = FAILED;
      rethrowAfter(e, this);
    }
  }

  private pollJobs(cx: Context): Poll<void> {
    // Bounded rounds per poll: a stream and futures that are always ready still let others run.
    for (let round = 0; round < 32; round++) {
      const up = this.upstream;
      while (up !== null && this.inFlight.length < this.limit) {
        const r = up.pollNext(cx);
        if (r === PENDING) break;
        if (r === DONE) {
          this.upstream = null;
          disposeOf(up);
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
        this.stage = COMPLETED;
        return undefined;
      }
    }
    cx.waker.wake();
    return PENDING;
  }

  [CANCEL](): Cleanup | null {
    if (this.stage === RUNNING) this.stage = DROPPED;
    const owned = [this.inFlight, this.upstream];
    this.upstream = null;
    return cancelAll(owned);
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `forEachConcurrent(${this.limit})`, children: [this.inFlight, this.upstream] };
  }
}
