/**
 * "All the chefs are asleep": Go's "all goroutines are asleep - deadlock!", for Brigade. When
 * `main` is still pending and nothing can ever wake anything (no runnable task, no timer, no
 * bridged promise or I/O in flight, and no host timer of the user's own that might call a waker),
 * `run` rejects with a {@link DeadlockError} listing every waiting task and what it waits on, as
 * an await chain down to the leaf, instead of a process that exits silently or hangs.
 *
 * The same error class reports lock cycles found by the sync primitives (src/sync/deadlock.ts),
 * and a shutdown whose cleanups wait on nothing that can wake them (lifecycle.ts).
 */
import { type AwaitNode, awaitChains, describeFuture, type WaitsOn } from "../future/describe.js";
import type { Task } from "../task/task.js";

/** One task that waits forever, and what it waits on. */
export interface WaitingTask {
  id: number;
  name: string;
  /** Await chains from the task's future down to each leaf it waits on. */
  chains: string[][];
}

/**
 * A wait that can never end: a lock cycle, or a whole program asleep.
 *
 * @example
 * ```ts
 * try { await run(main); } catch (e) {
 *   if (e instanceof DeadlockError) for (const t of e.waiting) console.log(t.name, t.chains);
 * }
 * ```
 */
export class DeadlockError extends Error {
  override name = "DeadlockError";
  constructor(
    message: string,
    /** The names of the tasks involved, in order (for a lock cycle: the cycle's order). */
    readonly tasks: readonly string[],
    /** The names of the locks in a lock cycle (`locks[i]` is the one `tasks[i]` waits for). */
    readonly locks: readonly string[] = [],
    /** Every waiting task with its await chains (for a program that is all asleep). */
    readonly waiting: readonly WaitingTask[] = [],
  ) {
    super(message);
  }
}

/** The waiting tasks, described. */
export function describeWaiting(tasks: Iterable<Task<any>>): WaitingTask[] {
  return [...tasks].map((t) => waitingOf(t, treeOf(t)));
}

/** The await tree of `t`'s future, or `null` when it has none left. */
function treeOf(t: Task<any>): AwaitNode | null {
  return t.future === null ? null : describeFuture(t.future);
}

/** `t` as a report lists it, from its await tree. */
function waitingOf(t: Task<any>, tree: AwaitNode | null): WaitingTask {
  return { id: t.id, name: t.name, chains: tree === null ? [] : awaitChains(tree) };
}

/** The waiting tasks as lines of text, one per await chain. */
export function formatWaiting(waiting: readonly WaitingTask[]): string {
  const lines = waiting.map((w) => {
    const chains = w.chains.length === 0 ? ["(nothing)"] : w.chains.map((c) => c.join(" → "));
    return chains.map((c) => `  ${w.name} → ${c}`).join("\n");
  });
  return lines.join("\n");
}

/**
 * The error for a program where every task is asleep; `note`, if given, ends its message in place
 * of the general hint (it knows better).
 */
export function allAsleep(tasks: Iterable<Task<any>>, note = ""): DeadlockError {
  const list = [...tasks];
  const trees = list.map(treeOf);
  const waiting = list.map((t, i) => waitingOf(t, trees[i]!));
  const leaves = trees.map(leavesOf);
  // A leaf of the user's own making, or one that plain code can end (a token, a channel), may be
  // woken by a host callback Brigade cannot see: say so, or the report reads as a certainty.
  // A task whose last poll never read cx.waker cannot be woken by anything: say that, not maybe.
  const lost = list.filter((t) => t.lostItsWaker);
  // The hints are about the other tasks' waits: a lost waker's is explained already.
  const opaque = opaqueNames(leaves.filter((_, i) => !list[i]!.lostItsWaker));
  const lostNote =
    lost.length === 0
      ? ""
      : `\n${lost.map((t) => `'${t.name}'`).join(", ")} returned Pending without reading cx.waker (a lost waker): nothing can wake ${lost.length === 1 ? "it" : "them"}. A future must keep cx.waker before it returns PENDING.`;
  const hint =
    opaque.length > 0
      ? `\nA future Brigade cannot look into (${opaque.join(", ")}) may be woken by a callback Brigade cannot see (a raw setTimeout, an emitter): a future of your own opens a bridge while it waits for one (openBridge(), see docs/extending.md); for other sources, bridge them with fromPromise or fromEvent, or run with { detectDeadlocks: false }.`
      : explainsItself(list, leaves)
        ? ""
        : `\nIf a callback Brigade cannot see (a raw setTimeout, an emitter) is meant to end one of these waits (cancel a token, send on a channel, notify), bridge its source with fromPromise or fromEvent (a future of your own opens a bridge while it waits: openBridge(), see docs/extending.md), or run with { detectDeadlocks: false }.`;
  return new DeadlockError(
    `all tasks are asleep: main is waiting and nothing can wake any task (no runnable task, no timer, no promise or I/O in flight). Waiting:\n${formatWaiting(waiting)}${lostNote}${note === "" ? hint : note}`,
    waiting.map((w) => w.name),
    [],
    waiting,
  );
}

