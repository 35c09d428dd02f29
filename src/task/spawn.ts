/**
 * spawn: hand a recipe card to a new chef. The task starts on the runtime that is currently
 * polling (the one whose task called `spawn`), and runs independently of its spawner.
 */
import { assertFuture, type Future, FutureBase } from "../future/future.js";
import type { JoinHandle } from "./join-handle.js";
import { RuntimeStateError } from "./runtime-state-error.js";
import type { Scheduler, Task } from "./task.js";

/** Options of `spawn`. */
export interface SpawnOptions {
  /**
   * A name for diagnostics, errors and the kitchen.
   * @default `task <id>`
   * @example spawn(serveTable(1), { name: "table 1" })
   */
  name?: string;
  /**
   * Aborts the task when this signal aborts (native code cancelling Brigade work).
   * @example spawn(work(), { signal: AbortSignal.timeout(1000) })
   */
  signal?: AbortSignal;
}

/** A runtime, as seen by `spawn`. */
export interface Spawner extends Scheduler {
  spawnTask<T>(future: Future<T>, options: SpawnOptions | undefined): Task<T>;
}

/** The runtime whose tasks are being polled right now, if any. Set by the runtime. */
export const spawnerAmbient: { current: Spawner | null } = { current: null };

/**
 * Spawn `future` as a new task on the current runtime.
 *
 * @example
 * ```ts
 * const table1 = spawn(serveTable(1), { name: "table 1" });
 * const table2 = spawn(serveTable(2), { name: "table 2" });
 * const [a, b] = yield* join(table1, table2);
 * ```
 */
export function spawn<T>(future: Future<T>, options?: SpawnOptions): JoinHandle<T> {
  const spawner = spawnerAmbient.current;
  if (spawner === null) {
    throw new RuntimeStateError(
      "spawn() was called outside a Brigade runtime: call it from inside a task (an async fn run by run() or rt.spawn()), or use rt.spawn(future)",
    );
  }
  if (!(future instanceof FutureBase)) assertFuture(future, "spawn(future): future");
  return spawner.spawnTask(future, options).asHandle();
}
