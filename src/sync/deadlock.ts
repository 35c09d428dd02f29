/**
 * Deadlock checks: the chef who asks for the key in his own pocket, and the two chefs each holding
 * the key the other wants. Neither tokio nor Effect catches these; Brigade does, at the moment the
 * closing edge of the wait-for graph is added, so the task that would close the cycle gets a
 * {@link DeadlockError} instead of the whole kitchen hanging.
 *
 * The graph: a task waits for at most one lock at a time (`waitingOn`, kept here only while a task
 * is queued on a `Mutex` or `RwLock`), and each lock knows which tasks hold it. Before a task joins
 * a lock's queue, we walk from the lock to its holders, from each holder to the lock it waits on,
 * and so on; reaching the task itself means the wait would never end.
 *
 * Holding is recorded per task: a guard handed to another task still counts as held by the task
 * that acquired it. Locks taken outside any task (a future polled by hand) are not tracked.
 *
 * Only a *sequential* wait counts: one polled with no join, select, joinAll, set of futures, merge,
 * zip or timeout between the task and the lock (`ambient.branching` is 0). Such a task is blocked whole:
 * nothing else in it runs until the lock comes, so whatever it holds stays held. A wait inside a
 * branch is not checked: another branch of the same task may hold the lock and let it go (two
 * branches of a `join` taking turns at one mutex is ordinary code, not a deadlock). If such a wait
 * never ends, the idle check's "all tasks are asleep" still reports it once nothing can run.
 */

import { DeadlockError } from "../runtime/deadlock.js";
import { Task } from "../task/task.js";

/** What the checks need from a lock. */
export interface TrackedLock {
  /** The lock's name. */
  readonly name: string;
  /** For messages: `mutex 'orders'`. */
  describe(): string;
  /** How many tasks hold it (readers count one each). */
  holderCount(): number;
  /** The `i`th holder. */
  holderAt(i: number): Task<any>;
  /** Where `task` took it (its call site), when the lock tracks callers. */
  siteOf(task: Task<any>): string | null;
}

/**
 * The lock each parked task waits on. Weak: the graph is global, and a task parked for good in a
 * runtime dropped without a shutdown must not keep the task, its lock and its runtime alive.
 */
const waitingOn = new WeakMap<Task<any>, TrackedLock>();

/** The task being polled, if a task is polling. */
export function currentTask(owner: unknown): Task<any> | null {
  return owner instanceof Task ? owner : null;
}

/** `task` is about to wait on `lock`: throw a DeadlockError if it would wait forever. */
export function checkWait(task: Task<any>, lock: TrackedLock, heldByTask: boolean): void {
  if (heldByTask) {
    throw new DeadlockError(
      `task '${task.name}' waits for ${lock.describe()}, which it already holds${taken(lock, task)}: it would wait forever${HANDED_ON}`,
      [task.name],
      [lock.name],
    );
  }
  const path: Task<any>[] = [task];
  const locks: TrackedLock[] = [lock];
  if (closesCycle(task, lock, path, locks, 0)) {
    const steps: string[] = [];
    for (let i = 0; i < path.length; i++) {
      const holder = path[i + 1] ?? task;
      steps.push(
        `task '${path[i]!.name}' waits for ${locks[i]!.describe()}, held by task '${holder.name}'${taken(locks[i]!, holder)}`,
      );
    }
    throw new DeadlockError(
      `deadlock: ${steps.join("; ")}: none of them can go on${HANDED_ON}`,
      path.map((t) => t.name),
      locks.map((l) => l.name),
    );
  }
}

/**
 * JavaScript cannot see a guard move: one handed to another task (sent on a channel, captured by a
 * spawned task) still counts as held by the task that locked it, and the report is then wrong.
 */
const HANDED_ON =
  " (a guard counts as held by the task that locked it, even once handed to another task)";

function taken(lock: TrackedLock, holder: Task<any>): string {
  const site = lock.siteOf(holder);
  return site === null ? "" : ` (taken ${site})`;
}

/** Depth-first from `lock` through holders and the locks they wait on; fills the cycle found. */
function closesCycle(
  start: Task<any>,
  lock: TrackedLock,
  path: Task<any>[],
  locks: TrackedLock[],
  depth: number,
): boolean {
  if (depth > 10_000) return false;
  const n = lock.holderCount();
  for (let i = 0; i < n; i++) {
    const holder = lock.holderAt(i);
    if (holder === start) return true;
    const next = waitingOn.get(holder);
    if (next === undefined || locks.includes(next)) continue;
    path.push(holder);
    locks.push(next);
    if (closesCycle(start, next, path, locks, depth + 1)) return true;
    path.pop();
    locks.pop();
  }
  return false;
}

/** `task` joined `lock`'s queue. */
export function startWaiting(task: Task<any>, lock: TrackedLock): void {
  waitingOn.set(task, lock);
}

/** `task` left the queue (granted, disposed, closed). */
export function stopWaiting(task: Task<any>): void {
  waitingOn.delete(task);
}

/** Where a lock is taken: the caller's stack line when `trackCaller` is on. */
export function callSite(): string {
  const stack = new Error().stack ?? "";
  const lines = stack.split("\n");
  // Skip "Error", this function and the lock method: the next line is the caller.
  const line = lines[3]?.trim();
  return line === undefined ? "at an unknown place" : line;
}
