/**
 * Task: a chef following one recipe card. The task owns a future and polls it whenever it is
 * woken; it is its own waker (the pager), its own context and its own JoinHandle (below), so a
 * spawned task allocates no per-poll objects and only one object for all four roles.
 *
 * Life of a task (see `state.ts` for the flags):
 *   spawn → SCHEDULED → (executor) RUNNING → poll → PENDING: idle until woken → SCHEDULED → …
 *                                               └→ value or throw: COMPLETE
 *   abort → the future is torn down at once; if its `finally` blocks await, CANCELLING until they
 *   finish, then COMPLETE (cancelled).
 *
 * Who may touch what: the executor calls `run()`; wakers call `wake()`; handles call `abort()`.
 * The scheduler (the runtime) is reached only through the small {@link Scheduler} interface.
 *
 * Adoption: a task spawned with a fresh async fn (a `Coroutine` that `asyncFn` or `asyncBlock`
 * marked adoptable: its label can be read back from the generator, see `coroutine/body.ts`; a
 * method call is not) takes over its generator and steps it itself (`step`), with the same rules as
 * `Coroutine.poll`: the coroutine object is let go at spawn (one object and one poll layer less
 * per task). Its slot holds the generator function until the first poll, then the generator; `aux`
 * holds the call's arguments, then the future the body is suspended on (its await chain). A task
 * dump sees the body through `future` as before; an abort gives it back to a `Coroutine`
 * (`Coroutine.resume`), whose teardown drives any `finally` blocks that await.
 *
 * The task is also the ticket: `spawn` hands out the task itself as its {@link JoinHandle} (one
 * object per spawn instead of two; a spawned task's bytes are a benchmark target), so the
 * handle's methods (`poll`, `then`, `abortHandle`, detaching on dispose) live here too, and
 * `instanceof JoinHandle` answers true for a task. Typed as a `JoinHandle`, nothing else shows.
 */

import { type Body, labelOfBody, labelOfStart, type Start, startBody } from "../coroutine/body.js";
import { Coroutine } from "../coroutine/coroutine.js";
import type { Host } from "../future/ambient.js";
import { ambient } from "../future/ambient.js";
import { type Cleanup, disposeOwned } from "../future/cancel.js";
import { Context } from "../future/context.js";
import { DESCRIBE, type Description, type WaitedTask } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import {
  disposeOf,
  type Future,
  FutureBase,
  type Suspend,
  stepContext,
  stepResult,
} from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { abortWhy, BY_HANDLE, BY_SIGNAL, WHY_MASK, WHY_SHIFT } from "./abort-why.js";
import { pollProceed, resetBudget } from "./budget.js";
import { JoinError } from "./join-error.js";
import { AbortHandle, type JoinHandle, SPAWNED_TASK } from "./join-handle.js";
import { explainNotIterable } from "./not-iterable-hint.js";
import {
  BODY,
  CANCEL_REQUESTED,
  CANCELLING,
  CLEANUP,
  COMPLETE,
  DETACHED,
  FAILED,
  LISTED,
  NOTIFIED,
  OBSERVED,
  RUNNING,
  SCHEDULED,
  TAKEN,
  transitionToComplete,
  transitionToIdle,
  transitionToRunning,
  transitionToWoken,
  WAKE_NOTIFY,
  WAKE_SCHEDULE,
  WAKER_TAKEN,
} from "./state.js";
import { outsideTaskLocals } from "./task-local.js";

