/**
 * TcpListener: the host at the door. Node's server accepts connections as they arrive and the
 * listener keeps them in a queue (a bounded one: past `backlog` waiting guests, new arrivals are
 * turned away at once, as a full kernel backlog would); `accept()` takes the oldest, or waits for
 * the next. Every accepted socket is wrapped in a {@link TcpStream} the moment it arrives, so an
 * error on a connection nobody has accepted yet (a client that connects and vanishes) is caught
 * and kept, never thrown into the event loop.
 *
 * Waiting for a connection does not hold the paused clock: a server waits for guests forever, and
 * a test that sleeps on the paused clock while a server idles must still see its sleep end.
 * Binding does hold it (the OS answers at once).
 *
 * Disposing the listener closes the server and every connection still queued; connections already
 * accepted belong to whoever accepted them. The listener stops counting in `netMetrics` at once
 * (the port is free), although Node keeps the server object until those connections close.
 *
 * Accept errors are one-shot, as in tokio: after it has bound, Node's server emits `'error'` only
 * when one `accept(2)` failed (`EMFILE` when out of file descriptors, `ENOBUFS`, …), and it keeps
 * listening (libuv keeps watching the socket). So the error is thrown by one `accept()` (after the
 * connections already queued), and the next `accept()` waits for connections again; an accept
 * loop decides whether to back off. Several failures before an `accept()` takes one are reported
 * once. Only when the server has stopped listening by the time of the error is the listener dead:
 * that error is then thrown by every later `accept()`.
 */
import { createServer, type ListenOptions, type Server, type Socket } from "node:net";
import { wakeAs } from "../future/ambient.js";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { IoError } from "../io/error.js";
import type { StreamBase } from "../stream/index.js";
import { SourceWait } from "../stream/source-wait.js";
import { pollProceed } from "../task/budget.js";
import { Accept, Incoming } from "./accept.js";
import { hostPort, parseAddr, SocketAddr, type ToSocketAddr } from "./address.js";
import { netCounters } from "./counters.js";
import { SetupFuture } from "./setup-future.js";
import { TcpStream, trackSocket } from "./tcp-stream.js";

/** Who woke a task waiting to accept, for the instruments. */
const LISTENER = { kind: "io", source: "listener" } as const;

/** Options of `TcpListener.bind`. */
export interface BindOptions {
  /**
   * Connections that may wait to be accepted; more are closed on arrival. Also the kernel backlog.
   * @default 1024
   * @example TcpListener.bind("127.0.0.1:0", { backlog: 4096 })
   */
  backlog?: number;
}

/**
 * A TCP server socket.
 *
 * @example
 * ```ts
 * const listener = yield* TcpListener.bind("127.0.0.1:0");
 * console.log(`listening on ${listener.localAddr()}`);
 * for (;;) {
 *   const conn = yield* listener.accept();
 *   spawn(serve(conn));
 * }
 * ```
 */
export class TcpListener implements Disposable {
  private queue: TcpStream[] = [];
  private head = 0;
  private waker: Waker | null = null;
  /** The future (or stream) whose poll parked `waker`, the only one that may unregister it. */
  private registrant: unknown = null;
  private readonly acceptWait = new SourceWait();
  /** A failed accept not yet reported: thrown by the next `accept()` that finds no connection. */
  private error: IoError | null = null;
  /** Why the server stopped listening on its own: thrown by every `accept()` from then on. */
  private dead: IoError | null = null;
  private closed = false;
  private readonly local: SocketAddr;

  /** Not for direct use: listeners are made by `bind` (`unlisted`: not counted in `netMetrics`). */
  constructor(
    private readonly server: Server,
    private readonly backlog: number,
    private readonly unlisted: () => void,
  ) {
    const a = server.address();
    this.local =
      a !== null && typeof a === "object"
        ? new SocketAddr(a.address, a.port)
        : new SocketAddr("", 0);
    server.on("connection", (socket: Socket) => this.arrive(socket));
    server.on("error", (e) => {
      const error = IoError.from(e, "tcp listener");
      if (!server.listening) this.dead ??= error;
      else this.error ??= error;
      this.wake();
    });
  }

  /**
   * Bind a listener to `addr` (`"127.0.0.1:0"` picks a free port). Fails with an {@link IoError}
   * of kind `"AddrInUse"` when the port is taken.
   *
   * @example
   * ```ts
   * const listener = yield* TcpListener.bind("127.0.0.1:8080");
   * ```
   */
  static bind(addr: ToSocketAddr, options?: BindOptions): FutureBase<TcpListener> & Disposable {
    const where = "TcpListener.bind(addr)";
    const { host, port } = parseAddr(addr, where);
    const backlog: unknown = options?.backlog ?? 1024;
    if (typeof backlog !== "number") {
      throw new TypeError(
        `TcpListener.bind options.backlog must be a number, got ${typeof backlog === "string" ? JSON.stringify(backlog) : typeof backlog}`,
      );
    }
    if (!Number.isInteger(backlog) || backlog < 1) {
      throw new RangeError(
        `TcpListener.bind options.backlog must be an integer of at least 1, got ${String(backlog)}`,
      );
    }
    return new Bind(
      "TcpListener.bind",
      hostPort(host, port),
      { host, port, backlog },
      (e) => IoError.from(e, `bind to ${hostPort(host, port)}`),
      (server, unlisted) => new TcpListener(server, backlog, unlisted),
    );
  }

