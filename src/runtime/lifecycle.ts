/**
 * Lifecycle: opening hours and closing time. A runtime moves forward through three phases, never
 * back:
 * - `OPEN`: it spawns and runs tasks.
 * - `SHUTTING_DOWN`: every live task has been aborted, so its `finally` blocks run; the executor
 *   keeps turning until the last cleanup has finished. Cleanup tasks (a dropped future's async
 *   teardown) are never aborted: they are the teardown. A task spawned now is aborted at once.
 * - `CLOSED`: nothing is left. The timer wheel, the watchdog and the blocking pool are released
 *   and the promise of `shutdown()` resolves. Spawning is refused.
 *
 * Shutdown begins with `rt.shutdown()`, when `run()`'s main ends, when the idle check finds every
 * task asleep (idle.ts), or when a task panics unobserved under `unhandledPanic: "shutdown"`. The
 * last two leave a fatal error that `run()` rejects with. As in tokio, the runtime holds no host
 * handle of its own while idle, so it never keeps a Node process alive.
 */
import type { Future } from "../future/future.js";
import { JoinError } from "../task/join-error.js";
import { spawnerAmbient } from "../task/spawn.js";
import type { Task } from "../task/task.js";
import type { Runtime } from "./runtime.js";

/** Accepting and running tasks. */
export const OPEN = 0;
/** Every task aborted; waiting for cleanups to finish. */
export const SHUTTING_DOWN = 1;
/** Nothing left; spawning is refused. */
export const CLOSED = 2;

/** Abort every live task, oldest first, and make sure a turn comes to run their cleanups. */
export function beginShutdown(rt: Runtime): void {
  if (rt.drainedPromise === null) {
    rt.drainedPromise = new Promise<void>((resolve) => {
      rt.drained = resolve;
    });
  }
  if (rt.lifecycle !== OPEN) return;
  rt.lifecycle = SHUTTING_DOWN;
  // Oldest first; cleanup tasks are never aborted: they are the teardown. The aborted tasks'
  // `finally` blocks may spawn, from native code too: they spawn on this runtime.
  const outerSpawner = spawnerAmbient.current;
  spawnerAmbient.current = rt;
  try {
    for (const t of rt.liveTasks()) if (!t.isCleanup) t.abort();
  } finally {
    spawnerAmbient.current = outerSpawner;
  }
  if (rt.live.count === 0) finishShutdown(rt);
  else rt.ensureTurn();
}

/** The last task is gone: release what the runtime holds and resolve `shutdown()`. */
export function finishShutdown(rt: Runtime): void {
  if (rt.lifecycle === CLOSED) return;
  rt.lifecycle = CLOSED;
  rt.timeDriver.shutdown();
  rt.watchdog?.stop();
  const drained = rt.drained;
  rt.drained = null;
  const pool = rt.blockingPool;
  if (pool === null) drained?.();
  else {
    // The pool's threads end before shutdown resolves, so the process can exit right after.
    rt.blockingPool = null;
    void pool.destroy().then(drained, drained);
  }
}

/**
 * A task panicked and, a microtask later, still nobody awaits it: apply the `unhandledPanic`
 * option (print it, shut down with it as the fatal error, or ignore it).
 */
export function unhandledPanic(rt: Runtime, task: Task<any>, error: JoinError): void {
  const mode = rt.options.unhandledPanic;
  if (mode === "ignore") return;
  if (mode === "shutdown" && !task.isCleanup) {
    if (rt.fatal === null) rt.fatal = error;
    beginShutdown(rt);
    return;
  }
  const cause = error.cause;
  const detail = cause instanceof Error && cause.stack ? cause.stack : String(cause);
  console.error(
    `brigade: ${task.isCleanup ? "the cleanup of a dropped future" : `task '${task.name}'`} panicked and nobody awaits it: ${detail}`,
  );
}

/**
 * Run `main` to its end on `rt`, then shut down: what `run()` does. Rejects with the runtime's
 * fatal error first (a deadlock, an unhandled panic), else with what `main` threw.
 */
export async function runMain<T>(
  rt: Runtime,
  main: Future<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  const task = rt.spawnTask(
    main,
    signal === undefined ? { name: "main" } : { name: "main", signal },
  );
  rt.mainTask = task;
  const handle = task.asHandle();
  let value: T | undefined;
  let failure: { error: unknown } | null = null;
  try {
    value = await handle;
  } catch (e) {
    failure = { error: e instanceof JoinError && e.isPanic() ? e.cause : e };
  }
  await rt.shutdown();
  if (rt.fatal !== null) throw rt.fatal;
  if (failure !== null) throw failure.error;
  return value as T;
}
