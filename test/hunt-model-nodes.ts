/**
 * Model-based hunt, the oracle's pieces: what each kind of node does on the paused clock, written
 * as an `Exec` (when it ends and with what; what dropping it at a given time costs and throws;
 * what settling it records), and the helpers shared by the nodes that hold children. Tasks and
 * JoinSets are in hunt-model-tasks.ts; the `Model` that runs them is in hunt-model-oracle.ts.
 */
import type { Model } from "./hunt-model-oracle.js";
import { allOf, type Catches, combine, type Err, type Node, show } from "./hunt-model-support.js";

/** What a drop throws: at once, or when its cleanup ends. */
export interface Failures {
  sync: Err[];
  async: Err[];
}

export const NO_FAILURES: Failures = { sync: [], async: [] };

export function all(f: Failures): Err[] {
  return [...f.sync, ...f.async];
}

/** One node, evaluated as if nothing dropped it. */
export interface Exec {
  node: Node;
  start: number;
  /** When it finishes (`Infinity`: never). */
  end: number;
  outcome: { ok: true; value: unknown } | { ok: false; error: Err } | null;
  /** Ready in its first poll (no wake needed). */
  sync: boolean;
  /** Whether its first poll spawns a task whose panic or finally matters. */
  tasks: boolean;
  /** Dropped at `cut` (before `end`): when the cleanup its owner's task waits for is over. */
  dropEnd(cut: number): number;
  /**
   * Dropped at `cut` (before `end`): what its cleanup throws, to whoever dropped it (`sync`: before
   * any await) or at the end of the cleanup (`async`).
   */
  dropFailures(cut: number): Failures;
  /** Record what happens to it, dropped at `cut` (`Infinity`: runs to its end). */
  settle(cut: number): void;
}

/**
 * A sleep of `ms` made at `made`, first polled at `s`; a task spawned when it was made resets
 * it at `made + at` to `to` ms from then. It is ready at the first moment, from its first poll
 * on, that its deadline of the time has passed.
 */
export function resetExec(
  m: Model,
  n: Node,
  s: number,
  made: number,
  ms: number,
  at: number,
  to: number,
): Exec {
  const first = made + ms;
  const resetAt = made + at;
  const moved = resetAt + to;
  // Reset in the instant of its first poll: the resetter and the poller are two tasks woken
  // together (or a task spawned with the sleep), in the run queue's order.
  if (resetAt === s) m.flagTie(`${show(n)}: reset at its first poll`);
  let end: number;
  if (resetAt < s) end = Math.max(s, moved);
  else {
    const fired = Math.max(s, first);
    if (fired === resetAt && fired !== s) m.flagTie(`${show(n)}: fires as it is reset`);
    end = fired <= resetAt ? fired : moved;
  }
  const sync = end === s && (resetAt < s ? moved <= s : first <= s);
  return leaf({ node: n, start: s, tasks: false }, end, { ok: true, value: undefined }, sync);
}

export function slowCleanupExec(
  m: Model,
  n: Node,
  s: number,
  ms: number,
  cms: number,
  bad: boolean,
): Exec {
  const inFinally = s + ms;
  const end = inFinally + cms;
  const thrown: Err = { e: "cleanup", id: n.id };
  return {
    node: n,
    start: s,
    end,
    // A finally that throws replaces the body's value (plain JavaScript).
    outcome: bad ? { ok: false, error: thrown } : { ok: true, value: n.id },
    sync: ms === 0 && cms === 0,
    tasks: false,
    dropEnd(cut) {
      // Dropped in its try: the finally runs from the drop; dropped in its finally: cut short.
      return m.passed(inFinally, cut, ms === 0, `${show(n)} entering its finally`)
        ? cut
        : cut + cms;
    },
    dropFailures(cut) {
      // Cut short in its finally, it never reaches the throw. A finally that does not wait
      // (a sleep of 0) throws in the drop itself.
      if (!bad || m.passed(inFinally, cut, ms === 0, `${show(n)} entering its finally`)) {
        return NO_FAILURES;
      }
      return cms === 0 ? { sync: [thrown], async: [] } : { sync: [], async: [thrown] };
    },
    settle(cut) {
      if (cut === Number.POSITIVE_INFINITY || m.passed(end, cut, this.sync, `${show(n)} ending`)) {
        m.expect(n.id, 1, end);
      } else if (m.passed(inFinally, cut, ms === 0, `${show(n)} entering its finally`)) {
        m.expect(n.id, 1, null);
      } else {
        m.expect(n.id, 1, cut + cms);
      }
    },
  };
}

