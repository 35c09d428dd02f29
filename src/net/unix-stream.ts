/**
 * UnixStream: an intercom to the kitchen next door, tokio's `net::UnixStream`. A Unix domain
 * socket is, to Node, the same `net.Socket` as a TCP connection, so a `UnixStream` is a thin
 * wrapper around a {@link TcpStream} made over that socket: every read, write, flush, shutdown and
 * the owned-chunk fast path of `copy` are the TCP stream's own (same backpressure, same errors,
 * same one-reader rule), and futures polled through it park on the wrapped stream (its
 * `parkSource`, io/io-future.ts), so a dropped `read` takes its wait back and `split` works as on
 * TCP. What differs is the address: a path, or unnamed ({@link UnixSocketAddr}), never an IP and
 * port.
 *
 * Disposing it closes the connection as `TcpStream` does (bytes already accepted are still sent;
 * a peer that takes none of them for a second gets the socket closed under it, since a Unix socket
 * cannot be reset).
 */
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";
import type { ParkSource } from "../io/io-future.js";
import { Connect } from "./connect.js";
import { SocketStream } from "./socket-stream.js";
import { TcpStream } from "./tcp-stream.js";
import { checkUnixPath, UNNAMED, UnixSocketAddr } from "./unix-addr.js";
import { unixPair } from "./unix-pair.js";

/**
 * A connected Unix domain socket. Get one from `UnixStream.connect(path)`, `listener.accept()` or
 * `UnixStream.pair()`.
 *
 * @example
 * ```ts
 * const stream = yield* UnixStream.connect("/var/run/kitchen.sock");
 * yield* stream.writeAll(new TextEncoder().encode("ping\n"));
 * const n = yield* stream.read(buf);
 * stream[Symbol.dispose]();
 * ```
 */
export class UnixStream extends SocketStream {
  // Also `ParksOn` (io-future.ts), structurally: `parkSource` is internal (see BufReader).
  /** @internal the wrapped stream: futures polled through this one park there. */
  readonly parkSource: ParkSource;

  /** Not for direct use: streams are made by `connect`, `accept` and `pair`. */
  constructor(
    private readonly inner: TcpStream,
    private readonly local: UnixSocketAddr,
    private readonly peer: UnixSocketAddr,
  ) {
    super();
    this.parkSource = inner;
    inner.nameAs("unix stream", `${local} -> ${peer}`);
  }

  /**
   * Connect to the listener at `path`. The future fails with an {@link IoError} of kind
   * `"NotFound"` when no socket file is there, `"ConnectionRefused"` when the file is there but
   * nothing listens on it (a stale file left by a process that died), `"PermissionDenied"` when
   * the file may not be written to. Dropped before it is ready, it closes the half-open socket.
   *
   * @example
   * ```ts
   * const docker = yield* UnixStream.connect("/var/run/docker.sock");
   * ```
   */
  static connect(path: string): FutureBase<UnixStream> & Disposable {
    const checked = checkUnixPath(path, "UnixStream.connect(path): path");
    return new Connect(
      "UnixStream.connect",
      checked,
      { path: checked },
      `connect to unix socket ${checked}`,
      (socket) => new UnixStream(new TcpStream(socket), UNNAMED, new UnixSocketAddr(checked)),
    );
  }

  /**
   * Two connected, unnamed streams, tokio's `UnixStream::pair`. Node has no `socketpair(2)`, so
   * the future binds a listener on a fresh path under the system's temporary directory, connects
   * to it, accepts, and closes the listener (which removes the file) before it is ready; only a
   * process of the same user could connect to that path meanwhile (the file is not writable by
   * others). Dropped before it is ready, it closes whatever it had opened.
   *
   * @example
   * ```ts
   * const [a, b] = yield* UnixStream.pair();
   * yield* a.writeAll(new TextEncoder().encode("hi"));
   * const n = yield* b.read(buf); // 2
   * ```
   */
  static pair(): FutureBase<[UnixStream, UnixStream]> & Disposable {
    return unixPair();
  }

