/**
 * Task: a chef following one recipe card. The task owns a future and polls it whenever it is
 * woken; it is its own waker (the pager) and its own context, so a spawned task allocates no
 * per-poll objects and only one object for all three roles.
 *
 * Life of a task (see `state.ts` for the flags):
 *   spawn → SCHEDULED → (executor) RUNNING → poll → PENDING: idle until woken → SCHEDULED → …
 *                                               └→ value or throw: COMPLETE
 *   abort → the future is torn down at once; if its `finally` blocks await, CANCELLING until they
 *   finish, then COMPLETE (cancelled).
 *
 * Who may touch what: the executor calls `run()`; wakers call `wake()`; handles call `abort()`.
 * The scheduler (the runtime) is reached only through the small {@link Scheduler} interface.
 */
import { ambient, type Host } from "../future/ambient.js";
import { type Cleanup, cancel } from "../future/cancel.js";
import { Context } from "../future/context.js";
import type { Future } from "../future/future.js";
import { PENDING } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { resetBudget } from "./budget.js";
import { JoinError } from "./join-error.js";
import {
  CANCEL_REQUESTED,
  CANCELLING,
  COMPLETE,
  NOTIFIED,
  RUNNING,
  SCHEDULED,
  transitionToComplete,
  transitionToIdle,
  transitionToRunning,
  transitionToWoken,
  WAKE_NOTIFY,
  WAKE_SCHEDULE,
} from "./state.js";

/** What a task needs from the runtime that owns it. */
export interface Scheduler extends Host {
  /** Put a task that was just marked `SCHEDULED` on the run queue. */
  schedule(task: Task<any>): void;
  /** A task reached `COMPLETE`: forget it, count it, report an unobserved panic. */
  taskCompleted(task: Task<any>): void;
  /** A poll returned pending without reading the waker: the task can never be woken. */
  lostWaker(task: Task<any>): void;
  /** Diagnostics, when attached: `null` costs one check per poll and per wake. */
  readonly probe: TaskProbe | null;
}

/** What the diagnostics layer observes of a task. */
export interface TaskProbe {
  pollStart(task: Task<any>): void;
  pollEnd(task: Task<any>, result: "pending" | "ready" | "panic"): void;
  wake(task: Task<any>): void;
}

/** The lazily made promise behind `await handle`. */
interface Deferred {
  promise: Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A spawned future and its scheduling state. */
export class Task<T> extends Context {
  /** Bit flags from `state.ts`. */
  state = SCHEDULED;
  /** The future being driven, then its cleanup while cancelling; `null` once complete. */
  future: Future<T> | Cleanup | null;
  /** The output, once complete without error. */
  output: T | undefined = undefined;
  /** The panic or cancellation, once complete with one. */
  error: JoinError | null = null;
  /** Whoever awaits the outcome (a JoinHandle's poller, a JoinSet). */
  joinWaker: Waker | null = null;
  /** Whether anyone has asked for the outcome: an unobserved panic is reported. */
  observed = false;
  /** Set for the detached tasks that finish a dropped future's cleanup. */
  readonly isCleanup: boolean;
  private deferred: Deferred | null = null;
  /** Undoes the link to an `AbortSignal`, when one was given. */
  unlinkSignal: (() => void) | null = null;
  /** Whether the current poll read `waker` (see the lost-waker check in `run`). */
  private wakerTaken = false;
  /** The runtime's doubly linked list of live tasks. */
  prevLive: Task<any> | null = null;
  nextLive: Task<any> | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    future: Future<T>,
    readonly scheduler: Scheduler,
    owner: unknown,
    isCleanup: boolean,
  ) {
    super(null as unknown as Waker, null);
    this.owner = owner === null ? this : owner;
    this.future = future;
    this.isCleanup = isCleanup;
  }

  /** The task is its own waker; reading it is noted for the lost-waker check. */
  override get waker(): Waker {
    this.wakerTaken = true;
    return this as unknown as Waker;
  }

  /** The pager: ask to be polled again. */
  wake(): void {
    const probe = this.scheduler.probe;
    if (probe !== null) probe.wake(this);
    const action = transitionToWoken(this.state);
    if (action === WAKE_SCHEDULE) {
      this.state |= SCHEDULED;
      this.scheduler.schedule(this);
    } else if (action === WAKE_NOTIFY) {
      this.state |= NOTIFIED;
    }
  }

