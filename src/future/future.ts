/**
 * Future: the recipe card. A future is a value that can be polled: `poll(cx)` either returns the
 * output or returns `PENDING` after arranging for `cx.waker` to be woken. Creating a future runs
 * nothing; only polling does.
 *
 * Every Brigade future can also be awaited inside an async fn with `yield*`. That works because a
 * future is its own one-shot iterator: `yield*` calls `next()`, which polls the future with the
 * ambient context (see `ambient.ts`) and hands back one shared result object, either "suspended"
 * (the generator parks) or "done" with the output (the generator resumes with it). A throw from
 * `poll` surfaces at the `yield*`, so `try`/`catch` works like Rust's `?`. When the generator is
 * torn down (`return()`), `yield*` forwards that to the future's `return()`, which disposes it.
 */
import { ambient, recordTeardownFailure } from "./ambient.js";
import type { Context } from "./context.js";
import { FutureStateError } from "./errors.js";
import { PENDING, type Poll } from "./poll.js";

/** The opaque value a suspended async fn yields to its driver. */
export type Suspend = typeof PENDING;

/** A lazily computed value that is driven by polling. */
export interface Future<T> {
  /** Advance the computation: the output, or `PENDING` with `cx.waker` registered. */
  poll(cx: Context): Poll<T>;
  /** Makes the future awaitable with `yield*` inside an async fn. */
  [Symbol.iterator](): Iterator<Suspend, T, unknown>;
}

/** A future that holds something and must release it when dropped. */
export type DisposableFuture<T> = Future<T> & Disposable;

/**
 * The type a future completes with (Rust's `F::Output`); for an async fn, of what its call returns.
 *
 * @example
 * ```ts
 * type Dish = FutureOutput<ReturnType<typeof cookDish>>; // string
 * ```
 */
export type FutureOutput<F> = F extends Future<infer T> ? T : never;

/** The shared "park me" result. Frozen: nothing may change it. */
export const SUSPENDED: IteratorYieldResult<Suspend> = Object.freeze({
  done: false,
  value: PENDING,
}) as IteratorYieldResult<Suspend>;

/**
 * The shared "finished" result. `yield*` reads `value` immediately, before anything else can run,
 * so one mutable object serves every completion. Cleared after use would cost a write per await;
 * the last output stays referenced until the next one, which is harmless.
 */
const DONE: { done: true; value: unknown } = { done: true, value: undefined };

/** The result of `return()`, and of any step that finishes with `undefined`: done. */
export const RETURNED: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
}) as IteratorReturnResult<undefined>;

/**
 * Base class for futures: implement `poll`, and `[Symbol.dispose]` if the future holds anything.
 *
 * @example
 * ```ts
 * class Countdown extends FutureBase<string> {
 *   constructor(private n: number) { super(); }
 *   poll(cx: Context): Poll<string> {
 *     if (this.n-- > 0) { cx.waker.wake(); return PENDING; }
 *     return "liftoff";
 *   }
 * }
 * const message = yield* new Countdown(3);
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below adds a type-only member.
export abstract class FutureBase<T> implements Future<T>, Iterator<Suspend, T, unknown> {
  /**
   * Advance the future: return the output, or store `cx.waker` and return `PENDING`. Tasks,
   * combinators and `yield*` call it; call it yourself only in a hand-written future polling a
   * child, or in a test.
   *
   * @example
   * ```ts
   * const first = new Countdown(3).poll(new Context(Waker.noop())); // PENDING, and the waker rang
   * ```
   */
  abstract poll(cx: Context): Poll<T>;

  [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    return this;
  }

  /**
   * One step of `yield*`: poll with the ambient context.
   *
   * Shared by every future class, so the `poll` call in it sees all of them and V8 cannot inline
   * any. Brigade's hottest leaves (a channel's send and receive) repeat it in their own class
   * with internal helpers, so that their `poll` call sees one class only; a future of yours
   * implements `poll` and leaves this alone.
   *
   * @example
   * ```ts
   * const dish = yield* cookDish("Soup", 1000); // yield* calls next() until the dish is ready
   * ```
   */
  next(): IteratorResult<Suspend, T> {
    return stepResult(this, this.poll(stepContext()));
  }

  /**
   * Called by `yield*` when the awaiting generator is torn down: drop this future.
   *
   * @example
   * ```ts
   * const handle = spawn(asyncBlock(function* () {
   *   yield* sleep(60_000); // torn down here: yield* calls the sleep's return(), which drops it
   * }));
   * handle.abort();
   * ```
   */
  return(): IteratorResult<Suspend, T> {
    try {
      disposeOf(this);
    } catch (e) {
      // Thrown into the awaiting body, the error would land in its `catch` and let a torn-down
      // body run on: kept for the teardown's driver, which throws it at the end (a panic in drop).
      recordTeardownFailure(e);
    }
    return RETURNED as IteratorReturnResult<any>;
  }
}

