/**
 * RwLock: the recipe book. Any number of cooks may read it at once, but whoever rewrites a recipe
 * needs it alone. Built on {@link Permits}: a reader takes one permit, a writer takes all of them,
 * and the line is FIFO, so readers who arrive after a waiting writer queue behind it: a writer is
 * never starved by a stream of readers (tokio's policy).
 *
 * Deadlock checks as for `Mutex`: a task that would wait on an RwLock it holds (a write while it
 * reads, a read while it writes, or a second read queued behind a waiting writer) gets a
 * {@link DeadlockError}, as does a wait that closes a cycle of tasks.
 */
import type { WaitsOn } from "../future/describe.js";
import type { FutureBase } from "../future/future.js";
import type { Task } from "../task/task.js";
import { callSite, stopWaiting } from "./deadlock.js";
import { ReleasedError } from "./errors.js";
import type { LockOptions } from "./lock.js";
import { GUARD_NOT_RELEASED, holderNote, Lock, LockGuard, lockHolders } from "./lock.js";
import { type Acquire, HELD, MAX_PERMITS, WAITING } from "./permits.js";

/** Options of `new RwLock()`: the same as a mutex's. */
export type RwLockOptions = LockOptions;

/** A shared, read-only view of the value. */
export interface RwLockReadGuard<T> extends Disposable {
  /** The protected value. Throws a `ReleasedError` after release. */
  readonly value: T;
  /** Give up this read access. Throws a `ReleasedError` if already released. */
  release(): void;
}

/** Exclusive access to the value. */
export interface RwLockWriteGuard<T> extends Disposable {
  /** The protected value; assign to replace it. Throws a `ReleasedError` after release. */
  value: T;
  /** Give up write access. Throws a `ReleasedError` if already released. */
  release(): void;
}

const WRITE = MAX_PERMITS;

/**
 * An async reader-writer lock around a value of type `T`.
 *
 * @example
 * ```ts
 * const menu = new RwLock(["soup"], { name: "menu" });
 * {
 *   using r = yield* menu.read();
 *   console.log(r.value.length);
 * }
 * {
 *   using w = yield* menu.write();
 *   w.value.push("pasta");
 * }
 * ```
 */
export class RwLock<T> extends Lock<T> {
  /** @internal the writer, when a writer holds it inside a task. */
  writer: Task<any> | null = null;
  /** @internal reading tasks, one entry per read guard taken inside a task. */
  readonly readers: Task<any>[] = [];
  /** @internal call sites by holder, when tracked. */
  private readonly sites: Map<Task<any>, string> | null;

  constructor(value: T, options?: RwLockOptions) {
    super(MAX_PERMITS, value, options, "new RwLock(value, options)");
    this.sites = this.trackCaller ? new Map() : null;
  }

  /**
   * Wait for shared read access; the future becomes the read guard.
   *
   * Cancel safety: dropping it leaves the line at once (the place in line is lost); read access
   * already handed to it is given back.
   *
   * @example
   * ```ts
   * using r = yield* menu.read();
   * ```
   */
  read(): FutureBase<RwLockReadGuard<T>> & Disposable {
    return new RwAccess<T>(this, 1, this.trackCaller ? callSite() : null);
  }

  /**
   * Wait for exclusive write access; the future becomes the write guard.
   *
   * Cancel safety: as `read()`: the place in line is lost, access already granted is passed on.
   *
   * @example
   * ```ts
   * using w = yield* menu.write();
   * w.value = [...w.value, "pasta"];
   * ```
   */
  write(): FutureBase<RwLockWriteGuard<T>> & Disposable {
    return new RwAccess<T>(this, WRITE, this.trackCaller ? callSite() : null);
  }

  /**
   * Read access now if no writer holds or waits for the lock, else `null`.
   *
   * @example
   * ```ts
   * const r = menu.tryRead();
   * if (r !== null) { show(r.value); r.release(); }
   * ```
   */
  tryRead(): RwLockReadGuard<T> | null {
    // The call site is read here, one frame above the caller (as `read()` does), not in tryTake.
    return this.tryTake(1, this.trackCaller ? callSite() : null);
  }

