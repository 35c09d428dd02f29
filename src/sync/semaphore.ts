/**
 * Semaphore: the stack of clean pans. `acquire(n)` waits until `n` pans are free and hands back a
 * permit that returns them when released or disposed. FIFO: a waiter asking for many pans is not
 * overtaken by later waiters asking for few. `close()` fails every waiter, now and later.
 */
import type { FutureBase } from "../future/future.js";
import { AcquireError, ReleasedError } from "./errors.js";
import { checkNameOption, type NameOptions } from "./name-option.js";
import { Acquire, HELD, MAX_PERMITS, Permits, SPENT } from "./permits.js";

/** Permits held from a semaphore; returned on `release()` or dispose. */
export interface SemaphorePermit extends Disposable {
  /** How many permits this holds (0 once released or forgotten). */
  readonly permits: number;
  /** Give the permits back. Throws a `ReleasedError` if already released or forgotten. */
  release(): void;
  /** Keep the permits out of the semaphore for good (tokio's `forget`): they are not returned. */
  forget(): void;
}

function checkPermits(n: unknown, where: string, min: number): number {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`${where} must be an integer, got ${typeof n === "number" ? n : typeof n}`);
  }
  if (n < min) throw new RangeError(`${where} must be at least ${min}, got ${n}`);
  if (n > MAX_PERMITS) throw new RangeError(`${where} must be at most ${MAX_PERMITS}, got ${n}`);
  return n;
}

/**
 * A counting semaphore.
 *
 * @example
 * ```ts
 * const pans = new Semaphore(3);
 * const fry = asyncFn(function* (egg: string) {
 *   using pan = yield* pans.acquire();
 *   yield* sleep(120);
 *   return `fried ${egg}`;
 * });
 * ```
 */
export class Semaphore extends Permits {
  /** The name given in the options, for reports and dumps; `null` without one. */
  readonly name: string | null;

  constructor(permits: number, options?: NameOptions) {
    super(checkPermits(permits, "new Semaphore(permits): permits", 0));
    this.name = checkNameOption(options, "new Semaphore(permits, options)");
  }

  /** @internal how its waits are labelled: `sem` or `semaphore 'db pool'`. */
  get title(): string {
    return this.name === null ? "sem" : `semaphore '${this.name}'`;
  }

  /**
   * Wait for `n` permits (default 1); the future becomes the permit.
   *
   * Cancel safety: dropping it loses its place in line; permits already handed to it are given
   * back and go to the next waiter. Throws an {@link AcquireError} if the semaphore is closed.
   *
   * @example
   * ```ts
   * using permit = yield* sem.acquire(2);
   * ```
   */
  acquire(n = 1): FutureBase<SemaphorePermit> & Disposable {
    return new SemaphoreAcquire(this, checkPermits(n, "sem.acquire(n): n", 1));
  }

  /**
   * `n` permits now if they are free and nobody waits, else `null`. Throws an
   * {@link AcquireError} if the semaphore is closed.
   *
   * @example
   * ```ts
   * const p = sem.tryAcquire();
   * if (p === null) return "busy";
   * ```
   */
  tryAcquire(n = 1): SemaphorePermit | null {
    checkPermits(n, "sem.tryAcquire(n): n", 1);
    if (this.closed) throw this.closedError();
    if (!this.canTake(n)) return null;
    const p = new SemaphoreAcquire(this, n);
    this.permits -= n;
    p.stage = HELD;
    return p;
  }

  /**
   * Add `n` permits (serving waiters in order).
   *
   * @example
   * ```ts
   * sem.addPermits(2);
   * ```
   */
  addPermits(n: number): void {
    checkPermits(n, "sem.addPermits(n): n", 0);
    if (this.permits + n > MAX_PERMITS) {
      throw new RangeError(
        `sem.addPermits(n): the semaphore would hold more than ${MAX_PERMITS} permits`,
      );
    }
    this.releasePermits(n);
  }

  /**
   * Permits free now.
   *
   * @example
   * ```ts
   * const burners = new Semaphore(4);
   * using burner = yield* burners.acquire();
   * console.log(burners.availablePermits()); // 3
   * ```
   */
  availablePermits(): number {
    return this.permits;
  }

  /**
   * Close: every waiter, and every later `acquire`, fails with an {@link AcquireError}. Permits
   * already held stay valid.
   *
   * @example
   * ```ts
   * sem.close();
   * ```
   */
  close(): void {
    this.closePermits();
  }

  /**
   * Whether `close()` was called.
   *
   * @example
   * ```ts
   * burners.close();
   * console.log(burners.isClosed()); // true: acquire() now throws AcquireError
   * ```
   */
  isClosed(): boolean {
    return this.closed;
  }

  /** @internal */
  override closedError(): Error {
    return new AcquireError(
      `${this.name === null ? "the semaphore" : `semaphore '${this.name}'`} is closed: no more permits are handed out`,
    );
  }
}

class SemaphoreAcquire extends Acquire<SemaphorePermit> implements SemaphorePermit {
  protected acquired(): SemaphorePermit {
    return this;
  }

  protected label(): string {
    return `${(this.core as Semaphore).title}.acquire(${this.need})`;
  }

  override describeWait(): string {
    const free = this.core.permits;
    return `${this.label()}, ${free === 1 ? "1 permit" : `${free} permits`} free`;
  }

  get permits(): number {
    return this.stage === HELD ? this.need : 0;
  }

  release(): void {
    if (this.stage !== HELD) {
      throw new ReleasedError(
        "a semaphore permit was released twice, or after forget(), or before it was acquired",
      );
    }
    this.releaseHeld();
  }

  forget(): void {
    if (this.stage !== HELD) {
      throw new ReleasedError(
        "a semaphore permit was forgotten twice, or after release(), or before it was acquired",
      );
    }
    this.stage = SPENT;
  }
}
