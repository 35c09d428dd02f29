/**
 * unfold: a stream written as a loop over a state (futures-rs' `stream::unfold`, what
 * `async-stream`'s `try_stream!` is often used for). Each item is the output of one future made
 * from the state: `f(state)` gives `[item, nextState]`, or `undefined` to end. The next future is
 * made only when the consumer asks for the next item, so a slow consumer holds the producer back.
 *
 * States: `IDLE` (holding the state, no step made), `STEPPING` (a step's future in flight; the
 * state was handed to it), `ENDED`. A step that throws ends the stream: its error is handed out
 * once, in place of an item, and the stream then answers `DONE` (the state went with the step,
 * so there is nothing to go on from; a stream that threw the same error at every pull would spin
 * its consumer).
 */
import {
  CANCEL,
  type Cancellable,
  type Cleanup,
  cancel,
  disposeOwned,
  drop,
} from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { assertFuture, type Future } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { DONE, StreamBase, type StreamPoll } from "./stream.js";

/** One step's answer: the item and the state after it, or `undefined` for the end. */
export type UnfoldStep<T, S> = readonly [item: T, next: S] | undefined;

const IDLE = 0;
const STEPPING = 1;
const ENDED = 2;

class Unfold<T, S> extends StreamBase<T> implements Cancellable {
  private phase = IDLE;
  private state: S | undefined;
  private step: Future<UnfoldStep<T, S>> | null = null;

  constructor(
    init: S,
    private readonly f: (state: S) => Future<UnfoldStep<T, S>>,
  ) {
    super();
    this.state = init;
  }

  pollNext(cx: Context): StreamPoll<T> {
    if (this.phase === ENDED) return DONE;
    if (this.phase === IDLE) {
      const state = this.state as S;
      this.state = undefined;
      this.phase = STEPPING;
      let step: Future<UnfoldStep<T, S>>;
      try {
        step = this.f(state);
        assertFuture(step, "unfold(init, f): what f returned");
      } catch (e) {
        this.phase = ENDED;
        throw e;
      }
      this.step = step;
    }
    let r: Poll<UnfoldStep<T, S>>;
    try {
      r = this.step!.poll(cx);
    } catch (e) {
      this.end();
      throw e;
    }
    if (r === PENDING) return PENDING;
    if (r === undefined) {
      this.end();
      return DONE;
    }
    if (!Array.isArray(r) || r.length !== 2) {
      this.end();
      throw new TypeError(
        `unfold(init, f): f's future must give [item, nextState] or undefined, got ${Array.isArray(r) ? `an array of ${r.length}` : typeof r}`,
      );
    }
    this.step = null;
    this.state = r[1];
    this.phase = IDLE;
    return r[0];
  }

  private end(): void {
    this.phase = ENDED;
    this.step = null;
  }

  /** Torn down by its consumer: a step whose `finally` awaits is handed back to be driven. */
  [CANCEL](): Cleanup | null {
    const step = this.step;
    const state = this.state;
    this.phase = ENDED;
    this.step = null;
    this.state = undefined;
    // The state is this stream's only while no step holds it (then the step owns it).
    if (step === null) disposeOwned(state);
    return cancel(step);
  }

  override [Symbol.dispose](): void {
    drop(this);
  }
}

/**
 * A stream from a state and an async step (futures-rs' `stream::unfold`): `f(state)` is a future
 * of `[item, nextState]`, or of `undefined` to end. A step that throws ends the stream after its
 * error. Disposing the stream drops the step in flight, or disposes the state if it is `OWNED`
 * (a socket, say): the state is the stream's, as in Rust. A step owns the state while it runs, so
 * a step that must release it when dropped holds it with `using held = hold(state)` and returns
 * `[item, held.take()]`. To read from something the stream only borrows (a method's `this`),
 * capture it in `f` instead of passing it as the state.
 *
 * @example
 * ```ts
 * // Pages of an API, fetched one at a time as the consumer asks:
 * const pages = unfold(1, (page) =>
 *   asyncBlock(function* () {
 *     const rows = yield* fetchPage(page);
 *     return rows.length === 0 ? undefined : ([rows, page + 1] as const);
 *   }),
 * );
 * ```
 */
export function unfold<T, S>(init: S, f: (state: S) => Future<UnfoldStep<T, S>>): StreamBase<T> {
  if (typeof f !== "function") {
    throw new TypeError(`unfold(init, f): f must be a function, got ${typeof f}`);
  }
  return new Unfold(init, f);
}
