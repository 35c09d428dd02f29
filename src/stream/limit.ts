/**
 * Adapters that decide where a stream stops or starts: `take(n)`, `takeWhile(pred)`,
 * `takeUntil(future)` and `skip(n)`. A stream cut short is disposed at once, so a socket or timer
 * behind it is released as soon as the last wanted item has been served, not when the consumer
 * gets round to dropping the adapter.
 */
import { CANCEL, type Cleanup, cancelAll, disposeOwned, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import type { Future } from "../future/future.js";
import { PENDING } from "../future/poll.js";
import { Adapter } from "./adapter.js";
import { DONE, type Stream, type StreamPoll } from "./stream.js";

/** @internal */
export class TakeStream<T> extends Adapter<T, T> {
  constructor(
    upstream: Stream<T>,
    private left: number,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    // take(0): nothing wanted, so the source is never polled; it is let go at this first poll,
    // not when the adapter was made (making a stream does nothing: a receiver stays open till then).
    if (this.left === 0) return this.end();
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r === DONE || --this.left === 0) this.end();
    return r;
  }
}

/** @internal */
export class TakeWhileStream<T> extends Adapter<T, T> {
  constructor(
    upstream: Stream<T>,
    private readonly pred: (item: T) => boolean,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r === DONE) return this.end();
    let keep: boolean;
    try {
      keep = this.pred(r);
    } catch (e) {
      // The predicate only looked at the item (Rust's `&T`): failing, it drops it all the same.
      disposeOwned(r);
      throw e;
    }
    if (!keep) {
      // The item that stopped it is dropped: disposed if it has one owner (OWNED).
      disposeOwned(r);
      return this.end();
    }
    return r;
  }
}

/** @internal */
export class TakeUntilStream<T> extends Adapter<T, T> {
  private stop: Future<unknown> | null;
  constructor(upstream: Stream<T>, stop: Future<unknown>) {
    super(upstream);
    this.stop = stop;
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    // The stop signal is checked first (as futures-rs does): once it fires, no further item.
    const stop = this.stop!;
    let fired: boolean;
    try {
      fired = stop.poll(cx) !== PENDING;
    } catch (e) {
      // A stop signal that throws has fired too, and is finished: it is never polled again, the
      // stream ends, and the error is thrown once in place of the next item.
      this.stop = null;
      this.end();
      throw e;
    }
    if (fired) {
      this.stop = null;
      return this.end();
    }
    const r = up.pollNext(cx);
    return r === DONE ? this.end() : r;
  }

  /** The stop signal served only this stream: it goes with the upstream (each on its own). */
  protected override end(): typeof DONE {
    const stop = this.stop;
    this.stop = null;
    try {
      if (stop !== null) drop(stop);
    } finally {
      super.end();
    }
    return DONE;
  }

  /** Torn down by its consumer: the stop signal goes too, its cleanup handed back with the rest. */
  override [CANCEL](): Cleanup | null {
    const parts: unknown[] = [this.stop, this.upstream];
    this.stop = null;
    this.upstream = null;
    return cancelAll(parts);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return { label: "takeUntil", children: [this.stop, this.upstream] };
  }
}

/** @internal */
export class SkipStream<T> extends Adapter<T, T> {
  constructor(
    upstream: Stream<T>,
    private left: number,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    for (;;) {
      const r = up.pollNext(cx);
      if (r === DONE) return this.end();
      if (r === PENDING || this.left === 0) return r;
      this.left--;
      disposeOwned(r); // a skipped item is dropped: disposed if it has one owner (OWNED)
    }
  }
}
