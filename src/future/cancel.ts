/**
 * Cancellation is drop: tearing up the recipe card. Every future that holds a resource implements
 * `[Symbol.dispose]()`, idempotently, and releases it there.
 *
 * Some futures cannot finish tearing down at once: an async fn whose `finally` block itself awaits
 * (closing a connection politely, say). Such futures also implement `[CANCEL]()`, which starts the
 * teardown and returns the rest of it as a future to drive to the end, or `null` when nothing is
 * left. The rule, and who drives that rest:
 *
 * - a task that is aborted drives its future's cleanup to the end before its handle reports
 *   cancelled (so `abort()` followed by `yield* handle` sees every `finally` finished), including
 *   the cleanups of the children of a `join`, `race`, `select` or `timeout` its async fns were
 *   awaiting (see {@link CancellableFuture});
 * - a combinator that drops a child (the loser of a `race`, the rest of a failed `tryJoin`) hands
 *   the child's cleanup to the runtime, which finishes it as a detached task.
 *
 * Nothing is ever cut short: Effection's issue #1190 is what happens otherwise.
 */
import { ambient, hostOf, recordTeardownFailure } from "./ambient.js";
import type { Context } from "./context.js";
import { DESCRIBE, type Description } from "./describe.js";
import type { Future, Suspend } from "./future.js";
import { disposeOf, FutureBase, RETURNED, SUSPENDED, stepContext, stepResult } from "./future.js";
import { PENDING, type Poll } from "./poll.js";

/** The method that starts a future's teardown and returns what is left of it. */
export const CANCEL: unique symbol = Symbol("brigade.cancel");

/** The rest of a teardown: a future to drive to the end, tagged with the task that owned it. */
export interface Cleanup extends Future<void> {
  /** The owner token of the task that was polling the torn-down future. */
  readonly owner: unknown;
}

/** A future whose teardown may have to wait. */
export interface Cancellable {
  [CANCEL](): Cleanup | null;
}

/**
 * Start tearing `future` down: returns the part of the teardown still to be driven, or `null`.
 * Futures without `[CANCEL]` are simply disposed. A hand-written combinator's own `[CANCEL]`
 * returns what this gives for its child, so that whoever tears it down drives the child's
 * awaiting `finally` blocks to their end.
 *
 * @example
 * ```ts
 * class WithCancel<T> extends FutureBase<T> implements Cancellable {
 *   // …poll, and [Symbol.dispose]() { drop(this.child); }
 *   [CANCEL](): Cleanup | null {
 *     return cancel(this.child); // the child's cleanup goes to whoever cancels us
 *   }
 * }
 * ```
 */
export function cancel(future: unknown): Cleanup | null {
  if (future === null || typeof future !== "object") return null;
  const c = (future as Partial<Cancellable>)[CANCEL];
  if (c !== undefined) return c.call(future);
  const d = (future as Partial<Disposable>)[Symbol.dispose];
  if (d !== undefined) d.call(future);
  return null;
}

/**
 * Drop `future`: dispose it now, and hand any asynchronous cleanup left to the runtime as a
 * detached task. With no runtime around (a future polled by hand), the cleanup is abandoned at its
 * first await, which is all a lone poller can do. What a hand-written combinator calls for a child
 * it abandons (a loser, a child its own dispose lets go). Brigade's own futures do the same when
 * disposed; `drop` does it for any future, whatever its dispose does.
 *
 * @example
 * ```ts
 * if (token.isCancelled()) {
 *   drop(this.child); // its finally blocks run, to the end, as a detached cleanup
 *   this.child = null;
 *   throw new CancelledError();
 * }
 * ```
 */
export function drop(future: unknown): void {
  const rest = cancel(future);
  if (rest !== null) detach(rest);
}

/**
 * Finish a started cleanup as a detached task of the runtime that owns it, inside the task-local
 * scopes it was dropped in (`ambient.carry`).
 */
function detach(rest: Cleanup): void {
  const host = ambient.host ?? hostOf(rest.owner);
  if (host === null) return;
  const carry = ambient.carry;
  host.spawnCleanup(carry === null ? rest : carry.wrap(rest), rest.owner);
}

/**
 * Dispose `value` if it holds anything, swallowing what a `finally` throws on the way out: for
 * what nobody can be told about, a cleanup the runtime gave up on, or the output of a dropped
 * JoinHandle (tokio ignores a panic while dropping such an output too).
 */
export function disposeQuietly(value: unknown): void {
  try {
    disposeOf(value);
  } catch {
    // Nobody to tell.
  }
}

/**
 * Drop every future in `children` (emptying their slots), each on its own: a `finally` that throws
 * does not stop the others from being dropped. The first error is thrown afterwards (an
 * `AggregateError` when several threw). What an N-ary combinator's dispose calls.
 *
 * @example
 * ```ts
 * [Symbol.dispose](): void {
 *   dropAll(this.children); // every slot is null afterwards
 * }
 * ```
 */
