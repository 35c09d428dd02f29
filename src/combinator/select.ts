/**
 * select, selectAll and race: first drink ready is served. The children are polled in place; the
 * first one to be ready wins.
 *
 * - `select(a, b)` returns `{ index, value, rest }`: `rest` is the loser, still pending and still
 *   usable (finish the cocktail after serving the coffee), as in `futures::select`. The result is
 *   disposable: `using first = yield* select(a, b)` drops `rest` at the end of the scope.
 * - `selectAll(list)` returns `{ index, value, rest }` with the other futures, in order.
 * - `race(...futures)` returns the winner's value and drops every loser (their `finally` blocks
 *   run at once).
 *
 * A child that throws wins too: the error is thrown and the other children are dropped. Losers are
 * dropped in argument order, each once; a `finally` that throws does not stop the others, and its
 * error is thrown after them (an `AggregateError` when several threw), so a `race` winner's value,
 * which then reaches nobody, is disposed. The same future given twice is an error (children.ts).
 *
 * Fairness: like tokio's `select!`, a select starts polling at a random child (from the runtime's
 * seed, when it has one) and rotates from poll to poll, so no branch is starved by one that is
 * always ready, not even by a fresh `select` made on every turn of a loop. The `.biased` forms poll in argument order instead.
 */
import { ambient } from "../future/ambient.js";
import {
  CANCEL,
  CancellableFuture,
  type Cleanup,
  cancel,
  cancelAll,
  drop,
  dropAll,
} from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { assertFuture, type Future, type FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { assertDistinct, collect, disposeOutputs } from "./children.js";

/** What `select(a, b)` gives: the winner's index and value, and the loser still pending. */
export type Selected<A, B> =
  | {
      readonly index: 0;
      readonly value: A;
      readonly rest: Future<B> & Disposable;
      [Symbol.dispose](): void;
    }
  | {
      readonly index: 1;
      readonly value: B;
      readonly rest: Future<A> & Disposable;
      [Symbol.dispose](): void;
    };

/** What `selectAll(list)` gives: the winner's index and value, and the others in order. */
export interface SelectedAll<T> {
  readonly index: number;
  readonly value: T;
  readonly rest: Future<T>[];
  /** Drop every future in `rest`. */
  [Symbol.dispose](): void;
}

/**
 * A loser handed back by `select`/`selectAll`. Once it has completed it lets go of its future: the
 * value is the caller's now, and disposing the select's result must not reach it (a lock future
 * is its own guard, so dropping it again would release a lock the caller holds).
 */
class RestHandle<T> extends CancellableFuture<T> {
  private completed = false;

  constructor(private inner: Future<T> | null) {
    super();
  }
  poll(cx: Context): Poll<T> {
    const inner = this.inner;
    if (inner === null) {
      throw new FutureStateError(
        `the rest of a select was polled after it ${this.completed ? "completed" : "was dropped"}`,
      );
    }
    // A throw is the inner future's to judge: one that is over says so when polled again, and
    // one that was only refused (the one-reader rule, from a task it was moved to) goes on, for
    // its rightful reader to poll or for the holder of this rest to drop.
    const r = inner.poll(cx);
    if (r !== PENDING) this.letGo();
    return r;
  }
  private letGo(): void {
    this.inner = null;
    this.completed = true;
  }
  [CANCEL](): Cleanup | null {
    const f = this.inner;
    this.inner = null;
    return cancel(f);
  }
}

class SelectResult {
  constructor(
    readonly index: number,
    readonly value: unknown,
    readonly rest: unknown,
  ) {}
  [Symbol.dispose](): void {
    const rest = this.rest;
    // Each on its own (a copy: `rest` is the caller's array): a `finally` that throws must not
    // leave the futures after it holding what they hold.
    if (Array.isArray(rest)) dropAll(rest.slice());
    else drop(rest);
  }
}

const FIRST = 0; // return { index, value, rest }
const VALUE = 1; // race: return the value, drop the losers
const PAIR = 2; // select(a, b): rest is the single loser
const NAMED = 3; // race.named: return { key, value }, drop the losers

/** The winner of `race.named`: its branch's key and value. */
class NamedWinner {
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {}
}

/** @internal */
class Select<T> extends CancellableFuture<T> {
  private readonly children: (Future<unknown> | null)[];
  private start = 0;
  private done = false;
  /** Set when dropped before it completed, for the error of a poll after that. */
  private dropped = false;

  constructor(
    children: Future<unknown>[],
    private readonly biased: boolean,
    private readonly mode: number,
    private readonly what: string,
    /** With `NAMED`: each child's branch key. */
    private readonly keys: readonly string[] | null = null,
  ) {
    super();
    this.children = children;
    // A fresh select in a loop must not favour its first branch every time: start at random.
    if (!biased && children.length > 1) this.start = ambient.host?.fairStart(children.length) ?? 0;
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
      const child = children[i]!;
      let r: unknown;
      try {
        r = child.poll(cx);
      } catch (e) {
        this.done = true;
        children[i] = null;
        try {
          this.dropAll();
        } catch (d) {
          throw new AggregateError(
            [e, d],
            `${this.what}: a child failed, and dropping the others threw`,
          );
        }
        throw e;
      }
      if (r !== PENDING) return this.finish(i, r);
    }
    if (!this.biased && n > 0) this.start = this.start + 1 === n ? 0 : this.start + 1;
    return PENDING;
  }

  private finish(winner: number, value: unknown): T {
    this.done = true;
    const children = this.children;
    children[winner] = null;
    if (this.mode === VALUE || this.mode === NAMED) {
      try {
        this.dropAll();
      } catch (e) {
        // A loser's `finally` threw: that is thrown instead, so the value is nobody's (children.ts).
        disposeOutputs([value]);
        throw e;
      }
      return (this.mode === VALUE ? value : new NamedWinner(this.keys![winner]!, value)) as T;
    }
    const rest: Future<unknown>[] = [];
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c !== null && c !== undefined) rest.push(c instanceof RestHandle ? c : new RestHandle(c));
      children[i] = null;
    }
    return new SelectResult(winner, value, this.mode === PAIR ? rest[0] : rest) as T;
  }

  private dropAll(): void {
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
    if (!this.done) this.dropped = true;
    this.done = true;
    return cancelAll(this.children);
  }
}