export function joinExec(m: Model, n: Node, s: number, made: number, kids: Node[]): Exec {
  const execs = kids.map((k) => m.evaluate(k, s, made));
  const end = Math.max(...execs.map((e) => e.end));
  const errors = execs.flatMap((e) =>
    e.outcome !== null && !e.outcome.ok ? [e.outcome.error] : [],
  );
  const outcome: Exec["outcome"] =
    end === Number.POSITIVE_INFINITY
      ? null
      : errors.length === 1
        ? { ok: false, error: errors[0]! }
        : errors.length > 1
          ? { ok: false, error: allOf(errors) }
          : { ok: true, value: execs.map((e) => (e.outcome as { value: unknown }).value) };
  return {
    node: n,
    start: s,
    end,
    outcome,
    sync: execs.every((e) => e.sync),
    tasks: execs.some((e) => e.tasks),
    dropEnd: (cut) => liveDropEnd(m, execs, cut),
    dropFailures: (cut) => liveFailures(m, n, execs, cut),
    settle: (cut) => settleLive(m, execs, cut),
  };
}

export function tryJoinExec(m: Model, n: Node, s: number, made: number, kids: Node[]): Exec {
  const execs = kids.map((k) => m.evaluate(k, s, made));
  const fails = execs.filter((e) => e.outcome !== null && !e.outcome.ok);
  // The first poll goes through the children in order: one that fails in it stops the poll.
  const syncFail = execs.findIndex((e) => e.sync && e.outcome !== null && !e.outcome.ok);
  let first: Exec | null = null;
  let unpolledFrom = execs.length;
  if (syncFail >= 0) {
    first = execs[syncFail]!;
    unpolledFrom = syncFail + 1;
  } else if (fails.length > 0) {
    const at = Math.min(...fails.map((e) => e.end));
    const atMin = fails.filter((e) => e.end === at);
    if (atMin.length > 1) m.flagTie(`${show(n)}: two children fail at t=${at}`);
    first = atMin[0]!;
  }
  const allEnd = Math.max(...execs.map((e) => e.end));
  let end: number;
  let outcome: Exec["outcome"];
  if (first !== null) {
    end = first.end;
    outcome = first.outcome;
    // The others are dropped at once; what their cleanups throw then comes with the error.
    const others = execs.slice(0, unpolledFrom).filter((e) => e !== first);
    const thrown = droppedThrow(m, others, first.end);
    if (thrown !== null) {
      const error = (first.outcome as { error: Err }).error;
      outcome = { ok: false, error: allOf([error, thrown]) };
    }
  } else {
    end = allEnd;
    outcome =
      end === Number.POSITIVE_INFINITY
        ? null
        : { ok: true, value: execs.map((e) => (e.outcome as { value: unknown }).value) };
  }
  const polled = execs.slice(0, unpolledFrom);
  return {
    node: n,
    start: s,
    end,
    outcome,
    sync: first !== null ? first.sync : execs.every((e) => e.sync),
    tasks: polled.some((e) => e.tasks),
    dropEnd: (cut) => liveDropEnd(m, polled, cut),
    dropFailures: (cut) => liveFailures(m, n, polled, cut),
    settle(cut) {
      for (const e of execs.slice(unpolledFrom)) m.unpolled(e.node);
      // The first failure drops the children still running, at its time.
      const at = first === null ? cut : Math.min(cut, first.end);
      if (first !== null && first.end <= cut) {
        first.settle(Number.POSITIVE_INFINITY);
        // Each dropped on its own: each cleanup is a detached task of its own.
        settleLive(
          m,
          polled.filter((e) => e !== first),
          at,
          true,
        );
      } else {
        settleLive(m, polled, at);
      }
    },
  };
}

