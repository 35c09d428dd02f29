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
 * Runtimes share the thread: a task of one may release a lock, send on a channel or notify a task
 * of another. So while another runtime can still move by itself (a runnable task, a timer, a
 * bridged promise, an I/O wait, a signal link; or it opted out of the check, or is shutting down
 * while this one is open), no runtime declares its own tasks asleep; it looks again when that
 * runtime runs out of work or closes. Runtimes whose tasks are all parked on each other can none
 * of them move, and each reports its deadlock; two runtimes shutting down never wait on each other.
 *
 * The rule: Brigade sees its own reactor (timers, bridged promises, I/O sources). A waker that
 * your code keeps and calls from a callback Brigade cannot see (a raw `setTimeout`, an emitter
 * not bridged with `fromEvent`) is invisible to it: bridge such sources, or set
 * `detectDeadlocks: false`. The paused clock's auto-advance follows the same rule.
 */
import { allAsleep } from "./deadlock.js";
import { beginShutdown, CLOSED, cleanupsAsleep, giveUp, OPEN, SHUTTING_DOWN } from "./lifecycle.js";
import { macrotask } from "./macrotask.js";
import type { Runtime } from "./runtime.js";

/**
 * Every runtime not yet closed, weakly (a runtime dropped without a shutdown must not be kept
 * alive by this set): what {@link othersCanMove} looks through.
 */
const runtimes = new Set<WeakRef<Runtime>>();

/**
 * Runtimes whose check found nothing of their own that could wake a task, while another runtime
 * could still move: they look again when another runtime stops moving (goes idle, or closes).
 */
const deferred = new Set<Runtime>();

/** `rt` was made: another runtime's check looks at it until it closes. */
export function registerRuntime(rt: Runtime): WeakRef<Runtime> {
  const ref = new WeakRef(rt);
  runtimes.add(ref);
  return ref;
}

/**
 * `rt` has run out of work, or closed (`closed` is then its registration): runtimes whose check
 * waited on it look again. Costs nothing while none waits.
 */
export function othersMayBeStuck(rt: Runtime, closed: WeakRef<Runtime> | null): void {
  if (closed !== null) {
    runtimes.delete(closed);
    deferred.delete(rt);
  }
  if (deferred.size === 0) return;
  // A copy: a check may defer its runtime again.
  for (const other of [...deferred]) {
    if (other === rt) continue;
    deferred.delete(other);
    if (other.queue.length === 0) checkIdle(other);
  }
}

/**
 * Another runtime can move by itself: it has a runnable task, or a timer, bridged promise, I/O
 * wait or AbortSignal link that can wake one; its tasks may then release what a task of `rt`
 * waits on (a lock, a channel, a `JoinSet`), or fire a sleep made there and awaited here. A
 * runtime whose tasks are all parked with none of these wakes nobody, so two runtimes deadlocked
 * on each other are both reported.
 */
function othersCanMove(rt: Runtime): boolean {
  for (const ref of runtimes) {
    const other = ref.deref();
    if (other === undefined) runtimes.delete(ref);
    else if (other !== rt && other.lifecycle !== CLOSED && canMove(other, rt)) return true;
  }
  return false;
}

/** Whether `other` can move by itself, as `rt`'s check sees it. */
function canMove(other: Runtime, rt: Runtime): boolean {
  return (
    other.queue.length > 0 ||
    !cleanupsCannotWake(other) ||
    other.signalLinks > 0 ||
    // Shutting down, it will move or give its cleanups up (dropping what they hold): an open
    // runtime waits for that. Two runtimes shutting down do not wait for each other, or neither
    // would ever give up.
    (other.lifecycle === SHUTTING_DOWN && rt.lifecycle === OPEN && other.live.count > 0) ||
    // It opted out of the check: its tasks may be woken by what Brigade cannot see.
    (!other.options.detectDeadlocks && other.live.count > 0)
  );
}

/** Nothing of `rt`'s own can wake its tasks: stuck, unless another runtime can still move. */
function stuckUnlessOthers(rt: Runtime): boolean {
  if (!othersCanMove(rt)) return true;
  deferred.add(rt);
  return false;
}

/** Nothing is runnable on `rt`: if main waits on what nothing can wake, look again soon. */
export function checkIdle(rt: Runtime): void {
  // Cleanups still running and none runnable: can any of them ever wake?
  if (rt.lifecycle === SHUTTING_DOWN) confirmLater(rt, cleanupsStuck, cleanupsNeverWake);
  else confirmLater(rt, mainStuck, mainNeverWakes);
}

/** The verdict on a shutdown whose cleanups nothing can wake: give them up. */
function cleanupsNeverWake(rt: Runtime): void {
  giveUp(rt, cleanupsAsleep(rt.liveTasks()));
}

/** The verdict on a main that nothing can wake: the deadlock report, and shut down. */
function mainNeverWakes(rt: Runtime): void {
  rt.fatal = allAsleep(
    [...rt.liveTasks()].filter((t) => !t.isCleanup),
    rt.timeDriver.manual && rt.timeDriver.liveTimers > 0 ? MANUAL_CLOCK : "",
  );
  beginShutdown(rt);
}

/**
 * If `stuck` holds now, look again one macrotask later (a wake may be on its way through the
 * host); give the `verdict` only if no poll happened meanwhile and `stuck` still holds. If polls
 * did happen and the runtime is idle again, check afresh: its own idle check was skipped while
 * this one was pending (a shutdown may even have begun meanwhile).
 */
function confirmLater(
  rt: Runtime,
  stuck: (rt: Runtime) => boolean,
  verdict: (rt: Runtime) => void,
): void {
  if (rt.idleCheckPending || !rt.options.detectDeadlocks || !stuck(rt)) return;
  rt.idleCheckPending = true;
  const polls = rt.polls;
  macrotask(() => {
    rt.idleCheckPending = false;
    if (rt.queue.length > 0) return; // a turn is coming, and checks again when it ends
    if (rt.polls === polls && stuck(rt)) verdict(rt);
    else checkIdle(rt);
  });
}

/** `run()`'s main waits, and nothing can wake any task. */
function mainStuck(rt: Runtime): boolean {
  const main = rt.mainTask;
  return (
    main !== null &&
    !main.isFinished() &&
    rt.lifecycle === OPEN &&
    nothingCanWake(rt) &&
    stuckUnlessOthers(rt)
  );
}

/** Shutting down, and nothing can wake the cleanups still running. */
function cleanupsStuck(rt: Runtime): boolean {
  return rt.lifecycle === SHUTTING_DOWN && cleanupsCannotWake(rt) && stuckUnlessOthers(rt);
}

/** The deadlock report's note when timers wait on a manual clock that nobody will advance. */
const MANUAL_CLOCK =
  "\nTimers are pending, but the clock is manual ({ clock: 'manual' }): only time.advance(ms) moves it, and no task is left to call it.";

/** No timer, bridged promise, I/O wait or AbortSignal link of its own can wake a task of `rt`. */
function nothingCanWake(rt: Runtime): boolean {
  return cleanupsCannotWake(rt) && rt.signalLinks === 0;
}

/**
 * No timer, bridged promise or I/O wait of its own can wake a task of `rt`. (While shutting down,
 * an AbortSignal can only abort what is already being torn down.) A timer on a manual clock
 * wakes nobody by itself: only a task calling `time.advance` moves that clock, and none can run.
 */
function cleanupsCannotWake(rt: Runtime): boolean {
  const driver = rt.timeDriver;
  return (driver.liveTimers === 0 || driver.manual) && rt.bridges === 0 && rt.ioWaits === 0;
}
