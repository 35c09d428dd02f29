/**
 * Lifecycle: opening hours and closing time. A runtime moves forward through three phases, never
 * back:
 * - `OPEN`: it spawns and runs tasks.
 * - `SHUTTING_DOWN`: every live task has been aborted, so its `finally` blocks run; the executor
 *   keeps turning until the last cleanup has finished. Cleanup tasks (a dropped future's async
 *   teardown) are never aborted: they are the teardown. A task spawned now is aborted at once.
 * - `CLOSED`: nothing is left. The timer wheel, the watchdog and the blocking pool are released
 *   and the promise of `shutdown()` settles. A task spawned now is cancelled before it runs.
 *
 * Shutdown begins with `rt.shutdown()`, when `run()`'s main ends, when the idle check finds every
 * task asleep (idle.ts), when the host runs out of work while `run()` waits (Node's `beforeExit`),
 * or when a task panics unobserved under `unhandledPanic: "shutdown"`. The last three leave a fatal
 * error that `run()` rejects with, and so does `shutdown()`: a runtime made with `new Runtime`
 * that a panic ended must not look as if it closed cleanly. As in tokio, the runtime holds no host
 * handle of its own while idle, so it never keeps a Node process alive.
 *
 * A shutdown that cannot finish is not waited on forever. When every cleanup still running waits
 * on nothing that can wake it (the idle check's rule, idle.ts), or when the `timeout` given to
 * `shutdown()` (`shutdownTimeout` of `run()`) runs out, the runtime *gives up* on them: each such
 * task ends cancelled, its cleanup is not driven further but disposed (what it awaits is dropped,
 * as tokio drops the tasks left when `shutdown_timeout` expires), the runtime closes, and
 * `shutdown()` rejects with an error naming each task and what it waits on: a
 * {@link DeadlockError}, or a {@link ShutdownTimeoutError}.
 */

import type { Future } from "../future/future.js";
import { BY_SHUTDOWN } from "../task/abort-why.js";
import { JoinError } from "../task/join-error.js";
import { spawnerAmbient } from "../task/spawn.js";
import type { Task } from "../task/task.js";
import { thrownDetail } from "../task/thrown.js";
import {
  DeadlockError,
  describeWaiting,
  formatWaiting,
  hostIdle,
  type WaitingTask,
} from "./deadlock.js";
import { othersMayBeStuck } from "./idle.js";
import { describeType } from "./option-checks.js";
import { reportCallbackError } from "./probe.js";
import type { Runtime } from "./runtime.js";

/** Accepting and running tasks. */
export const OPEN = 0;
/** Every task aborted; waiting for cleanups to finish. */
export const SHUTTING_DOWN = 1;
/** Nothing left; a task spawned now is cancelled before it runs. */
export const CLOSED = 2;

/** Options of `rt.shutdown()`. */
export interface ShutdownOptions {
  /**
   * Give up on cleanups still running after this many milliseconds of host time (the paused clock
   * does not count): the runtime closes without them and `shutdown()` rejects with a
   * {@link ShutdownTimeoutError} naming them. Default: wait as long as they take.
   * @example await rt.shutdown({ timeout: 5000 })
   */
  timeout?: number;
}

/**
 * Cleanups (`finally` blocks that await) were still running when the shutdown's time ran out;
 * the runtime closed without them. `waiting` says what each one waited on.
 *
 * @example
 * ```ts
 * try { await rt.shutdown({ timeout: 1000 }); } catch (e) {
 *   if (e instanceof ShutdownTimeoutError) for (const t of e.waiting) console.log(t.name, t.chains);
 * }
 * ```
 */
export class ShutdownTimeoutError extends Error {
  override name = "ShutdownTimeoutError";
  constructor(
    message: string,
    /** Every task given up on, with its await chains. */
    readonly waiting: readonly WaitingTask[],
  ) {
    super(message);
  }
}

