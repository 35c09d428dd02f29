/**
 * The cooperative budget: how many times a chef may use the kitchen's shared tools in one turn.
 * Each task poll starts with a fresh budget (tokio's 128). Runtime leaf futures (timers, channels,
 * locks, `yieldNow`) spend one unit each time they would be ready; once it is spent they return
 * `PENDING` and wake their task at once, so a task that always finds work ready still gives the
 * other tasks, and Node's event loop, their turn.
 */
import type { Context } from "../future/context.js";

/** Units per task poll. */
export const BUDGET = 128;

/**
 * The budget outside any task poll: a future polled by hand (a test, a custom executor) is never
 * cut short, as in tokio, where only a task's poll is budgeted. A small integer, so the counter
 * stays one in V8's eyes; a billion polls by hand without a task poll in between cannot happen.
 */
const UNCONSTRAINED = 0x3fffffff;

let remaining = UNCONSTRAINED;
let forcedYields = 0;

/** Start a task poll with a full budget. Called by the executor. */
export function resetBudget(): void {
  remaining = BUDGET;
}

/**
 * End a turn of task polls: what the last task left of its budget must not carry over to futures
 * polled outside a task. Called by the executor once per turn.
 */
export function leaveBudget(): void {
  remaining = UNCONSTRAINED;
}

/**
 * Spend one unit. Returns `false` when the budget is spent: the caller must return `PENDING`;
 * its task has already been woken so it runs again after the others.
 *
 * @example
 * ```ts
 * poll(cx) {
 *   if (this.item !== undefined) {
 *     if (!pollProceed(cx)) return PENDING;
 *     return this.take();
 *   }
 *   ...
 * }
 * ```
 */
export function pollProceed(cx: Context): boolean {
  if (remaining > 0) {
    remaining--;
    return true;
  }
  forcedYields++;
  cx.waker.wake();
  return false;
}

/** Whether the current poll still has budget, without spending any. */
export function hasBudget(): boolean {
  return remaining > 0;
}

/** Run `fn` without spending budget (a timeout's own timer must fire even when the inner future spent it all). */
export function unconstrained<T>(fn: () => T): T {
  const saved = remaining;
  remaining = BUDGET;
  try {
    return fn();
  } finally {
    remaining = saved;
  }
}

/**
 * How many polls the budget has cut short so far, in this whole JavaScript realm: each runtime
 * counts its own by reading this before and after its turns.
 */
export function budgetForcedYields(): number {
  return forcedYields;
}
