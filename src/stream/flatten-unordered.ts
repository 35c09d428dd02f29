/**
 * FlattenUnordered: a stream of streams merged as they come (futures-rs' `flatten_unordered` and
 * `flat_map_unordered`). Several stations plate dishes at once, each on its own pager, and the pass
 * serves whichever dish is up; at most `limit` stations work at a time, so a stream of a thousand
 * connections turned into a thousand streams of lines reads from at most `limit` of them.
 *
 * Each inner stream is wrapped in an {@link InnerNext}, a future of its next item, and kept in a
 * {@link FuturesUnordered}: so each inner stream has its own pager, and a poll touches only the
 * inner streams whose pager rang (ten thousand idle connections cost nothing per poll). When an
 * inner stream hands out an item, its wrapper is pushed back into the set, at the back of its ready
 * queue: the other inner streams already waiting get their turn before it is polled again, so one
 * that is always ready cannot starve them.
 *
 * Bounded work per poll (the traps of futures-rs' issues #2047 and #2387, met again here): one
 * `pollNext` goes at most {@link ROUNDS_PER_POLL} rounds, each pulling at most
 * {@link PULLS_PER_POLL} inner streams from the outer stream and polling the woken ones once (an
 * outer stream that is always ready with inner streams that end at once cannot keep it forever); and after {@link YIELD_EVERY} items in a row
 * without a `PENDING`, it answers `PENDING` once, waking its own task first, so a chef plating from
 * an inner stream that is never empty still lets the others cook (as `FuturesUnordered` does for a
 * child that wakes itself). The outer stream is pulled only while fewer than `limit` inner streams
 * are in flight: that is the backpressure.
 *
 * Errors, as for every adapter (an error is an item): an error thrown by an inner stream is handed
 * out in place of an item, and that inner stream goes on, polled again like one that gave an item
 * (`merge` does the same); an error thrown by the outer stream is handed out the same way and the
 * outer stream goes on being pulled, so one failed accept does not stop
 * `incoming().flatMapUnordered(...)` for good. An error thrown by `flatMapUnordered`'s `f` (or a
 * value of `f` that is not a stream) is only that item's: the outer stream goes on, as with `map`.
 *
 * Dropping it drops the outer stream and every inner stream in flight (with `[CANCEL]`, so an inner
 * stream whose cleanup awaits is finished where the rules of src/future/cancel.ts say).
 */
import { ambient } from "../future/ambient.js";
import {
  CANCEL,
  type Cancellable,
  type Cleanup,
  cancel,
  cancelAll,
  disposeOwned,
  drop,
} from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { FuturesUnordered } from "./futures-unordered.js";
import {
  assertStream,
  CLAIM,
  claimFrom,
  DONE,
  isStream,
  type Stream,
  StreamBase,
  type StreamPoll,
  WITHDRAW,
  withdrawFrom,
} from "./stream.js";

/** Inner streams pulled from the outer stream in one round of a `pollNext`, at most. */
export const PULLS_PER_POLL = 32;

/** Rounds of "pull from the outer stream, poll the woken inner streams" in one `pollNext`. */
export const ROUNDS_PER_POLL = 32;

/** Items (or errors) handed out in a row before one `PENDING` lets the task's peers run. */
export const YIELD_EVERY = 32;

/** What the last poll of an {@link InnerNext} found. */
type Found = typeof NOTHING | typeof ITEM | typeof ENDED | typeof FAILED;
/** Not polled to an answer yet. */
const NOTHING = 0;
/** The inner stream handed out an item, kept in `item` until the set takes it. */
const ITEM = 1;
/** The inner stream ended. */
const ENDED = 2;
/** The inner stream threw, the error kept in `error`. */
const FAILED = 3;

/**
 * The future of an inner stream's next item. It never throws: what it found is kept (`found`) and
 * it is ready with itself, so one object serves the inner stream for its whole life: pushed back
 * into the set after each item, it allocates nothing per item.
 */
class InnerNext<T> extends FutureBase<InnerNext<T>> implements Cancellable {
  found: Found = NOTHING;
  item: T | undefined = undefined;
  error: unknown = undefined;

  constructor(private stream: Stream<T> | null) {
    super();
  }

  poll(cx: Context): Poll<InnerNext<T>> {
    const s = this.stream;
    if (s === null) {
      this.found = ENDED;
      return this;
    }
    try {
      const r = s.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) {
        this.found = ENDED;
      } else {
        this.found = ITEM;
        this.item = r;
      }
    } catch (e) {
      this.found = FAILED;
      this.error = e;
    }
    return this;
  }

  /** The error found, handed over (the wrapper keeps no reference to it). */
  takeError(): unknown {
    const error = this.error;
    this.error = undefined;
    this.found = NOTHING;
    return error;
  }

  /** The item found, handed over (the wrapper keeps no reference to it). */
  takeItem(): T {
    const item = this.item as T;
    this.item = undefined;
    this.found = NOTHING;
    return item;
  }

  /** The inner stream, finished with (it ended), handed over to be let go. */
  detach(): Stream<T> | null {
    const s = this.stream;
    this.stream = null;
    return s;
  }

  [CANCEL](): Cleanup | null {
    // No item to release: the set takes an item in the same poll that found it.
    const s = this.stream;
    this.stream = null;
    return cancel(s);
  }

  /** For dumps and deadlock reports: the inner stream it polls. */
  [DESCRIBE](): Description {
    return { label: "inner stream", children: [this.stream] };
  }
}