export function selectExec(m: Model, n: Node, s: number, made: number, kids: Node[]): Exec {
  const biased = (n as { biased: boolean }).biased;
  const execs = kids.map((k) => m.evaluate(k, s, made));
  const syncReady = execs.filter((e) => e.sync);
  let w: Exec | null = null;
  /** Children whose first poll depends on where the fair select started. */
  let maybePolled: Exec[] = [];
  let unpolled: Exec[] = [];
  if (syncReady.length > 0) {
    w = syncReady[0]!;
    const wi = execs.indexOf(w);
    if (biased) unpolled = execs.slice(wi + 1);
    else {
      if (syncReady.length > 1) m.flagTie(`${show(n)}: two children ready in the first poll`);
      maybePolled = execs.filter((e) => e !== w);
    }
  } else {
    const at = Math.min(...execs.map((e) => e.end));
    if (at !== Number.POSITIVE_INFINITY) {
      const atMin = execs.filter((e) => e.end === at);
      if (atMin.length > 1) m.flagTie(`${show(n)}: two children finish at t=${at}`);
      w = atMin[0]!;
    }
  }
  const finishRest = n.t === "select" && n.finishRest;
  const index = w === null ? -1 : execs.indexOf(w);
  const rest = finishRest && w !== null ? execs[1 - index]! : null;
  let end = w === null ? Number.POSITIVE_INFINITY : w.end;
  let outcome: Exec["outcome"] = w === null ? null : w.outcome;
  let sync = w !== null && w.sync;
  if (w !== null && w.outcome!.ok) {
    const value = w.outcome!.value;
    if (n.t === "race") outcome = { ok: true, value };
    else if (rest === null) outcome = { ok: true, value: { index, value } };
    else {
      end = Math.max(end, rest.end);
      sync = sync && rest.sync;
      outcome =
        rest.outcome === null
          ? null
          : rest.outcome.ok
            ? { ok: true, value: [index, value, rest.outcome.value] }
            : rest.outcome;
    }
  }
  const restAwaited = rest !== null && w !== null && w.outcome!.ok;
  if (w !== null) {
    // The losers are dropped when the select is done (a race's at once, a select's with its
    // result); what their cleanups throw at once is thrown instead of the value, or with the
    // winner's error.
    const losers = execs.filter(
      (e) =>
        e !== w &&
        !unpolled.includes(e) &&
        !maybePolled.includes(e) &&
        !(e === rest && restAwaited),
    );
    for (const e of maybePolled) {
      if (all(e.dropFailures(w.end)).length > 0) {
        m.flagTie(`${show(n)}: a loser that may not have been polled throws when dropped`);
      }
    }
    const thrown = droppedThrow(m, losers, w.end);
    if (thrown !== null) {
      end = w.end;
      sync = w.sync;
      outcome = w.outcome!.ok
        ? { ok: false, error: thrown }
        : { ok: false, error: allOf([w.outcome!.error, thrown]) };
    }
  }
  return {
    node: n,
    start: s,
    end,
    outcome,
    sync,
    tasks: execs.some((e) => e.tasks && !unpolled.includes(e)),
    dropEnd(cut) {
      if (w === null || !m.passed(w.end, cut, w.sync, `${show(n)} choosing`)) {
        return liveDropEnd(
          m,
          execs.filter((e) => !unpolled.includes(e)),
          cut,
        );
      }
      return rest !== null && restAwaited ? rest.dropEnd(cut) : cut;
    },
    dropFailures(cut) {
      if (w === null || !m.passed(w.end, cut, w.sync, `${show(n)} choosing`)) {
        const live = execs.filter((e) => !unpolled.includes(e));
        if (live.some((e) => maybePolled.includes(e) && all(e.dropFailures(cut)).length > 0)) {
          m.flagTie(`${show(n)}: a child that may not have been polled would throw in its cleanup`);
        }
        return liveFailures(
          m,
          n,
          live.filter((e) => !maybePolled.includes(e)),
          cut,
        );
      }
      return rest !== null && restAwaited ? rest.dropFailures(cut) : NO_FAILURES;
    },
    settle(cut) {
      for (const e of unpolled) {
        // An unpolled loser of a biased select is first polled when awaited as the rest.
        if (e === rest && restAwaited) continue;
        m.unpolled(e.node);
      }
      if (w === null || !m.passed(w.end, cut, w.sync, `${show(n)} choosing`)) {
        settleLive(
          m,
          execs.filter((e) => !unpolled.includes(e) && !maybePolled.includes(e)),
          cut,
        );
        for (const e of maybePolled) m.maybePolled(e);
        return;
      }
      w.settle(Number.POSITIVE_INFINITY);
      for (const e of execs) {
        if (e === w || (unpolled.includes(e) && !(e === rest && restAwaited))) continue;
        if (e === rest && restAwaited) {
          if (maybePolled.includes(e)) {
            // Polled in the first poll or when awaited as the rest: the same time either way.
          }
          e.settle(cut);
        } else if (maybePolled.includes(e)) m.maybePolled(e);
        else m.detachedDrop(e, w.end);
      }
    },
  };
}