/** `timeout` (named `what` in the error) as milliseconds: a number >= 0, `Infinity` for none. */
export function checkShutdownTimeout(timeout: unknown, what: string): number {
  if (timeout === undefined) return Number.POSITIVE_INFINITY;
  const rule = `${what} must be a number of milliseconds (>= 0, Infinity for no limit)`;
  if (typeof timeout !== "number") throw new TypeError(`${rule}, got ${describeType(timeout)}`);
  if (Number.isNaN(timeout) || timeout < 0) throw new RangeError(`${rule}, got ${timeout}`);
  return timeout;
}

/** The promise of `rt`'s end: settled when its shutdown finishes, however it began. */
export function drainedPromiseOf(rt: Runtime): Promise<void> {
  if (rt.drainedPromise === null) {
    rt.drainedPromise = new Promise<void>((resolve, reject) => {
      rt.drained = (error) => (error === null ? resolve() : reject(error));
    });
    // A shutdown the runtime began itself (main's end, a fatal error) may fail with nobody
    // holding its promise; `run()` and every `shutdown()` caller still see the rejection.
    rt.drainedPromise.catch(() => {});
  }
  return rt.drainedPromise;
}

/** Abort every live task, oldest first, and make sure a turn comes to run their cleanups. */
export function beginShutdown(rt: Runtime): void {
  drainedPromiseOf(rt);
  if (rt.lifecycle !== OPEN) return;
  rt.lifecycle = SHUTTING_DOWN;
  rt.timeDriver.shutdownBegun();
  // Oldest first; cleanup tasks are never aborted: they are the teardown. The aborted tasks'
  // `finally` blocks may spawn, from native code too: they spawn on this runtime.
  const outerSpawner = spawnerAmbient.current;
  spawnerAmbient.current = rt;
  try {
    for (const t of rt.liveTasks()) if (!t.isCleanup) t.abortAs(BY_SHUTDOWN);
  } finally {
    spawnerAmbient.current = outerSpawner;
  }
  if (rt.live.count === 0) finishShutdown(rt);
  else rt.ensureTurn();
}

/**
 * Give up waiting for cleanups after `ms` of host time (the earliest of several limits wins).
 * The timer is the one host handle a shutdown holds: it is what ends a wait nothing else would.
 */
export function limitShutdown(rt: Runtime, ms: number): void {
  if (rt.lifecycle !== SHUTTING_DOWN || ms === Number.POSITIVE_INFINITY) return;
  const timer = setTimeout(() => {
    if (rt.lifecycle === SHUTTING_DOWN) giveUp(rt, timedOut(rt.liveTasks(), ms));
  }, ms);
  (rt.shutdownTimers ??= []).push(timer);
}

/**
 * The cleanups still running will not finish (they wait on nothing that can wake them, or the
 * time ran out): each of their tasks ends cancelled, and the runtime closes with `error`.
 */
export function giveUp(rt: Runtime, error: Error): void {
  if (rt.lifecycle !== SHUTTING_DOWN) return;
  // Leaving a `finally` may drop a future whose own cleanup awaits, which starts a cleanup task:
  // that one is given up on in the next round.
  for (let round = 0; round < GIVE_UP_ROUNDS && rt.live.count > 0; round++) {
    for (const task of rt.liveTasks()) task.abandon();
  }
  finishShutdown(rt, error);
}

/** Rounds of giving up (see `giveUp`); each round's cleanups can only start fewer. */
const GIVE_UP_ROUNDS = 8;

/**
 * Run `release` when `rt` closes (at once if it has): for a part outside the core that holds
 * something for the runtime's whole life (a signal listener). A `release` that throws is ignored.
 */
export function atClose(rt: Runtime, release: () => void): void {
  if (rt.lifecycle === CLOSED) {
    release();
    return;
  }
  (rt.closers ??= []).push(release);
}

