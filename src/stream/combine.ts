/**
 * Adapters over two streams, and over runs of items: `merge` (items of both as they come; two
 * counters serving one pass), `zip` (pairs, one from each) and `chunks(n)` (arrays of n items, the
 * last one shorter).
 *
 * `merge` is fair the way `select` is: the stream polled first alternates from poll to poll, so a
 * stream that is always ready cannot starve the other one.
 */
import { ambient } from "../future/ambient.js";
import {
  CANCEL,
  type Cancellable,
  type Cleanup,
  cancelAll,
  disposeOwned,
  drop,
} from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { PENDING } from "../future/poll.js";
import { Adapter } from "./adapter.js";
import {
  CLAIM,
  claimFrom,
  DONE,
  disposeOf,
  type Stream,
  StreamBase,
  type StreamPoll,
  WITHDRAW,
  withdrawFrom,
} from "./stream.js";

/** @internal */
export class MergeStream<T> extends StreamBase<T> implements Cancellable {
  private a: Stream<T> | null;
  private b: Stream<T> | null;
  private bFirst = false;

  constructor(a: Stream<T>, b: Stream<T>) {
    super();
    this.a = a;
    this.b = b;
  }

  pollNext(cx: Context): StreamPoll<T> {
    // Its children are branches of the task: a wait in one does not block the others.
    ambient.branching++;
    try {
      return this.pollBoth(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollBoth(cx: Context): StreamPoll<T> {
    this.bFirst = !this.bFirst;
    if (this.bFirst) {
      const r = this.pollB(cx);
      if (r !== PENDING && r !== DONE) return r;
      const s = this.pollA(cx);
      if (s !== PENDING && s !== DONE) return s;
    } else {
      const r = this.pollA(cx);
      if (r !== PENDING && r !== DONE) return r;
      const s = this.pollB(cx);
      if (s !== PENDING && s !== DONE) return s;
    }
    return this.a === null && this.b === null ? DONE : PENDING;
  }

  private pollA(cx: Context): StreamPoll<T> {
    const a = this.a;
    if (a === null) return DONE;
    const r = a.pollNext(cx);
    if (r === DONE) {
      this.a = null;
      disposeOf(a);
    }
    return r;
  }

  private pollB(cx: Context): StreamPoll<T> {
    const b = this.b;
    if (b === null) return DONE;
    const r = b.pollNext(cx);
    if (r === DONE) {
      this.b = null;
      disposeOf(b);
    }
    return r;
  }

  /** A dropped `next()` may have parked on either side. */
  override [WITHDRAW](by: unknown): void {
    withdrawFrom(this.a, by);
    withdrawFrom(this.b, by);
  }

  override [CLAIM](by: unknown): void {
    claimFrom(this.a, by);
    claimFrom(this.b, by);
  }

  /**
   * Torn down by its consumer (an aborted task): both sides go, each on its own, and a side whose
   * cleanup awaits (an `andThen` step's `finally`) is handed back to be driven there.
   */
  [CANCEL](): Cleanup | null {
    const sides = [this.a, this.b];
    this.a = this.b = null;
    return cancelAll(sides);
  }

  /** Both sides go even if one's `finally` throws (the first error is thrown afterwards). */
  override [Symbol.dispose](): void {
    drop(this);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return { label: "merge", children: [this.a, this.b] };
  }
}

const EMPTY: unique symbol = Symbol("brigade.stream.empty-slot");

/** @internal */
export class ZipStream<A, B> extends StreamBase<[A, B]> implements Cancellable {
  private a: Stream<A> | null;
  private b: Stream<B> | null;
  private itemA: A | typeof EMPTY = EMPTY;
  private itemB: B | typeof EMPTY = EMPTY;

  constructor(a: Stream<A>, b: Stream<B>) {
    super();
    this.a = a;
    this.b = b;
  }

  pollNext(cx: Context): StreamPoll<[A, B]> {
    // Its children are branches of the task: a wait in one does not block the others.
    ambient.branching++;
    try {
      return this.pollBoth(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollBoth(cx: Context): StreamPoll<[A, B]> {
    const a = this.a;
    const b = this.b;
    if (a === null || b === null) return DONE;
    // Poll both even when one is pending, so both register their wakers in the same turn.
    if (this.itemA === EMPTY) {
      const r = a.pollNext(cx);
      if (r === DONE) return this.end();
      if (r !== PENDING) this.itemA = r;
    }
    if (this.itemB === EMPTY) {
      const r = b.pollNext(cx);
      if (r === DONE) return this.end();
      if (r !== PENDING) this.itemB = r;
    }
    if (this.itemA === EMPTY || this.itemB === EMPTY) return PENDING;
    const pair: [A, B] = [this.itemA, this.itemB];
    this.itemA = EMPTY;
    this.itemB = EMPTY;
    return pair;
  }

  private end(): typeof DONE {
    this[Symbol.dispose]();
    return DONE;
  }

  /** A dropped `next()` may have parked on either side. */
  override [WITHDRAW](by: unknown): void {
    withdrawFrom(this.a, by);
    withdrawFrom(this.b, by);
  }

  override [CLAIM](by: unknown): void {
    claimFrom(this.a, by);
    claimFrom(this.b, by);
  }

  /** Torn down by its consumer: as `merge`'s, the item waiting for its pair goes too. */
  [CANCEL](): Cleanup | null {
    const sides = [this.a, this.b];
    this.a = this.b = null;
    // An item waiting for its pair will never be handed out: a guard is released.
    if (this.itemA !== EMPTY) disposeOwned(this.itemA);
    if (this.itemB !== EMPTY) disposeOwned(this.itemB);
    this.itemA = this.itemB = EMPTY;
    return cancelAll(sides);
  }

  /** Both sides go even if one's `finally` throws (the first error is thrown afterwards). */
  override [Symbol.dispose](): void {
    drop(this);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return { label: "zip", children: [this.a, this.b] };
  }
}

/** @internal */
export class ChunksStream<T> extends Adapter<T, T[]> {
  private chunk: T[] = [];
  /** An upstream error that came while a chunk was open: thrown after that chunk is handed out. */
  private failed: { error: unknown } | null = null;

  constructor(
    upstream: Stream<T>,
    private readonly size: number,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<T[]> {
    const f = this.failed;
    if (f !== null) {
      this.failed = null;
      throw f.error;
    }
    for (;;) {
      const up = this.upstream;
      let r: StreamPoll<T>;
      try {
        r = up === null ? DONE : up.pollNext(cx);
      } catch (e) {
        // The items before the error come first, in order, as they would one by one.
        if (this.chunk.length === 0) throw e;
        this.failed = { error: e };
        const partial = this.chunk;
        this.chunk = [];
        return partial;
      }
      if (r === PENDING) return PENDING;
      if (r === DONE) {
        if (up !== null) this.end();
        const last = this.chunk;
        this.chunk = [];
        return last.length > 0 ? last : DONE;
      }
      this.chunk.push(r);
      if (this.chunk.length === this.size) {
        const full = this.chunk;
        this.chunk = [];
        return full;
      }
    }
  }

  override [Symbol.dispose](): void {
    super[Symbol.dispose]();
    this.dropChunk();
  }

  /** The items of the open chunk will never be handed out: owned ones are disposed (`OWNED`). */
  private dropChunk(): void {
    const chunk = this.chunk;
    this.chunk = [];
    disposeOwned(chunk);
  }

  /** Torn down by its consumer: the items of the chunk being filled go too. */
  override [CANCEL](): Cleanup | null {
    this.dropChunk();
    return super[CANCEL]();
  }
}
