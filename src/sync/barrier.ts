/**
 * Barrier: the pass where every plate of a table waits until all of them are ready, then they go
 * out together. `wait()` counts the caller as arrived on its first poll; when the n-th arrives,
 * every waiter is released and exactly one of them (the last to arrive) is told it is the leader.
 * The barrier then starts over for the next round.
 *
 * Unlike tokio's, a `wait()` dropped before the round completes withdraws its arrival, so a
 * cancelled waiter never lets a round complete one short.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import { QUEUED, WaitNode, WaitQueue } from "./waiter.js";

/** What `wait()` gives: whether this waiter is the round's leader. */
export interface BarrierWaitResult {
  readonly isLeader: boolean;
}

const LEADER: BarrierWaitResult = Object.freeze({ isLeader: true });
const FOLLOWER: BarrierWaitResult = Object.freeze({ isLeader: false });

const FRESH = 0;
const WAITING = 1;
const DONE = 2;
const DROPPED = 3;

/**
 * A barrier for `n` tasks.
 *
 * @example
 * ```ts
 * const table = new Barrier(3);
 * const plate = asyncFn(function* (dish: string) {
 *   yield* cook(dish);
 *   const { isLeader } = yield* table.wait();
 *   if (isLeader) console.log("service!");
 * });
 * ```
 */
export class Barrier {
  /** @internal */
  readonly queue = new WaitQueue<BarrierWait>();
  /** How many arrivals release a round. */
  readonly n: number;

  constructor(n: number) {
    if (typeof n !== "number" || !Number.isInteger(n)) {
      throw new TypeError(
        `new Barrier(n): n must be an integer, got ${typeof n === "number" ? n : typeof n}`,
      );
    }
    if (n < 1) throw new RangeError(`new Barrier(n): n must be at least 1, got ${n}`);
    this.n = n;
  }

  /**
   * Arrive and wait for the rest of the round.
   *
   * Cancel safety: dropping it before the round completes withdraws the arrival; once the round
   * completed, dropping it changes nothing (the round went out without this waiter's result).
   *
   * @example
   * ```ts
   * const { isLeader } = yield* barrier.wait();
   * ```
   */
  wait(): FutureBase<BarrierWaitResult> & Disposable {
    return new BarrierWait(this);
  }

  /** How many have arrived in the current round. */
  arrived(): number {
    return this.queue.length;
  }
}

class BarrierWait extends FutureBase<BarrierWaitResult> implements Disposable {
  private stage = FRESH;
  private node: WaitNode<BarrierWait> | null = null;

  constructor(private readonly barrier: Barrier) {
    super();
  }

  [DESCRIBE](): Description {
    return {
      label: `Barrier.wait(), ${this.barrier.arrived()} of ${this.barrier.n} arrived`,
      children: [],
    };
  }

  poll(cx: Context): Poll<BarrierWaitResult> {
    const barrier = this.barrier;
    switch (this.stage) {
      case FRESH: {
        if (barrier.queue.length + 1 >= barrier.n) {
          if (!pollProceed(cx)) return PENDING;
          const q = barrier.queue;
          for (let h = q.head; h !== null; h = q.head) q.grant(h);
          this.stage = DONE;
          return LEADER;
        }
        let node = this.node;
        if (node === null) node = this.node = new WaitNode<BarrierWait>(this);
        barrier.queue.push(node, cx.waker);
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
        return FOLLOWER;
      }
      default:
        throw new FutureStateError(
          `barrier.wait() was polled after it ${this.stage === DONE ? "completed" : "was dropped"}`,
        );
    }
  }

  [Symbol.dispose](): void {
    if (this.stage === WAITING && this.node!.state === QUEUED)
      this.barrier.queue.remove(this.node!);
    if (this.stage !== DONE) this.stage = DROPPED;
  }
}
