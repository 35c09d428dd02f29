/**
 * Futures that write (tokio's `AsyncWriteExt`): `write` (what the writer accepts now), `writeAll`
 * (every byte, waiting out backpressure), `flush` and `shutdown`. They borrow the writer.
 *
 * Cancellation safety, as tokio documents it:
 * - `write` is cancellation safe: dropped before ready, it wrote nothing.
 * - `writeAll` is not: some prefix of `buf` may have been written, and how much is lost.
 * - `flush` and `shutdown` are safe to drop and to start again: they only wait.
 */
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { writeCount } from "./checked-count.js";
import { IoError } from "./error.js";
import { IoFuture } from "./io-future.js";
import { type AsyncWrite, assertBuffer, assertWriter } from "./traits.js";

class Write extends IoFuture<number> {
  protected what(): string {
    return "write()";
  }
  constructor(
    private readonly writer: AsyncWrite,
    private readonly buf: Uint8Array,
  ) {
    super(writer);
  }
  protected step(cx: Context): Poll<number> {
    return writeCount(this.writer.pollWrite(cx, this.buf), this.buf, this.writer);
  }
}

/**
 * Write what the writer accepts now (at least one byte of a non-empty `buf`): the count.
 * Cancellation safe.
 *
 * @example
 * ```ts
 * const n = yield* write(stream, bytes);
 * ```
 */
export function write(writer: AsyncWrite, buf: Uint8Array): FutureBase<number> & Disposable {
  assertWriter(writer, "write(writer, buf): writer");
  assertBuffer(buf, "write(writer, buf): buf");
  return new Write(writer, buf);
}

class WriteAll extends IoFuture<void> {
  protected what(): string {
    return "writeAll()";
  }
  private written = 0;
  constructor(
    private readonly writer: AsyncWrite,
    private readonly buf: Uint8Array,
  ) {
    super(writer);
  }
  protected step(cx: Context): Poll<void> {
    const buf = this.buf;
    while (this.written < buf.length) {
      const from = this.written === 0 ? buf : buf.subarray(this.written);
      const n = writeCount(this.writer.pollWrite(cx, from), from, this.writer);
      if (n === PENDING) return PENDING;
      if (n === 0) {
        throw new IoError(
          "WriteZero",
          `writeAll: the writer accepted 0 bytes after ${this.written} of ${buf.length}`,
        );
      }
      this.written += n;
    }
    return undefined;
  }
}

/**
 * Write every byte of `buf`, waiting whenever the writer's buffer is full. Not cancellation safe.
 *
 * @example
 * ```ts
 * yield* writeAll(stream, new TextEncoder().encode("hello\n"));
 * ```
 */
export function writeAll(writer: AsyncWrite, buf: Uint8Array): FutureBase<void> & Disposable {
  assertWriter(writer, "writeAll(writer, buf): writer");
  assertBuffer(buf, "writeAll(writer, buf): buf");
  return new WriteAll(writer, buf);
}

class Flush extends IoFuture<void> {
  protected what(): string {
    return "flush()";
  }
  constructor(private readonly writer: AsyncWrite) {
    super(writer);
  }
  protected step(cx: Context): Poll<void> {
    return this.writer.pollFlush(cx);
  }
}

/**
 * Wait until everything written has been handed to the operating system. Cancellation safe.
 *
 * @example
 * ```ts
 * yield* writeAll(stream, reply);
 * yield* flush(stream);
 * ```
 */
export function flush(writer: AsyncWrite): FutureBase<void> & Disposable {
  assertWriter(writer, "flush(writer): writer");
  return new Flush(writer);
}

class Shutdown extends IoFuture<void> {
  protected what(): string {
    return "shutdown()";
  }
  constructor(private readonly writer: AsyncWrite) {
    super(writer);
  }
  protected step(cx: Context): Poll<void> {
    return this.writer.pollShutdown(cx);
  }
}

/**
 * Flush and close the writing side (TCP half-close: the peer reads the end, and can still answer).
 * Cancellation safe.
 *
 * @example
 * ```ts
 * yield* writeAll(stream, request);
 * yield* shutdown(stream); // "that was all"
 * const answer = yield* readToEnd(stream);
 * ```
 */
export function shutdown(writer: AsyncWrite): FutureBase<void> & Disposable {
  assertWriter(writer, "shutdown(writer): writer");
  return new Shutdown(writer);
}
