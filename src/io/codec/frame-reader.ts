/**
 * FrameReader: the read side of every framed type (`FramedRead`, `Framed`, and the read half of
 * a split `Framed`), tokio-util's `FramedImpl` as a stream. It reads from an `AsyncRead` into a
 * {@link BytesBuf} and asks its decoder for frames: every frame already buffered is handed out
 * before the reader is read again, and a frame is decoded only when `pollNext` returns it, so a
 * `next()` dropped before it is ready loses nothing (cancellation safe).
 *
 * States, each changed only where named:
 * - `FRAMING`: the buffer may hold a whole frame: ask `decode`. None → `READING`.
 * - `READING`: read more. Bytes → `FRAMING`; the end (a read of 0) → `AT_EOF`.
 * - `AT_EOF`: ask `decodeEof` until it has no more. Then `DONE`, → `PAUSED`.
 * - `PAUSED`: the end was seen and everything before it handed out. Polled again, read again, as
 *   tokio-util does: a file that grew since (`tail -f`) gives bytes, → `FRAMING`; another read of 0
 *   is `DONE` again (a socket's end stays the end), and so is a reader disposed since (→ `ENDED`).
 *   Bytes of a frame not whole at the end stay in the buffer for the bytes that follow.
 * - `ENDED`: `DONE` forever: after an error that ends the stream (the reader's, or a decoder's
 *   that it does not call recoverable), or once disposed.
 *
 * An error is thrown once, in place of a frame. A decoder error the decoder calls recoverable
 * leaves the state as it was, so the next poll decodes on from where it stopped.
 */
import type { Context } from "../../future/context.js";
import { FutureStateError } from "../../future/errors.js";
import { PENDING } from "../../future/poll.js";
import { Claim, DONE, type StreamPoll } from "../../stream/stream.js";
import { hasBudget, pollProceed } from "../../task/budget.js";
import { readCount } from "../checked-count.js";
import { IoError } from "../error.js";
import { type ParkSource, parkSourceOf } from "../io-future.js";
import type { AsyncRead } from "../traits.js";
import { BytesBuf } from "./bytes-buf.js";
import { type Decoder, decodeEof } from "./codec.js";

const FRAMING = 0;
const READING = 1;
const AT_EOF = 2;
const PAUSED = 3;
const ENDED = 4;
type ReadState = typeof FRAMING | typeof READING | typeof AT_EOF | typeof PAUSED | typeof ENDED;

/** The buffer's first size (tokio's `INITIAL_CAPACITY`). */
export const INITIAL_CAPACITY = 8 * 1024;
/** Less room than this after the buffered bytes, and the buffer slides or grows before a read. */
const MIN_READ_ROOM = 1024;

/** @internal the read side of the framed types. */
export class FrameReader<T> {
  private state: ReadState = READING;
  /** What the reader parks its pollers on, if it can say who parked (see io-future.ts). */
  private readonly source: ParkSource | null;
  /** Which `next()` of an adapter on the stream holds the reader's wait (stream.ts, WITHDRAW). */
  readonly claim = new Claim();

  constructor(
    private readonly reader: AsyncRead,
    readonly decoder: Decoder<T>,
    /** Made at the first read, so a framed stream never polled holds no buffer. */
    readonly buf: BytesBuf = new BytesBuf(),
  ) {
    this.source = parkSourceOf(reader);
    // Bytes handed over with the buffer (a split) may already hold frames.
    if (buf.length > 0) this.state = FRAMING;
  }

  /**
   * One poll of the stream `owner`: parks as `owner` when polled through adapters, so that a
   * dropped `next()` of an adapter can take the wait back (stream.ts, WITHDRAW).
   */
  pollNext(cx: Context, owner: unknown): StreamPoll<T> {
    const src = this.source;
    if (src === null || src.poller !== null) return this.pollFrame(cx);
    src.poller = owner;
    let r: StreamPoll<T>;
    try {
      r = this.pollFrame(cx);
    } finally {
      src.poller = null;
    }
    if (r === PENDING) this.claim.parked();
    return r;
  }

  /** The next frame, `DONE`, or `PENDING` (the reader holds `cx.waker`). */
  private pollFrame(cx: Context): StreamPoll<T> {
    const buf = this.buf;
    for (;;) {
      switch (this.state) {
        case ENDED:
          // Spent like a frame: a loop that polls a finished stream still lets others run.
          return pollProceed(cx) ? DONE : PENDING;
        case AT_EOF: {
          if (!hasBudget() && !pollProceed(cx)) return PENDING;
          let frame: T | undefined;
          try {
            frame = decodeEof(this.decoder, buf);
          } catch (e) {
            throw this.failed(e);
          }
          if (frame !== undefined) {
            pollProceed(cx);
            return frame;
          }
          this.state = PAUSED;
          // A frame still being written (a decoder whose decodeEof says "not yet") stays for the
          // bytes that may follow, as tokio-util keeps its buffer.
          if (buf.length === 0) buf.release();
          return DONE;
        }
        case FRAMING: {
          // A buffer full of small frames is ready many times in a row: each frame spends the
          // task's budget, as a channel's buffered message does. Checked before decoding, so a
          // frame is never decoded and then held back.
          if (!hasBudget() && !pollProceed(cx)) return PENDING;
          let frame: T | undefined;
          try {
            frame = this.decoder.decode(buf);
          } catch (e) {
            throw this.failed(e);
          }
          if (frame !== undefined) {
            pollProceed(cx);
            return frame;
          }
          this.state = READING;
          break;
        }
        case PAUSED:
        case READING: {
          buf.reserve(buf.capacity === 0 ? INITIAL_CAPACITY : MIN_READ_ROOM);
          let n: number | typeof PENDING;
          const into = buf.unfilled();
          try {
            n = readCount(this.reader.pollRead(cx, into), into, this.reader);
          } catch (e) {
            // A reader disposed after the end was seen: still the end, as before it was read again.
            if (this.state === PAUSED && e instanceof IoError && e.kind === "NotConnected") {
              this.end();
              return pollProceed(cx) ? DONE : PENDING;
            }
            // The reader itself failed (a reset connection): it would fail at every read. A
            // second task refused a wait (one-reader.ts) is that task's mistake: the stream goes on.
            if (!(e instanceof FutureStateError)) this.end();
            throw e;
          }
          if (n === PENDING) return PENDING;
          if (n === 0) {
            // Still the end: nothing new to decode, and decodeEof has had its say.
            if (this.state === PAUSED) {
              if (buf.length === 0) buf.release();
              return pollProceed(cx) ? DONE : PENDING;
            }
            this.state = AT_EOF;
          } else {
            buf.commit(n);
            this.state = FRAMING;
          }
          break;
        }
      }
    }
  }

  /** The decoder threw `error`: the stream ends unless the decoder skipped what was wrong. */
  private failed(error: unknown): unknown {
    if (this.decoder.recoverable?.(error) !== true) this.end();
    return error;
  }

  /** → `ENDED`: the buffer is let go; the reader is its owner's to dispose. */
  end(): void {
    this.state = ENDED;
    this.buf.release();
  }

  /** A dropped `next()` of an adapter on the stream parked on the reader: take it back. */
  withdraw(by: unknown, owner: unknown): void {
    if (this.claim.release(by)) this.source?.unregister(owner);
  }
}
