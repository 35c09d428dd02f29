/**
 * SocketStream: what every phone line in the kitchen offers on top of its poll methods. A
 * connected socket, TCP ({@link TcpStream}) or Unix ({@link UnixStream}), is an `AsyncRead` and an
 * `AsyncWrite`; the futures people write with (`read`, `writeAll`, `shutdown`, …) are the same
 * `io/` futures over either, so they live here once and each socket class supplies only its poll
 * methods, its addresses and its dispose.
 */
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";
import { read, readExact, readToEnd } from "../io/read.js";
import { type ReadHalf, split, type WriteHalf } from "../io/split.js";
import {
  type AsyncRead,
  type AsyncWrite,
  assertBuffer,
  type OwnedRead,
  type OwnedWrite,
} from "../io/traits.js";
import { flush, shutdown, write, writeAll } from "../io/write.js";

/**
 * A connected socket's convenience futures, each the `io/` function of the same name applied to
 * the socket. Not made directly: get a `TcpStream` or a `UnixStream`.
 *
 * @example
 * ```ts
 * const stream = yield* TcpStream.connect("127.0.0.1:7000"); // a SocketStream
 * yield* stream.writeAll(new TextEncoder().encode("ping\n"));
 * const n = yield* stream.read(buf);
 * ```
 */
export abstract class SocketStream
  implements AsyncRead, AsyncWrite, OwnedRead, OwnedWrite, Disposable
{
  /**
   * {@link AsyncRead}: read into `buf`: the count, 0 when the peer has closed its side.
   *
   * @example
   * ```ts
   * const n = yield* pollFn((cx) => stream.pollRead(cx, buf)); // what stream.read(buf) does
   * ```
   */
  abstract pollRead(cx: Context, buf: Uint8Array): Poll<number>;

  /**
   * {@link OwnedRead}: the oldest received bytes as a chunk the caller now owns; empty at the end.
   *
   * @example
   * ```ts
   * const chunk = yield* pollFn((cx) => stream.pollReadOwned(cx));
   * ```
   */
  abstract pollReadOwned(cx: Context): Poll<Uint8Array>;

  /**
   * {@link AsyncWrite}: hand a copy of up to 64 KiB of `buf` to the socket; `PENDING` while Node's
   * buffer is past its high-water mark.
   *
   * @example
   * ```ts
   * const n = yield* pollFn((cx) => stream.pollWrite(cx, bytes)); // what stream.write(bytes) does
   * ```
   */
  abstract pollWrite(cx: Context, buf: Uint8Array): Poll<number>;

  /**
   * {@link OwnedWrite}: write a chunk the caller gives away (never to be touched again).
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollWriteOwned(cx, chunk));
   * ```
   */
  abstract pollWriteOwned(cx: Context, buf: Uint8Array): Poll<number>;

  /**
   * {@link AsyncWrite}: ready once Node's write buffer is empty.
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollFlush(cx)); // what stream.flush() does
   * ```
   */
  abstract pollFlush(cx: Context): Poll<void>;

  /**
   * {@link AsyncWrite}: flush, then close the writing side; reading goes on.
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollShutdown(cx)); // what stream.shutdown() does
   * ```
   */
  abstract pollShutdown(cx: Context): Poll<void>;

  /**
   * Close the connection at once for this program (bytes already accepted are still sent).
   * Idempotent.
   *
   * @example
   * ```ts
   * using conn = yield* listener.accept(); // closed when the scope ends
   * ```
   */
  abstract [Symbol.dispose](): void;

  /**
   * `read(this, buf)`: what is available, 0 at the end. Cancellation safe.
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(1024);
   * const n = yield* stream.read(buf); // 0: the diner hung up
   * ```
   */
  read(buf: Uint8Array): FutureBase<number> & Disposable {
    assertBuffer(buf, "stream.read(buf): buf");
    return read(this, buf);
  }

  /**
   * `readExact(this, buf)`: fill `buf` or fail with UnexpectedEof. Not cancellation safe.
   *
   * @example
   * ```ts
   * const header = new Uint8Array(4);
   * yield* stream.readExact(header);
   * ```
   */
  readExact(buf: Uint8Array): FutureBase<void> & Disposable {
    return readExact(this, buf);
  }

  /**
   * `readToEnd(this)`: every byte until the peer closes. Not cancellation safe.
   *
   * @example
   * ```ts
   * const order = new TextDecoder().decode(yield* stream.readToEnd());
   * ```
   */
  readToEnd(): FutureBase<Uint8Array> & Disposable {
    return readToEnd(this);
  }

  /**
   * `write(this, buf)`: what the socket accepts now. Cancellation safe.
   *
   * @example
   * ```ts
   * const n = yield* stream.write(bytes); // may be fewer than bytes.length
   * ```
   */
  write(buf: Uint8Array): FutureBase<number> & Disposable {
    assertBuffer(buf, "stream.write(buf): buf");
    return write(this, buf);
  }

  /**
   * `writeAll(this, buf)`: every byte, waiting out backpressure. Not cancellation safe.
   *
   * @example
   * ```ts
   * yield* stream.writeAll(new TextEncoder().encode("Dish: Soup\n"));
   * ```
   */
  writeAll(buf: Uint8Array): FutureBase<void> & Disposable {
    return writeAll(this, buf);
  }

  /**
   * `flush(this)`: wait until Node's write buffer is empty. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* stream.flush(); // every byte handed to the kernel
   * ```
   */
  flush(): FutureBase<void> & Disposable {
    return flush(this);
  }

  /**
   * `shutdown(this)`: flush, then close the writing side (a TCP FIN); reading goes on.
   * Cancellation safe.
   *
   * @example
   * ```ts
   * yield* stream.shutdown(); // the bill is sent; still listening for a reply
   * const reply = yield* stream.readToEnd();
   * ```
   */
  shutdown(): FutureBase<void> & Disposable {
    return shutdown(this);
  }

  /**
   * Halves that can be moved to different tasks; the stream closes when both are disposed.
   *
   * @example
   * ```ts
   * const [rd, wr] = stream.split();
   * ```
   */
  split(): [ReadHalf<this>, WriteHalf<this>] {
    return split(this);
  }
}