/** What a task needs from the runtime that owns it. */
export interface Scheduler extends Host {
  /** Put a task that was just marked `SCHEDULED` on the run queue. */
  schedule(task: Task<any>): void;
  /** A poll left a task idle for the first time: keep it on the list of live tasks. */
  list(task: Task<any>): void;
  /** A task reached `COMPLETE`: forget it, count it, report an unobserved panic. */
  taskCompleted(task: Task<any>): void;
  /** A poll returned pending without reading the waker: the task can never be woken. */
  lostWaker(task: Task<any>): void;
  /** Diagnostics, when attached: `null` costs one check per poll and per wake. */
  readonly probe: TaskProbe | null;
  /** A panic a JoinSet held was let go untaken (the set disposed or detached): report it. */
  panicLeftUntaken(task: Task<any>): void;
  /** A cleanup given up on threw as it was left: nobody awaits it, so say so (or not). */
  cleanupLeftFailed(task: Task<any>, error: unknown): void;
  /** Whether the deadlock checks are on (`detectDeadlocks`): the locks ask before they check. */
  readonly detectsDeadlocks: boolean;
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

/**
 * What only some tasks need, kept out of line so that a plain task stays small (a parked task's
 * bytes are a benchmark target): a given name, the promise behind `await handle`, a signal link,
 * and the join waker once one of those exists (see `Task.waiter`).
 */
class TaskExtra {
  name: string | null = null;
  deferred: Deferred | null = null;
  unlinkSignal: (() => void) | null = null;
  joinWaker: Waker | null = null;
  /** Why the task was aborted, when an `AbortSignal` gave a reason: the `JoinError`'s `cause`. */
  abortReason: unknown = undefined;
  /**
   * The runtime of a task that awaits this one from another runtime: to it, this task is an
   * outside source that will wake it (a bridge, so its idle check sees no deadlock), until the
   * outcome comes or the handle is dropped.
   */
  crossWait: Host | null = null;

  constructor(joinWaker: Waker | null) {
    this.joinWaker = joinWaker;
  }
}

/** A spawned future and its scheduling state. */
export class Task<T> extends Context {
  /** Bit flags from `state.ts`: scheduling state, and the task's marks in the same number. */
  state = SCHEDULED;
  /**
   * One slot for two lives (a field less per task; a parked task's bytes are a benchmark target):
   * the future being driven, then its cleanup while cancelling; once `COMPLETE`, the output, or
   * the `JoinError` when `FAILED` is marked. Read through `future`, `output` and `error`. With
   * `BODY` marked, the adopted generator function, then its generator (see "Adoption").
   */
  private slot: unknown;
  /**
   * With `BODY`: the call's arguments until the first poll, then the future the body is suspended
   * on. For a cleanup task: the owner it polls for. Otherwise `null`.
   */
  private aux: unknown = null;
  /**
   * Two things in one slot (a field less per task): the join waker (whoever awaits the outcome: a
   * JoinHandle's poller, a JoinSet) while the task needs nothing else, or the {@link TaskExtra}
   * that holds it once the task needs more. Read through `joinWaker` and `extra`.
   */
  private waiter: Waker | TaskExtra | null = null;
  /** Where the runtime's list of tasks that have waited keeps this one (see `LISTED`), or -1. */
  liveIndex = -1;

  constructor(
    readonly id: number,
    /** A given name, or `null` for the default (`task <id>`, `cleanup <id>`), made when asked. */
    name: string | null,
    future: Future<T>,
    readonly scheduler: Scheduler,
    owner: unknown,
    isCleanup: boolean,
  ) {
    super(null as unknown as Waker);
    if (isCleanup) {
      this.state |= CLEANUP;
      this.aux = owner;
      this.slot = future;
    } else if (future instanceof Coroutine && future.adoptable()) {
      this.state |= BODY;
      this.slot = future.start;
      this.aux = future.surrender();
    } else {
      this.slot = future;
    }
    if (name !== null) this.extras().name = name;
  }

  /** The owner token of the futures this task polls: the task, or for a cleanup, whose it is. */
  override get owner(): unknown {
    if ((this.state & CLEANUP) === 0) return this;
    const o = this.aux;
    return o === null ? this : o;
  }

  private get extra(): TaskExtra | null {
    const w = this.waiter;
    return w instanceof TaskExtra ? w : null;
  }

  private extras(): TaskExtra {
    const w = this.waiter;
    if (w instanceof TaskExtra) return w;
    const x = new TaskExtra(w);
    this.waiter = x;
    return x;
  }

  /** Whoever awaits the outcome (a JoinHandle's poller, a JoinSet), or `null`. */
  get joinWaker(): Waker | null {
    const w = this.waiter;
    return w instanceof TaskExtra ? w.joinWaker : w;
  }
  set joinWaker(waker: Waker | null) {
    const w = this.waiter;
    if (w instanceof TaskExtra) w.joinWaker = waker;
    else this.waiter = waker;
  }

