/**
 * Model-based hunt, the oracle: a pure function over a program (hunt-model-support.ts) that says
 * what it must do on the paused clock. The manager's plan of the evening, written before service.
 *
 * Every node's futures are made when its parent reaches it and polled at once (an eager `seq`
 * makes its children ahead: a sleep's or timeout's deadline counts from when it was made, the
 * rest starts at its first poll). `evaluate` computes, in virtual milliseconds, when each node
 * finishes and with what, as if nothing dropped it. `settle` then replays the drops (a select's
 * losers, a timeout's future, an aborted task, what shutdown aborts) to say which `finally` blocks
 * start, which finish and when, how long an aborted task's cleanup keeps its handle waiting, and
 * how many panics nobody awaits are printed. Where two things happen at the same virtual time and
 * their order is the executor's (or the seed's) choice, the program is marked as having a tie,
 * and the test compares only what cannot depend on it.
 */
import {
  all,
  type Exec,
  hasFinally,
  joinExec,
  leaf,
  resetExec,
  selectExec,
  seqExec,
  slowCleanupExec,
  timeoutExec,
  tryJoinExec,
} from "./hunt-model-nodes.js";
import { kidsOf, type Node, type Outcome, show } from "./hunt-model-support.js";
import {
  joinSetDetachedExec,
  joinSetExec,
  joinSetShutdownExec,
  spawnExec,
} from "./hunt-model-tasks.js";

/**
 * What the model expects of one `finally`: started and finished 0 or 1 times, or either (`?`),
 * and the virtual time it finished at (`null` when it does not finish, `?` when unknown).
 */
export interface FinallyExpectation {
  started: 0 | 1 | "?";
  done: 0 | 1 | "?";
  doneAt: number | null | "?";
}

/** What the model says a program does. */
export interface Prediction {
  outcome: Outcome;
  /** Virtual ms at which main ends (`Infinity`: it hangs). */
  finish: number;
  /** Whether something the test compares may depend on the order of same-time events. */
  tie: boolean;
  /** Why, for the report. */
  tieWhy: string[];
  /** Per node id, for nodes that have a `finally` (slowCleanup, badCleanup, seq). */
  finallies: Map<number, FinallyExpectation>;
  /** Panics printed because nothing awaited them. */
  reports: number;
}

export class Model {
  tie = false;
  tieWhy: string[] = [];
  finish = Number.POSITIVE_INFINITY;
  reports = 0;
  /** Settling a subtree whose first poll may or may not have happened (seed-dependent). */
  maybe = false;
  readonly finallies = new Map<number, FinallyExpectation>();

  flagTie(why: string): void {
    this.tie = true;
    if (this.tieWhy.length < 5) this.tieWhy.push(why);
  }

  /**
   * Whether the event at `t` happened before a drop at `cut`. An event at the node's start that
   * happens inside its first poll (`syncAtStart`) always precedes a drop (the drop comes after
   * that poll); any other event at exactly `cut` is a tie.
   */
  passed(t: number, cut: number, syncAtStart: boolean, what: string): boolean {
    if (t < cut) return true;
    if (t > cut) return false;
    if (syncAtStart) return true;
    this.flagTie(`${what} at t=${t} and a drop at the same time`);
    return true;
  }

  expect(id: number, started: 0 | 1, doneAt: number | null): void {
    if (this.finallies.has(id)) throw new Error(`model bug: finally ${id} settled twice`);
    const done = doneAt === null ? 0 : 1;
    this.finallies.set(
      id,
      this.maybe
        ? { started: started === 0 ? 0 : "?", done: done === 0 ? 0 : "?", doneAt: "?" }
        : { started, done, doneAt },
    );
  }

  /** A subtree that was made but never polled: nothing in it ran. */
  unpolled(n: Node): void {
    if (hasFinally(n)) {
      this.finallies.set(n.id, { started: 0, done: 0, doneAt: null });
    }
    // Deeper nodes were never even made (their parents make them when they run).
    const mark = (m: Node): void => {
      if (m !== n && hasFinally(m)) this.finallies.set(m.id, { started: 0, done: 0, doneAt: null });
      for (const k of kidsOf(m)) mark(k);
    };
    mark(n);
  }

  /** A subtree polled or not, depending on where a fair select started. */
  maybePolled(e: Exec): void {
    if (e.tasks) this.flagTie(`whether ${show(e.node)} is polled depends on the select's start`);
    if (e.end > e.start && all(e.dropFailures(e.start)).length > 0) {
      this.flagTie(`${show(e.node)}: a cleanup that throws, maybe polled`);
    }
    const outer = this.maybe;
    this.maybe = true;
    e.settle(e.end > e.start ? e.start : Number.POSITIVE_INFINITY);
    this.maybe = outer;
  }

