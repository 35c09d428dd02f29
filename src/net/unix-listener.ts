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
import type { Server } from "node:net";
import { createServer } from "node:net";
import { ambient, type Host } from "../future/ambient.js";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { IoError } from "../io/error.js";
import type { StreamBase } from "../stream/index.js";
import { Accept, Incoming } from "./accept.js";
import { type BindOptions, countListener, TcpListener } from "./tcp-listener.js";
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
    return new UnixBind(checked, backlog);
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
  return new IoError(
    "AddrInUse",
    `${error.message}. If no process listens there (UnixStream.connect(path) fails with "ConnectionRefused"), the file is stale, left by a process that did not close its listener: remove it (fs.rmSync(path)) and bind again`,
    { code: error.code, cause: e },
  );
}

const IDLE = 0;
const BINDING = 1;
const BOUND = 2;
const FAILED = 3;
const TAKEN = 4;
const DROPPED = 5;

/** The future behind `UnixListener.bind`; the same life as `TcpListener.bind`'s. */
class UnixBind extends FutureBase<UnixListener> implements Disposable {
  private state = IDLE;
  private server: Server | null = null;
  private listener: UnixListener | null = null;
  private error: IoError | null = null;
  private waker: Waker | null = null;
  private host: Host | null = null;
  /** Stops counting the server in `netMetrics` (idempotent). */
  private unlisted: (() => void) | null = null;

  constructor(
    private readonly path: string,
    private readonly backlog: number,
  ) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `UnixListener.bind(${this.path})`, children: [] };
  }

  poll(cx: Context): Poll<UnixListener> {
    switch (this.state) {
      case IDLE:
        this.start();
        this.waker = cx.waker;
        return PENDING;
      case BINDING:
        this.waker = cx.waker;
        return PENDING;
      case BOUND: {
        this.state = TAKEN;
        const l = this.listener!;
        this.listener = null;
        return l;
      }
      case FAILED:
        this.state = TAKEN;
        throw this.error!;
      default:
        throw new FutureStateError(
          `UnixListener.bind was polled after it ${this.state === TAKEN ? "completed" : "was dropped"}`,
        );
    }
  }

  private start(): void {
    this.state = BINDING;
    this.host = ambient.host;
    this.host?.bridgeOpened();
    const server = createServer({ allowHalfOpen: true });
    this.server = server;
    const unlisted = countListener(server);
    this.unlisted = unlisted;
    const onError = (e: Error) => {
      this.settle(FAILED, bindError(e, this.path));
      server.close();
      unlisted();
    };
    server.once("error", onError);
    server.listen({ path: this.path, backlog: this.backlog }, () => {
      server.removeListener("error", onError);
      const inner = new TcpListener(server, this.backlog, unlisted);
      this.listener = new UnixListener(inner, new UnixSocketAddr(this.path));
      this.settle(BOUND, null);
    });
  }

  private settle(state: number, error: IoError | null): void {
    if (this.state !== BINDING) return;
    this.state = state;
    this.error = error;
    this.server = null;
    this.host?.bridgeClosed();
    this.host = null;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  [Symbol.dispose](): void {
    if (this.state === BINDING) {
      this.host?.bridgeClosed();
      this.host = null;
      const server = this.server!;
      this.server = null;
      server.on("error", () => {});
      server.close();
      this.unlisted?.();
      // A listen that lands after the close (Node reports it a tick later) is undone.
      server.once("listening", () => server.close());
    } else if (this.state === BOUND) {
      this.listener![Symbol.dispose]();
      this.listener = null;
    }
    if (this.state !== TAKEN) this.state = DROPPED;
    this.waker = null;
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(UnixListener);