/**
 * The error for a `run()` whose host ran out of work while main still waits (Node's `beforeExit`):
 * nothing is left anywhere that could wake it, though Brigade counted a wait (a bridged promise, an
 * I/O source) as one that might. Without it Node would just exit, the `run()` never settled.
 * `bridgesNote` names the `openBridge()` bridges still open, the likely culprits.
 */
export function hostIdle(tasks: Iterable<Task<any>>, bridgesNote = ""): DeadlockError {
  const waiting = describeWaiting([...tasks]);
  return new DeadlockError(
    `the process ran out of work while main waits: nothing left can wake any task (a promise that never settles, an event that never comes), so Node was about to exit with run() unsettled.${bridgesNote} Waiting:\n${formatWaiting(waiting)}`,
    waiting.map((w) => w.name),
    [],
    waiting,
  );
}

/**
 * Whether the report explains every wait by itself, so that a hint about host callbacks would only
 * distract: each task (but one that lost its waker, explained apart) waits only on what no callback
 * can end (see `explained`), or holds a lock that such a wait is on (the lock kept across an
 * await: the waiter's line names it as the holder, and its own line shows what it waits on).
 * `leaves[i]` are the leaves `tasks[i]` waits on.
 */
function explainsItself(tasks: readonly Task<any>[], leaves: readonly AwaitNode[][]): boolean {
  const listed = new Set<object>(tasks);
  const holders = new Set<object>();
  for (const ofTask of leaves) {
    for (const leaf of ofTask) {
      const on = leaf.waitsOn;
      if (on?.kind === "lock" && explained(on, listed))
        for (const t of on.tasks) holders.add(t.task);
    }
  }
  return tasks.every(
    (t, i) =>
      t.lostItsWaker ||
      holders.has(t) ||
      leaves[i]!.every((leaf) => leaf.waitsOn !== undefined && explained(leaf.waitsOn, listed)),
  );
}

/**
 * A wait that no host callback can end: `pending()`; a handle (or a `JoinSet`) whose tasks are all
 * listed, asleep too (not tasks of another runtime, whose waits the report does not show); a lock
 * held by a listed task, or by one that finished without releasing it.
 */
function explained(on: WaitsOn, listed: ReadonlySet<object>): boolean {
  switch (on.kind) {
    case "never":
      return true;
    case "task":
      return on.tasks.every((t) => listed.has(t.task));
    case "lock":
      return on.tasks.some((t) => t.finished || listed.has(t.task));
  }
}

/** The leaves of an await tree, in the order of its chains. */
function leavesOf(tree: AwaitNode | null): AwaitNode[] {
  const out: AwaitNode[] = [];
  const visit = (node: AwaitNode): void => {
    if (node.children.length === 0) out.push(node);
    else for (const c of node.children) visit(c);
  };
  if (tree !== null) visit(tree);
  return out;
}

/** The class names of the opaque leaves among the tasks' leaves, each once. */
function opaqueNames(leaves: readonly AwaitNode[][]): string[] {
  const names = new Set<string>();
  for (const ofTask of leaves)
    for (const leaf of ofTask) if (leaf.opaque === true) names.add(leaf.label);
  return [...names];
}
