/**
 * Context: what a poll is given. It carries the task's waker, and an owner token naming the task
 * doing the polling, so a future can refuse to be polled by two different tasks (Brigade's stand-in
 * for `Pin`: one workstation per dish).
 *
 * `waker` is read through a getter so that a task can notice a poll that returned `PENDING`
 * without ever taking its pager: such a future can never be woken (the lost-waker check).
 */
import type { Waker } from "./waker.js";

/**
 * The argument of every `poll`.
 *
 * @example
 * ```ts
 * const cx = new Context(Waker.noop());
 * const r = ready(5).poll(cx); // 5
 * ```
 */
export class Context {
  // Declared, not initialised: a task or a join slot is its own waker and overrides the getter, so
  // it never gets this slot (eight bytes less per parked task).
  declare private pager: Waker;
  // Likewise: a task overrides `owner` (itself, or for a cleanup task the owner it polls for, kept
  // in a slot of its own), so it never gets this slot either.
  declare private holder: unknown;

  constructor(waker: Waker, owner?: unknown) {
    // Subclasses that are their own waker pass null (and their owner, unless they are one too).
    if (waker !== null) {
      this.pager = waker;
      this.holder = owner === undefined ? waker : owner;
    } else if (owner !== undefined) {
      this.holder = owner;
    }
  }

  /**
   * The waker to keep when returning `PENDING`.
   *
   * @example
   * ```ts
   * const orderUp = pollFn((cx) => {
   *   if (bell.rang) return "order up";
   *   bell.waker = cx.waker; // keep the pager: ringing it polls us again
   *   return PENDING;
   * });
   * ```
   */
  get waker(): Waker {
    return this.pager;
  }

  /**
   * Who is polling: the task (or test harness) that owns the futures polled with this context.
   *
   * @example
   * ```ts
   * const whoCooks = pollFn((cx) => cx.owner); // the task polling this future
   * ```
   */
  get owner(): unknown {
    return this.holder;
  }
  set owner(owner: unknown) {
    this.holder = owner;
  }
}
