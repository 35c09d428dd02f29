/**
 * Tracked futures: a recipe card with the head chef's chit clipped to it (`tracker.track(future)`,
 * tokio-util's `TrackedFuture`). The card is cooked as it is; the tracker counts it until it is
 * done, or, when it is torn up, until its clean-down is over.
 *
 * When the count ends:
 * - the future completes (a value or a throw): at once, in that poll. A finished future holds
 *   nothing in Brigade (a task lets go of it without disposing it), so this is where tokio's drop
 *   of the finished future happens;
 * - the future is torn down (`[CANCEL]`: an aborted task, a dropping combinator, a runtime shutting
 *   down): when its teardown has finished. If a `finally` block awaits, the teardown hands back a
 *   {@link TrackedCleanup} wrapping the rest, which counts until the last `finally` has ended (or
 *   the runtime gave up on it and disposed it). A graceful shutdown waiting on the tracker does not
 *   return while a connection is still being closed politely. Dropped (`[Symbol.dispose]`), it is
 *   torn down as any such future: the rest is finished by a detached task of the runtime. With no
 *   runtime behind it (polled by hand), that rest is abandoned at its first await (see `drop`) and
 *   never ends, so it stays counted, as its `finally` block stays suspended.
 *
 * Stages of a tracked future: TRACKING ──completes──▶ COMPLETED
 *                                      └──torn down──▶ TORN_DOWN (the count moved to the cleanup,
 *                                                      or ended if nothing was left to await)
 */
import { CANCEL, CancellableFuture, type Cleanup, cancel } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { disposeOf, type Future, FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { TaskTracker } from "./task-tracker.js";

/** Counted: not completed, not torn down. */
const TRACKING = 0;
/** Completed with a value or a throw; the count ended then. */
const COMPLETED = 1;
/** Torn down; the count ended, or moved to the cleanup that was handed back. */
const TORN_DOWN = 2;

/** The future behind `tracker.track(future)` (and the one `tracker.spawn` spawns). */
export class TrackedFuture<T> extends CancellableFuture<T> {
  private stage = TRACKING;
  private inner: Future<T> | null;

  constructor(
    private readonly tracker: TaskTracker,
    inner: Future<T>,
  ) {
    super();
    this.inner = inner;
    tracker.add();
  }

  /** For dumps and deadlock reports: the tracked future, one level down. */
  [DESCRIBE](): Description {
    return { label: "TaskTracker.track()", children: this.inner === null ? [] : [this.inner] };
  }

  poll(cx: Context): Poll<T> {
    const inner = this.inner;
    if (inner === null) {
      throw new FutureStateError(
        `TaskTracker.track(future) was polled after it ${this.stage === COMPLETED ? "completed" : "was dropped"}`,
      );
    }
    let r: Poll<T>;
    try {
      r = inner.poll(cx);
    } catch (e) {
      try {
        this.complete();
      } finally {
        // The future's own error goes on, even past a waiter's waker that threw.
        // biome-ignore lint/correctness/noUnsafeFinally: that is the point.
        throw e;
      }
    }
    if (r !== PENDING) this.complete();
    return r;
  }

  private complete(): void {
    this.stage = COMPLETED;
    this.inner = null;
    this.tracker.release();
  }

  /** Start the inner future's teardown; the count ends with it (see the file's opening comment). */
  [CANCEL](): Cleanup | null {
    const inner = this.inner;
    if (inner === null) return null;
    this.inner = null;
    this.stage = TORN_DOWN;
    let rest: Cleanup | null = null;
    try {
      rest = cancel(inner);
    } finally {
      // A `finally` that threw at once ended the teardown too.
      if (rest === null) this.tracker.release();
    }
    return rest === null ? null : new TrackedCleanup(this.tracker, rest);
  }

  /** @internal `tracker.spawn` failed (bad options): uncount, and leave the future alone. */
  untrack(): void {
    if (this.inner === null) return;
    this.inner = null;
    this.stage = TORN_DOWN;
    this.tracker.release();
  }
}

/**
 * What is left of a tracked future's teardown, still counted: it ends the count when the last
 * `finally` has ended, by a throw too, or when it is given up on and disposed.
 */
class TrackedCleanup extends FutureBase<void> implements Cleanup, Disposable {
  readonly owner: unknown;
  private rest: Cleanup | null;

  constructor(
    private readonly tracker: TaskTracker,
    rest: Cleanup,
  ) {
    super();
    this.rest = rest;
    this.owner = rest.owner;
  }

  [DESCRIBE](): Description {
    return {
      label: "TaskTracker.track() (cleaning up)",
      children: this.rest === null ? [] : [this.rest],
    };
  }

  poll(cx: Context): Poll<void> {
    const rest = this.rest;
    if (rest === null) {
      throw new FutureStateError("a tracked future's cleanup was polled after it finished");
    }
    let r: Poll<void>;
    try {
      r = rest.poll(cx);
    } catch (e) {
      this.end();
      throw e;
    }
    if (r === PENDING) return PENDING;
    this.end();
    return undefined;
  }

  private end(): void {
    this.rest = null;
    this.tracker.release();
  }

  /** Given up on (a shutdown that could not finish): the rest is disposed, then counted down. */
  [Symbol.dispose](): void {
    const rest = this.rest;
    if (rest === null) return;
    this.rest = null;
    try {
      disposeOf(rest);
    } finally {
      this.tracker.release();
    }
  }
}