/** The last task is gone: release what the runtime holds and settle `shutdown()`. */
export function finishShutdown(rt: Runtime, error: Error | null = null): void {
  if (rt.lifecycle === CLOSED) return;
  rt.lifecycle = CLOSED;
  othersMayBeStuck(rt, rt.registration);
  rt.timeDriver.shutdown();
  rt.watchdog?.stop();
  const closers = rt.closers;
  rt.closers = null;
  if (closers !== null) {
    for (const release of closers) {
      try {
        release();
      } catch {
        // Nothing to report it to: the runtime is closing, and its parts are released anyway.
      }
    }
  }
  if (rt.shutdownTimers !== null) {
    for (const timer of rt.shutdownTimers) clearTimeout(timer);
    rt.shutdownTimers = null;
  }
  const drained = rt.drained;
  rt.drained = null;
  // What ended the runtime (an unhandled panic, a deadlock) first, as `run()` reports it.
  const outcome = rt.fatal ?? error;
  const settle = () => drained?.(outcome);
  const pool = rt.blockingPool;
  if (pool === null) settle();
  else {
    // The pool's threads end before shutdown settles, so the process can exit right after.
    rt.blockingPool = null;
    void pool.destroy().then(settle, settle);
  }
}

/** The error for cleanups that wait on nothing that can wake them. */
export function cleanupsAsleep(tasks: Iterable<Task<any>>): DeadlockError {
  const waiting = describeWaiting(tasks);
  return new DeadlockError(
    `shutdown could not finish: these cleanups wait on nothing that can wake them (no timer, no promise or I/O in flight), so the runtime closed without them. Waiting:\n${formatWaiting(waiting)}`,
    waiting.map((w) => w.name),
    [],
    waiting,
  );
}

/**
 * The error for cleanups still running when the host ran out of work: what they wait on (a promise
 * that never settles, an event that never comes) can no longer come.
 */
function cleanupsAtExit(tasks: Iterable<Task<any>>): DeadlockError {
  const waiting = describeWaiting(tasks);
  return new DeadlockError(
    `shutdown could not finish: the process ran out of work while these cleanups wait (a promise that never settles, an event that never comes), so Node was about to exit with run() unsettled; the runtime closed without them. Waiting:\n${formatWaiting(waiting)}`,
    waiting.map((w) => w.name),
    [],
    waiting,
  );
}

function timedOut(tasks: Iterable<Task<any>>, ms: number): ShutdownTimeoutError {
  const waiting = describeWaiting(tasks);
  return new ShutdownTimeoutError(
    `shutdown timed out after ${ms} ms: these cleanups were still running, and the runtime closed without them. Waiting:\n${formatWaiting(waiting)}`,
    waiting,
  );
}

/**
 * A task panicked and, a microtask later, still nobody awaits it: apply the `unhandledPanic`
 * option (print it, shut down with it as the fatal error, or ignore it).
 */
export function unhandledPanic(
  rt: Runtime,
  task: Task<any>,
  error: JoinError,
  how = "panicked while nothing was awaiting it",
  spawnedAt?: string,
): void {
  const mode = rt.options.unhandledPanic;
  if (mode === "ignore") return;
  if (typeof mode === "function") {
    try {
      mode(error);
    } catch (e) {
      reportCallbackError("options.unhandledPanic", e);
    }
    return;
  }
  if (mode === "shutdown" && !task.isCleanup) {
    if (rt.fatal === null) rt.fatal = error;
    beginShutdown(rt);
    return;
  }
  const who = task.isCleanup ? "the cleanup of a dropped future" : `task '${task.name}'`;
  const where = spawnedAt === undefined ? "" : ` (spawned at ${spawnedAt})`;
  console.error(`brigade: ${who}${where} ${how}: ${thrownDetail(error.cause)}`);
}

/**
 * Run `main` to its end on `rt`, then shut down: what `run()` does. Rejects with the runtime's
 * fatal error first (a deadlock, an unhandled panic), then with a shutdown that could not finish,
 * else with what `main` threw.
 */
