/**
 * Futures that drive a stream to its end: `fold`, `collect` and `forEach`. Each owns its stream and
 * disposes it when done, dropped, or failed (the stream or `f` threw: the error is rethrown after
 * the stream is released, so a listener or a sibling future is never left behind). Dropping one
 * halfway loses the items already taken (they were folded, collected or handed to `f`); the
 * stream's untaken items are dropped with the stream. Once finished (completed, failed or dropped)
 * it must not be polled again: a further poll throws a `FutureStateError` naming the method rather
 * than handing out the accumulator a second time, or passing a failed fold's partial one off as
 * its result.
 */
import {
  CANCEL,
  CancellableFuture,
  type Cleanup,
  cancel,
  cancelAll,
  disposeOwned,
} from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { type FutureBase, isFuture } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { DONE, disposeOf, type Stream } from "./stream.js";

/**
 * Where a consuming future is in its life. It starts `RUNNING`; it leaves that state once, for one
 * of the others, and is never polled again (a poll then is the caller's bug: a FutureStateError).
 */
export const RUNNING = 0;
/** It gave its output. */
export const COMPLETED = 1;
/** Its poll threw (the stream, `f`, or a job): what it owned was released first. */
export const FAILED = 2;
/** It was dropped (disposed or torn down) before it finished. */
export const DROPPED = 3;
/** One of the stages above. */
export type Stage = typeof RUNNING | typeof COMPLETED | typeof FAILED | typeof DROPPED;

/** @internal the error for a poll of a consuming future that has left `RUNNING`. */
export function pollAfterFinish(what: string, stage: Stage): FutureStateError {
  const how = stage === COMPLETED ? "completed" : stage === FAILED ? "failed" : "was dropped";
  return new FutureStateError(
    `${what} was polled after it ${how}: a future must not be polled again once it is done`,
  );
}

/** @internal */
export class Fold<T, A> extends CancellableFuture<A> {
  private upstream: Stream<T> | null;
  private stage: Stage = RUNNING;
  constructor(
    upstream: Stream<T>,
    private acc: A,
    private readonly f: (acc: A, item: T) => A,
    /** The method that made it, for errors: `fold` or `collect`. */
    private readonly what = "stream.fold(init, f)",
  ) {
    super();
    this.upstream = upstream;
  }

  poll(cx: Context): Poll<A> {
    // A second poll after the end must not hand out the accumulator again (after a failure it
    // would pass a partial result off as the whole one).
    if (this.stage !== RUNNING) throw pollAfterFinish(this.what, this.stage);
    const up = this.upstream!;
    try {
      for (;;) {
        const r = up.pollNext(cx);
        if (r === PENDING) return PENDING;
        if (r === DONE) {
          this.stage = COMPLETED;
          const acc = this.acc;
          this[Symbol.dispose](); // lets go of the stream, and of `acc` (handed out, not kept)
          return acc;
        }
        this.acc = this.f(this.acc, r);
      }
    } catch (e) {
      this.stage = FAILED;
      rethrowAfter(e, this);
    }
  }

  /** The stream's own teardown (an `andThen` step whose `finally` awaits) is left to be driven. */
  [CANCEL](): Cleanup | null {
    // Dropped before it finished: what it gathered is nobody's (a collected guard is released).
    if (this.stage === RUNNING) {
      this.stage = DROPPED;
      disposeOwned(this.acc);
    }
    this.acc = undefined as A;
    const up = this.upstream;
    this.upstream = null;
    return cancel(up);
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    // Named as the user wrote it: `collect()` is a fold underneath, but reads as itself in a dump.
    return {
      label: this.what === "stream.collect()" ? "collect" : "fold",
      children: [this.upstream],
    };
  }
}

/** @internal */
export class ForEach<T> extends CancellableFuture<void> {
  private upstream: Stream<T> | null;
  private step: FutureBase<unknown> | null = null;
  private stage: Stage = RUNNING;
  constructor(
    upstream: Stream<T>,
    private readonly f: (item: T) => unknown,
  ) {
    super();
    this.upstream = upstream;
  }

  poll(cx: Context): Poll<void> {
    if (this.stage !== RUNNING) throw pollAfterFinish("stream.forEach(f)", this.stage);
    try {
      for (;;) {
        const step = this.step;
        if (step !== null) {
          // Out of its slot while polled: a step that throws is finished, nothing of it to drop.
          this.step = null;
          if (step.poll(cx) === PENDING) {
            this.step = step;
            return PENDING;
          }
        }
        const up = this.upstream;
        // Gone while running: `f` or its step dropped this very future.
        if (up === null) throw pollAfterFinish("stream.forEach(f)", this.stage);
        const r = up.pollNext(cx);
        if (r === PENDING) return PENDING;
        if (r === DONE) {
          this.stage = COMPLETED;
          this.upstream = null;
          disposeOf(up);
          return undefined;
        }
        const out = this.f(r);
        // `f` may be async (return a future): the next item waits until it is done.
        if (out !== undefined && out !== null) {
          if (isFuture(out)) this.step = out as FutureBase<unknown>;
          else if (typeof (out as { then?: unknown }).then === "function") refusePromise(out);
        }
      }
    } catch (e) {
      this.stage = FAILED;
      rethrowAfter(e, this);
    }
  }

  /** A step whose `finally` awaits is left to be driven (by the aborted task, or detached). */
  [CANCEL](): Cleanup | null {
    if (this.stage === RUNNING) this.stage = DROPPED;
    const owned = [this.step, this.upstream];
    this.step = null;
    this.upstream = null;
    return cancelAll(owned);
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: "forEach", children: [this.step, this.upstream] };
  }
}

/**
 * A Promise is already running and nobody would wait for it: every item's would run at once and a
 * rejection would go unhandled. Refuse it loudly instead.
 */
function refusePromise(promise: unknown): never {
  // The TypeError reports the mistake; the promise runs on regardless, and its own rejection must
  // not crash the process on top of it.
  Promise.resolve(promise).catch(() => {});
  throw new TypeError(
    "stream.forEach(f): f returned a Promise (an async function?), which a stream cannot wait for: " +
      "return a future (asyncFn, asyncBlock) or wrap the promise with fromPromise(() => promise)",
  );
}

/**
 * @internal A future whose poll threw is finished: release what it owns (`owner`'s dispose drops
 * its children and disposes its stream), then throw `error`. That error is the one reported: a
 * `finally` that throws while being cut short because of it would only hide the cause.
 */
export function rethrowAfter(error: unknown, owner: Disposable): never {
  try {
    owner[Symbol.dispose]();
  } catch {
    // The cause wins (see above).
  }
  throw error;
}
