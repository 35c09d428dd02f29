/**
 * Model-based hunt, the oracle's tasks: `spawn` + `yield* handle` (with `abort()` at a chosen time)
 * and the `JoinSet` forms (a `joinNext()` loop, `joinAll()`, `shutdown()` after a while,
 * `detachAll()`). A task is settled once, by the node that spawned it: run to its end, or aborted
 * (by its handle, by the set, or by shutdown when main ends), and a panic nobody awaits is counted
 * as printed.
 */
import { abortOutcome, all, type Exec, NO_FAILURES } from "./hunt-model-nodes.js";
import type { Model } from "./hunt-model-oracle.js";
import type { Node } from "./hunt-model-support.js";
import { show } from "./hunt-model-support.js";

export function spawnExec(m: Model, n: Node, s: number, kid: Node, abortAfter: number): Exec {
  const task = m.evaluate(kid, s);
  const abortAt = s + abortAfter;
  if (abortAfter === 0) m.flagTie(`${show(n)}: the aborter and the task start together`);
  let end: number;
  let outcome: Exec["outcome"];
  const aborted = abortAt !== Number.POSITIVE_INFINITY && abortAt <= task.end;
  if (task.end === abortAt && abortAt !== Number.POSITIVE_INFINITY) {
    m.flagTie(`${show(n)}: the task ends when it is aborted`);
  }
  if (!aborted) {
    end = task.end;
    outcome =
      task.outcome === null || task.outcome.ok
        ? task.outcome
        : { ok: false, error: { e: "panic", cause: task.outcome.error } };
  } else {
    // The handle reports cancelled once every finally the task was in has finished, or
    // panicked with what a finally threw.
    end = task.dropEnd(abortAt);
    outcome = abortOutcome(all(task.dropFailures(abortAt)));
  }
  return {
    node: n,
    start: s,
    end,
    outcome,
    sync: false,
    tasks: true,
    dropEnd: (cut) => cut,
    dropFailures: () => NO_FAILURES,
    settle(cut) {
      const handleDropped =
        cut !== Number.POSITIVE_INFINITY && !m.passed(end, cut, false, `${show(n)} ending`);
      m.settleTask(task, abortAt, handleDropped);
    },
  };
}

/**
 * A set that takes no outcome: `shutdown()` after `after` ms aborts the members still running
 * and waits for their cleanups, discarding every outcome (panics too).
 */
export function joinSetShutdownExec(
  m: Model,
  n: Node,
  s: number,
  abortFirst: number,
  after: number,
  kids: Node[],
): Exec {
  const execs = kids.map((k) => m.evaluate(k, s));
  const shutdownAt = s + after;
  const abortAt = abortFirst < 0 ? Number.POSITIVE_INFINITY : s + abortFirst;
  const cutOf = (i: number) => (i === 0 ? Math.min(abortAt, shutdownAt) : shutdownAt);
  let end = shutdownAt;
  for (const [i, e] of execs.entries()) {
    const cut = cutOf(i);
    if (e.end === cut) m.flagTie(`${show(n)}: a member ends when it is aborted`);
    if (e.end > cut && e.dropFailures(cut).sync.length > 0 && e.dropEnd(cut) > cut) {
      m.flagTie(`${show(n)}: a member's cleanup throws at once while others wait`);
    }
    end = Math.max(end, e.end < cut ? e.end : e.dropEnd(cut));
  }
  return {
    node: n,
    start: s,
    end,
    outcome: { ok: true, value: undefined },
    sync: false,
    tasks: true,
    dropEnd: (cut) => cut,
    dropFailures: () => NO_FAILURES,
    settle(cut) {
      for (const [i, e] of execs.entries()) {
        const at = Math.min(cut, cutOf(i));
        // Dropped before the shutdown: the set is disposed, and a member whose cleanup throws
        // panics with nobody to await it (printed). Dropped while the shutdown waits: whether
        // the shutdown had already taken that outcome is not specified; left out.
        if (cut >= shutdownAt && cut < end && e.end > at && all(e.dropFailures(at)).length > 0) {
          m.flagTie(`${show(n)}: a member's cleanup throws after the set was disposed`);
        }
        // A panic the set held untaken when it was disposed is printed (JoinSet.detachAll): not
        // modelled, left to the invariants. Disposed at the very time the shutdown begins, which
        // of the two takes the outcome first (the shutdown discards it) is a tie too.
        if (cut <= shutdownAt && e.end < at && e.outcome !== null && !e.outcome.ok) {
          m.flagTie(`${show(n)}: a member's panic was never taken`);
        }
        if (i === 0 && abortAt <= cut && abortAt < shutdownAt && cut < end) {
          if (abortAt === cut || all(e.dropFailures(abortAt)).length > 0) {
            m.flagTie(`${show(n)}: the first member's abort meets the set's disposal`);
          }
        }
        m.settleTask(e, at, cut < shutdownAt, true);
      }
    },
  };
}