// A merged interface's type parameters must match the class's, used or not.
// biome-ignore lint/correctness/noUnusedVariables: see above.
export interface FutureBase<T> {
  /**
   * Not there at run time: a declaration for TypeScript only. A future is not a Promise, and
   * `await future` in native code would resolve at once to the future object and run nothing (the
   * sleep not slept, the message not sent). With this member TypeScript refuses it: "Type of
   * 'await' operand must either be a valid promise or must not contain a callable 'then' member"
   * (TS1320; TS1058 for an async function returning a future). Hand the future to a runtime
   * instead: `await rt.spawn(future)`, `await run(future)` (a `JoinHandle` is a thenable). To
   * pass a future itself through a Promise (a task's output, an async generator's item), wrap it
   * in an object: `return { rx }`.
   *
   * @example
   * ```ts
   * await tx.send(order); // TS1320: would send nothing
   * await rt.spawn(tx.send(order)); // sent: a task polls the future; its handle is awaitable
   * ```
   */
  then(onfulfilled: never, onrejected?: never): unknown;
}

/** The context of the poll in progress, for one `yield*` step; throws outside a poll. */
export function stepContext(): Context {
  const cx = ambient.cx;
  if (cx === null) {
    throw new FutureStateError(
      "a future was awaited with yield* outside of a poll: only an async fn (asyncFn/asyncBlock) being polled by a task may use yield*",
    );
  }
  return cx;
}

/**
 * A poll's result as the `yield*` step's result: "suspended" (naming `future` as what the async fn
 * waits on) or "done" with the output.
 */
export function stepResult<T>(future: unknown, r: Poll<T>): IteratorResult<Suspend, T> {
  if (r === PENDING) {
    ambient.suspended = future;
    return SUSPENDED;
  }
  DONE.value = r;
  return DONE as IteratorReturnResult<T>;
}

/**
 * Dispose `value` if it holds anything (anything else is left alone).
 *
 * @example
 * ```ts
 * disposeOf(maybeAStream); // null, a number or a plain object: nothing happens
 * ```
 */
export function disposeOf(value: unknown): void {
  if (value === null || typeof value !== "object") return;
  const d = (value as Partial<Disposable>)[Symbol.dispose];
  if (typeof d === "function") d.call(value);
}

/**
 * Whether a value follows the future protocol.
 *
 * @example
 * ```ts
 * isFuture(ready(1)); // true
 * isFuture(Promise.resolve(1)); // false
 * ```
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { poll?: unknown }).poll === "function" &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}

/** Throw a clear `TypeError` unless `value` is a future; `where` names the argument. */
export function assertFuture(value: unknown, where: string): asserts value is Future<unknown> {
  if (!isFuture(value)) {
    const got = value === null ? "null" : typeof value;
    const hint =
      typeof (value as { then?: unknown } | null)?.then === "function"
        ? " (a Promise: wrap it with fromPromise(() => promise), or better fromPromise((signal) => start(signal)), which starts it on the first poll and can abort it)"
        : typeof value === "function"
          ? " (a function: call it to get its future)"
          : "";
    throw new TypeError(`${where} must be a future, got ${got}${hint}`);
  }
}
