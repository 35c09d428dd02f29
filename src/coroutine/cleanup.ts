/**
 * The cleanup of a torn-down async fn: a card torn up while a step of its clean-down still waits
 * (the burner is off, the pan still cooling). When `return()` leaves a body suspended inside a
 * `finally` block that awaits, this future drives the body on to the end of its last `finally`:
 * the task that was aborted polls it before reporting cancelled, or the runtime finishes it as a
 * detached task when a combinator dropped the async fn.
 *
 * What it must never do is let the body run its own code again. Two cases need care:
 * - an inner async fn (awaited with `yield*`) whose cleanup finishes: the step that finishes it
 *   raises `ambient.unwinding`, and the teardown goes on outward with `return()` (see
 *   `Coroutine.unwound`), not with `next()`, which would resume the outer body after the call;
 * - a `finally` block that yields a bare value: kept as the teardown's failure, and the teardown
 *   goes on (`returnPastBareYields`).
 *
 * The first error a `finally` throws is kept and thrown once the last one has finished: the task
 * ends panicked, as a panic during drop does.
 */
import { ambient, teardownErrors } from "../future/ambient.js";
import type { Cleanup } from "../future/cancel.js";
import { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase, type Suspend } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { Waker } from "../future/waker.js";
import { type Body, MAX_NESTED_FINALLY, returnPastBareYields } from "./body.js";

/** What a cleanup needs of the coroutine it finishes. */
export interface TornDown {
  /** The async fn's name, for dumps and errors. */
  readonly label: string;
  /** The last `finally` has finished (or the cleanup was given up on). */
  markCancelled(): void;
}

/** Drives the `finally` blocks of a torn-down coroutine to their end. */
export class CoroutineCleanup extends FutureBase<void> implements Cleanup {
  constructor(
    private readonly body: Body<unknown>,
    readonly owner: unknown,
    private readonly coroutine: TornDown,
    /** What the `finally` blocks are suspended on, for dumps and errors. */
    private awaiting: unknown,
    /** The first error a `finally` threw so far (see `recordTeardownFailure`), thrown at the end. */
    private failure: { error: unknown } | null = null,
  ) {
    super();
  }

  /**
   * Given up on (a shutdown that could not finish, lifecycle.ts): end the generator now, without
   * waiting. Each `return()` drops what the `finally` block awaits (`yield*` passes it on), so its
   * timer, promise or place in a queue is released, and leaves that block; an enclosing `finally`
   * that awaits again is left the same way.
   */
  [Symbol.dispose](): void {
    const outer = ambient.cx;
    const wasAbandoning = ambient.abandoning;
    const outerFailure = ambient.teardownFailure;
    ambient.cx = new Context(Waker.noop(), this.owner);
    ambient.abandoning = true;
    ambient.teardownFailure = null;
    let failed: { error: unknown } | null = null;
    // What a finally threw before the teardown was given up on comes first.
    const errors: unknown[] = this.failure === null ? [] : [this.failure.error];
    this.failure = null;
    try {
      for (let i = 0; i < MAX_NESTED_FINALLY; i++) {
        if (this.body.return(undefined).done === true) break;
      }
    } catch (e) {
      errors.push(e);
    } finally {
      // What an inner finally threw on the way out is thrown to whoever gave up (Task.abandon).
      failed = ambient.teardownFailure as { error: unknown } | null;
      ambient.teardownFailure = outerFailure;
      ambient.abandoning = wasAbandoning;
      ambient.cx = outer;
      ambient.suspended = null;
      this.awaiting = null;
      this.coroutine.markCancelled();
    }
    if (failed !== null) errors.splice(errors.length === 0 ? 0 : 1, 0, failed.error);
    if (errors.length > 0) throw errors.reduce((all, e) => teardownErrors(all, e));
  }

  /** The failures kept so far and those recorded in this step, as one (none lost). */
  private mergedFailure(recorded: { error: unknown } | null): { error: unknown } | null {
    const kept = this.failure;
    if (recorded === null || recorded === kept) return kept;
    if (kept === null) return recorded;
    return { error: teardownErrors(kept.error, recorded.error) };
  }

  [DESCRIBE](): Description {
    return {
      label: `${this.coroutine.label} (cleaning up)`,
      children: this.awaiting === null ? [] : [this.awaiting],
    };
  }

  poll(cx: Context): Poll<void> {
    const outer = ambient.cx;
    ambient.cx = cx;
    let r: IteratorResult<Suspend, unknown>;
    const outerFailure = ambient.teardownFailure;
    ambient.teardownFailure = null;
    try {
      ambient.unwinding = false;
      r = this.body.next();
      // An inner async fn finished its cleanup (`Coroutine.unwound`): the teardown goes on outward,
      // through each async fn that was waiting for it, running their `finally` blocks.
      while (r.done !== true && ambient.unwinding) {
        ambient.unwinding = false;
        r = this.body.return(undefined);
      }
      // A bare yield is typed away (Suspend is PENDING), but plain JavaScript can make one.
      const yielded: unknown = r.value;
      if (r.done !== true && yielded !== PENDING) {
        r = returnPastBareYields(this.body, yielded, this.coroutine.label);
      }
    } catch (e) {
      this.coroutine.markCancelled();
      // Finally blocks failed earlier in this teardown (recorded, the unwinding went on): all count.
      const earlier = this.mergedFailure(ambient.teardownFailure);
      throw earlier === null ? e : teardownErrors(earlier.error, e);
    } finally {
      ambient.unwinding = false;
      ambient.cx = outer;
      this.failure = this.mergedFailure(ambient.teardownFailure);
      ambient.teardownFailure = outerFailure;
    }
    this.awaiting = ambient.suspended;
    ambient.suspended = null; // (see Coroutine.poll)
    if (r.done === true) {
      this.awaiting = null;
      this.coroutine.markCancelled();
      if (this.failure !== null) throw this.failure.error;
      return undefined;
    }
    return PENDING;
  }
}
