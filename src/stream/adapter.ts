/**
 * Adapter: the base of the stream adapters that wrap one upstream stream and pass its items on one
 * at a time (`map`, `filterMap`, `andThen`, `take`, `skip`, `chunks`, …): one cook working through
 * the tickets another passes on. The adapter owns its upstream and releases it the moment it is done with it: when the upstream
 * ends, when the adapter is cut short, or when the adapter is dropped. From then on it answers
 * `DONE` (it is fused), so polling past the end is harmless.
 *
 * A subclass writes `pollNext`, polling `upstream` itself (`null` once released), and calls `end()`
 * when the upstream ends or to stop early. The poll of the upstream is written out in each
 * subclass rather than shared here: a shared call site sees every stream class of a pipeline, V8
 * then stops inlining it, and a pipeline of eight adapters ran 1.8× slower that way.
 */
import { CANCEL, type Cancellable, type Cleanup, cancel } from "../future/cancel.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import {
  CLAIM,
  claimFrom,
  DONE,
  disposeOf,
  type Stream,
  StreamBase,
  streamLabel,
  WITHDRAW,
  withdrawFrom,
} from "./stream.js";

/**
 * A stream of `U` made from one upstream stream of `T`.
 *
 * @example
 * ```ts
 * class Doubled extends Adapter<number, number> {
 *   pollNext(cx: Context): StreamPoll<number> {
 *     const up = this.upstream;
 *     if (up === null) return DONE;
 *     const r = up.pollNext(cx);
 *     if (r === DONE) return this.end();
 *     return r === PENDING ? r : r * 2;
 *   }
 * }
 * ```
 */
export abstract class Adapter<T, U> extends StreamBase<U> implements Cancellable {
  /** The stream this adapter owns; `null` once it is released. */
  protected upstream: Stream<T> | null;

  constructor(upstream: Stream<T>) {
    super();
    this.upstream = upstream;
  }

  /** Release the upstream (and whatever served only it); returns `DONE` for the caller to pass on. */
  protected end(): typeof DONE {
    // Let go first: an upstream whose dispose throws is still never polled or disposed again.
    const up = this.upstream;
    this.upstream = null;
    disposeOf(up);
    return DONE;
  }

  override [Symbol.dispose](): void {
    this.end();
  }

  /**
   * Torn down by what consumes it (a `collect` in an aborted task, say): the upstream's teardown,
   * and what of it must still await, is handed back to be driven there (src/future/cancel.ts).
   */
  [CANCEL](): Cleanup | null {
    const up = this.upstream;
    this.upstream = null;
    return cancel(up);
  }

  /** A `next()` parked through this adapter: its upstream holds the wait. */
  override [CLAIM](by: unknown): void {
    claimFrom(this.upstream, by);
  }

  /** A dropped `next()` that parked through this adapter: its upstream holds the wait. */
  override [WITHDRAW](by: unknown): void {
    withdrawFrom(this.upstream, by);
  }

  /** For dumps and deadlock reports: which adapter, down to its upstream. */
  override [DESCRIBE](): Description {
    return { label: streamLabel(this), children: this.upstream === null ? [] : [this.upstream] };
  }
}
