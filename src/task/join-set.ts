/**
 * JoinSet: a brigade of chefs whose dishes are collected in the order they are ready. Spawn tasks
 * into the set, take outcomes with `joinNext()` as they finish, `abortAll()` to cancel the rest.
 * Disposing the set aborts every task still in it (structured concurrency: nothing outlives it).
 *
 * Outcomes: `joinNext()` gives the next member's output, throws its `JoinError` when it panicked or
 * was cancelled (as `yield* handle` does; tokio's `join_next` returns `Some(Err(..))` instead), and
 * gives `DONE` once the set is empty (tokio's `None`), so an output that is `undefined` (a
 * `JoinSet<void>`) is never mistaken for the end.
 *
 * Waiters: tokio's `join_next(&mut self)` admits one waiter; here any number of tasks may wait on
 * one set. Each waiting `joinNext()` future is parked in the set's queue. A member that finishes
 * wakes one parked waiter, the one meant to take its outcome (more wakes than outcomes would be
 * wasted polls). A waiter in the state WOKEN owes a poll: if it is dropped before it takes an
 * outcome, it passes the wake on to the next parked waiter, so no outcome waits while a waiter
 * sleeps. A waiter that polls and finds the outcome already taken (by a caller that came first)
 * parks again. When the set runs empty, or is disposed, every waiter is woken to see `DONE`.
 *
 * A JoinSet is also a stream (`pollNext(cx)` answers an outcome, `DONE` or `PENDING`), so a
 * combinator or `toAsyncIterable` can take it. The stream's poller is one more waiter, woken by
 * every finished member and kept out of the count above. Like any stream handed to a combinator,
 * the set then belongs to it: dropping the combinator (a `select` loser, say) disposes the set,
 * and so aborts its tasks.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description, type WaitedTask, type WaitsOn } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { assertFuture, type Future, FutureBase } from "../future/future.js";
import { DONE, PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import type { Runtime } from "../runtime/runtime.js";
import { BY_ABORT_ALL, BY_SET_DISPOSED, BY_SET_SHUTDOWN } from "./abort-why.js";
import { pollProceed } from "./budget.js";
import type { AbortHandle } from "./join-handle.js";
import { JoinAll, Shutdown } from "./join-set-wait.js";
import { RuntimeStateError } from "./runtime-state-error.js";
import { type Spawner, type SpawnOptions, spawnerAmbient } from "./spawn.js";
import type { Task } from "./task.js";

/** The pager a member task rings when it finishes: it files the task as done. */
class MemberWaker {
  constructor(
    private readonly set: JoinSet<any>,
    readonly task: Task<any>,
  ) {}
  wake(): void {
    this.set.memberFinished(this.task);
  }
  willWake(other: Waker): boolean {
    return (this as unknown) === other;
  }
}

/**
 * A set of tasks whose outcomes are taken as they finish.
 *
 * @example
 * ```ts
 * using set = new JoinSet<string>();
 * for (const dish of ["Pasta", "Salad"]) set.spawn(cookDish(dish, 1000));
 * // joinNext() throws the member's JoinError when it panicked or was cancelled.
 * for (let dish = yield* set.joinNext(); dish !== DONE; dish = yield* set.joinNext()) {
 *   console.log(dish);
 * }
 * ```
 */
export class JoinSet<T> implements Disposable {
  private readonly members = new Set<Task<T>>();
  /** Members that have finished and whose outcome is not taken yet, oldest first. */
  private readonly finished: Task<T>[] = [];
  /** `joinNext()` futures waiting for an outcome, first come first woken. */
  private readonly parked: JoinNext<T>[] = [];
  /** How many `joinNext()` futures are WOKEN: each owes the set a poll. */
  private woken = 0;
  /** Whoever polls the set as a stream (`pollNext`), while it waits. */
  private streamWaker: Waker | null = null;
  /** Set once by `[Symbol.dispose]`: the set is empty for good and takes no new tasks. */
  private disposed = false;
  /** How many `shutdown()` futures are under way: members spawned meanwhile are aborted at once. */
  private shuttingDown = 0;
  /**
   * @internal how many times the members were let go of (`detachAll`, dispose): a `joinAll()` or
   * `shutdown()` that sees it change knows the set ran empty without its members finishing.
   */
  detaches = 0;

