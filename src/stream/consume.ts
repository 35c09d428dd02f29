/**
 * Futures that drive a stream to its end: `fold`, `collect` and `forEach`. Each owns its stream and
 * disposes it when done or dropped. Dropping one halfway loses the items already taken (they were
 * folded, collected or handed to `f`); the stream's untaken items are dropped with the stream.
 */
import { drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { FutureBase, isFuture } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { DONE, disposeOf, type Stream } from "./stream.js";

/** @internal */
export class Fold<T, A> extends FutureBase<A> implements Disposable {
  private upstream: Stream<T> | null;
  constructor(
    upstream: Stream<T>,
    private acc: A,
    private readonly f: (acc: A, item: T) => A,
  ) {
    super();
    this.upstream = upstream;
  }

  poll(cx: Context): Poll<A> {
    const up = this.upstream;
    if (up === null) return this.acc;
    for (;;) {
      const r = up.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) {
        this[Symbol.dispose]();
        return this.acc;
      }
      this.acc = this.f(this.acc, r);
    }
  }

  [Symbol.dispose](): void {
    disposeOf(this.upstream);
    this.upstream = null;
  }
}

/** @internal */
export class ForEach<T> extends FutureBase<void> implements Disposable {
  private upstream: Stream<T> | null;
  private step: FutureBase<unknown> | null = null;
  constructor(
    upstream: Stream<T>,
    private readonly f: (item: T) => unknown,
  ) {
    super();
    this.upstream = upstream;
  }

  poll(cx: Context): Poll<void> {
    for (;;) {
      const step = this.step;
      if (step !== null) {
        if (step.poll(cx) === PENDING) return PENDING;
        this.step = null;
      }
      const up = this.upstream;
      if (up === null) return undefined;
      const r = up.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) {
        disposeOf(up);
        this.upstream = null;
        return undefined;
      }
      const out = this.f(r);
      // `f` may be async (return a future): the next item waits until it is done.
      if (isFuture(out)) this.step = out as FutureBase<unknown>;
    }
  }

  [Symbol.dispose](): void {
    const step = this.step;
    this.step = null;
    if (step !== null) drop(step);
    disposeOf(this.upstream);
    this.upstream = null;
  }
}
