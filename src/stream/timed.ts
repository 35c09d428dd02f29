/**
 * Stream adapters that keep time (tokio-stream's `StreamExt::timeout`, `throttle` and
 * `chunks_timeout`, and `debounce`, RxJS's `debounceTime`): a waiter who will not stand at the pass
 * for ever, a runner who takes one plate out per minute, a dumbwaiter that goes up when it is full
 * or when its first plate has waited long enough, and a waiter who takes only the last of a flurry
 * of orders, once the table has been quiet a while.
 *
 * Each owns one `Sleep` on the runtime's timer wheel, made at its first poll (so a stream made
 * outside a runtime takes the clock of the one that polls it, and a paused clock drives it) and
 * re-armed with `reset`, never remade: an adapter costs one timer however many items pass. The
 * sleep goes with the upstream when the adapter ends, is disposed, or is torn down by its consumer.
 *
 * An error the upstream throws stands in for an item (see stream.ts), as an `Err` does in a
 * tokio-stream of `Result`s: it ends `timeout`'s silence and takes `throttle`'s turn.
 * `chunksTimeout` passes it on at once and keeps the chunk it was filling.
 */
import { CANCEL, type Cleanup, disposeOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { PENDING } from "../future/poll.js";
import { budgetForcedYields } from "../task/budget.js";
import type { Sleep } from "../time/sleep.js";
import { sleepFor } from "../time/sleep.js";
import { TimeoutError } from "../time/timeout.js";
import { Adapter } from "./adapter.js";
import { DONE, type Stream, type StreamPoll } from "./stream.js";

/** What the timed adapters share: the period and the one sleep that measures it. */
abstract class TimedAdapter<T, U> extends Adapter<T, U> {
  /** Made at the first poll that needs it. */
  protected delay: Sleep | null = null;

  constructor(
    upstream: Stream<T>,
    protected readonly ms: number,
  ) {
    super(upstream);
  }

  /** Start the period now: the sleep ends `ms` from the runtime's current time. */
  protected restart(): void {
    const d = this.delay;
    if (d === null) this.delay = sleepFor(this.ms);
    else d.resetAt(d.clockNow() + this.ms);
  }

  /**
   * Whether the period is over. The sleep is polled without spending the task's budget, as
   * `timeout(ms, future)` polls its own: an upstream that spends the whole budget on every poll
   * (a busy channel under a `filter` that drops everything) must not keep the deadline from
   * being seen.
   */
  protected elapsed(cx: Context): boolean {
    return this.delay!.pollTimer(cx, false) !== PENDING;
  }

  /** The period is not needed now: the sleep leaves the wheel, kept for the next period. */
  protected disarm(): void {
    this.delay?.disarm();
  }

  /** Done for good: the sleep goes. */
  protected release(): void {
    this.delay?.[Symbol.dispose]();
    this.delay = null;
  }

  /** The sleep goes with the upstream. */
  protected override end(): typeof DONE {
    this.release();
    return super.end();
  }

  override [Symbol.dispose](): void {
    this.end();
  }

  /** Torn down by its consumer: the sleep goes now, the upstream's cleanup is handed back. */
  override [CANCEL](): Cleanup | null {
    this.release();
    return super[CANCEL]();
  }
}

/** @internal `stream.timeout(ms)`. */
export class TimeoutStream<T> extends TimedAdapter<T, T> {
  /** The deadline counts: no item, and no `TimeoutError`, since it was set. */
  private watching = false;

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    // The first poll starts the first period (a stream is lazy: nothing was waited for before).
    if (this.delay === null) {
      this.restart();
      this.watching = true;
    }
    let r: StreamPoll<T>;
    try {
      r = up.pollNext(cx);
    } catch (e) {
      // An error is handed out in place of an item: it ends the silence as an item does (tokio's
      // `timeout` over a stream of `Result`s resets its deadline on an `Err` too).
      this.restart();
      this.watching = true;
      throw e;
    }
    if (r === DONE) return this.end();
    if (r !== PENDING) {
      this.restart();
      this.watching = true;
      return r;
    }
    if (!this.watching || !this.elapsed(cx)) return PENDING;
    // One error per silence, as tokio-stream: the next period starts with the next item.
    this.watching = false;
    throw new TimeoutError(`stream.timeout(${this.ms}): no item came within ${this.ms} ms`);
  }

  override [DESCRIBE](): Description {
    return { label: `timeout(${this.ms})`, children: [this.upstream] };
  }
}

