/**
 * Lock: what `Mutex` and `RwLock` share. A lock is {@link Permits} around a value, with a name,
 * that knows which tasks hold it (each lock says how, through `holds` and the grant hooks), so a
 * task about to wait on it is checked first for a deadlock (see `deadlock.ts`). Its guards are the
 * futures that acquired it ({@link LockGuard}): `value` reaches the protected value only while the
 * guard holds the lock. The walk-in fridge and the recipe book hang on the same hook.
 */
import { ambient } from "../future/ambient.js";
import type { WaitsOn } from "../future/describe.js";
import type { Task } from "../task/task.js";
import { checkWait, currentTask, startWaiting, stopWaiting } from "./deadlock.js";
import { ReleasedError } from "./errors.js";
import { checkNameOption } from "./name-option.js";
import { Acquire, HELD, Permits } from "./permits.js";

let nextLockId = 1;

/** The next default lock number. */
function lockNumber(): number {
  return nextLockId++;
}

/** Check a lock's options. */
function checkLockOptions(
  options: unknown,
  where: string,
): { name: string | undefined; trackCaller: boolean } {
  const name = checkNameOption(options, where) ?? undefined;
  if (options === undefined) return { name, trackCaller: false };
  const { trackCaller } = options as { trackCaller?: unknown };
  if (trackCaller !== undefined && typeof trackCaller !== "boolean") {
    throw new TypeError(
      `${where}: options.trackCaller must be a boolean, got ${typeof trackCaller}`,
    );
  }
  return { name, trackCaller: trackCaller === true };
}

/** Options of `new Mutex()` and `new RwLock()`. */
export interface LockOptions {
  /**
   * A name for deadlock reports and errors.
   * @default `#<n>` (a number unique in the process)
   * @example new Mutex(orders, { name: "orders" })
   */
  name?: string;
  /**
   * Record the call site of each `lock()` (a stack trace, ~2 µs) so deadlock reports say where the
   * holder took the lock. Off by default: reports name the holding task instead.
   * @default false
   * @example new Mutex(0, { name: "till", trackCaller: true })
   */
  trackCaller?: boolean;
}

/** @internal why a finished task still holds a lock: its guard was let go of without a release. */
export const GUARD_NOT_RELEASED = "(a guard kept with const instead of using?)";

/**
 * @internal a lock's holder as a wait names it: `task 'x'`, and, for a task that has finished (it
 * will never release the lock: the whole story of the wait), `, which has finished without
 * releasing it`.
 */
export function holderNote(holder: Task<any>): string {
  return holder.isFinished()
    ? `task '${holder.name}', which has finished without releasing it ${GUARD_NOT_RELEASED}`
    : `task '${holder.name}'`;
}

/** @internal the tasks holding a lock, as the deadlock report reads a wait for it. */
export function lockHolders(holders: readonly Task<any>[]): WaitsOn {
  return {
    kind: "lock",
    tasks: holders.map((t) => t.asWaited()),
  };
}

/**
 * A named lock around a value of type `T`, checked for deadlocks.
 *
 * @example
 * ```ts
 * class Till extends Lock<number> {
 *   private holder: Task<any> | null = null;
 *   constructor() { super(1, 0, { name: "till" }, "new Till()"); }
 *   holds(task: Task<any>) { return this.holder === task; }
 *   // …and the TrackedLock methods
 * }
 * ```
 */
export abstract class Lock<T> extends Permits {
  // A `TrackedLock` for the deadlock checks (src/sync/deadlock.ts), structurally: those members
  // are marked internal, left out of the published types, so the class does not name the
  // interface there.
  /** The lock's name, for errors and deadlock reports. */
  readonly name: string;
  /** @internal */
  data: T;
  /** @internal whether guards record where they were asked for. */
  readonly trackCaller: boolean;

  constructor(permits: number, value: T, options: LockOptions | undefined, where: string) {
    super(permits, true);
    const o = checkLockOptions(options, where);
    this.name = o.name ?? `#${lockNumber()}`;
    this.trackCaller = o.trackCaller;
    this.data = value;
  }

  /** @internal whether `task` holds this lock now (a wait of its own would never end). */
  abstract holds(task: Task<any>): boolean;
  /** @internal */
  abstract describe(): string;
  /** @internal */
  abstract holderCount(): number;
  /** @internal */
  abstract holderAt(i: number): Task<any>;
  /** @internal */
  abstract siteOf(task: Task<any>): string | null;

  /** @internal give `g` its permits now: the caller checked `canTake`. Returns `g`, now held. */
  protected holdNow<G extends Acquire<unknown>>(g: G): G {
    g.task = currentTask(ambient.cx?.owner);
    this.permits -= g.need;
    this.onGrant(g);
    g.stage = HELD;
    return g;
  }

  /** @internal */
  override onWait(a: Acquire<unknown>): void {
    const task = a.task;
    // Inside a join, select or other branching combinator, the task may still go on in another
    // branch (which may be the one holding the lock): its wait proves nothing (deadlock.ts).
    if (task === null || ambient.branching > 0 || !task.scheduler.detectsDeadlocks) return;
    checkWait(task, this, this.holds(task));
    startWaiting(task, this);
  }

  /** @internal */
  override onLeave(a: Acquire<unknown>): void {
    if (a.task !== null) stopWaiting(a.task);
  }
}

/**
 * The future of a lock, and the guard it becomes: `value` works only while it holds the lock.
 *
 * @example
 * ```ts
 * class TillGuard extends LockGuard<number, Till, TillGuard> {
 *   protected acquired() { return this; }
 *   protected label() { return "till.lock()"; }
 * }
 * ```
 */
export abstract class LockGuard<T, L extends Lock<T>, G> extends Acquire<G> {
  constructor(
    protected readonly lock: L,
    need: number,
    /** Where the guard was asked for, when the lock tracks callers. */
    readonly site: string | null,
  ) {
    super(lock, need);
  }

  get value(): T {
    if (this.stage !== HELD) throw this.released("read");
    return this.lock.data;
  }

  set value(v: T) {
    this.checkWritable();
    if (this.stage !== HELD) throw this.released("written");
    this.lock.data = v;
  }

  /** Throws if this kind of guard may not replace the value (a read guard). */
  protected checkWritable(): void {}

  private released(what: string): ReleasedError {
    return new ReleasedError(
      `the value of ${this.lock.describe()} was ${what} through a guard that does not hold the lock (released, or not yet acquired)`,
    );
  }
}
