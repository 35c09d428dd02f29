/**
 * FramedRead: a reader turned into a stream of frames by a decoder (tokio-util's `FramedRead`):
 * the ticket printer's roll, cut into one order slip per ticket. It is a Brigade stream, so
 * `next()`, `for await`, the combinators and `StreamMap` all take it.
 *
 * Errors come out of `next()` (or the combinator polling it) as a throw, once, in place of a
 * frame. An error of the reader (a reset connection) ends the stream. A decoder's error ends it
 * too, unless the decoder calls it recoverable (`LinesCodec`'s over-long line: the rest of the
 * line is skipped and the stream goes on with the next one). At the end of the reader, bytes that
 * do not make a whole frame are a `CodecError` of kind `"BytesRemaining"` (unless the decoder
 * says otherwise in `decodeEof`).
 *
 * Cancellation safety: `next()` is cancellation safe; no frame is decoded until it is returned.
 * Disposing the FramedRead disposes the reader and lets its buffer go.
 */
import { markOwned } from "../../future/cancel.js";
import type { Context } from "../../future/context.js";
import type { FutureBase } from "../../future/future.js";
import { type DONE, StreamBase, type StreamPoll } from "../../stream/index.js";
import { CLAIM, disposeOf, WITHDRAW } from "../../stream/stream.js";
import { type AsyncRead, assertReader } from "../traits.js";
import type { BytesBuf } from "./bytes-buf.js";
import { assertDecoder, type Decoder } from "./codec.js";
import { NextFrame } from "./frame-futures.js";
import { FrameReader } from "./frame-reader.js";

/**
 * A stream of the frames `decoder` cuts from `reader`'s bytes.
 *
 * @example
 * ```ts
 * const orders = new FramedRead(socket, new LinesCodec({ maxLength: 1024 }));
 * for (let line = yield* orders.next(); line !== DONE; line = yield* orders.next()) {
 *   console.log(line);
 * }
 * ```
 */
export class FramedRead<T, R extends AsyncRead = AsyncRead>
  extends StreamBase<T>
  implements Disposable
{
  /** @internal */
  readonly frames: FrameReader<T>;
  private disposed = false;

  constructor(
    /** The reader; disposing the FramedRead disposes it. */
    readonly reader: R,
    decoder: Decoder<T>,
    /** @internal bytes already read (the read half of a split `Framed`). */
    buffered?: BytesBuf,
  ) {
    super();
    assertReader(reader, "new FramedRead(reader, decoder): reader");
    assertDecoder(decoder, "new FramedRead(reader, decoder): decoder");
    this.frames = new FrameReader(reader, decoder, buffered);
  }

  /**
   * The decoder.
   *
   * @example
   * ```ts
   * (framed.decoder as LinesCodec).maxLength; // 1024
   * ```
   */
  get decoder(): Decoder<T> {
    return this.frames.decoder;
  }

  /**
   * The bytes read and not yet decoded (tokio's `read_buffer`).
   *
   * @example
   * ```ts
   * framed.readBuffer.length; // bytes of a frame still incomplete
   * ```
   */
  get readBuffer(): BytesBuf {
    return this.frames.buf;
  }

  /**
   * {@link Stream}: the next frame, `DONE`, or `PENDING`.
   *
   * @example
   * ```ts
   * const frame = yield* pollFn((cx) => framed.pollNext(cx)); // what next() does
   * ```
   */
  pollNext(cx: Context): StreamPoll<T> {
    return this.frames.pollNext(cx, this);
  }

  /**
   * A future of the next frame, or `DONE`. Cancellation safe: dropped before it is ready, it
   * loses no byte and takes back the wait it parked.
   *
   * @example
   * ```ts
   * const line = yield* framed.next(); // a string, or DONE at the end
   * ```
   */
  override next(): FutureBase<T | typeof DONE> & Disposable {
    return new NextFrame(this, this.reader);
  }

  /** A dropped `next()` of an adapter on this stream parked on the reader: take it back. */
  override [WITHDRAW](by: unknown): void {
    this.frames.withdraw(by, this);
  }
  override [CLAIM](by: unknown): void {
    this.frames.claim.set(by);
  }

  /**
   * Dispose the reader and let the buffer go (a partial frame in it is lost); `next()` answers
   * `DONE` from then on. Idempotent.
   *
   * @example
   * ```ts
   * using framed = new FramedRead(socket, new LinesCodec()); // the socket closes at the scope's end
   * ```
   */
  override [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    this.frames.end();
    disposeOf(this.reader);
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(FramedRead);