  /**
   * {@link AsyncRead}: read into `buf`: the count, 0 when the peer has closed its side.
   *
   * @example
   * ```ts
   * const n = yield* pollFn((cx) => stream.pollRead(cx, buf)); // what stream.read(buf) does
   * ```
   */
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.inner.pollRead(cx, buf);
  }

  /**
   * {@link OwnedRead}: the oldest received bytes as a chunk the caller now owns; empty at the end.
   *
   * @example
   * ```ts
   * const chunk = yield* pollFn((cx) => stream.pollReadOwned(cx));
   * ```
   */
  pollReadOwned(cx: Context): Poll<Uint8Array> {
    return this.inner.pollReadOwned(cx);
  }

  /**
   * {@link AsyncWrite}: hand a copy of up to 64 KiB of `buf` to the socket; `PENDING` while Node's
   * buffer is past its high-water mark.
   *
   * @example
   * ```ts
   * const n = yield* pollFn((cx) => stream.pollWrite(cx, bytes)); // what stream.write(bytes) does
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.inner.pollWrite(cx, buf);
  }

  /**
   * {@link OwnedWrite}: write a chunk the caller gives away (never to be touched again).
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollWriteOwned(cx, chunk));
   * ```
   */
  pollWriteOwned(cx: Context, buf: Uint8Array): Poll<number> {
    return this.inner.pollWriteOwned(cx, buf);
  }

  /**
   * {@link AsyncWrite}: ready once Node's write buffer is empty.
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollFlush(cx)); // what stream.flush() does
   * ```
   */
  pollFlush(cx: Context): Poll<void> {
    return this.inner.pollFlush(cx);
  }

  /**
   * {@link AsyncWrite}: flush, then close the writing side; reading goes on.
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollShutdown(cx)); // what stream.shutdown() does
   * ```
   */
  pollShutdown(cx: Context): Poll<void> {
    return this.inner.pollShutdown(cx);
  }

  /**
   * This end's address: the listener's path for an accepted stream, unnamed for a client's end
   * and for both ends of a pair.
   *
   * @example
   * ```ts
   * const conn = yield* listener.accept();
   * console.log(conn.localAddr().path); // the listener's path
   * ```
   */
  localAddr(): UnixSocketAddr {
    return this.local;
  }

  /**
   * The other end's address: the path connected to for a client, unnamed for an accepted stream
   * (clients do not bind a path) and for both ends of a pair.
   *
   * @example
   * ```ts
   * const stream = yield* UnixStream.connect("/tmp/kitchen.sock");
   * console.log(stream.peerAddr().path); // "/tmp/kitchen.sock"
   * ```
   */
  peerAddr(): UnixSocketAddr {
    return this.peer;
  }

  /**
   * Bytes received from the peer that no read has taken yet (see `TcpStream.readBufferLength`).
   *
   * @example
   * ```ts
   * if (conn.readBufferLength > 0) console.log("more is waiting");
   * ```
   */
  get readBufferLength(): number {
    return this.inner.readBufferLength;
  }

  /**
   * Bytes accepted by writes that Node has not yet handed to the kernel.
   *
   * @example
   * ```ts
   * if (stream.writeBufferLength > 1 << 20) yield* stream.flush();
   * ```
   */
  get writeBufferLength(): number {
    return this.inner.writeBufferLength;
  }

  /**
   * @internal the same connection, reported with other addresses (both unnamed for a pair); this
   * wrapper is to be dropped, not disposed.
   */
  withAddrs(local: UnixSocketAddr, peer: UnixSocketAddr): UnixStream {
    return new UnixStream(this.inner, local, peer);
  }

  /** @internal the write half of a split was disposed while the read half lives (split.ts). */
  halfClose(): void {
    this.inner.halfClose();
  }

  /** @internal a split half was disposed under a parked future (split.ts). */
  wakeParked(direction: "read" | "write"): void {
    this.inner.wakeParked(direction);
  }

  /**
   * Close the connection (see the module doc). Idempotent.
   *
   * @example
   * ```ts
   * using conn = yield* UnixStream.connect("/tmp/kitchen.sock"); // closed when the scope ends
   * ```
   */
  [Symbol.dispose](): void {
    this.inner[Symbol.dispose]();
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(UnixStream);