export function dropAll(children: unknown[]): void {
  let errors: unknown[] | null = null;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    children[i] = null;
    if (c === null || c === undefined) continue;
    try {
      drop(c);
    } catch (e) {
      (errors ??= []).push(e);
    }
  }
  if (errors !== null) throwAll(errors, "dropping futures");
}

/**
 * Start tearing down every future in `children` (emptying their slots), each on its own, and
 * combine what is left of their cleanups into one, or `null` when none is left. If a `finally`
 * throws, the other children are still torn down, the cleanups already started are finished
 * detached, and the first error is thrown. What an N-ary combinator's `[CANCEL]` returns.
 *
 * @example
 * ```ts
 * [CANCEL](): Cleanup | null {
 *   return cancelAll(this.children); // whoever cancels us drives every child's cleanup
 * }
 * ```
 */
export function cancelAll(children: unknown[]): Cleanup | null {
  const rests: Cleanup[] = [];
  let errors: unknown[] | null = null;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    children[i] = null;
    if (c === null || c === undefined) continue;
    try {
      const rest = cancel(c);
      if (rest !== null) rests.push(rest);
    } catch (e) {
      (errors ??= []).push(e);
    }
  }
  if (errors !== null) {
    // The cleanups already started are finished detached, never abandoned.
    for (const rest of rests) detach(rest);
    throwAll(errors, "cancelling futures");
  }
  return allCleanups(rests);
}

function throwAll(errors: unknown[], what: string): never {
  if (errors.length === 1) throw errors[0];
  throw new AggregateError(errors, `${errors.length} finally blocks threw while ${what}`);
}

/**
 * Combine the cleanups of several children into one, or `null` when none is left.
 */
export function allCleanups(cleanups: Cleanup[]): Cleanup | null {
  if (cleanups.length === 0) return null;
  if (cleanups.length === 1) return cleanups[0]!;
  return new AllCleanups(cleanups);
}

/**
 * The cleanups of several dropped children, driven side by side. One that throws does not stop the
 * others: they are driven to their end (as Rust goes on dropping a value's other fields when one
 * field's drop panics), and only then is the error thrown, an `AggregateError` when several threw.
 * Thrown at once, it would end the task driving this, leaving the other cleanups suspended half
 * way through their `finally` blocks, still queued for a lock or a permit they would never take
 * and give back.
 */
class AllCleanups extends FutureBase<void> implements Cleanup, Disposable {
  readonly owner: unknown;
  private readonly rest: (Cleanup | null)[];
  private left: number;
  /** What the cleanups that finished by throwing threw, in the order they did. */
  private errors: unknown[] | null = null;

  constructor(cleanups: Cleanup[]) {
    super();
    this.rest = cleanups;
    this.left = cleanups.length;
    this.owner = cleanups[0]!.owner;
  }

  /** For dumps and shutdown reports: the cleanups still running, each with its own waits. */
  [DESCRIBE](): Description {
    const left = this.rest.filter((c) => c !== null && c !== undefined);
    return { label: `cleanups (${left.length} running)`, children: left };
  }

