/**
 * Adapter: the base of every stream adapter that wraps one upstream stream (`map`, `filterMap`,
 * `andThen`, `take`, `skip`, `chunks`, …): one cook working through the tickets another passes on.
 * The adapter owns its upstream and releases it the moment it is done with it: when the upstream
 * ends, when the adapter is cut short, or when the adapter is dropped. From then on it answers
 * `DONE` (it is fused), so polling past the end is harmless.
 *
 * A subclass writes `pollNext`, taking items with `pull(cx)`, and calls `end()` to stop early.
 */
import type { Context } from "../future/context.js";
import { DONE, disposeOf, type Stream, StreamBase, type StreamPoll } from "./stream.js";

/**
 * A stream of `U` made from one upstream stream of `T`.
 *
 * @example
 * ```ts
 * class Doubled extends Adapter<number, number> {
 *   pollNext(cx: Context): StreamPoll<number> {
 *     const r = this.pull(cx);
 *     return r === PENDING || r === DONE ? r : r * 2;
 *   }
 * }
 * ```
 */
export abstract class Adapter<T, U> extends StreamBase<U> {
  /** The stream this adapter owns; `null` once it is released. */
  protected upstream: Stream<T> | null;

  constructor(upstream: Stream<T>) {
    super();
    this.upstream = upstream;
  }

  /** The upstream's next item, `PENDING`, or `DONE` (it ended now, and is released, or before). */
  protected pull(cx: Context): StreamPoll<T> {
    const up = this.upstream;
    if (up === null) return DONE;
    const r = up.pollNext(cx);
    if (r === DONE) this.end();
    return r;
  }

  /** Release the upstream (and whatever served only it); returns `DONE` for the caller to pass on. */
  protected end(): typeof DONE {
    disposeOf(this.upstream);
    this.upstream = null;
    return DONE;
  }

  override [Symbol.dispose](): void {
    this.end();
  }
}
