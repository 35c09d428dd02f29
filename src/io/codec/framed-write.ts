/**
 * FramedWrite: a writer that takes items and writes them as frames through an encoder
 * (tokio-util's `FramedWrite`), the pass where plated dishes are wrapped for delivery.
 *
 * - `send(item)`: encode it and flush; pending while the writer is full (a peer that does not
 *   read keeps it waiting: backpressure). Not cancellation safe once started.
 * - `feed(item)`: encode it without flushing, so many small items go out in one write; once the
 *   buffer holds `backpressureBoundary` bytes it is written out first. Cancellation safe.
 * - `flush()`: every buffered byte written and the writer flushed. `close()`: flushed, then the
 *   writer shut down (TCP: the peer reads the end). Both cancellation safe.
 *
 * As with `BufWriter`, bytes still buffered when it is disposed are lost: `flush` or `close`
 * first. Disposing it disposes the writer.
 */
import { markOwned } from "../../future/cancel.js";
import type { FutureBase } from "../../future/future.js";
import { disposeOf } from "../../stream/stream.js";
import { type AsyncWrite, assertWriter } from "../traits.js";
import type { BytesBuf } from "./bytes-buf.js";
import { assertEncoder, type Encoder } from "./codec.js";
import { FeedFrame, FlushFrames } from "./frame-futures.js";
import { boundaryOf, type FramedWriteOptions, FrameWriter } from "./frame-writer.js";

/**
 * A sink of items written to `writer` as frames by `encoder`.
 *
 * @example
 * ```ts
 * const out = new FramedWrite(socket, new LinesCodec());
 * yield* out.feed("soup");
 * yield* out.feed("salad");
 * yield* out.close(); // both lines in one write, then the end
 * ```
 */
export class FramedWrite<T, W extends AsyncWrite = AsyncWrite> implements Disposable {
  /** @internal */
  readonly sink: FrameWriter<T>;
  private disposed = false;

  constructor(
    /** The writer; disposing the FramedWrite disposes it. */
    readonly writer: W,
    encoder: Encoder<T>,
    options?: FramedWriteOptions,
    /** @internal bytes already encoded (the write half of a split `Framed`). */
    buffered?: BytesBuf,
  ) {
    assertWriter(writer, "new FramedWrite(writer, encoder, options): writer");
    assertEncoder(encoder, "new FramedWrite(writer, encoder, options): encoder");
    this.sink = new FrameWriter(
      writer,
      encoder,
      boundaryOf(options, "new FramedWrite(writer, encoder, options)"),
      buffered,
    );
  }

  /**
   * The encoder.
   *
   * @example
   * ```ts
   * (out.encoder as LengthDelimitedCodec).maxFrameLength; // 8388608
   * ```
   */
  get encoder(): Encoder<T> {
    return this.sink.encoder;
  }

  /**
   * The bytes encoded and not yet written (tokio's `write_buffer`).
   *
   * @example
   * ```ts
   * if (out.writeBuffer.length > 0) yield* out.flush();
   * ```
   */
  get writeBuffer(): BytesBuf {
    return this.sink.buf;
  }

  /**
   * Encode `item` and flush: ready once its bytes (and all before them) are handed to the writer
   * and flushed. A `CodecError` or `TypeError` from the encoder is thrown with nothing of the
   * item written. Not cancellation safe once started.
   *
   * @example
   * ```ts
   * yield* out.send("table 4: soup");
   * ```
   */
  send(item: T): FutureBase<void> & Disposable {
    this.check("send");
    return new FeedFrame(this.sink, item, true);
  }

  /**
   * Encode `item` into the buffer without flushing (writing the buffer out first if it has
   * reached `backpressureBoundary`). Cancellation safe: dropped before it is ready, nothing of
   * the item went out (the item goes with the future; keep it to feed it again).
   *
   * @example
   * ```ts
   * for (const dish of dishes) yield* out.feed(dish);
   * yield* out.flush();
   * ```
   */
  feed(item: T): FutureBase<void> & Disposable {
    this.check("feed");
    return new FeedFrame(this.sink, item, false);
  }

  /**
   * Write every buffered byte and flush the writer. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* out.flush();
   * ```
   */
  flush(): FutureBase<void> & Disposable {
    this.check("flush");
    return new FlushFrames(this.sink as FrameWriter<unknown>, false);
  }

  /**
   * Flush, then shut the writer down (the peer reads the end). Cancellation safe.
   *
   * @example
   * ```ts
   * yield* out.close();
   * ```
   */
  close(): FutureBase<void> & Disposable {
    this.check("close");
    return new FlushFrames(this.sink as FrameWriter<unknown>, true);
  }

  private check(doing: string): void {
    if (this.disposed) throw new TypeError(`FramedWrite was used after it was disposed (${doing})`);
  }

  /**
   * Dispose the writer and let the buffer go: frames fed and not yet flushed are lost (`flush`
   * first), and a later send, feed, flush or close throws a `TypeError`. Idempotent.
   *
   * @example
   * ```ts
   * yield* out.flush(); // "soup" and "salad" reach the socket
   * out[Symbol.dispose](); // closes the socket too
   * ```
   */
  [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    this.sink.buf.release();
    disposeOf(this.writer);
  }
}

markOwned(FramedWrite);
