/**
 * joinAll: a banquet. Many dishes joined in one task, where each poll touches only the dishes whose
 * pager rang since the last poll. Each child gets its own small waker (a slot) that files the
 * child's index in a ready list and wakes the parent, so 10,000 children cost O(woken) per poll,
 * not O(n) (futures-rs learned this the hard way with `join_all`).
 *
 * As with `join`, the values of finished children are disposed if the joinAll throws or is dropped
 * before it completes, and the same future given twice is an error (see children.ts).
 *
 * A child that wakes itself during its poll is filed for the *next* poll, not this one, so the
 * parent always returns and the task yields (futures-rs issues #2047 and #2387 are that trap).
 */
import { ambient } from "../future/ambient.js";
import { CANCEL, CancellableFuture, type Cleanup, cancelAll } from "../future/cancel.js";
import { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { assertFuture, type Future, type FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { assertDistinct, collect, disposeOutputs } from "./children.js";

/** One child's pager and context in one object. */
class Slot extends Context {
  queued = true;

  constructor(
    private readonly parent: JoinAll<unknown>,
    readonly index: number,
    owner: unknown,
  ) {
    super(null as unknown as Waker, owner);
  }

  /** A slot is its own waker. */
  override get waker(): Waker {
    return this as unknown as Waker;
  }

  wake(): void {
    if (this.queued) return;
    this.queued = true;
    this.parent.childWoken(this.index);
  }

  willWake(other: Waker): boolean {
    return (this as unknown) === other;
  }
}

/** @internal */
export class JoinAll<T> extends CancellableFuture<T[]> {
  private readonly children: (Future<T> | null)[];
  private readonly results: T[];
  private slots: Slot[] | null = null;
  private ready: number[] = [];
  private spare: number[] = [];
  private parentWaker: Waker | null = null;
  private left: number;
  private errors: unknown[] | null = null;
  private done = false;
  /** Set when dropped before it completed, for the error of a poll after that. */
  private dropped = false;

  constructor(children: Future<T>[]) {
    super();
    this.children = children;
    this.results = new Array(children.length).fill(undefined);
    this.left = children.length;
  }

  /** @internal */
  childWoken(index: number): void {
    this.ready.push(index);
    this.parentWaker?.wake();
  }

  poll(cx: Context): Poll<T[]> {
    // Its children are branches of the task: a wait in one does not block the others.
    ambient.branching++;
    try {
      return this.pollChildren(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollChildren(cx: Context): Poll<T[]> {
    if (this.done) throw this.pollAfterEnd("joinAll");
    this.parentWaker = cx.waker;
    let slots = this.slots;
    if (slots === null) {
      slots = this.slots = new Array(this.children.length);
      for (let i = 0; i < this.children.length; i++) {
        slots[i] = new Slot(this as JoinAll<unknown>, i, cx.owner);
        this.ready.push(i);
      }
    }
    // Take this poll's batch; wakes that arrive while polling it go to the next batch.
    const batch = this.ready;
    this.ready = this.spare;
    for (let k = 0; k < batch.length; k++) {
      const i = batch[k]!;
      const child = this.children[i];
      const slot = slots[i]!;
      slot.queued = false;
      if (child === null || child === undefined) continue;
      let r: Poll<T>;
      try {
        r = child.poll(slot);
      } catch (e) {
        this.children[i] = null;
        this.left--;
        (this.errors ??= []).push(e);
        continue;
      }
      if (r === PENDING) continue;
      this.results[i] = r;
      this.children[i] = null;
      this.left--;
    }
    batch.length = 0;
    this.spare = batch;
    if (this.left > 0) return PENDING;
    this.done = true;
    this.parentWaker = null;
    const errors = this.errors;
    if (errors !== null) {
      // The values of the children that finished will never be handed over (see children.ts).
      disposeOutputs(this.results);
      if (errors.length === 1) throw errors[0];
      throw new AggregateError(errors, `${errors.length} futures in joinAll threw`);
    }
    return this.results;
  }

  private pollAfterEnd(what: string): FutureStateError {
    return new FutureStateError(
      `${what} was polled after it ${this.dropped ? "was dropped" : "completed"}: a future that has completed or been dropped must not be polled again`,
    );
  }

  [DESCRIBE](): Description {
    const live = this.children.filter((c) => c !== null);
    return {
      label: `joinAll (${live.length} of ${this.children.length} left)`,
      children: live.slice(0, 8),
    };
  }

  [CANCEL](): Cleanup | null {
    // Dropped before it completed: what the finished children gave is nobody's now.
    const abandoned = !this.done;
    if (abandoned) this.dropped = true;
    this.done = true;
    this.parentWaker = null;
    try {
      return cancelAll(this.children);
    } finally {
      if (abandoned) disposeOutputs(this.results);
    }
  }
}

/**
 * Join any number of futures; each poll polls only the children woken since the last one.
 * Every child runs to its end even if another throws; then its error is thrown (an
 * `AggregateError` of them all, in the order they threw, when several did). The same
 * future given twice is a `FutureStateError` in a list of up to 16 (longer lists are not checked:
 * it would cost a hash per future).
 *
 * @example
 * ```ts
 * const dishes = yield* joinAll(orders.map((o) => cookDish(o.dish, o.ms)));
 * ```
 */
export function joinAll<T>(futures: Iterable<Future<T>>): FutureBase<T[]> & Disposable {
  if (futures === null || typeof (futures as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(
      `joinAll(futures): futures must be an iterable of futures, got ${futures === null ? "null" : typeof futures}`,
    );
  }
  const list = collect(futures, "joinAll(futures)", (l) => {
    for (let i = 0; i < l.length; i++) assertFuture(l[i], `joinAll(futures): item ${i}`);
    assertDistinct(l, "joinAll(futures)", "item");
  });
  return new JoinAll(list);
}