  /**
   * How many tasks are in the set (running, or finished and not yet taken).
   *
   * @example
   * ```ts
   * set.spawn(cookDish("Soup", 1000));
   * console.log(set.size); // 1 until joinNext() takes the soup
   * ```
   */
  get size(): number {
    return this.members.size;
  }

  /**
   * Whether the set has no task left (tokio's `is_empty`).
   *
   * @example
   * ```ts
   * while (!set.isEmpty()) yield* set.joinNext();
   * ```
   */
  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /**
   * Spawn `future` on the current runtime as a member of this set; returns an `AbortHandle` for
   * it alone (tokio's `JoinSet::spawn`). Throws a `RuntimeStateError` outside a runtime, or once
   * the set is disposed (the task would outlive its set).
   *
   * @example
   * ```ts
   * const soup = set.spawn(cookDish("Soup", 1000), { name: "table 3" });
   * soup.abort(); // the soup only; joinNext() reports it cancelled
   * ```
   */
  spawn(future: Future<T>, options?: SpawnOptions): AbortHandle {
    const spawner = spawnerAmbient.current;
    if (spawner === null && !this.disposed) {
      throw new RuntimeStateError(
        "JoinSet.spawn() was called outside a Brigade runtime: call it from inside a task, or use set.spawnOn(future, rt)",
      );
    }
    return this.spawnInto(spawner!, future, options, "JoinSet.spawn");
  }

  /**
   * Spawn `future` on `runtime` as a member of this set (tokio's `JoinSet::spawn_on`): for native
   * code that feeds a set from outside any task. Otherwise as `spawn`.
   *
   * @example
   * ```ts
   * const rt = new Runtime();
   * const jobs = new JoinSet<string>();
   * server.on("request", (req) => jobs.spawnOn(handle(req), rt));
   * ```
   */
  spawnOn(future: Future<T>, runtime: Runtime, options?: SpawnOptions): AbortHandle {
    if (
      runtime === null ||
      typeof runtime !== "object" ||
      typeof (runtime as Partial<Spawner>).spawnTask !== "function"
    ) {
      throw new TypeError(
        `JoinSet.spawnOn(future, runtime): runtime must be a Runtime, got ${runtime === null ? "null" : typeof runtime}`,
      );
    }
    return this.spawnInto(runtime as unknown as Spawner, future, options, "JoinSet.spawnOn");
  }

  /** `spawn` and `spawnOn`: `future` spawned by `spawner` as a member; `call` names the call. */
  private spawnInto(
    spawner: Spawner,
    future: Future<T>,
    options: SpawnOptions | undefined,
    call: string,
  ): AbortHandle {
    if (this.disposed) {
      throw new RuntimeStateError(
        `${call}() was called on a disposed JoinSet: a disposed set takes no new tasks, since nothing may outlive it`,
      );
    }
    assertFuture(future, `${call}(future): future`);
    const task = spawner.spawnTask(future, options);
    task.observed = true;
    this.members.add(task);
    // A task can finish inside spawnTask (an already aborted signal, a runtime shutting down)
    // before it has our pager: file it as finished now, or joinNext would wait for it forever.
    if (task.isFinished()) this.memberFinished(task);
    else {
      task.joinWaker = new MemberWaker(this, task) as unknown as Waker;
      if (this.shuttingDown > 0) task.abortAs(BY_SET_SHUTDOWN);
    }
    return task.abortHandle();
  }

