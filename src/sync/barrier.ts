/**
 * Barrier: the pass where every plate of a table waits until all of them are ready, then they go
 * out together. `wait()` counts the caller as arrived on its first poll; when the n-th arrives,
 * every waiter is released and exactly one of them (the last to arrive) is told it is the leader.
 * The barrier then starts over for the next round.
 *
 * Unlike tokio's, a `wait()` dropped before the round completes withdraws its arrival, so a
 * cancelled waiter never lets a round complete one short.
 */
import { DESCRIBE, type Description } from "../future/describe.js";
import type { FutureBase } from "../future/future.js";
import { QueuedWait } from "./queued-wait.js";
import { WaitQueue } from "./waiter.js";

/** What `wait()` gives: whether this waiter is the round's leader. */
export interface BarrierWaitResult {
  readonly isLeader: boolean;
}

const LEADER: BarrierWaitResult = Object.freeze({ isLeader: true });
const FOLLOWER: BarrierWaitResult = Object.freeze({ isLeader: false });

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

  /**
   * How many have arrived in the current round.
   *
   * @example
   * ```ts
   * console.log(`${table.arrived()} of 4 diners seated`);
   * ```
   */
  arrived(): number {
    return this.queue.length;
  }
}

class BarrierWait extends QueuedWait<BarrierWaitResult, BarrierWait> {
  /** Completed its round on a first poll whose budget was spent: it leads, told on the next poll. */
  private leads = false;

  constructor(private readonly barrier: Barrier) {
    super(barrier.queue);
  }

  [DESCRIBE](): Description {
    return {
      label: `Barrier.wait(), ${this.barrier.arrived()} of ${this.barrier.n} arrived`,
      children: [],
    };
  }

  /** The last to arrive completes the round without waiting. */
  protected ready(): boolean {
    return this.barrier.queue.length + 1 >= this.barrier.n;
  }

  /** Release everyone who waited; the one who completed the round leads it. */
  protected take(): BarrierWaitResult {
    this.barrier.queue.grantAll();
    return LEADER;
  }

  /**
   * The arrival that completes a round takes effect on its first poll even when the budget is
   * spent (else a later `wait()` could complete the round in its place, and this one would count
   * in the next round); only telling it that it leads waits for the next poll.
   */
  protected override takeEarly(): boolean {
    this.barrier.queue.grantAll();
    this.leads = true;
    return true;
  }

  protected granted(): BarrierWaitResult {
    return this.leads ? LEADER : FOLLOWER;
  }

  protected what(): string {
    return "barrier.wait()";
  }
}