/** @internal `stream.throttle(ms)`. */
export class ThrottleStream<T> extends TimedAdapter<T, T> {
  /** An item was handed out less than `ms` ago (by the sleep's reckoning). */
  private resting = false;

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    if (this.resting) {
      if (this.delay!.poll(cx) === PENDING) return PENDING;
      this.resting = false;
    }
    let r: StreamPoll<T>;
    try {
      r = up.pollNext(cx);
    } catch (e) {
      // An error takes an item's place, and its turn: the next pull waits `ms` after it too.
      this.restart();
      this.resting = true;
      throw e;
    }
    if (r === DONE) return this.end();
    if (r === PENDING) return PENDING;
    this.restart();
    this.resting = true;
    return r;
  }

  override [DESCRIBE](): Description {
    return { label: `throttle(${this.ms})`, children: [this.upstream] };
  }
}

/** @internal `stream.debounce(ms)`. */
export class DebounceStream<T> extends TimedAdapter<T, T> {
  /** The latest item, waiting for `ms` of quiet. */
  private held: T | undefined = undefined;
  private holding = false;
  /** The upstream has ended: a held item goes out at once, then the end. */
  private ended = false;

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    // Take every item ready now: each replaces the one held and starts the quiet over. So an item
    // ready in the same turn as the end of a quiet period wins: the period starts again.
    while (!this.ended) {
      const cuts = budgetForcedYields();
      const r = up.pollNext(cx); // an error passes at once; the held item stays held
      // The task's budget cut this poll short: more may be ready, so nothing is known to be the
      // last of its burst yet (the upstream has asked for the task to be polled again). A plain
      // PENDING, even with the budget spent, is the end of what is ready.
      if (r === PENDING) {
        if (budgetForcedYields() !== cuts) return PENDING;
        break;
      }
      if (r === DONE) {
        this.ended = true;
        break;
      }
      if (this.holding) disposeOwned(this.held);
      this.held = r;
      this.holding = true;
      this.restart();
    }
    if (!this.holding) return this.ended ? this.end() : PENDING;
    if (!this.ended && !this.elapsed(cx)) return PENDING;
    const item = this.held as T;
    this.held = undefined;
    this.holding = false;
    this.disarm();
    return item;
  }

  /** The item held is let go with the stream (disposed if `OWNED`). */
  protected override end(): typeof DONE {
    this.dropHeld();
    return super.end();
  }

  override [CANCEL](): Cleanup | null {
    this.dropHeld();
    return super[CANCEL]();
  }

  private dropHeld(): void {
    if (!this.holding) return;
    this.holding = false;
    const held = this.held;
    this.held = undefined;
    disposeOwned(held);
  }

  override [DESCRIBE](): Description {
    return { label: `debounce(${this.ms})`, children: [this.upstream] };
  }
}

/** @internal `stream.chunksTimeout(n, ms)`. */
export class ChunksTimeoutStream<T> extends TimedAdapter<T, T[]> {
  private chunk: T[] = [];
  /** An upstream error that came while a chunk was open: thrown after that chunk is handed out. */
  private failed: { error: unknown } | null = null;

  constructor(
    upstream: Stream<T>,
    private readonly size: number,
    ms: number,
  ) {
    super(upstream, ms);
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
        this.disarm();
        return this.flush()!;
      }
      if (r === DONE) {
        if (up !== null) this.end();
        return this.flush() ?? DONE;
      }
      if (r === PENDING) {
        // Waiting for more: the chunk goes when its first item has waited `ms`.
        if (this.chunk.length === 0 || !this.elapsed(cx)) return PENDING;
        return this.flush()!;
      }
      // The first item of a chunk starts its period.
      if (this.chunk.length === 0) this.restart();
      this.chunk.push(r);
      if (this.chunk.length === this.size) {
        // Full before its time: its timer must not ring for a chunk that is gone.
        this.disarm();
        return this.flush()!;
      }
    }
  }

  private flush(): T[] | null {
    if (this.chunk.length === 0) return null;
    const out = this.chunk;
    this.chunk = [];
    return out;
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

  /** Torn down by its consumer: the items of the open chunk go with the sleep and the upstream. */
  override [CANCEL](): Cleanup | null {
    this.dropChunk();
    return super[CANCEL]();
  }

  override [DESCRIBE](): Description {
    return { label: `chunksTimeout(${this.size}, ${this.ms})`, children: [this.upstream] };
  }
}
