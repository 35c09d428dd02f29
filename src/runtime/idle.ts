/**
 * The idle check: are all the chefs asleep? When the run queue empties, `run()`'s main still
 * waits, and nothing the runtime can see could ever wake a task (no timer, no bridged promise, no
 * I/O wait, no AbortSignal link), the program is deadlocked: `run()` rejects with a
 * `DeadlockError` listing every waiting task (deadlock.ts) instead of exiting silently or hanging.
 *
 * A wake may still be on its way through the host, so the verdict waits one macrotask and is given
 * only if no poll happened meanwhile and nothing can wake anyone still.
 *
 * The same check runs while shutting down: cleanups that wait on nothing that can wake them would
 * leave the promise of `shutdown()` (and `run()`) pending for ever, so the runtime gives up on
 * them instead (lifecycle.ts).
 *
 * The rule: Brigade sees its own reactor (timers, bridged promises, I/O sources). A waker that
 * your code keeps and calls from a callback Brigade cannot see (a raw `setTimeout`, an emitter
 * not bridged with `fromEvent`) is invisible to it: bridge such sources, or set
 * `detectDeadlocks: false`. The paused clock's auto-advance follows the same rule.
 */
import { allAsleep } from "./deadlock.js";
import { beginShutdown, cleanupsAsleep, giveUp, OPEN, SHUTTING_DOWN } from "./lifecycle.js";
import { macrotask } from "./macrotask.js";
import type { Runtime } from "./runtime.js";

/** Nothing is runnable on `rt`: if main waits on what nothing can wake, look again soon. */
export function checkIdle(rt: Runtime): void {
  if (rt.lifecycle === SHUTTING_DOWN) {
    checkShutdown(rt);
    return;
  }
  const main = rt.mainTask;
  if (main === null || main.isFinished() || rt.idleCheckPending || !nothingCanWake(rt)) return;
  if (!rt.options.detectDeadlocks) return;
  rt.idleCheckPending = true;
  const polls = rt.polls;
  macrotask(() => {
    rt.idleCheckPending = false;
    if (rt.lifecycle === SHUTTING_DOWN) {
      // A shutdown began meanwhile, its own idle check skipped while this one was pending.
      if (rt.queue.length === 0) checkShutdown(rt);
      return;
    }
    if (rt.polls !== polls || rt.queue.length > 0 || main.isFinished() || rt.lifecycle !== OPEN)
      return;
    if (!nothingCanWake(rt)) return;
    rt.fatal = allAsleep([...rt.liveTasks()].filter((t) => !t.isCleanup));
    beginShutdown(rt);
  });
}

/** Shutting down with cleanups still running and none runnable: can any of them ever wake? */
function checkShutdown(rt: Runtime): void {
  if (rt.idleCheckPending || !rt.options.detectDeadlocks || !cleanupsCannotWake(rt)) return;
  rt.idleCheckPending = true;
  const polls = rt.polls;
  macrotask(() => {
    rt.idleCheckPending = false;
    if (rt.polls !== polls || rt.queue.length > 0 || rt.lifecycle !== SHUTTING_DOWN) return;
    if (!cleanupsCannotWake(rt)) return;
    giveUp(rt, cleanupsAsleep(rt.liveTasks()));
  });
}

/** No timer, bridged promise, I/O wait or AbortSignal link can wake a task of `rt`. */
function nothingCanWake(rt: Runtime): boolean {
  return cleanupsCannotWake(rt) && rt.signalLinks === 0;
}

/**
 * No timer, bridged promise or I/O wait can wake a task of `rt`. (While shutting down, an
 * AbortSignal can only abort what is already being torn down.)
 */
function cleanupsCannotWake(rt: Runtime): boolean {
  return rt.timeDriver.liveTimers === 0 && rt.bridges === 0 && rt.ioWaits === 0;
}