/** @internal the stream behind `flattenUnordered(limit)` and `flatMapUnordered(limit, f)`. */
export class FlattenUnorderedStream<S, T> extends StreamBase<T> implements Cancellable {
  private upstream: Stream<S> | null;
  private readonly inFlight = new FuturesUnordered<InnerNext<T>>();
  /** Items and errors handed out since this stream last answered `PENDING`. */
  private streak = 0;
  /** The last poll threw while pulling from the outer stream: poll the inner streams first. */
  private innerFirst = false;

  constructor(
    upstream: Stream<S>,
    private readonly limit: number,
    /** Turns an outer item into an inner stream (`flatMapUnordered`'s `f`), or `null`. */
    private readonly f: ((item: S) => Stream<T>) | null,
    /** The method, for error messages and dumps: `flattenUnordered` or `flatMapUnordered`. */
    private readonly method: string,
  ) {
    super();
    this.upstream = upstream;
  }

  pollNext(cx: Context): StreamPoll<T> {
    // Its inner streams are branches of the task: a wait in one does not block the others.
    ambient.branching++;
    try {
      return this.pollFlat(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollFlat(cx: Context): StreamPoll<T> {
    if (this.streak >= YIELD_EVERY) return this.yieldTurn(cx);
    for (let round = 0; round < ROUNDS_PER_POLL; round++) {
      let more = true;
      if (this.innerFirst) {
        // The last poll handed out an error from pulling: the inner streams go first this time,
        // or an outer stream that fails at every pull would starve them.
        this.innerFirst = false;
      } else {
        try {
          more = this.fill(cx);
        } catch (e) {
          this.innerFirst = true;
          throw e;
        }
      }
      const r = this.inFlight.pollNext(cx);
      if (r === PENDING || r === DONE) {
        if (r === DONE && this.upstream === null) return DONE;
        // Pulled a round's share and the outer stream may have more: another round pulls them.
        if (more) continue;
        this.streak = 0;
        return PENDING;
      }
      const found = r.found;
      if (found === ITEM) {
        const item = r.takeItem();
        // Back of the ready queue: the inner streams already woken come first.
        this.inFlight.push(r);
        this.streak++;
        return item;
      }
      if (found === FAILED) {
        const error = r.takeError();
        // The error is this inner stream's item: it goes on, at the back of the ready queue.
        this.inFlight.push(r);
        this.streak++;
        throw error;
      }
      drop(r.detach());
    }
    return this.yieldTurn(cx);
  }

  /** Answer `PENDING` with the task already woken: it runs again after the others had a turn. */
  private yieldTurn(cx: Context): typeof PENDING {
    this.streak = 0;
    cx.waker.wake();
    return PENDING;
  }

  /**
   * Pull inner streams from the outer stream until `limit` are in flight, it has none ready, or
   * this round pulled its share. Returns whether it stopped at its share with more maybe ready.
   */
  private fill(cx: Context): boolean {
    for (let pulled = 0; pulled < PULLS_PER_POLL; pulled++) {
      const up = this.upstream;
      if (up === null || this.inFlight.length >= this.limit) return false;
      let r: StreamPoll<S>;
      try {
        r = up.pollNext(cx);
      } catch (e) {
        // The outer stream's error is an item of this stream: handed out, and the pulling goes on.
        this.streak++;
        throw e;
      }
      if (r === PENDING) return false;
      if (r === DONE) {
        this.upstream = null;
        drop(up);
        return false;
      }
      this.inFlight.push(new InnerNext(this.toStream(r)));
    }
    return true;
  }

  /** The outer item as an inner stream; an item that cannot be one is handed out as a TypeError. */
  private toStream(item: S): Stream<T> {
    const f = this.f;
    if (f === null) {
      if (!isStream(item)) {
        disposeOwned(item); // never handed out: dropped, disposed if it has one owner (OWNED)
        this.streak++;
        assertStream(item, `stream.${this.method}(limit): each item of the stream`);
      }
      return item as unknown as Stream<T>;
    }
    let inner: Stream<T>;
    try {
      inner = f(item);
    } catch (e) {
      this.streak++;
      throw e;
    }
    if (!isStream(inner)) {
      disposeOwned(inner);
      this.streak++;
      assertStream(inner, `stream.${this.method}(limit, f): the value f returned`);
    }
    return inner;
  }

  /** A `next()` parked through this stream: the outer stream may hold its wait (stream.ts). */
  override [CLAIM](by: unknown): void {
    claimFrom(this.upstream, by);
  }

  override [WITHDRAW](by: unknown): void {
    withdrawFrom(this.upstream, by);
  }

  /** The outer stream and every inner stream in flight go, each on its own. */
  [CANCEL](): Cleanup | null {
    const owned = [this.inFlight, this.upstream];
    this.upstream = null;
    return cancelAll(owned);
  }

  override [Symbol.dispose](): void {
    drop(this);
  }

  /** For dumps and deadlock reports: the inner streams in flight, then the outer stream. */
  override [DESCRIBE](): Description {
    return { label: `${this.method}(${this.limit})`, children: [this.inFlight, this.upstream] };
  }
}
