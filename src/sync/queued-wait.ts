/**
 * QueuedWait: a future that waits once in a {@link WaitQueue} for a wake it cannot refuse: the
 * future under `Notify.notified()` and `Barrier.wait()`. A diner waiting for the bell: on the first
 * poll it is either served at once or takes its place in line; once the primitive grants its node it
 * completes on the next poll. Its stages:
 *
 *   FRESH ──first poll, ready──────────────────────▶ DONE
 *     ├──disposed──▶ DROPPED (never in line: nothing to give back)
 *     ├──first poll, ready, budget spent, `takeEarly()`──▶ TAKEN ──polled──▶ DONE
 *     └──first poll, must wait──▶ WAITING ──granted, polled──▶ DONE
 *                                    └──disposed──▶ DROPPED (leaves the line; a grant it had
 *                                                            not claimed goes to `dropGranted`)
 *
 * The primitive says what "ready", "taken" and "granted" mean through the hooks; the stages, the
 * line and the budget are kept here.
 */
import type { Context } from "../future/context.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import { GRANTED, QUEUED, WaitNode, type WaitQueue } from "./waiter.js";

const FRESH = 0;
const WAITING = 1;
const DONE = 2;
const DROPPED = 3;
/** Took effect on a first poll whose budget was spent; completes on the next poll. */
const TAKEN = 4;

/**
 * A one-time wait in `queue`, whose nodes are owned by futures of type `O` (the subclass itself).
 *
 * @example
 * ```ts
 * class Bell extends QueuedWait<void, Bell> {
 *   constructor(private readonly pass: Pass) { super(pass.queue); }
 *   protected ready() { return this.pass.rung; }
 *   protected take() {}
 *   protected granted() {}
 *   protected what() { return "pass.bell()"; }
 * }
 * ```
 */
export abstract class QueuedWait<T, O> extends FutureBase<T> implements Disposable {
  private stage = FRESH;
  private node: WaitNode<O> | null = null;

  constructor(private readonly queue: WaitQueue<O>) {
    super();
  }

  /** Whether the first poll can complete without waiting. */
  protected abstract ready(): boolean;
  /** Complete on the first poll (after `ready()` said yes): take what was there; the output. */
  protected abstract take(): T;
  /** Complete after the primitive granted the node; the output. */
  protected abstract granted(): T;
  /** What this future is, for errors: `notify.notified()`. */
  protected abstract what(): string;
  /** Dropped after a grant it never claimed: a primitive that must not lose it passes it on. */
  protected dropGranted(): void {}
  /**
   * The first poll found the future ready but the task's budget spent. A primitive whose first
   * poll must take effect at once (a barrier arrival that completes its round) takes it here and
   * returns true: the output then comes from `granted()` on a later poll. By default nothing is
   * taken, and the next poll looks again.
   */
  protected takeEarly(): boolean {
    return false;
  }

  poll(cx: Context): Poll<T> {
    switch (this.stage) {
      case FRESH: {
        if (this.ready()) {
          if (!pollProceed(cx)) {
            if (this.takeEarly()) this.stage = TAKEN;
            return PENDING;
          }
          this.stage = DONE;
          return this.take();
        }
        let node = this.node;
        // The node's owner is this future: `O` is the subclass, which TS cannot name here.
        if (node === null) node = this.node = new WaitNode<O>(this as unknown as O);
        this.queue.push(node, cx.waker);
        this.stage = WAITING;
        return PENDING;
      }
      case WAITING: {
        const node = this.node!;
        if (node.state === QUEUED) {
          node.waker = cx.waker;
          return PENDING;
        }
        if (!pollProceed(cx)) return PENDING;
        this.stage = DONE;
        return this.granted();
      }
      case TAKEN:
        if (!pollProceed(cx)) return PENDING;
        this.stage = DONE;
        return this.granted();
      default:
        throw new FutureStateError(
          `${this.what()} was polled after it ${this.stage === DONE ? "completed" : "was dropped"}`,
        );
    }
  }

  [Symbol.dispose](): void {
    if (this.stage === WAITING) {
      const node = this.node!;
      if (node.state === QUEUED) this.queue.remove(node);
      else if (node.state === GRANTED) this.dropGranted();
    }
    if (this.stage !== DONE) this.stage = DROPPED;
  }
}
