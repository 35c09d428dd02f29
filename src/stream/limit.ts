/**
 * Adapters that decide where a stream stops or starts: `take(n)`, `takeWhile(pred)`,
 * `takeUntil(future)` and `skip(n)`. A stream cut short is disposed at once, so a socket or timer
 * behind it is released as soon as the last wanted item has been served, not when the consumer
 * gets round to dropping the adapter.
 */
import { drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { Future } from "../future/future.js";
import { PENDING } from "../future/poll.js";
import { DONE, disposeOf, type Stream, StreamBase, type StreamPoll } from "./stream.js";

/** @internal */
export class TakeStream<T> extends StreamBase<T> {
  private upstream: Stream<T> | null;
  constructor(
    upstream: Stream<T>,
    private left: number,
  ) {
    super();
    this.upstream = left > 0 ? upstream : null;
    if (left <= 0) disposeOf(upstream);
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r === DONE || --this.left === 0) this[Symbol.dispose]();
    return r;
  }

  override [Symbol.dispose](): void {
    disposeOf(this.upstream);
    this.upstream = null;
  }
}

/** @internal */
export class TakeWhileStream<T> extends StreamBase<T> {
  private upstream: Stream<T> | null;
  constructor(
    upstream: Stream<T>,
    private readonly pred: (item: T) => boolean,
  ) {
    super();
    this.upstream = upstream;
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r !== DONE && this.pred(r)) return r;
    this[Symbol.dispose]();
    return DONE;
  }

  override [Symbol.dispose](): void {
    disposeOf(this.upstream);
    this.upstream = null;
  }
}

/** @internal */
export class TakeUntilStream<T> extends StreamBase<T> {
  private upstream: Stream<T> | null;
  private stop: Future<unknown> | null;
  constructor(upstream: Stream<T>, stop: Future<unknown>) {
    super();
    this.upstream = upstream;
    this.stop = stop;
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    // The stop signal is checked first (as futures-rs does): once it fires, no further item.
    const stop = this.stop!;
    if (stop.poll(cx) !== PENDING) {
      this.stop = null;
      this[Symbol.dispose]();
      return DONE;
    }
    const r = up.pollNext(cx);
    if (r === DONE) this[Symbol.dispose]();
    return r;
  }

  override [Symbol.dispose](): void {
    const stop = this.stop;
    this.stop = null;
    if (stop !== null) drop(stop);
    disposeOf(this.upstream);
    this.upstream = null;
  }
}

/** @internal */
export class SkipStream<T> extends StreamBase<T> {
  private upstream: Stream<T> | null;
  constructor(
    upstream: Stream<T>,
    private left: number,
  ) {
    super();
    this.upstream = upstream;
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    for (;;) {
      const r = up.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) {
        this[Symbol.dispose]();
        return DONE;
      }
      if (this.left === 0) return r;
      this.left--;
    }
  }

  override [Symbol.dispose](): void {
    disposeOf(this.upstream);
    this.upstream = null;
  }
}
