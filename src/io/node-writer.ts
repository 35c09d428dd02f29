/**
 * NodeWriter: any Node `Writable` of bytes as an {@link AsyncWrite} — a child's stdin, the
 * process's stdout, a file's write stream, a gzip. The chef pours into somebody else's funnel, and
 * when the funnel is full (Node's buffer past its `highWaterMark`: `write()` said so) the chef
 * hangs a pager on it and waits for `'drain'`, instead of pouring on and flooding the kitchen.
 *
 * - `pollWrite` hands Node a copy of up to 64 KiB and answers the count at once; it answers
 *   `PENDING` while the stream needs to drain, so a reader that never reads leaves the writer
 *   waiting with bounded memory.
 * - `pollFlush` is ready once Node has called back every write it was given (the bytes are with
 *   the operating system, or the write failed).
 * - `pollShutdown` ends the stream (a child's stdin: the child reads the end) and is ready at
 *   `'finish'`. For a stream the writer does not own (`stdout()`), it only flushes: the process's
 *   stdout is not closed.
 * - An `'error'` (a child that exited: `EPIPE`) is kept as an {@link IoError} and thrown at the
 *   next operation, never as an uncaught exception.
 *
 * Disposing an owned stream ends it: bytes already accepted are still written, then the stream
 * closes (as a dropped `ChildStdin` in tokio closes the pipe after what it was given). A stream not
 * owned is left as it was, with the writer's listeners removed.
 */
import type { Writable } from "node:stream";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import { IoError } from "./error.js";
import { IoWaitSlot } from "./io-wait-slot.js";
import type { AsyncWrite } from "./traits.js";

/** How a {@link NodeWriter} treats the stream it writes. */
export interface NodeWriterOptions {
  /** End the stream at `shutdown` and when the writer is disposed (default `true`). */
  readonly close?: boolean;
  /** Names the stream in errors and dumps (default `"writable"`): `"child stdin"`. */
  readonly name?: string;
}

/** The most one `pollWrite` accepts: bounds what a single call can queue beyond the mark. */
const MAX_WRITE = 64 * 1024;

// The writing side's life, in this order.
const OPEN = 0; // writes accepted
const ENDING = 1; // shutdown began: end() was called, 'finish' not yet seen
const FINISHED = 2; // 'finish' seen: everything was written and the stream ended
const DISPOSED = 3; // let go: every operation fails

export class NodeWriter implements AsyncWrite, Disposable {
  private state = OPEN;
  /** Writes handed to Node whose callback has not come yet. */
  private inFlight = 0;
  /** Who disposed the writer, when it was not its holder (`child.wait()`), for the error. */
  private disposedWhy: string | null = null;
  /** An `'error'` (or a failed write's), thrown at every operation from now on. */
  private error: IoError | null = null;
  private readonly slot: IoWaitSlot;
  private readonly closes: boolean;
  private readonly name: string;
  /**
   * @internal the future polling this writer right now (an `IoFuture`, src/io/io-future.ts):
   * whoever parks records it, the only future allowed to take that wait back.
   */
  poller: unknown = null;

  /** Not for direct use: made by {@link fromWritable}, `stdout()` and `Command.spawn()`. */
  constructor(
    private readonly stream: Writable,
    options?: NodeWriterOptions,
  ) {
    this.closes = options?.close ?? true;
    this.name = options?.name ?? "writable";
    this.slot = new IoWaitSlot(
      `${this.name} write`,
      {
        subject: `this ${this.name}`,
        how: "a write there, waiting for room",
        advice: `A ${this.name} has one writer at a time: write from one task (a writer task fed by a channel)`,
      },
      { kind: "io", source: this.name },
    );
    stream.on("error", this.onError);
    stream.on("drain", this.onWake);
    stream.on("finish", this.onFinish);
    stream.on("close", this.onClose);
  }

  private readonly onError = (e: unknown): void => {
    this.error ??= IoError.from(e, `${this.name} write`);
    this.slot.wake();
  };

  private readonly onWake = (): void => {
    this.slot.wake();
  };

  private readonly onFinish = (): void => {
    if (this.state === ENDING) this.state = FINISHED;
    this.slot.wake();
  };

  private readonly onClose = (): void => {
    // Closed under the writer (destroyed by someone else) while it could still write or end.
    if (this.error === null && (this.state === OPEN || this.state === ENDING)) {
      if (!this.stream.writableFinished) {
        this.error = new IoError("BrokenPipe", `${this.name} write: the stream was closed`);
      }
    }
    this.slot.wake();
  };

  /** A write Node has called back. */
  private readonly onWritten = (e?: Error | null): void => {
    this.inFlight--;
    if (e != null) this.error ??= IoError.from(e, `${this.name} write`);
    if (this.inFlight === 0 || e != null) this.slot.wake();
  };

  private check(doing: string): void {
    if (this.state === DISPOSED) {
      throw new IoError(
        "NotConnected",
        `${this.name} ${doing} after the writer was ${this.disposedWhy ?? "disposed"}`,
      );
    }
    if (this.error !== null) throw this.error;
  }