  /** @internal for dumps: "'a', 'b' and 3 more", or "no task". */
  describeMembers(): string {
    const names: string[] = [];
    for (const t of this.members) {
      if (names.length === 3) break;
      names.push(`'${t.name}'`);
    }
    const more = this.members.size - names.length;
    if (names.length === 0) return "no task";
    return more > 0 ? `${names.join(", ")} and ${more} more` : names.join(", ");
  }

  /** @internal for deadlock reports: a wait on the set ends when one of these tasks finishes. */
  memberWaits(): WaitsOn {
    const tasks: WaitedTask[] = [];
    for (const t of this.members) tasks.push(t.asWaited());
    return { kind: "task", tasks };
  }

  /** @internal a member's pager rang: its outcome is ready to be taken. */
  memberFinished(task: Task<T>): void {
    if (!this.members.has(task)) return;
    this.finished.push(task);
    this.wakeForOutcomes();
  }

  /**
   * The outcome of the next task to finish, or `DONE` once the set is empty. Throws the task's
   * `JoinError` when it panicked or was cancelled (the task leaves the set either way), as
   * `yield* handle` does. Cancellation safe: dropping the future loses no outcome, and a dropped
   * future that was woken for an outcome passes the wake on to another waiter.
   *
   * @example
   * ```ts
   * const first = yield* set.joinNext(); // the first dish out of the kitchen, or DONE
   * try {
   *   yield* set.joinNext();
   * } catch (e) {
   *   if (e instanceof JoinError && e.isCancelled()) console.log("that dish was called off");
   * }
   * ```
   */
  joinNext(): FutureBase<T | typeof DONE> & Disposable {
    return new JoinNext(this);
  }

  /**
   * The outcome of a member that has already finished, without waiting (tokio's
   * `try_join_next`): its output, `PENDING` while none has finished, or `DONE` once the set is
   * empty. Throws the member's `JoinError` as `joinNext()` does. For a long-lived set (an accept
   * loop's connections) to let go of finished members as it goes.
   *
   * @example
   * ```ts
   * // Between accepts: reap the connections that are done, without waiting for the others.
   * for (let r = set.tryJoinNext(); r !== PENDING && r !== DONE; r = set.tryJoinNext()) {}
   * ```
   */
  tryJoinNext(): T | typeof PENDING | typeof DONE {
    if (this.finished.length > 0) return this.take();
    return this.members.size === 0 ? DONE : PENDING;
  }

  /**
   * The set as a stream: the next outcome, `DONE` once the set is empty, or `PENDING` with
   * `cx.waker` kept until a member finishes. Throws a member's `JoinError` as `joinNext()` does.
   *
   * @example
   * ```ts
   * const dishes = yield* iter<string>([]).merge(set).collect(); // every output, in finishing order
   * ```
   */
  pollNext(cx: Context): Poll<T | typeof DONE> {
    if (this.finished.length > 0) {
      if (!pollProceed(cx)) return PENDING;
      this.streamWaker = null;
      return this.take();
    }
    if (this.members.size === 0) {
      this.streamWaker = null;
      return DONE;
    }
    this.streamWaker = cx.waker;
    return PENDING;
  }

  /** @internal one poll of the `joinNext()` future `w`. */
  pollJoinNext(w: JoinNext<T>, cx: Context): Poll<T | typeof DONE> {
    if (this.finished.length > 0) {
      if (!pollProceed(cx)) {
        // The task is already woken; a parked waiter keeps its place with the waker it gave now.
        if (w.state === PARKED) w.waker = cx.waker;
        return PENDING;
      }
      this.leave(w);
      return this.take();
    }
    if (this.members.size === 0) {
      this.leave(w);
      return DONE;
    }
    w.waker = cx.waker;
    if (w.state === WOKEN) this.woken--;
    if (w.state !== PARKED) {
      w.state = PARKED;
      this.parked.push(w);
    }
    return PENDING;
  }

