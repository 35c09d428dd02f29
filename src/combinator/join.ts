/**
 * join and tryJoin: one chef, several dishes. The children are polled in place, inside the task
 * that polls the join (intratask concurrency: no new task, no allocation per child per poll). The
 * join is ready when every child is; a child that is not ready makes the whole join pending.
 *
 * Errors:
 * - `join` never abandons a child: every child runs to its end, then the join throws the first
 *   error (an `AggregateError` when several children threw) or returns every value.
 * - `tryJoin` fails fast: the first error drops the children still running, in argument order
 *   (each `finally` runs once; one that throws does not stop the others), and is thrown at once,
 *   like `?` on the first `Err`.
 *
 * Values that will never be handed over are disposed, as Rust drops a `join!`'s outputs: those of
 * the children that finished, when the join throws or is dropped before it completes (a lock
 * guard one child took is released; see children.ts). The same future given twice is an error.
 *
 * Fairness: each poll starts from the next child in turn, as tokio's `join!` does, so a child that
 * is always ready cannot starve the ones after it of budget.
 */
import { ambient } from "../future/ambient.js";
import { CANCEL, CancellableFuture, type Cleanup, cancelAll, dropAll } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { assertFuture, type Future, type FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { assertDistinct, disposeOutputs } from "./children.js";

/** The output tuple of joining futures of these types. */
export type JoinOutput<Fs extends readonly Future<unknown>[]> = {
  -readonly [K in keyof Fs]: Fs[K] extends Future<infer T> ? T : never;
};

/** @internal */
export class Join<T> extends CancellableFuture<T> {
  private readonly children: (Future<unknown> | null)[];
  private readonly results: unknown[];
  private left: number;
  private start = 0;
  private errors: unknown[] | null = null;
  private done = false;
  /** Set when dropped before it completed, for the error of a poll after that. */
  private dropped = false;

  constructor(
    children: Future<unknown>[],
    private readonly failFast: boolean,
    private readonly what: string,
  ) {
    super();
    this.children = children;
    this.results = new Array(children.length).fill(undefined);
    this.left = children.length;
  }

  poll(cx: Context): Poll<T> {
    // Its children are branches of the task: a wait in one does not block the others.
    ambient.branching++;
    try {
      return this.pollChildren(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollChildren(cx: Context): Poll<T> {
    if (this.done) throw this.pollAfterEnd(this.what);
    const children = this.children;
    const n = children.length;
    let i = this.start;
    for (let k = 0; k < n; k++, i = i + 1 === n ? 0 : i + 1) {
      const child = children[i];
      if (child === null || child === undefined) continue;
      let r: unknown;
      try {
        r = child.poll(cx);
      } catch (e) {
        children[i] = null;
        this.left--;
        if (this.failFast) {
          this.done = true;
          try {
            this.dropChildren();
          } catch (d) {
            // The failure stays first: a cleanup error must not hide its cause.
            throw new AggregateError(
              [e, d],
              `${this.what} failed, and dropping the other children threw`,
            );
          } finally {
            disposeOutputs(this.results);
          }
          throw e;
        }
        (this.errors ??= []).push(e);
        continue;
      }
      if (r === PENDING) continue;
      this.results[i] = r;
      children[i] = null;
      this.left--;
    }
    if (n > 0) this.start = this.start + 1 === n ? 0 : this.start + 1;
    if (this.left > 0) return PENDING;
    this.done = true;
    const errors = this.errors;
    if (errors !== null) {
      this.errors = null;
      disposeOutputs(this.results);
      if (errors.length === 1) throw errors[0];
      throw new AggregateError(errors, `${errors.length} futures in ${this.what} threw`);
    }
    return this.results as T;
  }

  private dropChildren(): void {
    dropAll(this.children);
  }

  private pollAfterEnd(what: string): FutureStateError {
    return new FutureStateError(
      `${what} was polled after it ${this.dropped ? "was dropped" : "completed"}: a future that has completed or been dropped must not be polled again`,
    );
  }

  [DESCRIBE](): Description {
    return { label: this.what, children: this.children.filter((c) => c !== null) };
  }

  [CANCEL](): Cleanup | null {
    // Dropped before it completed: what the finished children gave is nobody's now.
    const abandoned = !this.done;
    if (abandoned) this.dropped = true;
    this.done = true;
    try {
      return cancelAll(this.children);
    } finally {
      if (abandoned) disposeOutputs(this.results);
    }
  }
}

function checkAll(futures: readonly unknown[], what: string): Future<unknown>[] {
  for (let i = 0; i < futures.length; i++) assertFuture(futures[i], `${what}: argument ${i}`);
  assertDistinct(futures, what, "argument");
  return futures.slice() as Future<unknown>[];
}

/**
 * Poll every future concurrently inside this task; ready with all their values, in order.
 * Every child runs to its end even if another throws; then its error is thrown (an
 * `AggregateError` of them all, in the order they threw, when several did).
 *
 * @example
 * ```ts
 * const [pasta, salad] = yield* join(cookDish("Pasta", 3000), cookDish("Salad", 2000)); // at 3 s
 * ```
 */
export function join<const Fs extends readonly Future<unknown>[]>(
  ...futures: Fs
): FutureBase<JoinOutput<Fs>> & Disposable {
  return new Join(checkAll(futures, "join(...futures)"), false, "join");
}

/**
 * Like `join`, but the first error drops the other children (their `finally` blocks run) and is
 * thrown at once.
 *
 * @example
 * ```ts
 * const [user, orders] = yield* tryJoin(fetchUser(id), fetchOrders(id)); // either failing cancels the other
 * ```
 */
export function tryJoin<const Fs extends readonly Future<unknown>[]>(
  ...futures: Fs
): FutureBase<JoinOutput<Fs>> & Disposable {
  return new Join(checkAll(futures, "tryJoin(...futures)"), true, "tryJoin");
}
