/**
 * JoinHandle: the ticket for a chef's dish. It is a future of the task's output (`yield* handle`
 * inside an async fn) and a thenable (`await handle` from native code). A task that threw makes the
 * handle throw a `JoinError` (panic); an aborted one, a `JoinError` (cancelled).
 *
 * Dropping a handle detaches: the task keeps running (as in tokio). `abort()` cancels it.
 *
 * `spawn` returns the task itself as its handle (`task.ts` holds the handle's methods, so a spawn
 * allocates one object, not two); `instanceof JoinHandle` is true for it. This class remains the
 * handle's public type and a thin view onto a task, forwarding every method to it.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";
import type { Task } from "./task.js";

/** Marks a task's prototype: a spawned task is its own JoinHandle (see `hasInstance`). */
export const SPAWNED_TASK: unique symbol = Symbol("brigade.spawnedTask");

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
  /** Not for direct use: handles are made by `spawn`. */
  constructor(private readonly task: Task<T>) {
    super();
  }

  /**
   * The task's id, unique within its runtime.
   *
   * @example
   * ```ts
   * const handle = spawn(cookDish("Soup", 1000));
   * console.log(handle.id); // e.g. 2: the manager numbers chefs in order
   * ```
   */
  get id(): number {
    return this.task.id;
  }

  /**
   * The task's name.
   *
   * @example
   * ```ts
   * const handle = spawn(cookDish("Soup", 1000), { name: "table 1" });
   * console.log(handle.name); // "table 1"
   * ```
   */
  get name(): string {
    return this.task.name;
  }

  /**
   * The task's output once it has finished (thrown as a `JoinError` if it panicked or was
   * aborted), else `PENDING` with `cx.waker` kept to be woken then. The output is handed out once:
   * a poll after it was taken throws `FutureStateError`. `yield* handle` calls this; a
   * hand-written future joining a task, or a test, may call it directly.
   *
   * @example
   * ```ts
   * const soup = yield* pollFn((cx) => table.poll(cx)); // what yield* table does
   * ```
   */
  poll(cx: Context): Poll<T> {
    return this.task.poll(cx);
  }

  [DESCRIBE](): Description {
    return this.task[DESCRIBE]();
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

  /**
   * Whether the task has finished (with a value, a panic or a cancellation).
   *
   * @example
   * ```ts
   * if (!handle.isFinished()) console.log("the soup is still on the stove");
   * ```
   */
  isFinished(): boolean {
    return this.task.isFinished();
  }

  /**
   * A handle that can abort the task but not await it.
   *
   * @example
   * ```ts
   * const stop = handle.abortHandle(); // give the waiter a way to call the order off
   * stop.abort();
   * ```
   */
  abortHandle(): AbortHandle {
    return this.task.abortHandle();
  }

  /**
   * Await the task from native code (`await handle`): its value, or its `JoinError` as a
   * rejection. Inside a Brigade task use `yield* handle`, which does not leave the runtime.
   *
   * @example
   * ```ts
   * const rt = new Runtime();
   * console.log(await rt.spawn(cookDish("Soup", 1000))); // "Dish: Soup"
   * ```
   */
  // biome-ignore lint/suspicious/noThenProperty: a JoinHandle is deliberately awaitable from native code.
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.task.then(onfulfilled, onrejected);
  }

  /**
   * Detach, not abort: stop waiting for the task, which keeps running (`abort()` cancels it). The
   * waiting task's waker is let go; unless native code awaits the handle, an output that can no
   * longer be taken is disposed if it owns something (now, or when it comes), and a later panic is
   * reported rather than lost.
   *
   * @example
   * ```ts
   * using table = spawn(cookDish("Soup", 1000)); // at the scope's end the soup cooks on, unawaited
   * ```
   */
  [Symbol.dispose](): void {
    this.task[Symbol.dispose]();
  }
}

/**
 * A spawned task is its own handle, so `value instanceof JoinHandle` is true for it too. Only for
 * JoinHandle itself: a subclass (the class on the right of `instanceof` is `this`) keeps the plain
 * prototype check.
 */
Object.defineProperty(JoinHandle, Symbol.hasInstance, {
  value: function hasInstance(this: abstract new (...args: never[]) => unknown, value: unknown) {
    if (typeof value !== "object" || value === null) return false;
    if (this === JoinHandle && (value as { [SPAWNED_TASK]?: true })[SPAWNED_TASK] === true) {
      return true;
    }
    return Object.prototype.isPrototypeOf.call(this.prototype, value);
  },
});

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
  /** Not for direct use: made by the library. */
  constructor(private readonly task: Task<unknown>) {}

  /**
   * The task's id.
   *
   * @example
   * ```ts
   * const soup = set.spawn(cookDish("Soup", 1000));
   * console.log(`task ${soup.id} is on the soup`);
   * ```
   */
  get id(): number {
    return this.task.id;
  }

  /**
   * Cancel the task (see {@link JoinHandle.abort}).
   *
   * @example
   * ```ts
   * const soup = set.spawn(cookDish("Soup", 1000));
   * soup.abort(); // the soup only; the rest of the set cooks on
   * ```
   */
  abort(): void {
    this.task.abort();
  }

  /**
   * Whether the task has finished.
   *
   * @example
   * ```ts
   * if (!soup.isFinished()) soup.abort();
   * ```
   */
  isFinished(): boolean {
    return this.task.isFinished();
  }
}