  /**
   * Hand Node up to 64 KiB of `buf` (copied, so `buf` may be reused at once): the count, or
   * `PENDING` while the stream needs to drain. Throws the stream's `IoError`; `BrokenPipe` after
   * shutdown. Cancel-safe: bytes are accepted only by the poll that returns their count.
   *
   * @example
   * ```ts
   * const n = yield* write(fromWritable(gzip), bytes); // 1 ≤ n ≤ bytes.length
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    this.check("write");
    if (this.state !== OPEN) {
      throw new IoError("BrokenPipe", `${this.name} write after shutdown`);
    }
    if (buf.length === 0) return 0;
    const s = this.stream;
    if (s.destroyed) throw new IoError("BrokenPipe", `${this.name} write: the stream was closed`);
    if (s.writableNeedDrain) {
      this.slot.park(cx, this.poller);
      return PENDING;
    }
    if (!pollProceed(cx)) return PENDING;
    const n = Math.min(buf.length, MAX_WRITE);
    this.inFlight++;
    s.write(Buffer.from(buf.subarray(0, n)), this.onWritten);
    return n;
  }

  /**
   * Ready once every byte accepted is with the operating system. Throws the stream's `IoError`.
   * Cancel-safe.
   *
   * @example
   * ```ts
   * yield* flush(out);
   * ```
   */
  pollFlush(cx: Context): Poll<void> {
    this.check("flush");
    if (this.inFlight === 0) return undefined;
    this.slot.park(cx, this.poller);
    return PENDING;
  }

  /**
   * Flush, then end the stream (for an owned stream; a stream not owned is only flushed): ready
   * once Node says everything was written. Idempotent. Cancel-safe: the end, once begun, goes on.
   *
   * @example
   * ```ts
   * yield* shutdown(child.stdin!); // the child reads the end of its input
   * ```
   */
  pollShutdown(cx: Context): Poll<void> {
    if (!this.closes) return this.pollFlush(cx);
    this.check("shutdown");
    const s = this.stream;
    // Closed before this writer listened for 'close': no 'finish' is coming.
    if (s.destroyed && !s.writableFinished) {
      throw new IoError("BrokenPipe", `${this.name} shutdown: the stream was closed`);
    }
    if (this.state === OPEN) {
      this.state = ENDING;
      this.stream.end();
    }
    if (this.state === FINISHED || this.stream.writableFinished) {
      this.state = FINISHED;
      return undefined;
    }
    this.slot.park(cx, this.poller);
    return PENDING;
  }

  /**
   * @internal `by` (an `IoFuture`) was dropped: take back the wait it parked, if it is still its.
   */
  unregister(by: unknown): void {
    this.slot.unregister(by);
  }

  /** @internal dispose, and say `why` in the errors of later operations ("closed by …"). */
  disposeFor(why: string): void {
    if (this.state !== DISPOSED) this.disposedWhy = why;
    this[Symbol.dispose]();
  }

  /**
   * Let the stream go: an owned one is ended (bytes already accepted are still written), one not
   * owned is left as it was. A write parked here is woken and fails. Idempotent.
   *
   * @example
   * ```ts
   * using input = child.stdin!; // the child reads the end when the scope ends
   * ```
   */
  [Symbol.dispose](): void {
    if (this.state === DISPOSED) return;
    const wasOpen = this.state === OPEN;
    this.state = DISPOSED;
    const s = this.stream;
    s.removeListener("drain", this.onWake);
    s.removeListener("finish", this.onFinish);
    s.removeListener("close", this.onClose);
    if (this.closes) {
      // The error listener stays: ending may still fail (EPIPE), and nobody else listens.
      if (wasOpen && !s.destroyed) s.end();
    } else {
      s.removeListener("error", this.onError);
    }
    this.slot.wake();
  }
}

markOwned(NodeWriter);

/**
 * A Node `Writable` of bytes as an `AsyncWrite`, to use with `write`, `writeAll`, `flush`,
 * `shutdown`, `copy`, `BufWriter` and `FramedWrite`. The stream is ended at `shutdown` and when the
 * writer is disposed, unless `{ close: false }`.
 *
 * @example
 * ```ts
 * import { createWriteStream } from "node:fs";
 * using log = fromWritable(createWriteStream("orders.log"));
 * yield* writeAll(log, new TextEncoder().encode("table 4: soup\n"));
 * yield* shutdown(log); // ready once the file has every byte
 * ```
 */
export function fromWritable(stream: Writable, options?: NodeWriterOptions): NodeWriter {
  if (
    stream === null ||
    typeof stream !== "object" ||
    typeof (stream as Partial<Writable>).write !== "function" ||
    typeof (stream as Partial<Writable>).end !== "function"
  ) {
    throw new TypeError(
      `fromWritable(stream): stream must be a Node Writable, got ${stream === null ? "null" : typeof stream}`,
    );
  }
  if (stream.writableObjectMode) {
    throw new TypeError("fromWritable(stream): stream is in object mode, not a byte stream");
  }
  return new NodeWriter(stream, options);
}
