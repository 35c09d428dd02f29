/**
 * Task state: where a chef is, as bit flags in one number. Every change goes through a named
 * transition below, which checks what must already hold. The executor and the waker are the only
 * callers.
 *
 * Flags:
 * - `SCHEDULED`: the task sits in the run queue. Set by a wake while idle; cleared when the
 *   executor takes it off the queue to poll. Never set together with `RUNNING`... except through
 *   `NOTIFIED`, see below.
 * - `RUNNING`: the task's future is being polled right now.
 * - `NOTIFIED`: woken while `RUNNING`. The task is queued again once, after the poll ends, however
 *   many wakes arrived. Only ever set with `RUNNING`.
 * - `CANCEL_REQUESTED`: `abort()` arrived while `RUNNING`; the teardown starts when the poll ends.
 * - `CANCELLING`: the future was torn down and its `finally` blocks are still awaiting; polls drive
 *   the cleanup instead of the future.
 * - `COMPLETE`: the task has its outcome (output, panic or cancellation) and holds no future.
 *   Terminal: no other scheduling flag changes after it.
 *
 * Marks: attributes of the task kept in the same number (one field less per task; a parked task's
 * bytes are a benchmark target). Scheduling transitions carry them through unchanged.
 * - `OBSERVED`: someone asked for the outcome, so a panic is not reported as unhandled.
 * - `CLEANUP`: a detached task finishing a dropped future's cleanup. Set at spawn, never cleared.
 * - `WAKER_TAKEN`: the current poll read `cx.waker` (the lost-waker check). Cleared by each poll.
 * - `FAILED`: the outcome is a `JoinError` (panic or cancellation), not the output.
 * - `TAKEN`: the JoinHandle has handed out the outcome (it can be taken once).
 * - `LISTED`: the task is on its runtime's list of tasks that have waited (`live-tasks.ts`). Set the
 *   first time a poll leaves it idle; the task leaves the list when it completes.
 * - `BODY`: the task adopted the async fn it was spawned with and steps its generator itself (see
 *   `task.ts`). Set at spawn; cleared when the task gives the body back to a `Coroutine`.
 * - `DETACHED`: the JoinHandle was dropped: nobody can take the output, so it is disposed when it
 *   comes, or at once if it is there (a lock guard the task returns is released, as in tokio).
 *   Cleared if the handle is awaited again before the outcome; with `TAKEN`, the output was disposed
 *   that way, and awaiting the handle says so instead of handing it out.
 * - `ABORT_WHY`: three bits saying who aborted the task (abort-why.ts), for its `JoinError`. Set by
 *   the first abort; later ones change nothing.
 */

import { WHY_MASK } from "./abort-why.js";

export const SCHEDULED = 1;
export const RUNNING = 2;
export const NOTIFIED = 4;
export const CANCEL_REQUESTED = 8;
export const CANCELLING = 16;
export const COMPLETE = 32;

export const OBSERVED = 64;
export const CLEANUP = 128;
export const WAKER_TAKEN = 256;
export const FAILED = 512;
export const TAKEN = 1024;
export const BODY = 2048;
export const LISTED = 4096;
export const DETACHED = 8192;
/** Bits 14 to 16: who aborted the task, a code from abort-why.ts (0 until an abort says). */
export const ABORT_WHY = WHY_MASK;
/** Every mark bit. */
export const MARKS =
  OBSERVED | CLEANUP | WAKER_TAKEN | FAILED | TAKEN | BODY | LISTED | DETACHED | ABORT_WHY;

/** What a wake must do, given the state before it. */
export const WAKE_IGNORE = 0; // complete, already queued, or already notified
export const WAKE_NOTIFY = 1; // running: queue again after the poll
export const WAKE_SCHEDULE = 2; // idle: push onto the run queue now

/** A wake arrives. Returns the action and leaves the new state in `next`. */
export function transitionToWoken(state: number): number {
  if ((state & (COMPLETE | SCHEDULED)) !== 0) return WAKE_IGNORE;
  if ((state & RUNNING) !== 0) return (state & NOTIFIED) !== 0 ? WAKE_IGNORE : WAKE_NOTIFY;
  return WAKE_SCHEDULE;
}

/** Taken off the run queue to be polled. Must be scheduled and not complete. */
export function transitionToRunning(state: number): number {
  if ((state & (SCHEDULED | COMPLETE)) !== SCHEDULED) {
    throw new Error(`brigade internal: polling a task in state ${describe(state)}`);
  }
  return (state & ~SCHEDULED) | RUNNING;
}

/** A poll returned pending. The result keeps `NOTIFIED` so the caller can requeue. */
export function transitionToIdle(state: number): number {
  return state & ~RUNNING;
}

/** The task has its outcome: every scheduling flag is dropped, the marks stay. */
export function transitionToComplete(state: number): number {
  return (state & MARKS) | COMPLETE;
}

/** A readable form of a state, for errors and task dumps. */
export function describe(state: number): string {
  const names: string[] = [];
  if (state & SCHEDULED) names.push("scheduled");
  if (state & RUNNING) names.push("running");
  if (state & NOTIFIED) names.push("notified");
  if (state & CANCEL_REQUESTED) names.push("cancel-requested");
  if (state & CANCELLING) names.push("cancelling");
  if (state & COMPLETE) names.push("complete");
  return names.length === 0 ? "idle" : names.join("|");
}
