/**
 * Framed: one reader-writer (a socket, a duplex end) seen as a stream of frames in and a sink of
 * items out, through one codec (tokio-util's `Framed`): the waiter's notepad, which reads orders
 * and writes answers in the same format. It is a {@link FramedRead} and a {@link FramedWrite} over
 * the same object: `next()` and the stream combinators read, `send`/`feed`/`flush`/`close` write,
 * each with the cancellation safety documented there.
 *
 * `split()` hands the two sides to different tasks (a chat connection reads in one chef's hands
 * and writes in another's): a `FramedRead` over the object's read half and a `FramedWrite` over
 * its write half (io/split.ts), each with the bytes this Framed had buffered. The codec is shared
 * by both, so its decoding state must not touch its encoding (true of the codecs here).
 *
 * Disposing the Framed disposes the reader-writer; bytes encoded and not yet written are lost
 * (`close` first). After `split()` the Framed has handed everything over: its own methods throw
 * and disposing it does nothing; the halves own the object, which is disposed with the last.
 */
import { markOwned } from "../../future/cancel.js";
import type { Context } from "../../future/context.js";
import type { FutureBase } from "../../future/future.js";
import { type DONE, StreamBase, type StreamPoll } from "../../stream/index.js";
import { CLAIM, disposeOf, WITHDRAW } from "../../stream/stream.js";
import { split } from "../split.js";
import { type AsyncRead, type AsyncWrite, assertReader, assertWriter } from "../traits.js";
import type { BytesBuf } from "./bytes-buf.js";
import { assertDecoder, assertEncoder, type Decoder, type Encoder } from "./codec.js";
import { FeedFrame, FlushFrames, NextFrame } from "./frame-futures.js";
import { FrameReader } from "./frame-reader.js";
import { boundaryOf, type FramedWriteOptions, FrameWriter } from "./frame-writer.js";
import { FramedRead } from "./framed-read.js";
import { FramedWrite } from "./framed-write.js";

/** The Framed is in use. */
const OPEN = 0;
/** `split()` handed its sides over. */
const SPLIT = 1;
/** Disposed, with its reader-writer. */
const DISPOSED = 2;

/**
 * Frames in and out of one reader-writer, through `codec`: items of type `In` are read, items of
 * type `Out` are written.
 *
 * @example
 * ```ts
 * using conn = new Framed(socket, new LinesCodec());
 * yield* conn.send("hello");
 * const answer = yield* conn.next(); // a line, or DONE
 * ```
 */
