/**
 * JoinSet: a brigade of chefs whose dishes are collected in the order they are ready. Spawn tasks
 * into the set, take outcomes with `joinNext()` as they finish, `abortAll()` to cancel the rest.
 * Disposing the set aborts every task still in it (structured concurrency: nothing outlives it).
 */
import type { Context } from "../future/context.js";
import { assertFuture, type Future, FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "./budget.js";
import { RuntimeStateError } from "./runtime-state-error.js";
import { type SpawnOptions, spawnerAmbient } from "./spawn.js";
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
 * const set = new JoinSet<string>();
 * for (const dish of ["Pasta", "Salad"]) set.spawn(cookDish(dish, 1000));
 * let dish: string | undefined;
 * while ((dish = yield* set.joinNext()) !== undefined) console.log(dish);
 * ```
 */
export class JoinSet<T> implements Disposable {
  private readonly members = new Set<Task<T>>();
  private readonly finished: Task<T>[] = [];
  private waiter: Waker | null = null;

  /** How many tasks are in the set (running, or finished and not yet taken). */
  get size(): number {
    return this.members.size;
  }

  /**
   * Spawn `future` on the current runtime as a member of this set.
   *
   * @example
   * ```ts
   * set.spawn(cookDish("Soup", 1000), { name: "table 3" });
   * ```
   */
  spawn(future: Future<T>, options?: SpawnOptions): void {
    const spawner = spawnerAmbient.current;
    if (spawner === null) {
      throw new RuntimeStateError(
        "JoinSet.spawn() was called outside a Brigade runtime: call it from inside a task",
      );
    }
    assertFuture(future, "JoinSet.spawn(future): future");
    const task = spawner.spawnTask(future, options);
    task.observed = true;
    this.members.add(task);
    // A task can finish inside spawnTask (an already aborted signal, a runtime shutting down)
    // before it has our pager: file it as finished now, or joinNext would wait for it forever.
    if (task.isFinished()) this.memberFinished(task);
    else task.joinWaker = new MemberWaker(this, task) as unknown as Waker;
  }

  /** @internal */
  memberFinished(task: Task<T>): void {
    if (!this.members.has(task)) return;
    this.finished.push(task);
    const w = this.waiter;
    this.waiter = null;
    w?.wake();
  }

  /**
   * The output of the next task to finish, or `undefined` when the set is empty. Throws the
   * task's `JoinError` when it panicked or was cancelled (the task leaves the set either way).
   * Cancellation safe: dropping the future loses no outcome.
   *
   * @example
   * ```ts
   * const first = yield* set.joinNext(); // the first dish out of the kitchen
   * ```
   */
  joinNext(): FutureBase<T | undefined> {
    return new JoinNext(this);
  }

  /** @internal one step of `joinNext`. */
  pollNext(cx: Context): Poll<T | undefined> {
    const task = this.finished.shift();
    if (task !== undefined) {
      if (!pollProceed(cx)) {
        this.finished.unshift(task);
        return PENDING;
      }
      this.members.delete(task);
      if (task.error !== null) throw task.error;
      return task.output as T;
    }
    if (this.members.size === 0) return undefined;
    this.waiter = cx.waker;
    return PENDING;
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
    for (const task of [...this.members]) task.abort();
  }

  /** Abort every task and forget them. */
  [Symbol.dispose](): void {
    this.abortAll();
    for (const task of this.members) task.joinWaker = null;
    this.members.clear();
    this.finished.length = 0;
    this.waiter = null;
  }
}

class JoinNext<T> extends FutureBase<T | undefined> {
  constructor(private readonly set: JoinSet<T>) {
    super();
  }
  poll(cx: Context): Poll<T | undefined> {
    return this.set.pollNext(cx);
  }
}