export function timeoutExec(
  m: Model,
  n: Node,
  s: number,
  made: number,
  ms: number,
  kid: Node,
): Exec {
  const inner = m.evaluate(kid, s, made);
  // The deadline counts from when the timeout was made (tokio's `timeout` makes its sleep then).
  const deadline = Math.max(made + ms, s);
  let innerWins: boolean;
  if (inner.sync) innerWins = true;
  else if (deadline === s) innerWins = false;
  else if (inner.end === deadline) {
    m.flagTie(`${show(n)}: the future finishes at its deadline`);
    innerWins = false;
  } else innerWins = inner.end < deadline;
  // Dropped at the deadline, the future's cleanup may throw at once: that comes out instead.
  const thrown = innerWins ? null : droppedThrow(m, [inner], deadline);
  return {
    node: n,
    start: s,
    end: innerWins ? inner.end : deadline,
    outcome: innerWins ? inner.outcome : { ok: false, error: thrown ?? { e: "timeout" } },
    sync: innerWins ? inner.sync : deadline === s,
    tasks: inner.tasks,
    dropEnd: (cut) => liveDropEnd(m, [inner], cut),
    dropFailures: (cut) => liveFailures(m, n, [inner], cut),
    settle(cut) {
      if (innerWins || cut < deadline) settleLive(m, [inner], cut);
      else settleLive(m, [inner], deadline, true);
    },
  };
}

export function seqExec(
  m: Model,
  n: Node,
  s: number,
  catches: Catches,
  fin: number,
  eager: boolean,
  kids: Node[],
): Exec {
  const execs: Exec[] = [];
  const values: unknown[] = [];
  let t = s;
  let sync = true;
  let failed: Err | null = null;
  let hangs = false;
  for (const k of kids) {
    // Eager: every child is made at the start and awaited in turn.
    const e = m.evaluate(k, t, eager ? s : t);
    execs.push(e);
    sync = sync && e.sync;
    if (e.outcome === null) {
      hangs = true;
      break;
    }
    t = e.end;
    if (!e.outcome.ok) {
      if (catches === "each") {
        values.push({ caught: e.outcome.error });
        continue;
      }
      failed = e.outcome.error;
      break;
    }
    values.push(e.outcome.value);
  }
  const bodyEnd = hangs ? Number.POSITIVE_INFINITY : t;
  const bodySync = sync;
  const wait = Math.max(fin, 0);
  const end = bodyEnd + wait;
  const outcome: Exec["outcome"] = hangs
    ? null
    : failed === null
      ? { ok: true, value: values }
      : catches === "all"
        ? { ok: true, value: { values, caught: failed } }
        : { ok: false, error: failed };
  /** The child running at `cut`, or null once the body is over (its `finally` runs). */
  const active = (cut: number): Exec | null => {
    for (const e of execs) {
      const syncSoFar = bodySync || (e.sync && e.end === s && execs.indexOf(e) === 0);
      if (!m.passed(e.end, cut, e.end === s && syncSoFar, `${show(n)} stepping`)) return e;
    }
    return null;
  };
  return {
    node: n,
    start: s,
    end,
    outcome,
    sync: bodySync && wait === 0,
    tasks: execs.some((e) => e.tasks),
    dropEnd(cut) {
      const a = active(cut);
      // In its finally: cut short at that await. Else the child's cleanup, then the finally.
      return a === null ? cut : a.dropEnd(cut) + wait;
    },
    dropFailures(cut) {
      // A child's cleanup error is kept while the seq's own finally runs (the catch never sees
      // it), and thrown when that is over: at once if nothing in the teardown waited.
      const a = active(cut);
      if (a === null) return NO_FAILURES;
      const errors = all(a.dropFailures(cut));
      const waits = a.dropEnd(cut) > cut || fin > 0;
      return waits ? { sync: [], async: errors } : { sync: errors, async: [] };
    },
    settle(cut) {
      if (cut === Number.POSITIVE_INFINITY || m.passed(end, cut, this.sync, `${show(n)} ending`)) {
        for (const e of execs) e.settle(Number.POSITIVE_INFINITY);
        for (const k of kids.slice(execs.length)) m.unpolled(k);
        m.expect(n.id, 1, end);
        return;
      }
      const a = active(cut);
      const reached = a === null ? execs.length : execs.indexOf(a);
      for (const e of execs.slice(0, reached)) e.settle(Number.POSITIVE_INFINITY);
      if (a !== null) a.settle(cut);
      // Never awaited: never polled (made, when eager, and dropped unpolled).
      for (const k of kids.slice(reached + (a === null ? 0 : 1))) m.unpolled(k);
      // Dropped in its finally: cut short. Else the child's cleanup, then the finally.
      m.expect(n.id, 1, a === null ? (wait > 0 ? null : cut) : a.dropEnd(cut) + wait);
    },
  };
}

