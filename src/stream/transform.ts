/**
 * Item-by-item adapters: `map`, `filter`, `filterMap` (synchronous functions, as in tokio-stream's
 * `StreamExt`) and `andThen` (an async step per item: futures-rs' `then`). Each wraps one upstream
 * stream, owns it, and disposes it when disposed. Once the upstream ends they keep answering `DONE`
 * (they are fused), so polling past the end is harmless. An error thrown by `f` or by a step is
 * handed out in place of that item, and the next poll goes on with the following one.
 */
import { CANCEL, type Cancellable, type Cleanup, cancelAll, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { assertFuture, type Future } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { Adapter } from "./adapter.js";
import { DONE, type Stream, type StreamPoll } from "./stream.js";

/** @internal */
export class MapStream<T, U> extends Adapter<T, U> {
  constructor(
    upstream: Stream<T>,
    private readonly f: (item: T) => U,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<U> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r === DONE) return this.end();
    return this.f(r);
  }
}

/** @internal */
export class FilterMapStream<T, U> extends Adapter<T, U> {
  constructor(
    upstream: Stream<T>,
    /** Returns the item to pass on, or `SKIP` to drop it. */
    private readonly f: (item: T) => U | typeof SKIP,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<U> {
    // Skipped items cost no wake: keep pulling until one passes or the upstream waits. A runtime
    // source that is always ready spends the task's budget, so this loop always ends.
    const up = this.upstream;
    if (up === null) return DONE;
    for (;;) {
      const r = up.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) return this.end();
      const out = this.f(r);
      if (out !== SKIP) return out;
    }
  }
}

/** @internal the marker a filterMap function returns to drop an item. */
export const SKIP: unique symbol = Symbol("brigade.stream.skip");

/** @internal */
export class AndThenStream<T, U> extends Adapter<T, U> implements Cancellable {
  private step: Future<U> | null = null;
  constructor(
    upstream: Stream<T>,
    private readonly f: (item: T) => Future<U>,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<U> {
    for (;;) {
      const step = this.step;
      if (step !== null) {
        let v: Poll<U>;
        try {
          v = step.poll(cx);
        } catch (e) {
          // The step's error is this item; the stream goes on with the next one, never with the
          // dead step (futures-rs' `then` over a fallible future yields the `Err` and goes on).
          this.step = null;
          throw e;
        }
        if (v === PENDING) return PENDING;
        this.step = null;
        return v;
      }
      const up = this.upstream;
      if (up === null) return DONE;
      const r = up.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) return this.end();
      const next = this.f(r);
      assertFuture(next, "stream.andThen(f): the value f returned");
      this.step = next;
    }
  }

  /** A step whose `finally` awaits is left to be driven (by the aborted task, or detached). */
  override [CANCEL](): Cleanup | null {
    const owned = [this.step, this.upstream];
    this.step = null;
    this.upstream = null;
    return cancelAll(owned);
  }

  override [Symbol.dispose](): void {
    drop(this);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return { label: "andThen", children: [this.step, this.upstream] };
  }
}
