/**
 * TaskTracker: the head chef's tally of who is still at work. It counts tasks (and tracked futures,
 * and tokens for work that is not a future) until each has ended, and `wait()` is ready once the
 * tracker is both closed and empty: the kitchen waits for its last chef before it locks up. It is
 * tokio-util's `TaskTracker`, the partner of a `CancellationToken` in a graceful shutdown: the token
 * tells every task to stop, the tracker says when the last one has.
 *
 * Unlike a `JoinSet`, it keeps nothing about a task that has ended: no outcome, no entry. Its whole
 * state is the numbers below and the futures waiting in `wait()` right now, so a long-lived server
 * that tracks every connection does not grow with the connections it has served.
 *
 * State:
 * - `count`: what is being tracked. A tracked future counts from `track()` until it completes, or,
 *   when it is dropped, until its teardown has finished, `finally` blocks that await included (see
 *   task-tracker-track.ts); a token counts until it is disposed.
 * - `closed`: set by `close()`, cleared by `reopen()`. Closing does not stop anything: tasks may
 *   still be spawned into a closed tracker. It only lets `wait()` finish once the count is zero.
 * - `generation`: how many times the tracker became closed and empty. Each time, every parked
 *   `wait()` is woken, once. A `wait()` future remembers the generation it was made in, so it is
 *   ready once the tracker was closed and empty at any moment since it was made, even if a task was
 *   spawned or `reopen()` called before it was polled again (tokio's rule).
 *
 * The runtime does not know about trackers. When it shuts down, it aborts every task, tracked ones
 * included: each still counts until its cleanup has finished (or the runtime gave up on it), and
 * the `wait()` futures of its tasks are dropped with them. Tokens and tracked futures outside its
 * tasks stay counted until their owners let them go.
 */
import { assertFuture, type Future, FutureBase } from "../future/future.js";
import type { JoinHandle } from "./join-handle.js";
import { RuntimeStateError } from "./runtime-state-error.js";
import { type SpawnOptions, spawnerAmbient } from "./spawn.js";
import { TaskTrackerToken } from "./task-tracker-token.js";
import { TrackedFuture } from "./task-tracker-track.js";
import { TrackerWait } from "./task-tracker-wait.js";

export { TaskTrackerToken } from "./task-tracker-token.js";

/** The generation a `wait()` made while the tracker is closed and empty remembers: ready at once. */
const ALREADY_CLOSED_AND_EMPTY = -1;

/**
 * Counts tasks until they have ended; `wait()` is ready once it is closed and empty.
 *
 * @example
 * ```ts
 * const tracker = new TaskTracker();
 * for (const table of ["table 1", "table 2"]) tracker.spawn(serveTable(table), { name: table });
 * tracker.close(); // no more tables tonight
 * yield* tracker.wait(); // every table has been served and cleared
 * ```
 */
export class TaskTracker {
  /** Tracked futures and tokens that have not ended. */
  private count = 0;
  private closed = false;
  /** How many times the tracker became closed and empty (see the file's opening comment). */
  private generation = 0;
  /** The `wait()` futures parked now, each at its own `index`. */
  private parked: TrackerWait[] = [];

  /**
   * How many tasks, tracked futures and tokens have not ended yet (tokio's `len`).
   *
   * @example
   * ```ts
   * tracker.spawn(cookDish("Soup", 1000));
   * console.log(tracker.size); // 1 until the soup is done
   * ```
   */
  get size(): number {
    return this.count;
  }

  /**
   * Whether nothing is tracked right now (closed or not).
   *
   * @example
   * ```ts
   * if (tracker.isEmpty()) console.log("no chef at work");
   * ```
   */
  isEmpty(): boolean {
    return this.count === 0;
  }

  /**
   * Whether `close()` was called (and `reopen()` not since).
   *
   * @example
   * ```ts
   * if (!tracker.isClosed()) tracker.spawn(serveTable(next));
   * ```
   */
  isClosed(): boolean {
    return this.closed;
  }

