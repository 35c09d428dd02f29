/**
 * Permits: the counted keys on the hook by the kitchen door. A number of permits and a FIFO
 * {@link WaitQueue} of futures that want some; this is the semaphore at the heart of `Semaphore`,
 * `Mutex` (one permit), `RwLock` (a reader takes one, a writer all of them) and the bounded `mpsc`
 * channel (one permit per free slot).
 *
 * Fairness: a waiter is served only from the head of the line. While anyone waits, a newcomer
 * queues behind them even if enough permits are free for it, so a big request (a writer) is never
 * starved by a stream of small ones (readers). Permits given back go straight to the head waiter
 * (direct hand-off): the lock never looks free while someone waits for it.
 *
 * {@link Acquire} is the waiting future. Its stages:
 *   FRESH ──first poll, permits free──────────────────────▶ HELD ──release/dispose──▶ SPENT
 *     └──first poll, must wait──▶ WAITING ──granted, polled──▶ HELD
 *                                    │ ──closed, polled──▶ FAILED (throws)
 *                                    └──disposed──▶ DROPPED (leaves the line; a granted permit is
 *                                                             given back and passed on)
 * Hooks on {@link Permits} (`onGrant`, `onRelease`, `onWait`, `onLeave`) let a lock track who holds
 * it for the deadlock checks without a second pass over the queue.
 */
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description, type WaitsOn } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import type { Task } from "../task/task.js";
import { currentTask } from "./deadlock.js";
import { CLOSED, GRANTED, IDLE, QUEUED, WaitNode, WaitQueue } from "./waiter.js";

/** The most permits a primitive can count (tokio's `Semaphore::MAX_PERMITS` is smaller still). */
export const MAX_PERMITS = 2 ** 30;

/** Not polled yet. */
export const FRESH = 0;
/** Queued, or granted and not yet polled. */
export const WAITING = 1;
/** Ready: the future now is the guard or permit and holds what it acquired. */
export const HELD = 2;
/** What it held was released (or, for a send, handed over with the message). */
export const SPENT = 3;
/** Disposed before it was ready. */
export const DROPPED = 4;
/** Threw (the primitive closed, or a deadlock check fired). */
export const FAILED = 5;

/**
 * A count of permits and the line of futures waiting for some.
 *
 * @example
 * ```ts
 * const burners = new Semaphore(4); // a Permits: 4 burners and the line of chefs waiting for one
 * using burner = yield* burners.acquire();
 * ```
 */
export class Permits {
  /** @internal permits free now. */
  permits: number;
  /** @internal the line. */
  readonly queue = new WaitQueue<Acquire<unknown>>();
  /** @internal set by `close()`: every waiter fails and new ones fail at once. */
  closed = false;
  /** @internal whether acquirers record their task (locks do, for the deadlock checks). */
  readonly tracksTasks: boolean;

  constructor(permits: number, tracksTasks = false) {
    this.permits = permits;
    this.tracksTasks = tracksTasks;
  }

  /** @internal whether `n` permits can be taken now without jumping the line. */
  canTake(n: number): boolean {
    return this.permits >= n && this.queue.head === null;
  }

  /** @internal give `n` permits back and serve the line from its head. */
  releasePermits(n: number): void {
    this.permits += n;
    const q = this.queue;
    for (;;) {
      const head = q.head;
      if (head === null || this.permits < head.need) return;
      this.permits -= head.need;
      this.onGrant(head.owner);
      q.grant(head);
    }
  }

  /** @internal fail every waiter, now and later. */
  closePermits(): void {
    if (this.closed) return;
    this.closed = true;
    // Every waiter is told, even if a waker throws (the first error is thrown at the end).
    this.queue.closeAll((owner) => this.onLeave(owner));
  }

  /** @internal `a` now holds its permits (taken at once, or granted from the line). */
  onGrant(_a: Acquire<unknown>): void {}
  /** @internal `a` gave its permits back. */
  onRelease(_a: Acquire<unknown>): void {}
  /** @internal `a` is about to join the line: a lock runs its deadlock checks here (may throw). */
  onWait(_a: Acquire<unknown>): void {}
  /** @internal `a` left the line without being granted. */
  onLeave(_a: Acquire<unknown>): void {}
  /** @internal the error a waiter gets when the permits are closed. */
  closedError(_a: Acquire<unknown>): Error {
    return new Error("closed");
  }
}

