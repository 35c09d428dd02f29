/**
 * Task dump: a photograph of the kitchen. Every live task with its state and its await tree (which
 * async fn, suspended at which `yield*`, down to the leaf), printed like the seed's future diagram.
 * tokio needs unstable flags for this; here it is always available, because each async fn records
 * what it is suspended on (src/coroutine/coroutine.ts, "Await chain").
 */
import { type AwaitNode, describeFuture, drawTree } from "../future/describe.js";
import { describe as describeState, RUNNING } from "../task/state.js";
import type { Task } from "../task/task.js";

/** One live task in a dump. */
export interface TaskSnapshot {
  id: number;
  name: string;
  /** "idle", "scheduled", "running", "cancelling"… */
  state: string;
  /** What the task's future is waiting on. */
  tree: AwaitNode;
}

/**
 * A dump of every live task. `toString()` draws them as trees.
 *
 * @example
 * ```ts
 * const dump: TaskDump = rt.dump();
 * console.log(dump.tasks.length, "chefs at work");
 * ```
 */
export class TaskDump {
  constructor(readonly tasks: readonly TaskSnapshot[]) {}

  /**
   * Every live task as a tree of what it awaits, one after another; `(no live tasks)` if none.
   *
   * @example
   * ```ts
   * console.log(String(rt.dump()));
   * // task 2 'table 1' (idle)
   * // └─ serveTable
   * //    └─ sleep until t=3000 ms
   * ```
   */
  toString(): string {
    if (this.tasks.length === 0) return "(no live tasks)";
    return this.tasks
      .map((t) => {
        const [head, ...rest] = drawTree(t.tree);
        return [
          `task ${t.id} '${t.name}' (${t.state})`,
          `└─ ${head}`,
          ...rest.map((l) => `   ${l}`),
        ].join("\n");
      })
      .join("\n");
  }
}

/**
 * The tree of a task whose poll is in progress (the dump was taken by that very poll, or by code
 * it called): its async fns remember the await they were last suspended at, which it may have
 * passed long ago. What it waits on is known only once the poll returns.
 */
const BEING_POLLED: AwaitNode = {
  label: "(being polled: what it waits on is known when this poll returns)",
  children: [],
};

/** Snapshot the given tasks. */
export function dumpTasks(tasks: Iterable<Task<any>>): TaskDump {
  const out: TaskSnapshot[] = [];
  for (const t of tasks) {
    const state = t.state;
    const future = t.future; // read once: for an adopted body each read builds a description
    let tree: AwaitNode;
    if (future === null) tree = { label: "(no future)", children: [] };
    else if ((state & RUNNING) !== 0) {
      // Its name is sure; the awaits below it are not (see BEING_POLLED).
      tree = { label: describeFuture(future).label, children: [{ ...BEING_POLLED, children: [] }] };
    } else tree = describeFuture(future);
    out.push({ id: t.id, name: t.name, state: describeState(state), tree });
  }
  return new TaskDump(out);
}