  /** The task's name: the one given to `spawn`, or `task <id>`. */
  get name(): string {
    const given = this.extra?.name;
    if (given != null) return given;
    return (this.state & CLEANUP) !== 0 ? `cleanup ${this.id}` : `task ${this.id}`;
  }

  /** Set for the detached tasks that finish a dropped future's cleanup. */
  get isCleanup(): boolean {
    return (this.state & CLEANUP) !== 0;
  }

  /** Whether anyone has asked for the outcome: an unobserved panic is reported. */
  get observed(): boolean {
    return (this.state & OBSERVED) !== 0;
  }
  set observed(value: boolean) {
    this.state = value ? this.state | OBSERVED : this.state & ~OBSERVED;
  }

  /** Whether the JoinHandle has handed out the outcome (it can be taken once). */
  get taken(): boolean {
    return (this.state & TAKEN) !== 0;
  }
  set taken(value: boolean) {
    this.state = value ? this.state | TAKEN : this.state & ~TAKEN;
  }

  /**
   * The future being driven, then its cleanup while cancelling; `null` once complete. For an
   * adopted body, a coroutine made to describe it (a snapshot for task dumps: never polled).
   */
  get future(): Future<T> | Cleanup | null {
    const s = this.state;
    if ((s & COMPLETE) !== 0) return null;
    if ((s & BODY) !== 0) return this.bodyAsCoroutine();
    return this.slot as Future<T> | Cleanup;
  }

  /** The output, once complete without error. */
  get output(): T | undefined {
    return (this.state & (COMPLETE | FAILED)) === COMPLETE ? (this.slot as T) : undefined;
  }

  /** The panic or cancellation, once complete with one. */
  get error(): JoinError | null {
    return (this.state & FAILED) !== 0 ? (this.slot as JoinError) : null;
  }

  /** Undoes the link to an `AbortSignal`, when one was given. */
  get unlinkSignal(): (() => void) | null {
    return this.extra === null ? null : this.extra.unlinkSignal;
  }
  set unlinkSignal(fn: (() => void) | null) {
    if (fn !== null || this.extra !== null) this.extras().unlinkSignal = fn;
  }

  /**
   * @internal its last poll returned pending without reading `cx.waker` (a lost waker, already
   * warned of): nothing can wake it, whatever the deadlock report would guess.
   */
  get lostItsWaker(): boolean {
    return (this.state & WAKER_TAKEN) === 0;
  }

  /** The task is its own waker; reading it is noted for the lost-waker check. */
  override get waker(): Waker {
    this.state |= WAKER_TAKEN;
    return this as unknown as Waker;
  }