/**
 * The future of some permits. Subclasses say what readiness gives (`acquired()`: usually the
 * future itself, which then serves as the guard or permit).
 */
export abstract class Acquire<T> extends FutureBase<T> implements Disposable {
  /** @internal FRESH, WAITING, HELD, SPENT, DROPPED or FAILED. */
  stage = FRESH;
  /** @internal the node in the line, made on the first wait. */
  node: WaitNode<Acquire<unknown>> | null = null;
  /** @internal the task that polled this future (null when polled by hand). */
  task: Task<any> | null = null;

  constructor(
    /** @internal */ readonly core: Permits,
    /** @internal permits wanted. */ readonly need: number,
  ) {
    super();
  }

  /** What the poller gets once the permits are held. */
  protected abstract acquired(): T;
  /** What this future is, for errors: `Mutex.lock()`. */
  protected abstract label(): string;

  poll(cx: Context): Poll<T> {
    const core = this.core;
    if (this.stage === FRESH) {
      if (core.closed) return this.fail(core.closedError(this as Acquire<unknown>));
      if (core.tracksTasks) this.task = currentTask(cx.owner);
      if (core.canTake(this.need)) {
        if (!pollProceed(cx)) return PENDING;
        core.permits -= this.need;
        core.onGrant(this as Acquire<unknown>);
        this.stage = HELD;
        return this.acquired();
      }
      try {
        core.onWait(this as Acquire<unknown>);
      } catch (e) {
        this.stage = FAILED;
        throw e;
      }
      let node = this.node;
      if (node === null)
        node = this.node = new WaitNode<Acquire<unknown>>(this as Acquire<unknown>);
      node.need = this.need;
      core.queue.push(node, cx.waker);
      this.stage = WAITING;
      return PENDING;
    }
    if (this.stage !== WAITING) throw this.stateError();
    const node = this.node!;
    switch (node.state) {
      case QUEUED:
        node.waker = cx.waker;
        return PENDING;
      case GRANTED:
        if (!pollProceed(cx)) return PENDING;
        node.state = IDLE;
        this.stage = HELD;
        return this.acquired();
      case CLOSED:
        node.state = IDLE;
        return this.fail(core.closedError(this as Acquire<unknown>));
      default:
        throw new Error(`brigade internal: ${this.label()} waiting with an idle node`);
    }
  }

  /** For task dumps and "all tasks asleep" reports: what this future waits for. */
  [DESCRIBE](): Description {
    const holders = this.holders();
    return holders === null
      ? { label: this.describeWait(), children: [] }
      : { label: this.describeWait(), children: [], waitsOn: holders };
  }

  /** @internal the label of `[DESCRIBE]`: the future, and who holds what it waits for. */
  describeWait(): string {
    return this.label();
  }

  /** @internal the tasks holding what this future waits for, when they are known (a lock's). */
  holders(): WaitsOn | null {
    return null;
  }

  private fail(e: Error): never {
    this.stage = FAILED;
    throw e;
  }

  /** @internal give the held permits back (the guard's release). */
  releaseHeld(): void {
    this.stage = SPENT;
    this.core.onRelease(this as Acquire<unknown>);
    this.core.releasePermits(this.need);
  }

  /**
   * Dispose: a waiting future leaves the line at once; one that was granted its permits but not
   * yet polled gives them back to the next in line; a ready one (a guard, a permit) releases.
   */
  [Symbol.dispose](): void {
    switch (this.stage) {
      case WAITING: {
        const node = this.node!;
        this.stage = DROPPED;
        if (node.state === QUEUED) {
          const wasHead = this.core.queue.head === node;
          this.core.queue.remove(node);
          this.core.onLeave(this as Acquire<unknown>);
          // A big request at the head held back smaller ones behind it: serve them now.
          if (wasHead) this.core.releasePermits(0);
        } else if (node.state === GRANTED) {
          node.state = IDLE;
          this.core.onRelease(this as Acquire<unknown>);
          this.core.releasePermits(this.need);
        }
        return;
      }
      case HELD:
        this.releaseHeld();
        return;
      case FRESH:
        this.stage = DROPPED;
        return;
      default:
        return;
    }
  }

  private stateError(): Error {
    return new FutureStateError(
      `${this.label()} was polled after it ${this.stage === DROPPED ? "was dropped" : this.stage === FAILED ? "failed" : "completed"}: a future must not be polled again once it is done`,
    );
  }
}

// A guard or permit has one holder: left over, it is released (see `OWNED`).
markOwned(Acquire);
