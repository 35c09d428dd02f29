/**
 * Futures that read (tokio's `AsyncReadExt`): `read` (whatever is there), `readExact` (exactly
 * `buf.length` bytes) and `readToEnd` (everything until the peer closes). They borrow the reader:
 * dropping one never closes the reader.
 *
 * Cancellation safety, as tokio documents it:
 * - `read` is cancellation safe: if it is dropped before it is ready, no byte was read.
 * - `readExact` is not: bytes read before the drop are in `buf`, but how many is lost.
 * - `readToEnd` is not: the bytes collected so far are lost with the future.
 */
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { readCount } from "./checked-count.js";
import { IoError } from "./error.js";
import { IoFuture } from "./io-future.js";
import { type AsyncRead, assertBuffer, assertReader } from "./traits.js";

class Read extends IoFuture<number> {
  protected what(): string {
    return "read()";
  }
  constructor(
    private readonly reader: AsyncRead,
    private readonly buf: Uint8Array,
  ) {
    super(reader);
  }
  protected step(cx: Context): Poll<number> {
    return readCount(this.reader.pollRead(cx, this.buf), this.buf, this.reader);
  }
}

/**
 * Read what is available into `buf` (at least one byte, unless at the end): the count, 0 at the end.
 * Cancellation safe.
 *
 * @example
 * ```ts
 * const buf = new Uint8Array(4096);
 * const n = yield* read(stream, buf);
 * if (n === 0) return; // the peer closed
 * ```
 */
export function read(reader: AsyncRead, buf: Uint8Array): FutureBase<number> & Disposable {
  assertReader(reader, "read(reader, buf): reader");
  assertBuffer(buf, "read(reader, buf): buf");
  return new Read(reader, buf);
}

class ReadExact extends IoFuture<void> {
  protected what(): string {
    return "readExact()";
  }
  private filled = 0;
  constructor(
    private readonly reader: AsyncRead,
    private readonly buf: Uint8Array,
  ) {
    super(reader);
  }
  protected step(cx: Context): Poll<void> {
    const buf = this.buf;
    while (this.filled < buf.length) {
      const into = buf.subarray(this.filled);
      const n = readCount(this.reader.pollRead(cx, into), into, this.reader);
      if (n === PENDING) return PENDING;
      if (n === 0) {
        throw new IoError(
          "UnexpectedEof",
          `readExact: the stream ended after ${this.filled} of ${buf.length} bytes`,
        );
      }
      this.filled += n;
    }
    return undefined;
  }
}

/**
 * Fill `buf` completely; an `IoError` of kind `"UnexpectedEof"` if the stream ends first.
 * Not cancellation safe.
 *
 * @example
 * ```ts
 * const header = new Uint8Array(4);
 * yield* readExact(stream, header);
 * ```
 */
export function readExact(reader: AsyncRead, buf: Uint8Array): FutureBase<void> & Disposable {
  assertReader(reader, "readExact(reader, buf): reader");
  assertBuffer(buf, "readExact(reader, buf): buf");
  return new ReadExact(reader, buf);
}

class ReadToEnd extends IoFuture<Uint8Array> {
  protected what(): string {
    return "readToEnd()";
  }
  private buf = new Uint8Array(8192);
  private filled = 0;
  constructor(private readonly reader: AsyncRead) {
    super(reader);
  }
  protected step(cx: Context): Poll<Uint8Array> {
    for (;;) {
      if (this.filled === this.buf.length) {
        const bigger = new Uint8Array(this.buf.length * 2);
        bigger.set(this.buf);
        this.buf = bigger;
      }
      const into = this.buf.subarray(this.filled);
      const n = readCount(this.reader.pollRead(cx, into), into, this.reader);
      if (n === PENDING) return PENDING;
      if (n === 0) return this.buf.subarray(0, this.filled);
      this.filled += n;
    }
  }
}

/**
 * Every byte until the end of the stream. Not cancellation safe.
 *
 * @example
 * ```ts
 * const body = new TextDecoder().decode(yield* readToEnd(stream));
 * ```
 */
export function readToEnd(reader: AsyncRead): FutureBase<Uint8Array> & Disposable {
  assertReader(reader, "readToEnd(reader): reader");
  return new ReadToEnd(reader);
}