  /**
   * The address the listener is bound to (with the real port when bound to port 0).
   *
   * @example
   * ```ts
   * const listener = yield* TcpListener.bind("127.0.0.1:0");
   * console.log(listener.localAddr().port); // the port the system chose
   * ```
   */
  localAddr(): SocketAddr {
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
  accept(): FutureBase<TcpStream> & Disposable {
    return new Accept<TcpStream>(this);
  }

  /**
   * The connections as a stream (tokio-stream's `TcpListenerStream`); it borrows the listener.
   *
   * @example
   * ```ts
   * yield* listener.incoming().forEachConcurrent(undefined, (conn) => serve(conn));
   * ```
   */
  incoming(): StreamBase<TcpStream> {
    return new Incoming<TcpStream>(this);
  }

  /** @internal `by` is the future or stream polling: dropped while parked, it unregisters. */
  pollAccept(cx: Context, by: unknown): Poll<TcpStream> {
    if (this.closed)
      throw new IoError("NotConnected", "tcp listener: accept after it was disposed");
    if (this.head < this.queue.length) {
      if (!pollProceed(cx)) return PENDING;
      const conn = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as TcpStream;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      return conn;
    }
    if (this.dead !== null) throw this.dead;
    const error = this.error;
    if (error !== null) {
      this.error = null;
      throw error;
    }
    this.waker = cx.waker;
    this.registrant = by;
    this.acceptWait.open();
    return PENDING;
  }

  /** @internal `by` was dropped: if its poll parked the waker last, forget it and close the wait. */
  unregister(by: unknown): void {
    if (by !== this.registrant || by === null) return;
    this.registrant = null;
    this.waker = null;
    this.acceptWait.close();
  }

  private arrive(socket: Socket): void {
    trackSocket(socket);
    const conn = new TcpStream(socket);
    if (this.closed || this.queue.length - this.head >= this.backlog) {
      conn[Symbol.dispose]();
      return;
    }
    this.queue.push(conn);
    this.wake();
  }

  private wake(): void {
    this.acceptWait.close();
    const w = this.waker;
    if (w !== null) {
      this.waker = null;
      this.registrant = null;
      wakeAs(LISTENER, w);
    }
  }

  /**
   * Stop listening (the port is given back) and close every connection not yet accepted; a task
   * waiting in `accept()` is woken and gets an `IoError` (`NotConnected`), as does a later accept.
   * Idempotent.
   *
   * @example
   * ```ts
   * using listener = yield* TcpListener.bind("127.0.0.1:0"); // closed at the scope's end
   * ```
   */
  [Symbol.dispose](): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    this.unlisted();
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]![Symbol.dispose]();
    this.queue = [];
    this.head = 0;
    this.wake();
  }
}

/**
 * Count `server` in `netMetrics().liveListeners` until the returned function is called (when
 * Brigade closes it) or its handle closes, whichever is first: Node's `'close'` waits for every
 * accepted connection to close too, long after the port was given back.
 */
function countListener(server: Server): () => void {
  netCounters.listeners++;
  let counted = true;
  const unlisted = (): void => {
    if (!counted) return;
    counted = false;
    netCounters.listeners--;
  };
  server.once("close", unlisted);
  return unlisted;
}

/**
 * The future behind `TcpListener.bind` and `UnixListener.bind`: a server listening on `options`
 * (a host and port, or a path), handed over as `wrap` makes it a listener. The life of every
 * network setup (net/setup-future.ts); dropped while binding, it closes the server, and a listen
 * that lands after that (Node resolves a host first, and reports a path's listen a tick later) is
 * undone.
 * @internal exported for `UnixListener.bind` (unix-listener.ts).
 */
export class Bind<T extends Disposable> extends SetupFuture<T> {
  private server: Server | null = null;
  /** Stops counting the server in `netMetrics` (idempotent). */
  private unlisted: (() => void) | null = null;

  constructor(
    call: string,
    at: string,
    private readonly options: ListenOptions,
    /** What a failed listen is, as an IoError. */
    private readonly failure: (e: Error) => IoError,
    /** The listener over the listening server. */
    private readonly wrap: (server: Server, unlisted: () => void) => T,
  ) {
    super(call, at);
  }

  protected begin(): void {
    const server = createServer({ allowHalfOpen: true });
    this.server = server;
    const unlisted = countListener(server);
    this.unlisted = unlisted;
    const onError = (e: Error) => {
      this.server = null;
      this.fail(this.failure(e));
      server.close();
      unlisted();
    };
    server.once("error", onError);
    server.listen(this.options, () => {
      server.removeListener("error", onError);
      this.server = null;
      this.succeed(this.wrap(server, unlisted));
    });
  }

  protected abandon(): void {
    const server = this.server as Server;
    this.server = null;
    server.on("error", () => {});
    server.close();
    this.unlisted?.();
    server.once("listening", () => server.close());
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(TcpListener);
