/**
 * JoinHandle: the ticket for a chef's dish. It is a future of the task's output (`yield* handle`
 * inside an async fn) and a thenable (`await handle` from native code). A task that threw makes the
 * handle throw a `JoinError` (panic); an aborted one, a `JoinError` (cancelled).
 *
 * Dropping a handle detaches: the task keeps running (as in tokio). `abort()` cancels it.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "./budget.js";
import type { Task } from "./task.js";

/**
 * The handle of a spawned task.
 *
 * @example
 * ```ts
 * const table = spawn(cookDish("Soup", 1000), { name: "table 1" });
 * const soup = yield* table; // "Dish: Soup"
 * ```
 */
export class JoinHandle<T> extends FutureBase<T> implements PromiseLike<T>, Disposable {
  /** @internal handles are made by `spawn`. */
  constructor(private readonly task: Task<T>) {
    super();
  }

  /** The task's id, unique within its runtime. */
  get id(): number {
    return this.task.id;
  }

  /** The task's name. */
  get name(): string {
    return this.task.name;
  }

  poll(cx: Context): Poll<T> {
    const task = this.task;
    task.observed = true;
    if (!task.isFinished()) {
      task.joinWaker = cx.waker;
      return PENDING;
    }
    if (task.taken) {
      throw new FutureStateError(`JoinHandle of task '${task.name}' was polled after it completed`);
    }
    if (!pollProceed(cx)) return PENDING;
    task.taken = true;
    if (task.error !== null) throw task.error;
    return task.output as T;
  }

  [DESCRIBE](): Description {
    return { label: `JoinHandle of '${this.task.name}'`, children: [] };
  }

  /**
   * Cancel the task. Its future is disposed at once (its `finally` blocks run); the handle then
   * throws a cancelled `JoinError`. Does nothing if the task already finished.
   *
   * @example
   * ```ts
   * const h = spawn(sleep(10_000));
   * h.abort();
   * try { yield* h; } catch (e) { (e as JoinError).isCancelled(); } // true
   * ```
   */
  abort(): void {
    this.task.abort();
  }

  /** Whether the task has finished (with a value, a panic or a cancellation). */
  isFinished(): boolean {
    return this.task.isFinished();
  }

  /** A handle that can abort the task but not await it. */
  abortHandle(): AbortHandle {
    return new AbortHandle(this.task);
  }

  // biome-ignore lint/suspicious/noThenProperty: a JoinHandle is deliberately awaitable from native code.
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.task.promise().then(onfulfilled, onrejected);
  }

  /** Detach: stop waiting for the task, which keeps running. */
  [Symbol.dispose](): void {
    this.task.joinWaker = null;
  }
}

/**
 * Cancels a task without being able to await it.
 *
 * @example
 * ```ts
 * const stop = spawn(serveForever()).abortHandle();
 * stop.abort();
 * ```
 */
export class AbortHandle {
  /** @internal */
  constructor(private readonly task: Task<unknown>) {}

  /** The task's id. */
  get id(): number {
    return this.task.id;
  }

  /** Cancel the task (see {@link JoinHandle.abort}). */
  abort(): void {
    this.task.abort();
  }

  /** Whether the task has finished. */
  isFinished(): boolean {
    return this.task.isFinished();
  }
}
