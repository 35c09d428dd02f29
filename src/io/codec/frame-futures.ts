/**
 * The futures of the framed types: `next()` on the read side, and `feed`, `send`, `flush`,
 * `close` on the write side. Each is an `IoFuture`, so while it waits it is registered as the one
 * parked on the socket (or duplex end), and dropping it takes that wait back (io-future.ts).
 *
 * Cancellation safety, as tokio documents it:
 * - `next()` is cancellation safe: a frame is decoded only when it is returned, so a `next()`
 *   dropped before it is ready leaves every byte in the buffer for the next one.
 * - `feed(item)` is cancellation safe in tokio's sense: dropped before it is ready, the item was
 *   not encoded (only older bytes may have been written out to make room), and nothing of it went
 *   out; the item itself goes with the dropped future, as a dropped mpsc `send` takes its message
 *   (keep it, and `feed` it again, if it must not be lost).
 * - `send(item)` is not: dropped after its item was encoded and before the flush finished, the
 *   item is in the buffer and goes out with the next flush, but the caller cannot tell whether
 *   that happened.
 * - `flush()` and `close()` are safe to drop and start again: they only wait.
 */
import type { Context } from "../../future/context.js";
import { DESCRIBE, type Description } from "../../future/describe.js";
import { PENDING, type Poll } from "../../future/poll.js";
import type { DONE, StreamPoll } from "../../stream/stream.js";
import { IoFuture } from "../io-future.js";
import type { FrameWriter } from "./frame-writer.js";

/** The future of a framed stream's `next()`. */
export class NextFrame<T> extends IoFuture<T | typeof DONE> {
  protected what(): string {
    return "framed.next()";
  }
  constructor(
    private readonly stream: { pollNext(cx: Context): StreamPoll<T> },
    reader: unknown,
  ) {
    super(reader);
  }
  protected step(cx: Context): StreamPoll<T> {
    return this.stream.pollNext(cx);
  }
  /** For dumps and deadlock reports: the stream it waits on. */
  override [DESCRIBE](): Description {
    return { label: this.what(), children: [this.stream] };
  }
}

/** The item was not encoded yet. */
const WAITING = 0;
/** The item is in the buffer (for `send`: now flushing). */
const ENCODED = 1;

/** `feed(item)` (`flushAfter` false) or `send(item)` (true). */
export class FeedFrame<T> extends IoFuture<void> {
  private state: typeof WAITING | typeof ENCODED = WAITING;
  protected what(): string {
    return this.flushAfter ? "framed.send()" : "framed.feed()";
  }
  constructor(
    private readonly sink: FrameWriter<T>,
    private item: T | undefined,
    private readonly flushAfter: boolean,
  ) {
    super(sink.writer);
  }
  protected step(cx: Context): Poll<void> {
    if (this.state === WAITING) {
      if (this.sink.pollReady(cx) === PENDING) return PENDING;
      const item = this.item as T;
      // Let go of the item first: once encoded (or refused) it is not this future's any more.
      this.item = undefined;
      this.state = ENCODED;
      this.sink.startSend(item);
    }
    return this.flushAfter ? this.sink.pollFlush(cx) : undefined;
  }
  override [Symbol.dispose](): void {
    this.item = undefined;
    super[Symbol.dispose]();
  }
}

/** `flush()` (`close` false) or `close()` (true). */
export class FlushFrames extends IoFuture<void> {
  protected what(): string {
    return this.close ? "framed.close()" : "framed.flush()";
  }
  constructor(
    private readonly sink: FrameWriter<unknown>,
    private readonly close: boolean,
  ) {
    super(sink.writer);
  }
  protected step(cx: Context): Poll<void> {
    return this.close ? this.sink.pollClose(cx) : this.sink.pollFlush(cx);
  }
}