  /** @internal the `joinNext()` future `w` was dropped before it completed. */
  dropJoinNext(w: JoinNext<T>): void {
    const wasWoken = w.state === WOKEN;
    this.leave(w);
    // It was woken for an outcome it will never take: hand that wake to the next waiter.
    if (wasWoken) this.wakeForOutcomes();
  }

  /** `w` stops waiting (it completed or was dropped): out of the queue and the count. */
  private leave(w: JoinNext<T>): void {
    if (w.state === PARKED) {
      const i = this.parked.indexOf(w);
      if (i >= 0) this.parked.splice(i, 1);
    } else if (w.state === WOKEN) {
      this.woken--;
    }
    w.state = ENDED;
    w.waker = null;
  }

  /** Hand out the oldest finished outcome: the member leaves the set. */
  private take(): T {
    const task = this.finished.shift() as Task<T>;
    this.members.delete(task);
    // The last member is gone: whoever still waits must see DONE.
    if (this.members.size === 0) this.wakeAll();
    if (task.error !== null) throw task.error;
    return task.output as T;
  }

  /**
   * Wake parked waiters until each finished outcome has a WOKEN waiter on its way to take it, and
   * the stream's poller, if any.
   */
  private wakeForOutcomes(): void {
    while (this.woken < this.finished.length && this.parked.length > 0) {
      this.wakeParked(this.parked.shift() as JoinNext<T>);
    }
    const s = this.streamWaker;
    if (s !== null && this.finished.length > 0) {
      this.streamWaker = null;
      s.wake();
    }
  }

  /** Wake every waiter: the set is empty (or disposed), and each of them is to see DONE. */
  private wakeAll(): void {
    const parked = this.parked.splice(0);
    for (const w of parked) this.wakeParked(w);
    const s = this.streamWaker;
    this.streamWaker = null;
    s?.wake();
  }

  /** A parked waiter, already taken out of the queue, becomes WOKEN. */
  private wakeParked(w: JoinNext<T>): void {
    const waker = w.waker as Waker;
    w.state = WOKEN;
    w.waker = null;
    this.woken++;
    waker.wake();
  }

  /**
   * Wait for every task in the set and give their outputs in the order they finished (tokio's
   * `join_all`); the set is empty afterwards. A member that panicked or was cancelled makes it
   * throw that member's `JoinError` at once: the other members are then aborted (the set is
   * disposed), and the outputs gathered so far are let go of (disposed if `OWNED`). Dropping the
   * future disposes the set too. Not cancellation safe: dropped, it loses the outputs it gathered.
   *
   * @example
   * ```ts
   * for (const dish of ["Pasta", "Salad"]) set.spawn(cookDish(dish, 1000));
   * const dishes: string[] = yield* set.joinAll(); // ["Dish: Pasta", "Dish: Salad"]
   * ```
   */
  joinAll(): FutureBase<T[]> & Disposable {
    return new JoinAll(this);
  }

  /**
   * Abort every task in the set and wait until each has finished its cleanup (tokio's
   * `shutdown`); outcomes are discarded (an output that came before the abort is disposed if
   * `OWNED`). The set stays usable. Lazy, as every future: nothing is aborted before the first
   * poll. Cancellation safe: dropped, it leaves the members aborted and in the set.
   *
   * @example
   * ```ts
   * yield* set.shutdown(); // every chef has cleaned their station
   * console.log(set.isEmpty()); // true
   * ```
   */
  shutdown(): FutureBase<void> & Disposable {
    return new Shutdown(this);
  }

  /**
   * Let every task go on without the set (tokio's `detach_all`): they are no longer aborted when
   * the set is disposed, and their outcomes can no longer be taken, as when a `JoinHandle` is
   * dropped (a panic is reported as unobserved, one already waiting untaken too; an output already
   * waiting is disposed if `OWNED`). Parked `joinNext()` callers get `DONE`.
   *
   * @example
   * ```ts
   * set.detachAll(); // the deliveries go out whether or not anyone waits for them
   * ```
   */
  detachAll(): void {
    this.detaches++;
    const tasks = [...this.members];
    this.members.clear();
    // A panic waiting here was never seen: said now, as a dropped JoinHandle's would have been.
    for (const task of this.finished) task.scheduler.panicLeftUntaken(task);
    this.finished.length = 0;
    for (const task of tasks) task[Symbol.dispose]();
    this.wakeAll();
  }

