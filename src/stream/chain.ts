/**
 * Chain: every item of one stream, then every item of another (futures-rs' `chain`): the second
 * course is not started until the first is cleared. The second stream is not polled before the
 * first ends (making or chaining a stream runs nothing), and each is released the moment it ends.
 * Errors from either pass through; dropping the chain drops both, each on its own.
 */
import { CANCEL, type Cancellable, type Cleanup, cancelAll, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
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
export class ChainStream<T> extends StreamBase<T> implements Cancellable {
  /** The stream being read: `first` until it ends, then `second`; `null` once both ended. */
  private first: Stream<T> | null;
  private second: Stream<T> | null;

  constructor(first: Stream<T>, second: Stream<T>) {
    super();
    this.first = first;
    this.second = second;
  }

  pollNext(cx: Context): StreamPoll<T> {
    const a = this.first;
    if (a !== null) {
      const r = a.pollNext(cx);
      if (r !== DONE) return r;
      // Let go first: a stream whose dispose throws is still never polled or disposed again.
      this.first = null;
      disposeOf(a);
    }
    const b = this.second;
    if (b === null) return DONE;
    const r = b.pollNext(cx);
    if (r !== DONE) return r;
    this.second = null;
    disposeOf(b);
    return DONE;
  }

  /** A `next()` parked through the chain: the stream being read holds the wait. */
  override [CLAIM](by: unknown): void {
    claimFrom(this.first ?? this.second, by);
  }

  override [WITHDRAW](by: unknown): void {
    withdrawFrom(this.first ?? this.second, by);
  }

  /** Both streams go, each on its own, a cleanup that awaits handed back to be driven. */
  [CANCEL](): Cleanup | null {
    const both = [this.first, this.second];
    this.first = this.second = null;
    return cancelAll(both);
  }

  override [Symbol.dispose](): void {
    drop(this);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return { label: "chain", children: [this.first, this.second] };
  }
}
