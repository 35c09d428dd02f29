/**
 * Wrappers that make the runtime's other sources streams (tokio-stream's `wrappers`): an
 * {@link Interval} becomes a stream of tick instants that never ends, and a channel receiver (an
 * `mpsc` or `broadcast` receiver: anything with `pollRecv`) a stream of its messages that ends
 * when the channel closes. The wrapper owns what it wraps: disposing it disposes the interval or
 * the receiver.
 *
 * Both sources already spend the cooperative budget and keep their own waker, so the wrappers add
 * nothing per item but a call. A broadcast receiver that lagged throws its `RecvLaggedError` from
 * `pollNext`; the stream stays usable and goes on from the oldest message still kept (for a
 * consumer in a task; a native `for await` ends at any error, and disposes the stream). Asked to
 * (`lagged: "skip"` or a callback), the stream steps over the lag itself, as a subscriber that only
 * wants the latest news does: tokio-stream hands the lag out as an item; here it is an option.
 */
import { RecvLaggedError } from "../channel/errors.js";
import type { Context } from "../future/context.js";
import type { Poll } from "../future/poll.js";
import { PENDING } from "../future/poll.js";
import { describeType } from "../runtime/option-checks.js";
import type { Instant } from "../time/instant.js";
import type { Interval } from "../time/interval.js";
import { CLAIM, Claim, DONE, disposeOf, StreamBase, type StreamPoll, WITHDRAW } from "./stream.js";

/**
 * What a receiver offers: a message, `undefined` once closed and drained, or `PENDING`; parking
 * as `by` when given, so that `unregister(by)` can take back that registration and no newer one.
 */
export interface PollReceiver<T> {
  pollRecv(cx: Context, by?: unknown): Poll<T | undefined>;
  unregister?(by: unknown): void;
}

class ReceiverStream<T> extends StreamBase<T> {
  private rx: PollReceiver<T> | null;
  /** Which `next()` holds the receiver's wait for this stream (stream.ts, WITHDRAW). */
  private readonly claim = new Claim();
  constructor(rx: PollReceiver<T>) {
    super();
    this.rx = rx;
  }
  pollNext(cx: Context): StreamPoll<T> {
    const rx = this.rx;
    if (rx === null) return DONE;
    const r = rx.pollRecv(cx, this);
    if (r === PENDING) {
      this.claim.parked();
      return PENDING;
    }
    if (r === undefined) {
      this[Symbol.dispose]();
      return DONE;
    }
    return r;
  }
  override [CLAIM](by: unknown): void {
    this.claim.set(by);
  }
  /** The `next()` that parked here last was dropped: the receiver forgets this stream's waker. */
  override [WITHDRAW](by: unknown): void {
    if (this.claim.release(by)) this.rx?.unregister?.(this);
  }
  override [Symbol.dispose](): void {
    disposeOf(this.rx);
    this.rx = null;
  }
}

/** A receiver stream that steps over a broadcast lag, telling `onLag` how much it missed. */
class LagSkippingStream<T> extends ReceiverStream<T> {
  constructor(
    rx: PollReceiver<T>,
    private readonly onLag: ((missed: number) => void) | null,
  ) {
    super(rx);
  }
  override pollNext(cx: Context): StreamPoll<T> {
    // The receiver has already moved on to the oldest message kept, so the retry reads it; a lag
    // is thrown at most once per overwrite, so this loop ends.
    for (;;) {
      try {
        return super.pollNext(cx);
      } catch (e) {
        if (!(e instanceof RecvLaggedError)) throw e;
        this.onLag?.(e.skipped);
      }
    }
  }
}

/** What {@link receiverStream} does when a broadcast receiver lagged. */
export interface ReceiverStreamOptions {
  /**
   * `"throw"` (the default): `next()` throws the `RecvLaggedError` once and the stream goes on.
   * `"skip"`: the stream goes on to the oldest message still kept without a word. A function: as
   * `"skip"`, after calling it with the number of messages missed (to count or log them; if it
   * throws, that error is thrown from `next()` instead, and the stream still goes on).
   */
  lagged?: "throw" | "skip" | ((missed: number) => void);
}

/**
 * The messages of a channel receiver as a stream, ending when every sender is gone. A broadcast
 * receiver's lag is thrown once and the stream goes on; a native `for await` over the stream ends
 * there instead (it disposes a stream that throws): pass `{ lagged: "skip" }` (or a function that
 * counts what was missed) to step over lags inside the stream.
 *
 * @example
 * ```ts
 * const [tx, rx] = mpsc.channel<string>(16);
 * yield* receiverStream(rx).forEach((order) => console.log(order));
 *
 * let missed = 0;
 * const news = receiverStream(board.subscribe(), { lagged: (n) => { missed += n; } });
 * ```
 */
export function receiverStream<T>(
  rx: PollReceiver<T>,
  options?: ReceiverStreamOptions,
): StreamBase<T> {
  if (
    rx === null ||
    typeof rx !== "object" ||
    typeof (rx as { pollRecv?: unknown }).pollRecv !== "function"
  ) {
    throw new TypeError(
      `receiverStream(rx): rx must be a channel receiver (with pollRecv), got ${rx === null ? "null" : typeof rx}`,
    );
  }
  const lagged = options?.lagged ?? "throw";
  if (lagged === "throw") return new ReceiverStream(rx);
  if (lagged === "skip") return new LagSkippingStream(rx, null);
  if (typeof lagged === "function") return new LagSkippingStream(rx, lagged);
  throw new TypeError(
    `receiverStream(rx, options): options.lagged must be "throw", "skip" or a function, got ${describeType(lagged)}`,
  );
}

class IntervalStream extends StreamBase<Instant> {
  private interval: Interval | null;
  constructor(interval: Interval) {
    super();
    this.interval = interval;
  }
  pollNext(cx: Context): StreamPoll<Instant> {
    const i = this.interval;
    return i === null ? DONE : i.pollTick(cx);
  }
  override [Symbol.dispose](): void {
    disposeOf(this.interval);
    this.interval = null;
  }
}

/**
 * The ticks of an interval as an endless stream of the instants they were scheduled for.
 *
 * @example
 * ```ts
 * yield* intervalStream(interval(1000)).take(3).forEach(() => console.log("check the oven"));
 * ```
 */
export function intervalStream(interval: Interval): StreamBase<Instant> {
  if (
    interval === null ||
    typeof interval !== "object" ||
    typeof (interval as { pollTick?: unknown }).pollTick !== "function"
  ) {
    throw new TypeError(
      `intervalStream(interval): interval must be an Interval (from interval(ms)), got ${interval === null ? "null" : typeof interval}`,
    );
  }
  return new IntervalStream(interval);
}