  /**
   * Close the tracker: from now on `wait()` is ready as soon as nothing is tracked (at once if
   * nothing is). Spawning stays allowed. Returns whether this call closed it (false: it already was).
   *
   * @example
   * ```ts
   * tracker.close(); // the last guest is seated
   * yield* tracker.wait();
   * ```
   */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    if (this.count === 0) this.becameClosedAndEmpty();
    return true;
  }

  /**
   * Reopen the tracker: `wait()` futures made from now on wait for the next `close()` again. One
   * made earlier that already saw the tracker closed and empty stays ready. Returns whether this
   * call reopened it (false: it was open).
   *
   * @example
   * ```ts
   * tracker.close();
   * yield* tracker.wait(); // lunch service is over
   * tracker.reopen(); // dinner service: the same tracker again
   * ```
   */
  reopen(): boolean {
    if (!this.closed) return false;
    this.closed = false;
    return true;
  }

  /**
   * Spawn `future` on the current runtime, tracked until it ends (tokio's `TaskTracker::spawn`):
   * `spawn(tracker.track(future), options)`. Returns the task's `JoinHandle`; the tracker keeps
   * nothing of the task, so a panic nobody takes is reported as a plain spawn's is. Throws a
   * `RuntimeStateError` outside a runtime and a `TypeError` for a `future` that is not one; then
   * nothing is counted.
   *
   * @example
   * ```ts
   * const table = tracker.spawn(serveTable("table 1"), { name: "table 1" });
   * table.abort(); // still counted until its finally blocks have finished
   * ```
   */
  spawn<T>(future: Future<T>, options?: SpawnOptions): JoinHandle<T> {
    const spawner = spawnerAmbient.current;
    if (spawner === null) {
      throw new RuntimeStateError(
        "TaskTracker.spawn() was called outside a Brigade runtime: call it from inside a task, or use rt.spawn(tracker.track(future))",
      );
    }
    if (!(future instanceof FutureBase)) assertFuture(future, "TaskTracker.spawn(future): future");
    const tracked = new TrackedFuture(this, future);
    try {
      return spawner.spawnTask(tracked, options).asHandle();
    } catch (e) {
      // Bad options: nothing was spawned, and the future is left alone, as `spawn` leaves it.
      tracked.untrack();
      throw e;
    }
  }

  /**
   * Wrap `future` so that it is counted until it completes or, dropped, until its teardown has
   * finished (tokio's `track_future`). The wrapper is the future to poll, spawn or await in its
   * place; its output is the future's.
   *
   * @example
   * ```ts
   * using set = new JoinSet<string>();
   * set.spawn(tracker.track(cookDish("Soup", 1000))); // in a JoinSet, and counted by the tracker
   * ```
   */
  track<T>(future: Future<T>): FutureBase<T> & Disposable {
    if (!(future instanceof FutureBase)) assertFuture(future, "TaskTracker.track(future): future");
    return new TrackedFuture(this, future);
  }

  /**
   * A token counted until it is disposed, for work that is not a future (a callback, a worker's
   * job, a native promise). Disposing it twice counts it down once. It is `OWNED`: left over (the
   * output of a task whose handle was dropped, say), it is disposed.
   *
   * @example
   * ```ts
   * const job = tracker.token();
   * worker.postMessage(order);
   * worker.once("message", () => job[Symbol.dispose]()); // the tracker waits for the reply
   * ```
   */
  token(): TaskTrackerToken {
    return new TaskTrackerToken(this);
  }

  /**
   * A future ready once the tracker is closed and empty, or was at any moment since this call
   * (tokio's `wait`). Any number of tasks may wait at once; each is woken once when the last
   * tracked thing ends. Cancel-safe: dropping it only leaves the line. After `reopen()`, a new
   * `wait()` waits for the next `close()`.
   *
   * @example
   * ```ts
   * closing.cancel(); // every handler is told to stop
   * tracker.close();
   * yield* tracker.wait(); // and every handler has stopped, its finally blocks included
   * ```
   */
  wait(): FutureBase<void> & Disposable {
    const seen = this.closed && this.count === 0 ? ALREADY_CLOSED_AND_EMPTY : this.generation;
    return new TrackerWait(this, seen);
  }

  /** @internal one more thing to track. */
  add(): void {
    this.count++;
  }

  /** @internal a tracked thing ended: the last one of a closed tracker wakes every waiter. */
  release(): void {
    this.count--;
    if (this.count === 0 && this.closed) this.becameClosedAndEmpty();
  }

  /** @internal whether a `wait()` that remembers generation `seen` is ready. */
  passed(seen: number): boolean {
    return seen !== this.generation;
  }

  /** @internal for dumps: "2 tracked, not closed" and the like. */
  describeState(): string {
    // Waiting on an open tracker with nothing tracked is the forgotten close() (WaitGroup users
    // expect wait() to return once the count is zero).
    if (!this.closed && this.count === 0) return "0 tracked, not closed: wait() waits for close()";
    return `${this.count} tracked, ${this.closed ? "closed" : "not closed"}`;
  }

  /** @internal `w` waits: it joins the parked futures. */
  park(w: TrackerWait): void {
    w.index = this.parked.length;
    this.parked.push(w);
  }

  /** @internal `w` stops waiting before it was woken: it was dropped. */
  unpark(w: TrackerWait): void {
    const parked = this.parked;
    const i = w.index;
    const last = parked.pop() as TrackerWait;
    if (last !== w) {
      parked[i] = last;
      last.index = i;
    }
    w.index = -1;
  }

  /**
   * Closed and empty: a new generation, and every parked `wait()` is woken once. All leave the line
   * before the first is woken, so a waker that drops or makes another wait finds a consistent
   * tracker; a waker that throws does not keep the others asleep (the first error is thrown after).
   */
  private becameClosedAndEmpty(): void {
    this.generation++;
    if (this.parked.length === 0) return;
    const woken = this.parked;
    this.parked = [];
    const wakers = woken.map((w) => w.leaveWoken());
    let failure: { error: unknown } | null = null;
    for (const waker of wakers) {
      try {
        waker.wake();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  }
}
