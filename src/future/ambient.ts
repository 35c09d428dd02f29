/**
 * The ambient poll state: how a `yield*` inside a generator reaches the context of the poll that
 * is running it. A generator's `next()` takes no arguments we control, so the coroutine that drives
 * it records the current `Context` here for the duration of each step, and leaf futures read it.
 *
 * `host` is the runtime currently ticking, seen through the small {@link Host} interface so that
 * this layer knows nothing of runtimes. It is set while a runtime polls tasks.
 */
import type { Cleanup } from "./cancel.js";
import type { Context } from "./context.js";
import type { Future } from "./future.js";

/** Wraps a cleanup about to be detached, so that it runs in the scopes it was dropped in. */
export interface Carrier {
  wrap(rest: Cleanup): Cleanup;
}

/** What a runtime offers to the layers below it. */
export interface Host {
  /** Finish a dropped future's asynchronous cleanup as a detached task owned by `owner`. */
  spawnCleanup(cleanup: Future<void>, owner: unknown): void;
  /**
   * Start tearing `future` down (`cancel`) as if inside one of the runtime's turns, so that its
   * `finally` blocks can use timers and spawn, even when the drop comes from native code. `task`:
   * the task whose future it is, if any (what its cleanup opens is that task's).
   */
  cancelWithin(future: unknown, task?: { readonly name: string }): Cleanup | null;
  /** A bridged promise (or other outside event source) started: the paused clock must not jump. */
  bridgeOpened(): void;
  /** A bridged promise settled or was dropped. */
  bridgeClosed(): void;
  /**
   * A task began waiting on an outside source that may or may not ever fire (a socket's peer, an
   * emitter): not a deadlock, but it does not hold the paused clock back either.
   */
  ioWaitOpened(): void;
  /** Such a wait ended (the source fired, or the wait was dropped). */
  ioWaitClosed(): void;
  /**
   * A bridge made by `openBridge()` opened (`true`, in the poll of the task to name in reports) or
   * closed: listed for reports.
   */
  trackBridge(bridge: { readonly kind: "reply" | "event" }, open: boolean): void;
  /**
   * An outside wait ended from outside any turn, maybe with nobody woken (a hand-written leaf's
   * bridge closed by its callback): if the runtime is idle, look again whether main is stuck.
   */
  recheckIdle(): void;
  /**
   * Where a fair combinator of `n` branches starts polling: random, drawn from the runtime's seed
   * when it has one (so a seeded run is reproduced), as tokio's `select!` picks its first branch.
   */
  fairStart(n: number): number;
}

/**
 * The state of the poll in progress on this thread. `suspended` is the last future that reported
 * pending to a `yield*`: coroutines read it to record what they wait on (their await chain).
 * `waking` is set by a reactor part (a timer, a bridged promise, an I/O source) around the wakes
 * it makes, so diagnostics can say who woke whom. `branching` counts the combinators (join,
 * select, joinAll, a set of futures, merge, zip) whose children are being polled right now: when
 * it is 0, the task's poll is one sequential chain, so a wait there blocks the whole task (the
 * lock-deadlock checks rely on it, src/sync/deadlock.ts).
 * `unwinding` is raised by a future torn down under a `yield*` whose awaiting cleanup has just
 * finished: the driver of the async fn's cleanup must go on with `return()`, not `next()` (see
 * `CoroutineCleanup` in src/coroutine/coroutine.ts). `abandoning` is set while a cleanup the
 * runtime gave up on is being left (a shutdown that could not finish): a combinator whose own
 * teardown was still running disposes it then instead of driving it on. `teardownFailure` keeps
 * the first error a `finally` threw while an inner async fn was torn down, for the driver of the
 * teardown to throw once the unwinding is done (`recordTeardownFailure`, below).
 * `carry` is set by a task-local scope while it polls (src/task/task-local.ts): a cleanup detached
 * inside the scope (a `race` loser whose `finally` awaits) is wrapped by it, so that it still sees
 * the scope's values when the runtime drives it later.
 */
export const ambient: {
  cx: Context | null;
  host: Host | null;
  suspended: unknown;
  waking: unknown;
  branching: number;
  unwinding: boolean;
  abandoning: boolean;
  teardownFailure: { error: unknown } | null;
  carry: Carrier | null;
} = {
  cx: null,
  host: null,
  suspended: null,
  waking: null,
  branching: 0,
  unwinding: false,
  abandoning: false,
  teardownFailure: null,
  carry: null,
};

/**
 * The runtime behind an owner token, when the owner is a task (a task names its runtime
 * `scheduler`): how a future dropped by native code, outside any turn, finds the runtime that
 * polled it.
 */
export function hostOf(owner: unknown): Host | null {
  if (owner === null || typeof owner !== "object") return null;
  const s = (owner as { scheduler?: Host }).scheduler;
  return s !== undefined && typeof s.spawnCleanup === "function" ? s : null;
}

/**
 * Wake `waker` on behalf of `source` (a reactor part: a socket, an emitter, a signal), so that the
 * instruments can say who woke whom; what was there before is put back.
 */
export function wakeAs(source: unknown, waker: { wake(): void }): void {
  const outer = ambient.waking;
  ambient.waking = source;
  try {
    waker.wake();
  } finally {
    ambient.waking = outer;
  }
}

/**
 * A `finally` threw (or a dispose did) while an inner future was being torn down under a `yield*`.
 * Thrown there, the error would land in the outer async fn's `catch` and its body would run on, a
 * cancelled task resuming its own code. So it is kept, the unwinding goes on outward, and the
 * driver of the teardown throws it at the end (`CoroutineCleanup`, `Coroutine.tearDown`): a panic
 * during drop, reported as one. A later one joins it: several are a {@link TeardownErrors}.
 */
export function recordTeardownFailure(error: unknown): void {
  const f = ambient.teardownFailure;
  if (f === null) ambient.teardownFailure = { error };
  else f.error = teardownErrors(f.error, error);
}

/** The errors of several `finally` blocks that threw while one future was torn down, in order. */
export class TeardownErrors extends AggregateError {
  override name = "TeardownErrors";
}

/**
 * `earlier` (one error, or the errors so far) and `later`, as one error: nothing is lost.
 *
 * @example
 * ```ts
 * throw teardownErrors(first.error, e); // "2 finally blocks threw while tearing down"
 * ```
 */
export function teardownErrors(earlier: unknown, later: unknown): TeardownErrors {
  const all = earlier instanceof TeardownErrors ? [...earlier.errors, later] : [earlier, later];
  return new TeardownErrors(all, `${all.length} finally blocks threw while tearing down`);
}