/**
 * A set that lets its members go at once (`detachAll()`): they run on as tasks whose handles
 * were dropped (a panic is printed), and the first one's AbortHandle still aborts it.
 */
export function joinSetDetachedExec(
  m: Model,
  n: Node,
  s: number,
  abortFirst: number,
  kids: Node[],
): Exec {
  const members = kids.map((k) => m.evaluate(k, s));
  const abortAt = abortFirst < 0 ? Number.POSITIVE_INFINITY : s + abortFirst;
  return {
    node: n,
    start: s,
    end: s,
    outcome: { ok: true, value: undefined },
    sync: true,
    tasks: true,
    dropEnd: (cut) => cut,
    dropFailures: () => NO_FAILURES,
    settle() {
      for (const [i, e] of members.entries()) {
        m.settleTask(e, i === 0 ? abortAt : Number.POSITIVE_INFINITY, true);
      }
    },
  };
}

export function joinSetExec(m: Model, n: Node, s: number, abortFirst: number, kids: Node[]): Exec {
  const execs = kids.map((k) => m.evaluate(k, s));
  // The first member is aborted through its AbortHandle at `abortAt`, if the set has one.
  const abortAt = abortFirst < 0 ? Number.POSITIVE_INFINITY : s + abortFirst;
  const members = execs.map((e, i) => {
    if (i > 0 || abortAt === Number.POSITIVE_INFINITY || e.end < abortAt) {
      const outcome: Exec["outcome"] =
        e.outcome === null || e.outcome.ok
          ? e.outcome
          : { ok: false, error: { e: "panic", cause: e.outcome.error } };
      return { exec: e, end: e.end, outcome, aborted: false };
    }
    if (e.end === abortAt) m.flagTie(`${show(n)}: the first member ends when it is aborted`);
    const cancelled = abortOutcome(all(e.dropFailures(abortAt)));
    return { exec: e, end: e.dropEnd(abortAt), outcome: cancelled, aborted: true };
  });
  const fails = members.filter((e) => e.outcome !== null && !e.outcome.ok);
  const failAt =
    fails.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...fails.map((e) => e.end));
  const firstFails = fails.filter((e) => e.end === failAt);
  if (firstFails.length > 1) m.flagTie(`${show(n)}: two members fail at t=${failAt}`);
  let end: number;
  let outcome: Exec["outcome"];
  if (firstFails.length > 0) {
    end = failAt;
    outcome = firstFails[0]!.outcome;
  } else {
    end = Math.max(...members.map((e) => e.end));
    const order = [...members].sort((a, b) => a.end - b.end);
    for (let i = 1; i < order.length; i++) {
      if (order[i]!.end === order[i - 1]!.end) {
        m.flagTie(`${show(n)}: two members finish at t=${order[i]!.end}`);
      }
    }
    outcome =
      end === Number.POSITIVE_INFINITY
        ? null
        : { ok: true, value: order.map((e) => (e.outcome as { value: unknown }).value) };
  }
  return {
    node: n,
    start: s,
    end,
    outcome,
    sync: false,
    tasks: true,
    dropEnd: (cut) => cut,
    dropFailures: () => NO_FAILURES,
    settle(cut) {
      // Disposing the set (dropped, or the loop threw) aborts the members still running.
      const disposedAt = Math.min(cut, failAt);
      for (const [i, e] of members.entries()) {
        if (e === firstFails[0] && failAt < cut && !e.aborted) {
          e.exec.settle(Number.POSITIVE_INFINITY);
        } else {
          const at = i === 0 ? Math.min(disposedAt, abortAt) : disposedAt;
          // A member aborted by the set's disposal whose cleanup throws panics with nobody left
          // to await it: printed, as any such panic.
          const viaSet = !(e.aborted && e.end <= disposedAt);
          const meets = abortAt === cut || (e.aborted && e.end === cut);
          if (i === 0 && cut !== Number.POSITIVE_INFINITY && meets) {
            m.flagTie(`${show(n)}: the first member's abort meets the set's disposal`);
          }
          m.settleTask(e.exec, at, viaSet && at !== Number.POSITIVE_INFINITY, true);
        }
      }
    },
  };
}