export async function runMain<T>(
  rt: Runtime,
  main: Future<T>,
  signal: AbortSignal | undefined,
  shutdownTimeout: number,
): Promise<T> {
  const task = rt.spawnTask(
    main,
    signal === undefined ? { name: "main" } : { name: "main", signal },
  );
  rt.mainTask = task;
  const handle = task.asHandle();
  let value: T | undefined;
  let failure: { error: unknown } | null = null;
  let unfinished: unknown = null;
  // Watched until the shutdown settles too: a cleanup that awaits what can no longer come must
  // not let Node exit with run() unsettled any more than main may.
  const unwatch = watchHostExit(rt);
  try {
    try {
      value = await handle;
    } catch (e) {
      failure = { error: e instanceof JoinError && e.isPanic() ? e.cause : e };
    }
    try {
      await rt.shutdown({ timeout: shutdownTimeout });
    } catch (e) {
      unfinished = e;
    }
  } finally {
    unwatch();
  }
  if (rt.fatal !== null) throw rt.fatal;
  if (unfinished !== null) throw unfinished;
  if (failure !== null) throw failure.error;
  return value as T;
}

/** The host's event emitter, where there is one (Node): only its `beforeExit` is used. */
interface ExitingHost {
  on(event: "beforeExit", listener: () => void): unknown;
  removeListener(event: "beforeExit", listener: () => void): unknown;
}

/**
 * The runs whose main is awaited now, each with its poll count at the host's last `beforeExit`
 * (-1: none seen yet): one `beforeExit` listener serves them all.
 */
const watched = new Map<Runtime, number>();

/**
 * While `run()` waits on main, then on the shutdown: if the host runs out of work (Node's
 * `beforeExit`: no timer, socket or pending I/O left) twice with no poll in between, nothing can
 * ever wake main (or the cleanups), so end the run with a `DeadlockError` naming what each task
 * waits on, instead of letting Node exit with `run()` never settled. Twice, because the program's
 * own `beforeExit` hooks run in the same round as this one and may start the very work that wakes
 * main (a logger's flush). Off with `detectDeadlocks: false`, and where the host has no such event.
 */
function watchHostExit(rt: Runtime): () => void {
  const host = (globalThis as { process?: Partial<ExitingHost> }).process;
  if (!rt.options.detectDeadlocks || typeof host?.on !== "function") return noop;
  const exiting = host as ExitingHost;
  if (watched.size === 0) exiting.on("beforeExit", onHostIdle);
  watched.set(rt, -1);
  return () => {
    watched.delete(rt);
    if (watched.size === 0) exiting.removeListener("beforeExit", onHostIdle);
  };
}

/** The host has nothing left to do: a run that has not moved since the last time is stuck. */
function onHostIdle(): void {
  let recheck = false;
  for (const [rt, pollsThen] of watched) {
    if (pollsThen !== rt.polls) {
      // First sight, or it moved since: look again once this round's hooks have had their turn.
      watched.set(rt, rt.polls);
      recheck = true;
    } else if (rt.lifecycle === OPEN) {
      rt.fatal ??= hostIdle(
        [...rt.liveTasks()].filter((t) => !t.isCleanup),
        rt.openBridges.note(
          null,
          "Node has nothing left that could fire their callbacks: a leaf closes its bridge when its callback fires and when it is dropped, so was one dropped, or did it finish, without closing it?",
        ),
      );
      beginShutdown(rt);
      // Its cleanups run now; if one of them waits on nothing either, the next round says so.
      watched.set(rt, -1);
      recheck = true;
    } else {
      // Shutting down, and its cleanups wait on nothing that can come: give up on them.
      giveUp(rt, cleanupsAtExit(rt.liveTasks()));
    }
  }
  // One more turn of the loop, so that another `beforeExit` comes if nothing else does.
  if (recheck) setImmediate(noop);
}

function noop(): void {}