  /** The pager: ask to be polled again. */
  wake(): void {
    const probe = this.scheduler.probe;
    // A wake of a finished task changes nothing and is not reported.
    if (probe !== null && (this.state & COMPLETE) === 0) probe.wake(this);
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
    this.state = transitionToRunning(this.state) & ~WAKER_TAKEN;
    resetBudget();
    const probe = this.scheduler.probe;
    if (probe !== null) probe.pollStart(this);
    let r: unknown;
    try {
      r = (this.state & BODY) !== 0 ? this.step() : (this.slot as Future<T> | Cleanup).poll(this);
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
    if ((s & LISTED) === 0) this.scheduler.list(this);
    // Pending, not woken, and nobody took the pager: nothing can ever wake this task.
    if ((s & WAKER_TAKEN) === 0) this.scheduler.lostWaker(this);
  }

  /**
   * One step of an adopted body, as `Coroutine.poll` makes one: the generator runs with this task
   * as the ambient context up to its next suspension, and what suspended it is recorded.
   */
  private step(): unknown {
    let body = this.slot as Body<T> | Start<T>;
    if (typeof body === "function") {
      // The slots keep the function and its arguments until the generator exists: a dump taken
      // while the function runs still sees a fresh body.
      const gen = startBody(body, this.aux as readonly unknown[], null);
      const label = labelOfStart(body);
      this.aux = null;
      if (labelOfBody(gen) !== label) {
        // Not the generator of the tagged function (an asyncBlock whose function returns another
        // function's generator): a coroutine keeps the label the task could not recover.
        const c = Coroutine.resume(gen, this, null, label);
        this.slot = c;
        this.state &= ~BODY;
        return c.poll(this);
      }
      this.slot = body = gen;
    }
    const outer = ambient.cx;
    ambient.cx = this;
    let r: IteratorResult<Suspend, T>;
    try {
      r = body.next();
    } finally {
      ambient.cx = outer;
    }
    if (r.done === true) return r.value;
    // A bare yield: the body is dropped as a nested one is, so a `finally` that awaits is finished
    // by a cleanup task rather than left at its first await (see `Coroutine.refuseBareYield`).
    if (r.value !== PENDING) Coroutine.resume(body, this, null).refuseBareYield(r.value);
    this.aux = ambient.suspended;
    ambient.suspended = null;
    return PENDING;
  }

  /**
   * The adopted body as a coroutine: fresh (its function and arguments) before the first step,
   * else running (its generator, owned by this task, suspended on `aux`).
   */
  private bodyAsCoroutine(): Coroutine<T> {
    const body = this.slot as Start<T> | Body<T>;
    return Coroutine.resume(body, typeof body === "function" ? this.aux : this, this.aux);
  }

  /**
   * Cancel the task: its future is torn down at once (its `finally` blocks run), even while it
   * waits. A task aborted from inside its own poll is torn down when that poll returns. This is
   * the handle's `abort()`: whatever it is called with (`emitter.once("close", h.abort.bind(h))`
   * passes an argument) it says the handle aborted the task.
   */
  abort(): void {
    this.abortAs(BY_HANDLE);
  }

  /**
   * @internal abort, `why` (a code from abort-why.ts) saying who did, for the `JoinError`'s
   * message: the runtime passes its own ("the runtime shut down").
   */
  abortAs(why: number): void {
    let s = this.state;
    if ((s & (COMPLETE | CANCELLING | CANCEL_REQUESTED)) !== 0) return;
    // The first abort says why (the JoinError's message): once begun, later ones change nothing.
    s = (s & ~WHY_MASK) | (why << WHY_SHIFT);
    this.state = s;
    if ((s & RUNNING) !== 0) {
      this.state = s | CANCEL_REQUESTED;
      return;
    }
    this.beginCancel();
  }

  private beginCancel(): void {
    if ((this.state & BODY) !== 0) {
      // Give the adopted body back to a coroutine, whose teardown knows how to run its finally
      // blocks (and drive them on if they await).
      this.slot = this.bodyAsCoroutine();
      this.aux = null;
      this.state &= ~BODY;
    }
    // Marked first: a finally block that aborts this task again (directly or through a task it
    // aborts) finds the teardown under way and leaves it alone.
    this.state |= CANCELLING;
    let rest: Cleanup | null;
    // Wakes made by the teardown (a released lock paging its next waiter) are this task's doing,
    // not "someone outside": say so to the instruments.
    const outerWaking = ambient.waking;
    if (this.scheduler.probe !== null) ambient.waking = { kind: "task", task: this.id };
    // The teardown is this task's, though it runs inside whoever called abort() (another task's
    // poll, a native syncScope): none of the caller's task-locals may show through, nor wrap a
    // cleanup that the teardown detaches (see task-local.ts).
    const outerCarry = ambient.carry;
    ambient.carry = null;
    try {
      // The finally blocks run now, inside the runtime (its timers, spawner and host), even when
      // abort() comes from native code outside any turn.
      rest = outsideTaskLocals(this.tearDownWithin, this);
    } catch (e) {
      ambient.waking = outerWaking;
      ambient.carry = outerCarry;
      // A finally block threw while unwinding: like a panic during drop, it is a panic.
      this.finishPanicked(e);
      return;
    }
    ambient.waking = outerWaking;
    ambient.carry = outerCarry;
    if (rest === null) {
      this.finishCancelled();
      return;
    }
    // Drive the cleanup to its end before reporting cancelled; poll it soon to register its wakers.
    this.slot = rest;
    this.wake();
  }

  /** Start tearing the task's future down inside its runtime (for {@link outsideTaskLocals}). */
  private tearDownWithin(this: void, task: Task<any>): Cleanup | null {
    return task.scheduler.cancelWithin(task.slot as Future<unknown> | Cleanup, task);
  }

  /**
   * @internal the runtime gave up on this task's cleanup (a shutdown that could not finish): it
   * ends cancelled at once, and what is left of its cleanup is never driven, only disposed (what
   * it awaits is released; see `CoroutineCleanup`).
   */
  abandon(): void {
    if ((this.state & COMPLETE) !== 0) return;
    const rest = this.slot;
    this.finishCancelled();
    try {
      disposeOf(rest);
    } catch (e) {
      // What a `finally` threw as it was left: the task already ended cancelled, and nobody
      // awaits the cleanup, so it goes where an unobserved panic goes.
      this.scheduler.cleanupLeftFailed(this, e);
    }
  }

  private finishReady(value: T): void {
    this.complete(value);
  }

  private finishPanicked(cause: unknown): void {
    const error = JoinError.panic(this.id, this.name, explainNotIterable(cause));
    this.state |= FAILED;
    this.complete(error);
  }

  /** @internal abort because `signal` did: its reason becomes the `JoinError`'s `cause`. */
  abortFromSignal(signal: AbortSignal): void {
    // Only the abort that starts the teardown gives the cause: a signal that fires while an
    // earlier abort (the handle's, a shutdown's) is being carried out aborts nothing.
    if ((this.state & (COMPLETE | CANCELLING | CANCEL_REQUESTED)) !== 0) return;
    this.extras().abortReason = signal.reason;
    this.abortAs(BY_SIGNAL);
  }

  private finishCancelled(): void {
    const reason = this.extra === null ? undefined : this.extra.abortReason;
    const error = JoinError.cancelled(this.id, this.name, reason, abortWhy(this.state));
    this.state |= FAILED;
    this.complete(error);
  }

  /** The future is let go as the outcome takes its slot. */
  private complete(outcome: unknown): void {
    // Complete once: the outcome, the counters and the join waker are not touched again.
    if ((this.state & COMPLETE) !== 0) return;
    this.state = transitionToComplete(this.state);
    this.slot = outcome;
    // The future an adopted body last waited on (or a cleanup's owner): nothing to keep for.
    this.aux = null;
    // One look at the shared slot (see `waiter`) instead of a getter per field.
    const waiter = this.waiter;
    let x: TaskExtra | null = null;
    let w: Waker | null;
    if (waiter instanceof TaskExtra) {
      x = waiter;
      w = x.joinWaker;
      x.joinWaker = null;
      if (x.unlinkSignal !== null) {
        x.unlinkSignal();
        x.unlinkSignal = null;
      }
      this.endCrossWait(x);
    } else {
      w = waiter;
      this.waiter = null;
    }
    this.scheduler.taskCompleted(this);
    if ((this.state & (DETACHED | FAILED)) === DETACHED) {
      this.state |= TAKEN;
      disposeOwned(outcome);
    }
    if (w !== null) w.wake();
    const d = x === null ? null : x.deferred;
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
    const x = this.extras();
    let d = x.deferred;
    if (d === null) {
      let resolve!: (v: unknown) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<unknown>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      d = x.deferred = { promise, resolve, reject };
      const s = this.state;
      if ((s & COMPLETE) === 0)
        this.state = s & ~DETACHED; // awaited again: the output is wanted
      else if ((s & (DETACHED | TAKEN)) === (DETACHED | TAKEN)) reject(this.outputDropped());
      else if ((s & TAKEN) !== 0 && this.error === null) {
        // `yield* handle` took the output: handing it out again would give it two owners.
        reject(
          new FutureStateError(
            `JoinHandle of task '${this.name}' was awaited after yield* took its output: an output is taken once`,
          ),
        );
      } else if (this.error === null) resolve(this.output);
      else reject(this.error);
    }
    return d.promise as Promise<T>;
  }

  // The task as its own JoinHandle (see the file's opening comment and join-handle.ts).

  /** `yield* handle`: the outcome once the task is complete; until then, `joinWaker` waits. */
  poll(cx: Context): Poll<T> {
    // One read of the flags: the handle is observed from now on; the outcome is taken once.
    const s = this.state | OBSERVED;
    this.state = s;
    if ((s & COMPLETE) === 0) {
      // Polled again after a drop (a `timeout` around it ran out, say): the output is wanted.
      if ((s & DETACHED) !== 0) this.state = s & ~DETACHED;
      this.joinWaker = cx.waker;
      const host = ambient.host;
      if (host !== null && host !== (this.scheduler as unknown)) this.awaitedFrom(host);
      return PENDING;
    }
    if ((s & TAKEN) !== 0) {
      if ((s & DETACHED) !== 0) throw this.outputDropped();
      throw new FutureStateError(
        `JoinHandle of task '${this.name}' was polled after it completed: its output is handed out once (keep the value, or check isFinished() before awaiting)`,
      );
    }
    if (!pollProceed(cx)) return PENDING;
    this.state |= TAKEN;
    if ((s & FAILED) !== 0) throw this.slot as JoinError;
    return this.slot as T;
  }

  /** A future is its own one-shot iterator (see future.ts); `return` is FutureBase's. */
  [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    return this as unknown as Iterator<Suspend, T, unknown>;
  }

  /** `yield* handle`'s step, in this class so that its `poll` call sees one class (see FutureBase). */
  next(): IteratorResult<Suspend, T> {
    return stepResult(this, this.poll(stepContext()));
  }
  declare return: () => IteratorResult<Suspend, T>;

  // biome-ignore lint/suspicious/noThenProperty: a JoinHandle is deliberately awaitable from native code.
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.promise().then(onfulfilled, onrejected);
  }