  poll(cx: Context): Poll<void> {
    // The children's cleanups run side by side, like the children did: a lock one of them waits
    // for may be let go by another (see `ambient.branching`).
    ambient.branching++;
    try {
      return this.pollAll(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollAll(cx: Context): Poll<void> {
    for (let i = 0; i < this.rest.length; i++) {
      const c = this.rest[i];
      if (c === null || c === undefined) continue;
      try {
        if (c.poll(cx) === PENDING) continue;
      } catch (e) {
        (this.errors ??= []).push(e);
      }
      this.rest[i] = null;
      this.left--;
    }
    if (this.left > 0) return PENDING;
    const errors = this.errors;
    if (errors !== null) {
      this.errors = null;
      throwAll(errors, "cancelling futures");
    }
    return undefined;
  }

  /**
   * Given up on (see `Task.abandon`): each cleanup left is disposed, each on its own; what they
   * threw on the way out is thrown afterwards, for the one who gave up to report.
   */
  [Symbol.dispose](): void {
    // What the cleanups that already ended by throwing threw comes first.
    let errors: unknown[] | null = this.errors;
    this.errors = null;
    for (let i = 0; i < this.rest.length; i++) {
      const c = this.rest[i];
      this.rest[i] = null;
      try {
        disposeOf(c);
      } catch (e) {
        (errors ??= []).push(e);
      }
    }
    this.left = 0;
    if (errors !== null) throwAll(errors, "leaving cleanups given up on");
  }
}

/** Kept beside the rest of the teardown's tools; it lives in ambient.ts, which future.ts can import. */
export { recordTeardownFailure };

/** `teardown` before `return()`: the future is not being torn down by a `yield*`. */
const NOT_TORN = 0;
/** `teardown` once the teardown `return()` began has finished. */
const TORN = 1;

/**
 * A future whose teardown may await (`[CANCEL]`), for a combinator awaited with `yield*`. When the
 * async fn awaiting it is torn down (its task aborted, say), `yield*` calls `return()`: the
 * teardown starts there and what is left of it is driven as part of the async fn's own cleanup,
 * step by step, so the task reports cancelled only once the children's `finally` blocks have all
 * finished (a plain `FutureBase` would be dropped, its rest finished by a detached task).
 *
 * @example
 * ```ts
 * class Both<A, B> extends CancellableFuture<[A, B]> {
 *   poll(cx: Context) { … }
 *   [CANCEL]() { return cancelAll(this.children); }
 * }
 * ```
 */
export abstract class CancellableFuture<T>
  extends FutureBase<T>
  implements Cancellable, Disposable
{
  /** What is left of the teardown `return()` began, while it runs; else `NOT_TORN` or `TORN`. */
  private teardown: Cleanup | typeof NOT_TORN | typeof TORN = NOT_TORN;

  abstract [CANCEL](): Cleanup | null;

  [Symbol.dispose](): void {
    drop(this);
  }

  /** `yield*`'s step: poll, or go on with the teardown once it has begun. */
  override next(): IteratorResult<Suspend, T> {
    const t = this.teardown;
    // Once torn down, no teardown step is left: only a body awaiting this future again (in a
    // `finally`, say) steps it, and its own poll says it was dropped, rather than hand over nothing.
    if (t === NOT_TORN || t === TORN) return stepResult(this, this.poll(stepContext()));
    if (!this.stepTeardown(t)) return SUSPENDED;
    // Finished on a later step: the async fn above must go on being torn down, not carry on.
    ambient.unwinding = true;
    return SUSPENDED;
  }

  /** The awaiting async fn is torn down: begin this future's teardown, and drive it if it waits. */
  override return(): IteratorResult<Suspend, T> {
    const t = this.teardown;
    if (t === TORN) return RETURNED as IteratorReturnResult<any>;
    if (t === NOT_TORN) {
      let rest: Cleanup | null;
      try {
        rest = this[CANCEL]();
      } catch (e) {
        // A child's `finally` threw as it was dropped: thrown here, it would land in the awaiting
        // body's `catch` and let it run on. Kept for the teardown's driver instead.
        this.teardown = TORN;
        recordTeardownFailure(e);
        return RETURNED as IteratorReturnResult<any>;
      }
      if (rest === null) {
        this.teardown = TORN;
        return RETURNED as IteratorReturnResult<any>;
      }
      this.teardown = rest;
      return this.stepTeardown(rest) ? (RETURNED as IteratorReturnResult<any>) : SUSPENDED;
    }
    if (ambient.abandoning) {
      // The runtime gave up on this cleanup: release what the rest holds, drive nothing more.
      this.teardown = TORN;
      disposeOf(t);
      return RETURNED as IteratorReturnResult<any>;
    }
    // Asked again while the rest runs (the driver unwinding from further out): keep at it.
    return this.stepTeardown(t) ? (RETURNED as IteratorReturnResult<any>) : SUSPENDED;
  }

  /** Poll what is left of the teardown; true once it has finished (or thrown). */
  private stepTeardown(rest: Cleanup): boolean {
    let r: Poll<void>;
    try {
      r = rest.poll(stepContext());
    } catch (e) {
      // Finished, by a throw: kept for the driver, and the unwinding goes on (see above).
      this.teardown = TORN;
      recordTeardownFailure(e);
      return true;
    }
    if (r === PENDING) {
      ambient.suspended = rest;
      return false;
    }
    this.teardown = TORN;
    return true;
  }
}

/**
 * The mark of a value its holder owns alone, so that whoever is left holding it when nobody else
 * can take it disposes it, as Rust drops what it owns: a lock guard, a permit, a socket, a channel
 * end (Brigade marks its own), or a value of yours marked the same way. A `join` that failed, a
 * `race` whose loser threw, a dropped `JoinHandle`, a dropped `buffered` or `zip` dispose the
 * marked values they gathered and will never hand over. Values without the mark may be shared (a
 * `OnceCell`'s value, a broadcast message, an object kept elsewhere) and are let go, as Rust drops
 * a `&T` or one `Arc` of many.
 *
 * @example
 * ```ts
 * class Connection implements Disposable {
 *   readonly [OWNED] = true; // one owner: dispose it if it is left over
 *   [Symbol.dispose]() { this.socket.destroy(); }
 * }
 * ```
 */
export const OWNED: unique symbol = Symbol("brigade.owned");

/** Whether `value` carries the {@link OWNED} mark. */
function isOwned(value: unknown): boolean {
  return (
    value !== null && typeof value === "object" && (value as { [OWNED]?: unknown })[OWNED] === true
  );
}

/**
 * Dispose `value` if it is marked {@link OWNED} (quietly, as {@link disposeQuietly}): a value
 * gathered for someone who will never take it. A plain array is looked into, item by item (the
 * output of a nested `join`, a collected batch), as Rust drops a tuple or a `Vec` with its items.
 */
export function disposeOwned(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) disposeOwned(item);
  } else if (isOwned(value)) {
    disposeQuietly(value);
  }
}

/** Mark every instance of `cls` as {@link OWNED} (on its prototype: no field per object). */
export function markOwned(cls: { prototype: object }): void {
  (cls.prototype as { [OWNED]?: boolean })[OWNED] = true;
}