  /**
   * Write access now if nobody holds or waits for the lock, else `null`.
   *
   * @example
   * ```ts
   * const w = menu.tryWrite();
   * if (w !== null) { w.value = []; w.release(); }
   * ```
   */
  tryWrite(): RwLockWriteGuard<T> | null {
    return this.tryTake(WRITE, this.trackCaller ? callSite() : null);
  }

  private tryTake(need: number, site: string | null): RwAccess<T> | null {
    if (!this.canTake(need)) return null;
    return this.holdNow(new RwAccess<T>(this, need, site));
  }

  /**
   * How many read guards are held now.
   *
   * @example
   * ```ts
   * using a = yield* menu.read();
   * using b = yield* menu.read();
   * console.log(menu.readerCount()); // 2
   * ```
   */
  readerCount(): number {
    return this.permits === 0 ? 0 : MAX_PERMITS - this.permits;
  }

  /**
   * Whether a writer holds the lock now.
   *
   * @example
   * ```ts
   * if (menu.isWriteLocked()) console.log("the menu is being rewritten");
   * ```
   */
  isWriteLocked(): boolean {
    return this.permits === 0;
  }

  /** @internal */
  override onGrant(a: Acquire<unknown>): void {
    const task = a.task;
    if (task === null) return;
    if (a.stage === WAITING) stopWaiting(task);
    if (a.need === WRITE) this.writer = task;
    else this.readers.push(task);
    const site = (a as RwAccess<T>).site;
    if (site !== null) this.sites?.set(task, site);
  }

  /** @internal */
  override onRelease(a: Acquire<unknown>): void {
    const task = a.task;
    if (task === null) return;
    if (a.need === WRITE) this.writer = null;
    else {
      const i = this.readers.indexOf(task);
      if (i >= 0) this.readers.splice(i, 1);
    }
    if (this.sites !== null && this.writer !== task && !this.readers.includes(task)) {
      this.sites.delete(task);
    }
  }

  /** @internal */
  holds(task: Task<any>): boolean {
    return this.writer === task || this.readers.includes(task);
  }

  /** @internal */
  describe(): string {
    return `rwlock '${this.name}'`;
  }

  /** @internal */
  holderCount(): number {
    return this.writer !== null ? 1 : this.readers.length;
  }

  /** @internal */
  holderAt(i: number): Task<any> {
    return this.writer ?? this.readers[i]!;
  }

  /** @internal */
  siteOf(task: Task<any>): string | null {
    return this.sites?.get(task) ?? null;
  }
}

/** The `read()`/`write()` future, and the guard it becomes. */
class RwAccess<T> extends LockGuard<T, RwLock<T>, RwAccess<T>> implements RwLockWriteGuard<T> {
  protected acquired(): RwAccess<T> {
    return this;
  }

  protected label(): string {
    return `${this.lock.describe()}.${this.need === WRITE ? "write" : "read"}()`;
  }

  override describeWait(): string {
    const l = this.lock;
    // As a Mutex's wait says: a holder that has finished will never release (see holderNote).
    if (l.writer !== null) return `${this.label()}, written by ${holderNote(l.writer)}`;
    if (l.readers.length === 0) return this.label();
    const readers = `${this.label()}, read by ${l.readers.map((t) => `'${t.name}'`).join(", ")}`;
    const gone = l.readers.filter((t) => t.isFinished());
    if (gone.length === 0) return readers;
    return `${readers}; ${gone.map((t) => `'${t.name}'`).join(", ")} ${gone.length === 1 ? "has" : "have"} finished without releasing ${GUARD_NOT_RELEASED}`;
  }

  override holders(): WaitsOn | null {
    const l = this.lock;
    if (this.stage !== WAITING) return null; // a guard held or let go waits for nobody
    if (l.writer !== null) return lockHolders([l.writer]);
    return l.readers.length === 0 ? null : lockHolders(l.readers);
  }

  protected override checkWritable(): void {
    if (this.need !== WRITE) {
      throw new TypeError(
        `${this.lock.describe()}: a read guard cannot replace the value; take write()`,
      );
    }
  }

  release(): void {
    if (this.stage !== HELD) {
      throw new ReleasedError(
        `a ${this.need === WRITE ? "write" : "read"} guard of ${this.lock.describe()} was released twice (or before it was acquired)`,
      );
    }
    this.releaseHeld();
  }
}