  private outputDropped(): FutureStateError {
    return new FutureStateError(
      `JoinHandle of task '${this.name}' was dropped (disposed, or by the combinator it was given to) before it was awaited again, and the task's output was disposed with it`,
    );
  }

  /** A task of the runtime `host`, another one, waits for this task (see `TaskExtra.crossWait`). */
  private awaitedFrom(host: Host): void {
    const x = this.extras();
    if (x.crossWait === host) return;
    x.crossWait?.bridgeClosed();
    host.bridgeOpened();
    x.crossWait = host;
  }

  /** Nobody from another runtime waits any more: close its bridge. */
  private endCrossWait(x: TaskExtra): void {
    const host = x.crossWait;
    if (host === null) return;
    x.crossWait = null;
    host.bridgeClosed();
  }

  /** A handle that can abort the task but not await it. */
  abortHandle(): AbortHandle {
    return new AbortHandle(this);
  }

  /** @internal this task as a leaf's `waitsOn` names it (a handle's, a lock's holder). */
  asWaited(): WaitedTask {
    // The task itself rides along unseen (not enumerable), so a dump stays plain data: JSON, logs.
    const waited = { id: this.id, name: this.name, finished: this.isFinished() };
    return Object.defineProperty(waited, "task", { value: this }) as WaitedTask;
  }