export class Framed<In, Out = In, IO extends AsyncRead & AsyncWrite = AsyncRead & AsyncWrite>
  extends StreamBase<In>
  implements Disposable
{
  private readonly frames: FrameReader<In>;
  private readonly sink: FrameWriter<Out>;
  private state: typeof OPEN | typeof SPLIT | typeof DISPOSED = OPEN;

  constructor(
    /** The reader-writer; disposing the Framed disposes it. */
    readonly io: IO,
    /** Both the decoder of what is read and the encoder of what is written. */
    readonly codec: Decoder<In> & Encoder<Out>,
    options?: FramedWriteOptions,
  ) {
    super();
    const where = "new Framed(io, codec, options)";
    assertReader(io, `${where}: io`);
    assertWriter(io, `${where}: io`);
    assertDecoder(codec, `${where}: codec`);
    assertEncoder(codec, `${where}: codec`);
    this.frames = new FrameReader(io, codec);
    this.sink = new FrameWriter(io, codec, boundaryOf(options, where));
  }

  /**
   * The bytes read and not yet decoded.
   *
   * @example
   * ```ts
   * conn.readBuffer.length; // a partial frame's bytes
   * ```
   */
  get readBuffer(): BytesBuf {
    return this.frames.buf;
  }

  /**
   * The bytes encoded and not yet written.
   *
   * @example
   * ```ts
   * conn.writeBuffer.length; // 0 after a flush
   * ```
   */
  get writeBuffer(): BytesBuf {
    return this.sink.buf;
  }

  /**
   * {@link Stream}: the next frame read, `DONE`, or `PENDING`.
   *
   * @example
   * ```ts
   * const frame = yield* pollFn((cx) => conn.pollNext(cx)); // what next() does
   * ```
   */
  pollNext(cx: Context): StreamPoll<In> {
    // Split or disposed: the frames are the read half's, or gone.
    if (this.state !== OPEN) this.check("next");
    return this.frames.pollNext(cx, this);
  }

  /**
   * A future of the next frame, or `DONE`. Cancellation safe.
   *
   * @example
   * ```ts
   * const request = yield* conn.next();
   * ```
   */
  override next(): FutureBase<In | typeof DONE> & Disposable {
    this.check("next");
    return new NextFrame(this, this.io);
  }

  /**
   * Encode `item` and flush. Not cancellation safe once started (see {@link FramedWrite.send}).
   *
   * @example
   * ```ts
   * yield* conn.send("PONG");
   * ```
   */
  send(item: Out): FutureBase<void> & Disposable {
    this.check("send");
    return new FeedFrame(this.sink, item, true);
  }

  /**
   * Encode `item` without flushing (writing out first past the boundary). Cancellation safe:
   * dropped before it is ready, nothing of the item went out (the item goes with the future).
   *
   * @example
   * ```ts
   * yield* conn.feed("a");
   * yield* conn.feed("b");
   * yield* conn.flush();
   * ```
   */
  feed(item: Out): FutureBase<void> & Disposable {
    this.check("feed");
    return new FeedFrame(this.sink, item, false);
  }

  /**
   * Write every buffered byte and flush. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* conn.flush();
   * ```
   */
  flush(): FutureBase<void> & Disposable {
    this.check("flush");
    return new FlushFrames(this.sink as FrameWriter<unknown>, false);
  }

  /**
   * Flush, then shut the writing side down; reading goes on. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* conn.close(); // the peer reads the end, and may still answer
   * ```
   */
  close(): FutureBase<void> & Disposable {
    this.check("close");
    return new FlushFrames(this.sink as FrameWriter<unknown>, true);
  }

  /**
   * The reading side and the writing side as two objects that can live in different tasks, with
   * whatever this Framed had buffered. The reader-writer is disposed when both are.
   *
   * @example
   * ```ts
   * const [incoming, outgoing] = conn.split();
   * spawn(incoming.forEach((line) => console.log(line)));
   * yield* outgoing.send("hello");
   * ```
   */
  split(): [FramedRead<In>, FramedWrite<Out>] {
    this.check("split");
    this.state = SPLIT;
    const [rd, wr] = split(this.io);
    // The frames already read (and the bytes already encoded) go with their side.
    const incoming = new FramedRead<In>(rd, this.codec, this.frames.buf);
    const outgoing = new FramedWrite<Out>(
      wr,
      this.codec,
      { backpressureBoundary: this.sink.boundary },
      this.sink.buf,
    );
    return [incoming, outgoing];
  }

  /** A dropped `next()` of an adapter on this stream parked on the io: take it back. */
  override [WITHDRAW](by: unknown): void {
    this.frames.withdraw(by, this);
  }
  override [CLAIM](by: unknown): void {
    this.frames.claim.set(by);
  }

  private check(doing: string): void {
    if (this.state === SPLIT) {
      throw new TypeError(`Framed was used after split() (${doing}): use its halves`);
    }
    if (this.state === DISPOSED) {
      throw new TypeError(`Framed was used after it was disposed (${doing})`);
    }
  }

  /**
   * Dispose the reader-writer and let both buffers go: bytes encoded and not yet written are lost
   * (`close()` first), and a later read or write throws a `TypeError`. After `split()` it does nothing:
   * the halves own the reader-writer. Idempotent.
   *
   * @example
   * ```ts
   * using conn = new Framed(socket, new LinesCodec()); // the socket closes at the scope's end
   * ```
   */
  override [Symbol.dispose](): void {
    if (this.state !== OPEN) return;
    this.state = DISPOSED;
    this.frames.end();
    this.sink.buf.release();
    disposeOf(this.io);
  }
}

markOwned(Framed);
