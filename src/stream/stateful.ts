/**
 * Item-by-item adapters that watch the items or carry something from one item to the next:
 * `inspect` (a look at each item on its way past), `enumerate` (each item with its position),
 * `scan` (a running state that shapes each item and may end the stream) and `skipWhile` (drop the
 * items before the first that fails a test). A cook who keeps a tally while passing plates on.
 *
 * They follow the rules of the other adapters (adapter.ts, transform.ts): each owns its upstream,
 * releases it the moment it is done with it and is fused after; an error from upstream passes
 * through untouched (and is not counted: `enumerate` numbers items, not errors); an error thrown
 * by the caller's function is handed out in place of that item and the next poll goes on with the
 * following one. `inspect`'s and `skipWhile`'s functions only look at the item (Rust passes them a
 * `&T`), so when one throws, the item, which the adapter still holds and will never hand out, is
 * dropped: disposed if it has one owner (`OWNED`, src/future/cancel.ts). `scan`'s function takes
 * the item (Rust moves it in) and may have kept it in its state, so a throw leaves it alone, as
 * `map` does; only the item on which it ended the stream is dropped, as `takeWhile` drops the one
 * that stopped it.
 */
import { CANCEL, type Cleanup, disposeOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { PENDING } from "../future/poll.js";
import { Adapter } from "./adapter.js";
import { DONE, type Stream, type StreamPoll } from "./stream.js";

/** Call `f(item)`; if it throws, the item is dropped (disposed if OWNED) before the error goes on. */
function callOrDrop<T, R>(f: (item: T) => R, item: T): R {
  try {
    return f(item);
  } catch (e) {
    disposeOwned(item);
    throw e;
  }
}

/** @internal */
export class InspectStream<T> extends Adapter<T, T> {
  constructor(
    upstream: Stream<T>,
    private readonly f: (item: T) => unknown,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r === DONE) return this.end();
    callOrDrop(this.f, r);
    return r;
  }
}

/** @internal */
export class EnumerateStream<T> extends Adapter<T, [number, T]> {
  private count = 0;

  pollNext(cx: Context): StreamPoll<[number, T]> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r === DONE) return this.end();
    return [this.count++, r];
  }
}

/**
 * What a `scan` function returns: the next state and the item to hand out, or an end.
 *
 * @example
 * ```ts
 * const runningTotal = (sum: number, bill: number): ScanStep<number, number> =>
 *   bill < 0 ? undefined : [sum + bill, sum + bill]; // a negative bill ends the stream
 * ```
 */
export type ScanStep<S, U> = readonly [state: S, item: U] | undefined | typeof DONE;

/** @internal */
export class ScanStream<S, T, U> extends Adapter<T, U> {
  constructor(
    upstream: Stream<T>,
    private state: S,
    private readonly f: (state: S, item: T) => ScanStep<S, U>,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<U> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === PENDING) return PENDING;
    if (r === DONE) return this.end();
    const step = this.f(this.state, r);
    if (step === undefined || step === DONE) {
      // The item that ended it is dropped, as takeWhile drops the one that stopped it.
      disposeOwned(r);
      return this.end();
    }
    if (!Array.isArray(step) || step.length !== 2) {
      const got =
        step === null ? "null" : Array.isArray(step) ? `an array of ${step.length}` : typeof step;
      throw new TypeError(
        `stream.scan(init, f): f must return [nextState, item], or undefined or DONE to end, got ${got}`,
      );
    }
    this.state = step[0];
    return step[1];
  }

  /** Released with the upstream: a state that owns something (OWNED) is dropped with it. */
  protected override end(): typeof DONE {
    this.dropState();
    return super.end();
  }

  /** Torn down by its consumer: the state goes too. */
  override [CANCEL](): Cleanup | null {
    this.dropState();
    return super[CANCEL]();
  }

  private dropState(): void {
    const state = this.state;
    this.state = undefined as S;
    disposeOwned(state);
  }
}

/** @internal */
export class SkipWhileStream<T> extends Adapter<T, T> {
  /** Still dropping items: cleared by the first item `pred` fails, never set again. */
  private skipping = true;

  constructor(
    upstream: Stream<T>,
    private readonly pred: (item: T) => boolean,
  ) {
    super(upstream);
  }

  pollNext(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    for (;;) {
      const r = up.pollNext(cx);
      if (r === PENDING) return PENDING;
      if (r === DONE) return this.end();
      if (!this.skipping || !callOrDrop(this.pred, r)) {
        this.skipping = false;
        return r;
      }
      disposeOwned(r); // a skipped item is dropped: disposed if it has one owner (OWNED)
    }
  }
}