  /**
   * Abort every task in the set; their outcomes (cancelled) can still be taken with `joinNext`.
   *
   * @example
   * ```ts
   * set.abortAll(); // closing time
   * ```
   */
  abortAll(): void {
    this.abortMembers(BY_ABORT_ALL);
  }

  /** @internal abort every member, `why` (a code from abort-why.ts) saying who did. */
  abortMembers(why: number): void {
    for (const task of [...this.members]) task.abortAs(why);
  }

  /**
   * @internal a `shutdown()` begins (it aborts every member): until it ends, a member spawned into
   * the set (by a cleanup, say) is aborted at once, or the shutdown would wait on it for ever.
   */
  beginShutdown(): void {
    this.shuttingDown++;
    this.abortMembers(BY_SET_SHUTDOWN);
  }

  /** @internal the `shutdown()` that began ended (done, failed or dropped). */
  endShutdown(): void {
    this.shuttingDown--;
  }

  /**
   * Abort every task and let go of them all. An output that was ready but not taken is disposed
   * (a returned lock guard is released), as is one that comes later, as when a JoinHandle is
   * dropped; a panic nobody took is reported as unobserved. Whoever waits in `joinNext()` is woken and gets `DONE`; `spawn` throws from now on.
   *
   * @example
   * ```ts
   * {
   *   using set = new JoinSet<string>();
   *   set.spawn(cookDish("Stew", 60_000));
   * } // the stew is called off here
   * ```
   */
  [Symbol.dispose](): void {
    this.disposeAs(BY_SET_DISPOSED);
  }

  /** @internal dispose the set, its members aborted as `why` (abort-why.ts) says. */
  disposeAs(why: number): void {
    if (this.disposed) return;
    // Marked first: a member's finally block that spawns into the set while it is torn down below
    // gets an error instead of a task nobody would abort.
    this.disposed = true;
    const tasks = [...this.members];
    // Each member is detached as a dropped JoinHandle is (its outcome can no longer be taken, and a
    // panic in its cleanup is reported as unobserved), then aborted. Both steps are idempotent: a
    // finally block that aborts another member during the loop does no harm.
    this.detachAll();
    for (const task of tasks) task.abortAs(why);
  }
}

/** A `joinNext()` future that has not waited yet. */
const IDLE = 0;
/** Waiting in the set's queue, its waker kept. */
const PARKED = 1;
/** Taken out of the queue and woken for an outcome: it owes the set a poll. */
const WOKEN = 2;
/** Completed (an outcome or DONE) or dropped: polling it again is a bug. */
const ENDED = 3;

/** The future behind `joinNext()`: one waiter of its set (see the file's opening comment). */
class JoinNext<T> extends FutureBase<T | typeof DONE> implements Disposable {
  state = IDLE;
  waker: Waker | null = null;

  constructor(private readonly set: JoinSet<T>) {
    super();
  }

  /** For dumps and deadlock reports: whom it waits for. */
  [DESCRIBE](): Description {
    return {
      label: `JoinSet.joinNext() of ${this.set.describeMembers()}`,
      children: [],
      waitsOn: this.set.memberWaits(),
    };
  }

  poll(cx: Context): Poll<T | typeof DONE> {
    if (this.state === ENDED) {
      throw new FutureStateError(
        "JoinSet.joinNext() future was polled after it completed or was dropped: call joinNext() again",
      );
    }
    return this.set.pollJoinNext(this, cx);
  }

  [Symbol.dispose](): void {
    if (this.state !== ENDED) this.set.dropJoinNext(this);
  }
}
