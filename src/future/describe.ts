/**
 * Describing a future: how a task dump or a deadlock report names what a chef is waiting on. A
 * future may implement `[DESCRIBE]()` returning a short label and the futures it is waiting on; an
 * async fn names itself and the future it is suspended at, a join lists its children, a leaf says
 * what it waits for ("sleep 3000 ms", "Mutex.lock 'pantry', held by table 1"). Futures without it
 * are named by their class.
 */

/** The method that describes a future for diagnostics. */
export const DESCRIBE: unique symbol = Symbol("brigade.describe");

/** What `[DESCRIBE]()` returns. */
export interface Description {
  /** A short label: the async fn's name, the combinator, or what a leaf waits for. */
  label: string;
  /** The futures this one is waiting on right now (none for a leaf). */
  children: readonly unknown[];
  /**
   * @internal for a leaf that only other tasks can end (or nothing can), what that is: set by
   * Brigade's own leaves (`pending()`, handles, `JoinSet`, locks), read by the deadlock report.
   */
  waitsOn?: WaitsOn;
}

/**
 * What a leaf waits on, for the deadlock report's reasoning (which must not read it back out of the
 * label): `"never"`, a future that is never ready (`pending()`); `"task"`, a `JoinHandle` (or
 * `JoinSet.joinNext()`) awaiting tasks; `"lock"`, a lock's future waiting for the tasks that hold
 * the lock.
 */
export interface WaitsOn {
  readonly kind: "never" | "task" | "lock";
  /** The tasks, each with whether it has finished (a finished holder never releases). */
  readonly tasks: readonly WaitedTask[];
}

/** A task a leaf waits on (see {@link WaitsOn}). */
export interface WaitedTask {
  /** The task's id in its runtime, as `TaskDump` and `DeadlockError.waiting` give it. */
  readonly id: number;
  readonly name: string;
  readonly finished: boolean;
  /** @internal the task itself: ids and names repeat across runtimes, the object does not. */
  readonly task: object;
}

/** A future that can describe itself. */
export interface Describable {
  [DESCRIBE](): Description;
}

/** A node of an await tree. */
export interface AwaitNode {
  label: string;
  children: AwaitNode[];
  /**
   * The future does not describe itself (no `[DESCRIBE]`): a future written outside Brigade, named
   * by its class. Only such a leaf can be waiting on a wake Brigade cannot see.
   */
  opaque?: true;
  /** What the leaf waits on, when its future says (see {@link WaitsOn}). */
  waitsOn?: WaitsOn;
}

/**
 * The await tree under `future`, following `[DESCRIBE]` down to the leaves (depth-limited, so a
 * pathological cycle cannot hang a report).
 *
 * @example
 * ```ts
 * describeFuture(asyncBlock(function* serveTable() { yield* sleep(10); }));
 * // { label: "serveTable", children: [] } before its first poll
 * ```
 */
export function describeFuture(future: unknown, depth = 0): AwaitNode {
  if (future === null || typeof future !== "object") return { label: String(future), children: [] };
  const d = (future as Partial<Describable>)[DESCRIBE];
  if (d === undefined || depth > 64) {
    const name = (future as object).constructor?.name ?? "future";
    return d === undefined
      ? { label: name, children: [], opaque: true }
      : { label: name, children: [] };
  }
  const { label, children, waitsOn } = d.call(future);
  const nodes: AwaitNode[] = [];
  for (const c of children)
    if (c !== null && c !== undefined) nodes.push(describeFuture(c, depth + 1));
  return waitsOn === undefined ? { label, children: nodes } : { label, children: nodes, waitsOn };
}

/** Every path from the root to a leaf, as labels ("serveTable → cookDish → sleep 3000 ms"). */
export function awaitChains(node: AwaitNode): string[][] {
  if (node.children.length === 0) return [[node.label]];
  const out: string[][] = [];
  for (const c of node.children)
    for (const chain of awaitChains(c)) out.push([node.label, ...chain]);
  return out;
}

/** Draw an await tree with box-drawing branches, one node a line. */
export function drawTree(node: AwaitNode, prefix = "", last = true, root = true): string[] {
  const lines = [root ? node.label : `${prefix}${last ? "└─ " : "├─ "}${node.label}`];
  const childPrefix = root ? "" : prefix + (last ? "   " : "│  ");
  node.children.forEach((c, i) => {
    lines.push(...drawTree(c, childPrefix, i === node.children.length - 1, false));
  });
  return lines;
}
