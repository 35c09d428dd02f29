/**
 * UnixListener: the back door, for neighbours only, tokio's `net::UnixListener`. It listens on a
 * path in the file system (a socket file) instead of a port, and otherwise behaves as
 * `TcpListener`, whose machinery it wraps: a bounded queue of connections nobody has accepted yet
 * (closed when the listener is disposed), `accept()` that a dropped caller takes back, one-shot
 * accept errors, waits that do not hold the paused clock (see tcp-listener.ts and net/index.ts).
 * Each accepted connection is a {@link UnixStream} whose `localAddr()` is the listener's path.
 *
 * The socket file, which is where Node and tokio differ:
 * - `bind` creates it, and fails with `"AddrInUse"` if anything is at the path already: a socket
 *   another listener is using, or a stale one left by a process that died without closing its
 *   listener (the kernel does not remove socket files). A connect to a stale file is refused, to a
 *   live one it succeeds: that is how to tell them apart before removing the file.
 * - Disposing the listener removes the file (Node's `server.close()` unlinks it, through libuv).
 *   tokio leaves the file in place on drop; a Brigade program need not clean up after itself,
 *   except when it is killed.
 */
import { lstatSync } from "node:fs";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import type { StreamBase } from "../stream/index.js";
import { Accept, Incoming } from "./accept.js";
import { Bind, type BindOptions, TcpListener } from "./tcp-listener.js";
import { checkUnixPath, UNNAMED, UnixSocketAddr } from "./unix-addr.js";
import { UnixStream } from "./unix-stream.js";

/**
 * A Unix domain socket server.
 *
 * @example
 * ```ts
 * const listener = yield* UnixListener.bind("/tmp/kitchen.sock");
 * for (;;) {
 *   const conn = yield* listener.accept();
 *   spawn(serve(conn));
 * }
 * ```
 */
export class UnixListener implements Disposable {
  private closed = false;

  /** Not for direct use: listeners are made by `bind`. */
  constructor(
    private readonly inner: TcpListener,
    private readonly local: UnixSocketAddr,
  ) {}

  /**
   * Listen on `path`, creating the socket file. Fails with an {@link IoError} of kind
   * `"AddrInUse"` when something is at that path already (see the module doc for a stale file),
   * `"NotFound"` when its directory does not exist, `"PermissionDenied"` when it may not be
   * written. `options.backlog` is as for `TcpListener.bind`.
   *
   * @example
   * ```ts
   * const listener = yield* UnixListener.bind(join(tmpdir(), "kitchen.sock"));
   * ```
   */
  static bind(path: string, options?: BindOptions): FutureBase<UnixListener> & Disposable {
    const checked = checkUnixPath(path, "UnixListener.bind(path): path");
    const backlog: unknown = options?.backlog ?? 1024;
    if (typeof backlog !== "number") {
      throw new TypeError(
        `UnixListener.bind options.backlog must be a number, got ${typeof backlog === "string" ? JSON.stringify(backlog) : typeof backlog}`,
      );
    }
    if (!Number.isInteger(backlog) || backlog < 1) {
      throw new RangeError(
        `UnixListener.bind options.backlog must be an integer of at least 1, got ${String(backlog)}`,
      );
    }
    return new Bind(
      "UnixListener.bind",
      checked,
      { path: checked, backlog },
      (e) => bindError(e, checked),
      (server, unlisted) =>
        new UnixListener(new TcpListener(server, backlog, unlisted), new UnixSocketAddr(checked)),
    );
  }

  /**
   * The path the listener is bound to.
   *
   * @example
   * ```ts
   * console.log(`listening on ${listener.localAddr()}`); // "listening on /tmp/kitchen.sock"
   * ```
   */
  localAddr(): UnixSocketAddr {
    return this.local;
  }

  /**
   * Take the next connection, or wait for one. Cancellation safe: a connection is only taken
   * when the future is ready.
   *
   * @example
   * ```ts
   * const conn = yield* listener.accept();
   * ```
   */
  accept(): FutureBase<UnixStream> & Disposable {
    return new Accept<UnixStream>(this);
  }

  /**
   * The connections as a stream (tokio-stream's `UnixListenerStream`); it borrows the listener,
   * and ends once the listener is disposed.
   *
   * @example
   * ```ts
   * yield* listener.incoming().forEachConcurrent(undefined, (conn) => serve(conn));
   * ```
   */
  incoming(): StreamBase<UnixStream> {
    return new Incoming<UnixStream>(this);
  }

  /** @internal the next connection, parking as `by` (see `TcpListener.pollAccept`). */
  pollAccept(cx: Context, by: unknown): Poll<UnixStream> {
    if (this.closed) {
      throw new IoError(
        "NotConnected",
        `unix listener ${this.local}: accept after it was disposed`,
      );
    }
    const conn = this.inner.pollAccept(cx, by);
    return conn === PENDING ? PENDING : new UnixStream(conn, this.local, UNNAMED);
  }

  /** @internal `by` was dropped: take back the wait it parked, if it was the last to park. */
  unregister(by: unknown): void {
    this.inner.unregister(by);
  }

  /**
   * Stop listening, close every connection not yet accepted, and remove the socket file (see the
   * module doc). Idempotent.
   *
   * @example
   * ```ts
   * using listener = yield* UnixListener.bind("/tmp/kitchen.sock"); // closed, file removed, at the scope's end
   * ```
   */
  [Symbol.dispose](): void {
    if (this.closed) return;
    this.closed = true;
    this.inner[Symbol.dispose]();
  }
}

/** What a failed bind says, with what to do about a socket file already at the path. */
function bindError(e: unknown, path: string): IoError {
  const error = IoError.from(e, `bind to unix socket ${path}`);
  if (error.kind !== "AddrInUse") return error;
  const what = notASocket(path);
  if (what !== null) {
    // Removing it would be bad advice: it is somebody's file or directory, not a stale socket.
    return new IoError(
      "AddrInUse",
      `${error.message}. ${what} is at that path, not a socket: choose another path for the socket`,
      { code: error.code, cause: e },
    );
  }
  return new IoError(
    "AddrInUse",
    `${error.message}. If no process listens there (UnixStream.connect(path) fails with "ConnectionRefused"), the file is stale, left by a process that did not close its listener: remove it (fs.rmSync(path)) and bind again`,
    { code: error.code, cause: e },
  );
}

/** "A directory" or "A file that is not a socket" when that, not a socket, is at `path`; else `null`. */
function notASocket(path: string): string | null {
  try {
    const st = lstatSync(path);
    if (st.isSocket()) return null;
    return st.isDirectory() ? "A directory" : "A file that is not a socket";
  } catch {
    return null;
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(UnixListener);
