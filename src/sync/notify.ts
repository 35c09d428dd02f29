/**
 * Notify: the bell on the pass. `notifyOne()` wakes the first waiter in line, or, when nobody
 * waits, leaves a single permit so the next `notified()` is ready at once (several notifications
 * with nobody waiting still leave one permit). `notifyWaiters()` wakes everyone waiting now (and
 * every `notified()` future created before the call, even if not yet polled) and stores nothing.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import { GRANTED, QUEUED, WaitNode, WaitQueue } from "./waiter.js";

const FRESH = 0;
const WAITING = 1;
const DONE = 2;
const DROPPED = 3;

/**
 * A task notification primitive.
 *
 * @example
 * ```ts
 * const orderUp = new Notify();
 * spawn(asyncBlock(function* () {
 *   yield* orderUp.notified();
 *   console.log("carry the plate");
 * }));
 * orderUp.notifyOne();
 * ```
 */
export class Notify {
  /** @internal */
  readonly queue = new WaitQueue<Notified>();
  /** @internal one stored notification. */
  permit = false;
  /** @internal how many times `notifyWaiters` was called. */
  waitersCalls = 0;

  /**
   * Wait for a notification.
   *
   * Cancel safety: dropping it loses its place in line; a `notifyOne` already handed to it is passed
   * to the next waiter (or stored), so no notification is lost.
   *
   * @example
   * ```ts
   * yield* bell.notified();
   * ```
   */
  notified(): FutureBase<void> & Disposable {
    return new Notified(this);
  }

  /**
   * Wake the first waiter, or store one permit for the next `notified()`.
   *
   * @example
   * ```ts
   * bell.notifyOne();
   * ```
   */
  notifyOne(): void {
    const head = this.queue.head;
    if (head === null) {
      this.permit = true;
      return;
    }
    head.owner.byOne = true;
    this.queue.grant(head);
  }

  /**
   * Wake every waiter now; stores nothing for later ones.
   *
   * @example
   * ```ts
   * bell.notifyWaiters();
   * ```
   */
  notifyWaiters(): void {
    this.waitersCalls++;
    const q = this.queue;
    for (let n = q.head; n !== null; n = q.head) {
      n.owner.byOne = false;
      q.grant(n);
    }
  }
}

class Notified extends FutureBase<void> implements Disposable {
  private stage = FRESH;
  private node: WaitNode<Notified> | null = null;
  /** `notifyWaiters` calls seen at creation: a later call notifies this future too. */
  private readonly calls: number;
  /** @internal whether the grant came from `notifyOne` (and must be passed on if dropped). */
  byOne = false;

  constructor(private readonly notify: Notify) {
    super();
    this.calls = notify.waitersCalls;
  }

  [DESCRIBE](): Description {
    return { label: "Notify.notified()", children: [] };
  }

  poll(cx: Context): Poll<void> {
    const notify = this.notify;
    switch (this.stage) {
      case FRESH: {
        if (notify.waitersCalls !== this.calls || notify.permit) {
          if (!pollProceed(cx)) return PENDING;
          if (notify.waitersCalls === this.calls) notify.permit = false;
          this.stage = DONE;
          return undefined;
        }
        let node = this.node;
        if (node === null) node = this.node = new WaitNode<Notified>(this);
        notify.queue.push(node, cx.waker);
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
        return undefined;
      }
      default:
        throw new FutureStateError(
          `notify.notified() was polled after it ${this.stage === DONE ? "completed" : "was dropped"}`,
        );
    }
  }

  [Symbol.dispose](): void {
    if (this.stage === WAITING) {
      const node = this.node!;
      if (node.state === QUEUED) this.notify.queue.remove(node);
      else if (node.state === GRANTED && this.byOne) this.notify.notifyOne();
    }
    if (this.stage !== DONE) this.stage = DROPPED;
  }
}