export function leaf(
  base: { node: Node; start: number; tasks: boolean },
  end: number,
  outcome: Exec["outcome"],
  sync: boolean,
): Exec {
  return {
    ...base,
    end,
    outcome,
    sync,
    dropEnd: (cut) => cut,
    dropFailures: () => NO_FAILURES,
    settle: () => {},
  };
}

/** Nodes with a `finally` the run counts. */
export function hasFinally(n: Node): boolean {
  return n.t === "slowCleanup" || n.t === "badCleanup" || n.t === "seq";
}

/** An aborted task's outcome: cancelled, or panicked with what its cleanup threw. */
export function abortOutcome(errors: Err[]): Exec["outcome"] {
  if (errors.length === 0) return { ok: false, error: { e: "cancelled" } };
  return { ok: false, error: { e: "panic", cause: combine(errors) } };
}

/**
 * What the cleanups of the children still running at `cut` throw, dropped together (a combinator
 * dropped by its owner). One thrown at once while other cleanups wait (those are then finished
 * detached, each on its own) is a shape the comparison leaves out.
 */
export function liveFailures(m: Model, n: Node, execs: Exec[], cut: number): Failures {
  const out: Failures = { sync: [], async: [] };
  let waits = false;
  for (const e of execs) {
    if (m.passed(e.end, cut, e.sync, `${show(e.node)} ending`)) continue;
    const f = e.dropFailures(cut);
    out.sync.push(...f.sync);
    out.async.push(...f.async);
    if (e.dropEnd(cut) > cut) waits = true;
  }
  if (out.sync.length > 0 && waits) m.flagTie(`${show(n)}: a cleanup throws while others wait`);
  return out;
}

/**
 * The children a combinator drops on its own at `cut`, each with its own `drop`: what they throw
 * at once comes back as one error (an AggregateError when several threw), or null.
 */
export function droppedThrow(m: Model, execs: Exec[], cut: number): Err | null {
  const errors: Err[] = [];
  for (const e of execs) {
    if (m.passed(e.end, cut, e.sync, `${show(e.node)} ending`)) continue;
    const f = e.dropFailures(cut);
    if (f.sync.length > 0) errors.push(combine(f.sync));
  }
  if (errors.length === 0) return null;
  return combine(errors);
}

/** Dropped at `cut`: the children still running clean up; the last cleanup ends the drop. */
export function liveDropEnd(m: Model, execs: Exec[], cut: number): number {
  let end = cut;
  let thrown = false;
  for (const e of execs) {
    if (m.passed(e.end, cut, e.sync, `${show(e.node)} ending`)) continue;
    end = Math.max(end, e.dropEnd(cut));
    if (e.dropFailures(cut).sync.length > 0) thrown = true;
  }
  // A cleanup that throws at once ends the drop there, the waiting ones going on detached.
  if (thrown && end > cut) m.flagTie("a cleanup throws at once while others wait");
  return end;
}

/** Children that finished before `cut` ran to their end; the others are dropped at `cut`. */
export function settleLive(m: Model, execs: Exec[], cut: number, detached = false): void {
  for (const e of execs) {
    if (
      cut === Number.POSITIVE_INFINITY ||
      m.passed(e.end, cut, e.sync, `${show(e.node)} ending`)
    ) {
      e.settle(Number.POSITIVE_INFINITY);
    } else if (detached) m.detachedDrop(e, cut);
    else e.settle(cut);
  }
}
