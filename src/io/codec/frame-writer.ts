/**
 * FrameWriter: the write side of every framed type (`FramedWrite`, `Framed`, and the write half
 * of a split `Framed`), tokio-util's `FramedImpl` as a sink. Items are encoded into a
 * {@link BytesBuf}; the buffer goes to the `AsyncWrite` on a flush, or before an item is accepted
 * while the buffer holds `backpressureBoundary` bytes or more (tokio's `poll_ready`): so a caller
 * that only `feed`s still waits for a slow peer, and memory stays bounded by about the boundary
 * plus one item.
 *
 * The steps, as futures-rs' `Sink` names them: `pollReady` (room for one more item?),
 * `startSend` (encode it), `pollFlush` (every buffered byte written, then the writer flushed),
 * `pollClose` (flushed, then the writer shut down). The futures users await (`feed`, `send`,
 * `flush`, `close`) are made of these, in frame-futures.ts.
 */
import type { Context } from "../../future/context.js";
import { PENDING, type Poll } from "../../future/poll.js";
import { writeCount } from "../checked-count.js";
import { IoError } from "../error.js";
import type { AsyncWrite } from "../traits.js";
import { BytesBuf } from "./bytes-buf.js";
import type { Encoder } from "./codec.js";
import { INITIAL_CAPACITY } from "./frame-reader.js";

/** Options of the framed writers. */
export interface FramedWriteOptions {
  /**
   * How many buffered bytes make `feed` (and `send`) write the buffer out before taking another
   * item (tokio's `backpressure_boundary`).
   * @default 8192
   * @example new FramedWrite(socket, new LinesCodec(), { backpressureBoundary: 64 * 1024 })
   */
  backpressureBoundary?: number;
}

/** @internal the write side of the framed types. */
export class FrameWriter<T> {
  constructor(
    readonly writer: AsyncWrite,
    readonly encoder: Encoder<T>,
    readonly boundary: number,
    /**
     * Encoded bytes not yet written (handed over from a `Framed` when it is split). It starts
     * empty and grows by doubling as items are encoded, so an idle writer holds no buffer.
     */
    readonly buf: BytesBuf = new BytesBuf(),
  ) {}

  /** Ready when the buffer is under the boundary (written out first if it is not). */
  pollReady(cx: Context): Poll<void> {
    if (this.buf.length < this.boundary) return undefined;
    return this.pollFlush(cx);
  }

  /** Encode `item` into the buffer; on a throw the buffer is as it was. */
  startSend(item: T): void {
    const buf = this.buf;
    const before = buf.length;
    try {
      this.encoder.encode(item, buf);
    } catch (e) {
      buf.truncate(before);
      throw e;
    }
  }

  /** Every buffered byte handed to the writer, then the writer flushed. */
  pollFlush(cx: Context): Poll<void> {
    const buf = this.buf;
    while (buf.length > 0) {
      const from = buf.subarray();
      const n = writeCount(this.writer.pollWrite(cx, from), from, this.writer);
      if (n === PENDING) return PENDING;
      if (n === 0) {
        throw new IoError(
          "WriteZero",
          `framed write: the writer accepted 0 of ${buf.length} buffered bytes`,
        );
      }
      buf.advance(n);
    }
    return this.writer.pollFlush(cx);
  }

  /** Flushed, then the writer shut down. */
  pollClose(cx: Context): Poll<void> {
    if (this.pollFlush(cx) === PENDING) return PENDING;
    return this.writer.pollShutdown(cx);
  }
}

/** @internal */
export function boundaryOf(options: FramedWriteOptions | undefined, where: string): number {
  if (options === undefined) return INITIAL_CAPACITY;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where}: options must be an object like { backpressureBoundary }`);
  }
  const b = options.backpressureBoundary;
  if (b === undefined) return INITIAL_CAPACITY;
  if (typeof b !== "number") {
    throw new TypeError(`${where}: options.backpressureBoundary must be a number, got ${typeof b}`);
  }
  if (!Number.isInteger(b) || b < 1) {
    throw new RangeError(
      `${where}: options.backpressureBoundary must be an integer of at least 1, got ${b}`,
    );
  }
  return b;
}