  /** Same as `wake()`: a task's waker is the task. */
  wakeByRef(): void {
    this.wake();
  }

  willWake(other: Waker): boolean {
    return (this as unknown) === other;
  }

  /** One poll, called by the executor after taking the task off the run queue. */
  run(): void {
    this.state = transitionToRunning(this.state);
    resetBudget();
    this.wakerTaken = false;
    const probe = this.scheduler.probe;
    if (probe !== null) probe.pollStart(this);
    let r: unknown;
    try {
      r = this.future!.poll(this);
    } catch (e) {
      if (probe !== null) probe.pollEnd(this, "panic");
      this.finishPanicked(e);
      return;
    }
    if (probe !== null) probe.pollEnd(this, r === PENDING ? "pending" : "ready");
    const s = this.state;
    if (r !== PENDING) {
      if ((s & CANCELLING) !== 0) this.finishCancelled();
      else this.finishReady(r as T);
      return;
    }
    if ((s & CANCEL_REQUESTED) !== 0) {
      this.state = s & ~(RUNNING | NOTIFIED | CANCEL_REQUESTED);
      this.beginCancel();
      return;
    }
    if ((s & NOTIFIED) !== 0) {
      // Woken during its own poll: queue again exactly once, behind the tasks already waiting.
      this.state = (s & ~(RUNNING | NOTIFIED)) | SCHEDULED;
      this.scheduler.schedule(this);
      return;
    }
    this.state = transitionToIdle(s);
    // Pending, not woken, and nobody took the pager: nothing can ever wake this task.
    if (!this.wakerTaken) this.scheduler.lostWaker(this);
  }

  /**
   * Cancel the task: its future is torn down at once (its `finally` blocks run), even while it
   * waits. A task aborted from inside its own poll is torn down when that poll returns.
   */
  abort(): void {
    const s = this.state;
    if ((s & (COMPLETE | CANCELLING | CANCEL_REQUESTED)) !== 0) return;
    if ((s & RUNNING) !== 0) {
      this.state = s | CANCEL_REQUESTED;
      return;
    }
    this.beginCancel();
  }

  private beginCancel(): void {
    const outerHost = ambient.host;
    ambient.host = this.scheduler;
    let rest: Cleanup | null;
    try {
      rest = cancel(this.future);
    } catch (e) {
      // A finally block threw while unwinding: like a panic during drop, it is a panic.
      this.finishPanicked(e);
      return;
    } finally {
      ambient.host = outerHost;
    }
    if (rest === null) {
      this.finishCancelled();
      return;
    }
    // Drive the cleanup to its end before reporting cancelled; poll it soon to register its wakers.
    this.future = rest;
    this.state |= CANCELLING;
    this.wake();
  }

  private finishReady(value: T): void {
    this.output = value;
    this.complete();
  }

  private finishPanicked(cause: unknown): void {
    this.error = JoinError.panic(this.id, this.name, cause);
    this.complete();
  }

  private finishCancelled(): void {
    this.error = JoinError.cancelled(this.id, this.name);
    this.complete();
  }

  private complete(): void {
    this.state = transitionToComplete(this.state);
    this.future = null;
    if (this.unlinkSignal !== null) {
      this.unlinkSignal();
      this.unlinkSignal = null;
    }
    this.scheduler.taskCompleted(this);
    const w = this.joinWaker;
    if (w !== null) {
      this.joinWaker = null;
      w.wake();
    }
    const d = this.deferred;
    if (d !== null) {
      if (this.error === null) d.resolve(this.output);
      else d.reject(this.error);
    }
  }

  /** Whether the task has its outcome. */
  isFinished(): boolean {
    return (this.state & COMPLETE) !== 0;
  }

  /** A promise of the outcome, for `await handle` from native code. */
  promise(): Promise<T> {
    this.observed = true;
    let d = this.deferred;
    if (d === null) {
      let resolve!: (v: unknown) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<unknown>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      d = this.deferred = { promise, resolve, reject };
      if ((this.state & COMPLETE) !== 0) {
        if (this.error === null) resolve(this.output);
        else reject(this.error);
      }
    }
    return d.promise as Promise<T>;
  }
}