function checkList(futures: readonly unknown[], what: string, min: number): Future<unknown>[] {
  if (futures.length < min) {
    throw new RangeError(
      `${what} needs at least ${min} future${min === 1 ? "" : "s"}, got ${futures.length}`,
    );
  }
  for (let i = 0; i < futures.length; i++) assertFuture(futures[i], `${what}: argument ${i}`);
  assertDistinct(futures, what, "argument");
  return futures.slice() as Future<unknown>[];
}

function makeSelect<A, B>(
  a: Future<A>,
  b: Future<B>,
  biased: boolean,
): FutureBase<Selected<A, B>> & Disposable {
  return new Select(checkList([a, b], "select(a, b)", 2), biased, PAIR, "select");
}

/**
 * Wait for the first of two futures; the other is handed back, still pending (futures-rs'
 * `select`; tokio's `select!` drops it instead). The loser holds what it holds (a timer, a place
 * in a queue) until it is finished or disposed: `using first = yield* select(a, b)` disposes it at
 * the end of the scope. Cancellation safe as far as its two children are: dropped while pending,
 * it drops both.
 *
 * @example
 * ```ts
 * using first = yield* select(coffee, cocktail);
 * if (first.index === 0) serve(first.value);
 * const second = yield* first.rest; // finish the cocktail (else `using` drops it)
 * ```
 */
export function select<A, B>(a: Future<A>, b: Future<B>): FutureBase<Selected<A, B>> & Disposable {
  return makeSelect(a, b, false);
}
// Declared, so that the published types keep the documentation (an assignment's comment is not
// carried into the declaration file). The same for the other `biased` forms below.
export declare namespace select {
  /**
   * `select` that always polls `a` first (tokio's `biased;`): for priorities, such as a shutdown
   * signal that must win over work.
   *
   * @example
   * ```ts
   * const first = yield* select.biased(shutdown.notified(), rx.recv());
   * ```
   */
  let biased: <A, B>(a: Future<A>, b: Future<B>) => FutureBase<Selected<A, B>> & Disposable;
}
(select as { biased: typeof select.biased }).biased = <A, B>(
  a: Future<A>,
  b: Future<B>,
): FutureBase<Selected<A, B>> & Disposable => makeSelect(a, b, true);