  /**
   * A combinator drops `e` at `cut` on its own: its cleanup is a detached task, and what that
   * throws (after an await) is printed, once per dropped child.
   */
  detachedDrop(e: Exec, cut: number): void {
    if (e.end > cut && e.dropFailures(cut).async.length > 0) {
      if (this.maybe) this.flagTie(`${show(e.node)}: a cleanup that throws, maybe polled`);
      else this.reports++;
    }
    e.settle(cut);
  }

  /** A task's exec, cut by an abort at `abortAt` or by shutdown, or run to its end. */
  settleTask(task: Exec, abortAt: number, handleDropped: boolean, abortOnly = false): void {
    // A task whose handle is still awaited ends before main does (main waits for it); a detached
    // one is aborted by shutdown if it is still running when main ends.
    const cut = handleDropped ? Math.min(abortAt, this.finish) : abortAt;
    if (task.end < cut) {
      task.settle(Number.POSITIVE_INFINITY);
      const panicked = task.outcome !== null && !task.outcome.ok;
      if (handleDropped && !abortOnly && panicked && !this.maybe) this.reports++;
      return;
    }
    if (cut === task.start && task.end > cut) {
      // Aborted in the instant it was spawned: whether it ran once first is the run queue's (and
      // the seed's) choice.
      this.maybePolled(task);
      return;
    }
    if (task.end === cut && task.end !== Number.POSITIVE_INFINITY) {
      this.flagTie(`task ${show(task.node)} ends at t=${cut}, when it is aborted`);
    }
    // Aborted, its cleanup threw: the task panicked, printed if nobody awaits its handle.
    if (handleDropped && all(task.dropFailures(cut)).length > 0) {
      if (this.maybe) this.flagTie(`${show(task.node)}: a cleanup that throws, maybe polled`);
      else this.reports++;
    }
    task.settle(cut);
  }

  /**
   * `n` as made at `made` and first polled at `s` (later when an eager `seq` made it ahead). What
   * a combinator or `timeout` is given is made with it; an async fn makes its futures when polled.
   */
  evaluate(n: Node, s: number, made = s): Exec {
    const kids = kidsOf(n);
    const base = { node: n, start: s, tasks: false };
    const never = Number.POSITIVE_INFINITY;
    switch (n.t) {
      case "sleep":
        // The deadline counts from when the sleep was made; registered only when polled.
        return leaf(
          base,
          Math.max(made + n.ms, s),
          { ok: true, value: undefined },
          made + n.ms <= s,
        );
      case "reset":
        return resetExec(this, n, s, made, n.ms, n.at, n.to);
      case "ready":
        return leaf(base, s, { ok: true, value: n.id }, true);
      case "pending":
        return leaf(base, never, null, false);
      case "throw":
        return leaf(base, s + n.ms, { ok: false, error: { e: "leaf", id: n.id } }, n.ms === 0);
      case "recv":
        return leaf(base, s + n.at, { ok: true, value: n.id }, false);
      case "slowCleanup":
      case "badCleanup":
        return slowCleanupExec(this, n, s, n.ms, n.cms, n.t === "badCleanup");
      case "join":
      case "joinAll":
        return joinExec(this, n, s, made, kids);
      case "tryJoin":
        return tryJoinExec(this, n, s, made, kids);
      case "select":
      case "selectAll":
        return selectExec(this, n, s, s, kids);
      case "race":
        return selectExec(this, n, s, made, kids);
      case "timeout":
        return timeoutExec(this, n, s, made, n.ms, kids[0]!);
      case "seq":
        return seqExec(this, n, s, n.catches, n.fin, n.eager, kids);
      case "spawn":
        return spawnExec(this, n, s, kids[0]!, never);
      case "spawnAbort":
        return spawnExec(this, n, s, kids[0]!, n.at);
      case "joinSet":
        if (typeof n.take === "number")
          return joinSetShutdownExec(this, n, s, n.abortFirst, n.take, kids);
        if (n.take === "detach") return joinSetDetachedExec(this, n, s, n.abortFirst, kids);
        return joinSetExec(this, n, s, n.abortFirst, kids);
    }
  }
}

/**
 * What the program does: its outcome, when main ends, which `finally` blocks run, how many panics
 * are printed, and whether a tie makes any of it the executor's choice.
 *
 * @example
 * ```ts
 * const { root } = number({ t: "timeout", ms: 5, kids: [{ t: "sleep", ms: 9 }] });
 * model(root).outcome; // { err: { e: "timeout" } }, at t=5
 * ```
 */
export function model(root: Node): Prediction {
  const m = new Model();
  const exec = m.evaluate(root, 0);
  m.finish = exec.end;
  if (exec.outcome !== null) exec.settle(Number.POSITIVE_INFINITY);
  const outcome: Outcome =
    exec.outcome === null
      ? { hang: true }
      : exec.outcome.ok
        ? { ok: exec.outcome.value }
        : { err: exec.outcome.error };
  return {
    outcome,
    finish: exec.end,
    tie: m.tie,
    tieWhy: m.tieWhy,
    finallies: m.finallies,
    reports: m.reports,
  };
}