  [DESCRIBE](): Description {
    return {
      label: `JoinHandle of '${this.name}'`,
      children: [],
      waitsOn: { kind: "task", tasks: [this.asWaited()] },
    };
  }

  /**
   * Dropping the handle detaches: stop waiting for the task, which keeps running. Its output can
   * no longer be taken, so it is disposed (now, or when it comes): a guard the task returns is
   * released, as tokio drops the output of a task whose JoinHandle was dropped.
   */
  [Symbol.dispose](): void {
    this.joinWaker = null;
    if (this.extra !== null) this.endCrossWait(this.extra);
    // Native code awaiting through then() still takes the outcome.
    if (this.extra !== null && this.extra.deferred !== null) return;
    if (!this.isFinished()) {
      // Dropped before its outcome came (the loser of a race, say): nobody is waiting for it any
      // more, so a later panic is reported.
      this.observed = false;
      this.state |= DETACHED;
    } else if ((this.state & (TAKEN | FAILED)) === 0) {
      // Marked as a drop before the outcome is: `await handle` afterwards must not hand out an
      // output just disposed (a released guard), but say that it was dropped.
      this.state |= TAKEN | DETACHED;
      disposeOwned(this.slot);
    }
  }

  /** This task, seen as the JoinHandle that `spawn` returns. */
  asHandle(): JoinHandle<T> {
    return this as unknown as JoinHandle<T>;
  }
}

// The teardown forward is shared with every other future.
Task.prototype.return = FutureBase.prototype.return as () => IteratorResult<Suspend, unknown>;
(Task.prototype as { [SPAWNED_TASK]?: true })[SPAWNED_TASK] = true;
