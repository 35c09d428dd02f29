/**
 * BufWriter: the pass where small plates wait to go out together (tokio's `BufWriter`). Writes
 * smaller than its buffer are copied into it and accepted at once; the buffer goes to the inner
 * writer in one write when it fills up, or on `flush` and `shutdown`. A protocol that writes a
 * frame in many small pieces (a header, a length, a body, a newline) then makes one socket write
 * per frame instead of four. A write as large as the buffer goes straight through, after what is
 * buffered.
 *
 * As in tokio, bytes still in the buffer when it is disposed are lost: `flush` (or `shutdown`)
 * before letting it go. Disposing it disposes the inner writer.
 */
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { PENDING, type Poll } from "../future/poll.js";
import { disposeOf } from "../stream/stream.js";
import { writeCount } from "./checked-count.js";
import { IoError } from "./error.js";
import { type ParkSource, parkSourceOf } from "./io-future.js";
import { type AsyncWrite, assertWriter } from "./traits.js";

/**
 * A writer that gathers small writes into one buffer before handing them to `inner`.
 *
 * @example
 * ```ts
 * const out = new BufWriter(conn);
 * yield* writeAll(out, header);
 * yield* writeAll(out, body); // both still in the buffer
 * yield* flush(out); // one write to the socket, then its flush
 * ```
 */
export class BufWriter<W extends AsyncWrite = AsyncWrite> implements AsyncWrite, Disposable {
  /** @internal what a future writing through this writer parks on (see io-future.ts). */
  readonly parkSource: ParkSource | null;
  private readonly buf: Uint8Array;
  /** Bytes in the buffer. */
  private len = 0;
  /** Of those, the ones already handed to `inner` (a flush that waited part way). */
  private sent = 0;
  private disposed = false;

  constructor(
    /** The wrapped writer; disposing the BufWriter disposes it. */
    readonly inner: W,
    capacity = 8192,
  ) {
    assertWriter(inner, "new BufWriter(inner, capacity): inner");
    if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1) {
      throw new (typeof capacity === "number" ? RangeError : TypeError)(
        `new BufWriter(inner, capacity): capacity must be an integer of at least 1, got ${typeof capacity === "number" ? String(capacity) : typeof capacity}`,
      );
    }
    this.buf = new Uint8Array(capacity);
    this.parkSource = parkSourceOf(inner);
  }

  /**
   * Bytes accepted and not yet handed to the inner writer.
   *
   * @example
   * ```ts
   * if (out.buffered > 0) yield* flush(out);
   * ```
   */
  get buffered(): number {
    return this.len - this.sent;
  }

  /**
   * {@link AsyncWrite}: copy `buf` into the buffer; if it does not fit, hand the buffer on first;
   * a `buf` as large as the buffer goes straight to the inner writer. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* writeAll(out, bytes); // writeAll polls this
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.disposed) throw disposedError("write");
    const room = this.buf.length;
    if (this.len + buf.length > room && this.pollSend(cx) === PENDING) return PENDING;
    if (buf.length >= room) return this.inner.pollWrite(cx, buf);
    this.buf.set(buf, this.len);
    this.len += buf.length;
    return buf.length;
  }

  /**
   * {@link AsyncWrite}: hand the buffer to the inner writer, then flush it. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* flush(out); // flush() polls this
   * ```
   */
  pollFlush(cx: Context): Poll<void> {
    if (this.disposed) throw disposedError("flush");
    if (this.pollSend(cx) === PENDING) return PENDING;
    return this.inner.pollFlush(cx);
  }

  /**
   * {@link AsyncWrite}: hand the buffer on, then shut the inner writer down. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* shutdown(out); // shutdown() polls this
   * ```
   */
  pollShutdown(cx: Context): Poll<void> {
    if (this.disposed) throw disposedError("shutdown");
    if (this.pollSend(cx) === PENDING) return PENDING;
    return this.inner.pollShutdown(cx);
  }

  /** Write the buffered bytes to the inner writer: ready once they are all handed over. */
  private pollSend(cx: Context): Poll<void> {
    while (this.sent < this.len) {
      const from = this.buf.subarray(this.sent, this.len);
      const n = writeCount(this.inner.pollWrite(cx, from), from, this.inner);
      if (n === PENDING) return PENDING;
      if (n === 0) {
        throw new IoError(
          "WriteZero",
          `BufWriter: the inner writer accepted 0 of ${this.len - this.sent} buffered bytes`,
        );
      }
      this.sent += n;
    }
    this.len = 0;
    this.sent = 0;
    return undefined;
  }

  /**
   * Dispose the inner writer; bytes still in this buffer are lost (`flush` first), and a later
   * write, flush or shutdown throws a `TypeError`. Idempotent.
   *
   * @example
   * ```ts
   * yield* flush(out); // else the buffered bytes never reach the socket
   * out[Symbol.dispose](); // closes conn too
   * ```
   */
  [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    this.len = 0;
    this.sent = 0;
    disposeOf(this.inner);
  }
}

markOwned(BufWriter);

function disposedError(doing: string): TypeError {
  return new TypeError(`BufWriter was used after it was disposed (${doing})`);
}