function makeSelectAll<T>(
  futures: Iterable<Future<T>>,
  biased: boolean,
): FutureBase<SelectedAll<T>> & Disposable {
  if (futures === null || typeof (futures as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(
      `selectAll(futures): futures must be an iterable of futures, got ${futures === null ? "null" : typeof futures}`,
    );
  }
  return new Select(
    collect(futures, "selectAll(futures)", (l) => checkList(l, "selectAll(futures)", 1)),
    biased,
    FIRST,
    "selectAll",
  );
}

/**
 * Wait for the first of many futures; the others are handed back in order, still pending.
 *
 * @example
 * ```ts
 * let orders = tables.map((t) => t.nextOrder());
 * const { index, value, rest } = yield* selectAll(orders);
 * ```
 */
export function selectAll<T>(
  futures: Iterable<Future<T>>,
): FutureBase<SelectedAll<T>> & Disposable {
  return makeSelectAll(futures, false);
}
export declare namespace selectAll {
  /**
   * `selectAll` that always polls in order: earlier futures win ties.
   *
   * @example
   * ```ts
   * const { index } = yield* selectAll.biased([urgent.recv(), normal.recv()]);
   * ```
   */
  let biased: <T>(futures: Iterable<Future<T>>) => FutureBase<SelectedAll<T>> & Disposable;
}
(selectAll as { biased: typeof selectAll.biased }).biased = <T>(
  futures: Iterable<Future<T>>,
): FutureBase<SelectedAll<T>> & Disposable => makeSelectAll(futures, true);

type RaceOutput<Fs extends readonly Future<unknown>[]> =
  Fs[number] extends Future<infer T> ? T : never;

/**
 * The value of the first future to finish; every other one is dropped.
 *
 * @example
 * ```ts
 * const answer = yield* race(askPrimary(), askReplica());
 * ```
 */
export function race<const Fs extends readonly Future<unknown>[]>(
  ...futures: Fs
): FutureBase<RaceOutput<Fs>> & Disposable {
  return new Select(checkList(futures, "race(...futures)", 1), false, VALUE, "race");
}
export declare namespace race {
  /**
   * `race` that always polls in argument order: earlier futures win ties.
   *
   * @example
   * ```ts
   * const answer = yield* race.biased(cache.get(key), fetchFromOrigin(key));
   * ```
   */
  let biased: <const Fs extends readonly Future<unknown>[]>(
    ...futures: Fs
  ) => FutureBase<RaceOutput<Fs>> & Disposable;
}
(race as { biased: typeof race.biased }).biased = <const Fs extends readonly Future<unknown>[]>(
  ...futures: Fs
): FutureBase<RaceOutput<Fs>> & Disposable =>
  new Select(checkList(futures, "race.biased(...futures)", 1), true, VALUE, "race.biased");

/** What `race.named(branches)` gives: the winning branch's key and its value, typed together. */
export type RaceWinner<B extends Record<string, Future<unknown> | undefined>> = {
  [K in keyof B & string]: {
    readonly key: K;
    readonly value: Exclude<B[K], undefined> extends Future<infer T> ? T : never;
  };
}[keyof B & string];

function makeRaceNamed<B extends Record<string, Future<unknown> | undefined>>(
  branches: B,
  biased: boolean,
): FutureBase<RaceWinner<B>> & Disposable {
  const what = biased ? "race.named.biased(branches)" : "race.named(branches)";
  if (branches === null || typeof branches !== "object" || Array.isArray(branches)) {
    const got = branches === null ? "null" : Array.isArray(branches) ? "an array" : typeof branches;
    throw new TypeError(
      `${what}: branches must be an object of futures, one per branch ({ name: future }), got ${got}`,
    );
  }
  // A branch given as `undefined` is switched off (tokio's `, if cond` on a branch).
  const keys = Object.keys(branches).filter((k) => branches[k] !== undefined);
  if (keys.length === 0) {
    throw new RangeError(`${what} needs at least 1 branch that is not undefined, got 0`);
  }
  const futures = keys.map((k) => branches[k]);
  for (let i = 0; i < keys.length; i++) assertFuture(futures[i], `${what}: branches.${keys[i]}`);
  for (let j = 1; j < keys.length; j++) {
    for (let i = 0; i < j; i++) {
      if (futures[i] === futures[j]) {
        throw new FutureStateError(
          `${what}: branches.${keys[j]} is the same future as branches.${keys[i]} (a future has one owner: make a new one for each branch)`,
        );
      }
    }
  }
  return new Select(
    futures as Future<unknown>[],
    biased,
    NAMED,
    what.slice(0, what.indexOf("(")),
    keys,
  );
}

/** `race.named`'s type: the call, and its `biased` form. */
export interface RaceNamed {
  <B extends Record<string, Future<unknown> | undefined>>(
    branches: B,
  ): FutureBase<RaceWinner<B>> & Disposable;
  /**
   * `race.named` that polls the branches in the object's key order (`Object.keys`: as written,
   * but integer-like keys first): earlier branches win ties (tokio's `biased;`), as a shutdown
   * branch written first should.
   *
   * @example
   * ```ts
   * const w = yield* race.named.biased({ shutdown: token.cancelled(), job: jobs.recv() });
   * ```
   */
  biased<B extends Record<string, Future<unknown> | undefined>>(
    branches: B,
  ): FutureBase<RaceWinner<B>> & Disposable;
}

export declare namespace race {
  /**
   * tokio's `select!`: wait for the first of several named branches, of any types; the losers are
   * dropped, and the result says which branch won, with its value typed for that branch
   * (`switch (winner.key)` narrows `winner.value`). Fair: the first branch polled is drawn at
   * random, as `select!` does; `race.named.biased` polls in the object's key order (`Object.keys`:
   * as written, but integer-like keys first). A branch given as `undefined` is left out, as a
   * `select!` branch whose `if` precondition is false: `due: q.isEmpty() ? undefined : q.next()`.
   *
   * @example
   * ```ts
   * const winner = yield* race.named({
   *   message: rx.recv(),
   *   tick: ticks.tick(),
   *   shutdown: token.cancelled(),
   * });
   * switch (winner.key) {
   *   case "message": handle(winner.value); break; // the message's type
   *   case "tick": flushStats(); break;
   *   case "shutdown": return;
   * }
   * ```
   */
  let named: RaceNamed;
}

(race as { named: typeof race.named }).named = Object.assign(
  <B extends Record<string, Future<unknown> | undefined>>(
    branches: B,
  ): FutureBase<RaceWinner<B>> & Disposable => makeRaceNamed(branches, false),
  {
    // See `RaceNamed.biased`.
    biased: <B extends Record<string, Future<unknown> | undefined>>(
      branches: B,
    ): FutureBase<RaceWinner<B>> & Disposable => makeRaceNamed(branches, true),
  },
);
