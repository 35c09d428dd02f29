/**
 * Mutex: the one key to the walk-in fridge. An async mutual-exclusion lock around a value: at most
 * one guard exists at a time, and waiters get the key in the order they asked (FIFO, by direct
 * hand-off: a released lock goes straight to the head of the line).
 *
 * The future returned by `lock()` becomes the guard when it is ready, so a lock costs one object.
 * `using guard = yield* mutex.lock()` releases at the end of the scope.
 *
 * Deadlock checks (see `deadlock.ts`): a task that asks for a mutex it already holds, or whose wait
 * would close a cycle of tasks waiting on each other's locks, gets a {@link DeadlockError} at once.
 */
import type { WaitsOn } from "../future/describe.js";
import type { FutureBase } from "../future/future.js";
import type { Task } from "../task/task.js";
import { callSite, stopWaiting } from "./deadlock.js";
import { ReleasedError } from "./errors.js";
import { holderNote, Lock, LockGuard, type LockOptions, lockHolders } from "./lock.js";
import { type Acquire, HELD, WAITING } from "./permits.js";

/** Options of `new Mutex()`. */
export type MutexOptions = LockOptions;

/** The guard of a held mutex: access to the value until `release()`. */
export interface MutexGuard<T> extends Disposable {
  /** The protected value; assign to replace it. Throws a `ReleasedError` after release. */
  value: T;
  /** Unlock now; the next waiter gets the lock. Throws a `ReleasedError` if already released. */
  release(): void;
}

/**
 * An async mutex around a value of type `T`.
 *
 * @example
 * ```ts
 * const till = new Mutex(0, { name: "till" });
 * const takeOrder = asyncFn(function* (price: number) {
 *   using guard = yield* till.lock();
 *   guard.value += price;            // nobody else touches the till meanwhile
 *   yield* sleep(10);                // holding a Brigade mutex across an await is fine
 * });                                // released here
 * ```
 */
export class Mutex<T = void> extends Lock<T> {
  /** @internal the task holding the lock (null when free, or held outside any task). */
  holder: Task<any> | null = null;
  /** @internal where the holder took it, when `trackCaller` is on. */
  holderSite: string | null = null;

  constructor(value: T, options?: MutexOptions) {
    super(1, value, options, "new Mutex(value, options)");
  }

  /**
   * Wait for the lock; the future becomes the guard.
   *
   * Cancel safety: not cancel-safe in the sense of keeping a place in line: a dropped `lock()`
   * leaves the queue at once and loses its place. It never loses the lock itself: if the lock was
   * already handed to it, dropping passes the lock to the next waiter.
   *
   * Throws a {@link DeadlockError} when the polling task already holds this mutex or its wait
   * would close a cycle of tasks waiting on each other's locks.
   *
   * @example
   * ```ts
   * using guard = yield* mutex.lock();
   * guard.value.push("order 12");
   * ```
   */
  lock(): FutureBase<MutexGuard<T>> & Disposable {
    return new MutexLock(this, this.trackCaller ? callSite() : null);
  }

  /**
   * Take the lock if it is free and nobody waits, else return `null` (never jumps the line).
   *
   * @example
   * ```ts
   * const guard = mutex.tryLock();
   * if (guard !== null) { guard.value++; guard.release(); }
   * ```
   */
  tryLock(): MutexGuard<T> | null {
    if (!this.canTake(1)) return null;
    return this.holdNow(new MutexLock(this, this.trackCaller ? callSite() : null));
  }

  /**
   * Whether some guard holds the lock now.
   *
   * @example
   * ```ts
   * if (pantry.isLocked()) console.log("someone is in the pantry");
   * ```
   */
  isLocked(): boolean {
    return this.permits === 0;
  }

  /** @internal */
  override onGrant(a: Acquire<unknown>): void {
    this.holder = a.task;
    this.holderSite = (a as MutexLock<T>).site;
    if (a.task !== null && a.stage === WAITING) stopWaiting(a.task);
  }

  /** @internal */
  override onRelease(_a: Acquire<unknown>): void {
    this.holder = null;
    this.holderSite = null;
  }

  /** @internal */
  holds(task: Task<any>): boolean {
    return this.holder === task;
  }

  /** @internal */
  describe(): string {
    return `mutex '${this.name}'`;
  }

  /** @internal */
  holderCount(): number {
    return this.holder === null ? 0 : 1;
  }

  /** @internal */
  holderAt(_i: number): Task<any> {
    return this.holder!;
  }

  /** @internal */
  siteOf(_task: Task<any>): string | null {
    return this.holderSite;
  }
}

/** The `lock()` future, and the guard it becomes. */
class MutexLock<T> extends LockGuard<T, Mutex<T>, MutexGuard<T>> implements MutexGuard<T> {
  constructor(mutex: Mutex<T>, site: string | null) {
    super(mutex, 1, site);
  }

  protected acquired(): MutexGuard<T> {
    return this;
  }

  protected label(): string {
    return `${this.lock.describe()}.lock()`;
  }

  override describeWait(): string {
    const h = this.lock.holder;
    return h === null ? this.label() : `${this.label()}, held by ${holderNote(h)}`;
  }

  override holders(): WaitsOn | null {
    const h = this.lock.holder;
    return h === null || this.stage !== WAITING ? null : lockHolders([h]);
  }

  release(): void {
    if (this.stage !== HELD) {
      throw new ReleasedError(
        `the guard of ${this.lock.describe()} was released twice (or before it was acquired): release() once, or let \`using\` do it`,
      );
    }
    this.releaseHeld();
  }
}
