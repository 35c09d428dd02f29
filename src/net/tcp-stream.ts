/**
 * TcpStream: a phone line to another kitchen, as an {@link AsyncRead} and {@link AsyncWrite} on
 * top of a Node socket (the reactor here is libuv; Brigade turns its events into wakes and nothing
 * else, DESIGN.md decision 7):
 *
 * - Reading: Node's `'data'` events fill a small receive queue and wake the reader; `pollRead`
 *   copies from it, `PENDING` when it is empty. Once more than 64 KiB wait unread the socket is
 *   paused, which stops reading from the kernel, so a slow reader slows the sender (TCP flow
 *   control); reading back down to the mark resumes it. A single chunk is at most 64 KiB (Node's
 *   read size), so one chunk that the reader is about to take never pauses the socket: pausing at
 *   exactly 64 KiB paused and resumed it for every full-sized read of a fast copy. (Node's
 *   "paused mode", `'readable'` plus `read()`, bounds memory the same way, but a plain Node echo
 *   server written that way measured ~0.7× the throughput of `socket.pipe(socket)` on the
 *   development machine.)
 * - Writing: `pollWrite` hands a copy of the bytes to the socket. Once Node's write buffer is
 *   past its high-water mark (`write()` returned false), `pollWrite` answers `PENDING` until
 *   `'drain'`; so a peer that never reads leaves the writer waiting with bounded memory, never a
 *   growing queue. One call accepts at most 64 KiB for the same reason.
 * - Errors (`'error'`: reset, broken pipe, …) are stored as an {@link IoError} and thrown at the
 *   next poll of either direction, and both directions are woken to see it. Nothing is ever thrown
 *   from an event handler, so nothing becomes an uncaught exception.
 * - Disposing the stream closes it at once for this program: every later operation fails with
 *   `NotConnected`, and bytes that arrive are dropped. Bytes a write already accepted are still
 *   sent, then the socket closes (as in tokio, where the kernel sends what `write_all` gave it
 *   after the drop; without this, Node's user-space write queue would be cut off with a clean FIN,
 *   a silently truncated stream). While the peer takes them it may take its time; once a second
 *   passes with nothing sent, the stream gives up and resets the connection, so a peer that never
 *   reads cannot keep the process alive (a pending write holds Node's event loop). Such a socket
 *   counts as live (`liveSockets`) until it has closed. `shutdown` first still tells you when the
 *   bytes are out, or that they could not be.
 *
 * Reader and writer keep separate wakers, so the halves from `split` may live in different tasks.
 * The futures that wait on it (`io/`'s `read`, `writeAll`, …, which this class's methods return)
 * register as themselves when they park (the stream is a `ParkSource`, src/io/io-future.ts), so a
 * dropped one takes its waker and its source wait back at once.
 * Reads and writes do not hold the paused clock (see `net/index.ts` for the rule).
 */
import type { Socket } from "node:net";
import { type ReaderRule, refuseSecondReader } from "../channel/one-reader.js";
import { wakeAs } from "../future/ambient.js";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { IoError } from "../io/error.js";
import { SourceWait } from "../stream/source-wait.js";
import { pollProceed } from "../task/budget.js";
import { hostPort, parseAddr, SocketAddr, type ToSocketAddr } from "./address.js";
import { Connect } from "./connect.js";
import { netCounters } from "./counters.js";
import { SocketStream } from "./socket-stream.js";

/** Who woke a task waiting on a socket, for the instruments. */
const SOCKET = { kind: "io", source: "socket" } as const;

/** The most one `pollWrite` accepts: bounds what a single call can queue beyond the mark. */
const MAX_WRITE = 64 * 1024;
/**
 * Bytes received ahead of the reader beyond which the socket is paused (which stops reading from
 * the kernel, so TCP flow control slows the peer down).
 */
const READ_AHEAD = 64 * 1024;
/** Receive-queue slots kept for reuse once the queue empties (see `received`). */
const RECEIVED_SLOTS_KEPT = 64;
const EMPTY = new Uint8Array(0);
const EMPTY_BUFFER = Buffer.alloc(0);

// Writing side, one at a time, in this order.
const OPEN = 0; // writes accepted
const ENDING = 1; // shutdown began: end() was called, 'finish' not yet seen
const ENDED = 2; // FIN sent (or the socket is gone); writes fail with BrokenPipe

/** What a second reader of a socket is told (one-reader.ts). */
const READ_RULE: ReaderRule = {
  subject: "this socket",
  how: "a read there",
  advice:
    "A socket has one reader at a time: read in one task and hand what it reads on through a channel, or give each task a connection of its own",
};

/** What a second writer waiting for room is told. */
const WRITE_RULE: ReaderRule = {
  subject: "this socket",
  how: "a write there, waiting for room",
  advice:
    "A socket has one writer at a time: write from one task (a writer task fed by a channel), or guard the socket with a Mutex around each whole message",
};

/**
 * A TCP connection. Get one from `TcpStream.connect(addr)` or `listener.accept()`.
 *
 * @example
 * ```ts
 * const stream = yield* TcpStream.connect("127.0.0.1:7000");
 * yield* stream.writeAll(new TextEncoder().encode("ping\n"));
 * const n = yield* stream.read(buf);
 * stream[Symbol.dispose]();
 * ```
 */
export class TcpStream extends SocketStream {
  /**
   * The receive queue: chunks Node delivered and not yet read, from `head` up to `tail`. The slots
   * are reused once it empties (setting an array's length costs a builtin call on every chunk of
   * a fast copy), dropped when it empties after a burst of many small chunks, and compacted when
   * it never empties (see `consume`).
   */
  private received: Buffer[] = [];
  private head = 0;
  private tail = 0;
  /** Bytes of the first queued chunk already read. */
  private offset = 0;
  /** Bytes in the queue not yet read. */
  private queued = 0;
  /** The socket is paused because the queue is full. */
  private paused = false;
  private eof = false;
  private error: IoError | null = null;
  private disposed = false;
  private writeSide = OPEN;
  private needDrain = false;

  private readWaker: Waker | null = null;
  private writeWaker: Waker | null = null;
  /**
   * @internal the future polling this stream right now (an `IoFuture`, src/io/io-future.ts), else
   * null (any other caller: `copy`, a hand-written poll). Whoever parks a waker records it as the
   * registrant of that direction, the only future allowed to unregister it.
   */
  poller: unknown = null;
  private readRegistrant: unknown = null;
  private writeRegistrant: unknown = null;
  /** The owners (tasks) of the polls that parked each direction last (one-reader.ts). */
  private readOwner: unknown = null;
  private writeOwner: unknown = null;
  private readonly readWait = new SourceWait();
  private readonly writeWait = new SourceWait();
  /** What its messages call it; a Unix stream renames it (see `nameAs`). */
  private kind = "tcp stream";
  /** Its two ends as its messages give them, when not IP addresses (a Unix stream's paths). */
  private ends: string | null = null;
  /** `null` when Node could not tell (the connection was gone before it was wrapped). */
  private readonly local: SocketAddr | null;
  private readonly peer: SocketAddr | null;
  /** One callback for every write (no closure per write): a flush may be waiting for it. */
  private readonly onWritten = (): void => {
    if (this.socket.writableLength !== 0) return;
    // Disposed while bytes were still queued: they are all out now, so close (see dispose).
    if (this.disposed) this.socket.destroy();
    else this.wakeWriter();
  };

  /** Not for direct use: streams are made by `connect` and `accept`. */
  constructor(private readonly socket: Socket) {
    super();
    // Read once, while the socket is open: they are still known after it closes. A client that
    // reset before it was accepted has no peer any more (getpeername fails), and then there is
    // no address to give, rather than an empty one.
    this.local = addressOf(socket.localAddress, socket.localPort);
    this.peer = addressOf(socket.remoteAddress, socket.remotePort);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("end", () => {
      this.eof = true;
      this.wakeReader();
    });
    socket.on("drain", () => {
      this.needDrain = false;
      this.wakeWriter();
    });
    socket.on("finish", () => {
      this.writeSide = ENDED;
      this.wakeWriter();
    });
    socket.on("error", (e) => {
      this.error ??= IoError.from(e, `${this.kind} ${this.describeEnds()}`);
      this.wakeReader();
      this.wakeWriter();
    });
    socket.on("close", () => {
      this.writeSide = ENDED;
      this.wakeReader();
      this.wakeWriter();
    });
  }

  /**
   * Open a connection. The future fails with an {@link IoError} (`"ConnectionRefused"`, …); dropped
   * before it is ready, it closes the half-open socket. While it is in flight the runtime counts it
   * as an open bridge: the OS always answers a connect, so a paused clock waits for the answer.
   *
   * @example
   * ```ts
   * const stream = yield* TcpStream.connect("127.0.0.1:7000");
   * ```
   */
  static connect(addr: ToSocketAddr): FutureBase<TcpStream> & Disposable {
    const { host, port } = parseAddr(addr, "TcpStream.connect(addr): addr");
    return new Connect(
      "TcpStream.connect",
      hostPort(host, port),
      { host, port },
      `connect to ${hostPort(host, port)}`,
      (socket) => new TcpStream(socket),
    );
  }

  /**
   * Read into `buf`: the count, 0 when the peer has closed its side. Cancellation safe.
   *
   * @example
   * ```ts
   * const n = yield* pollFn((cx) => stream.pollRead(cx, buf)); // what stream.read(buf) does
   * ```
   */
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.disposed) throw this.closedError("read");
    if (buf.length === 0) return 0;
    if (this.queued === 0) return this.noData(cx, 0);
    if (!pollProceed(cx)) return PENDING;
    // Copy across as many queued chunks as fit.
    let n = 0;
    while (n < buf.length && this.queued > 0) {
      const chunk = this.received[this.head]!;
      const take = Math.min(buf.length - n, chunk.length - this.offset);
      buf.set(
        this.offset === 0 && take === chunk.length
          ? chunk
          : chunk.subarray(this.offset, this.offset + take),
        n,
      );
      n += take;
      this.consume(chunk, take);
    }
    return n;
  }

  /**
   * Read without copying (the {@link OwnedRead} fast path `copy` uses): the oldest received
   * bytes, as a chunk the caller now owns; an empty chunk at the end.
   *
   * @example
   * ```ts
   * const chunk = yield* pollFn((cx) => stream.pollReadOwned(cx)); // empty at the end
   * ```
   */
  pollReadOwned(cx: Context): Poll<Uint8Array> {
    if (this.disposed) throw this.closedError("read");
    if (this.queued === 0) return this.noData(cx, EMPTY);
    if (!pollProceed(cx)) return PENDING;
    const chunk = this.received[this.head]!;
    const out = this.offset === 0 ? chunk : chunk.subarray(this.offset);
    this.consume(chunk, out.length);
    return out;
  }

  /** Node delivered bytes: queue them, and pause the socket once the queue is full. */
  private receive(chunk: Buffer): void {
    if (this.disposed) return; // still flushing after a dispose: nobody will read this
    this.received[this.tail++] = chunk;
    this.queued += chunk.length;
    if (this.queued > READ_AHEAD && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.wakeReader();
  }

  /** `n` bytes of the first queued chunk were read. */
  private consume(chunk: Buffer, n: number): void {
    this.offset += n;
    this.queued -= n;
    if (this.offset === chunk.length) {
      this.received[this.head++] = EMPTY_BUFFER;
      this.offset = 0;
      if (this.head === this.tail) {
        if (this.tail > RECEIVED_SLOTS_KEPT) this.received = [];
        this.head = this.tail = 0;
      } else if (this.head >= RECEIVED_SLOTS_KEPT && this.head * 2 >= this.tail) {
        // Never quite empty (a reader always a little behind a steady sender): move what is left
        // to the front, so the slots stay within twice the chunks queued at once.
        const r = this.received;
        const left = this.tail - this.head;
        r.copyWithin(0, this.head, this.tail);
        r.fill(EMPTY_BUFFER, left, this.tail);
        this.head = 0;
        this.tail = left;
      }
    }
    if (this.paused && this.queued <= READ_AHEAD) {
      // Room again: let the kernel's bytes in (the peer's window reopens).
      this.paused = false;
      this.socket.resume();
    }
  }

  /** The queue is empty: the error, the end (`atEnd`), or PENDING with the reader parked. */
  private noData<E>(cx: Context, atEnd: E): Poll<E> {
    if (this.error !== null) throw this.error;
    // Ended by the peer, or closed under us without an error (nothing more will come).
    if (this.eof || this.socket.destroyed) return atEnd;
    const parked = this.readWaker;
    // A read future of another task waits here (one that can take its wait back when dropped,
    // so it is not a leftover): a second reader would take its pager (one-reader.ts).
    if (parked !== null && parked !== cx.waker && this.readRegistrant !== null) {
      refuseSecondReader(this.readOwner, parked, cx.owner, `${this.kind} read`, READ_RULE);
    }
    this.readWaker = cx.waker;
    this.readRegistrant = this.poller;
    this.readOwner = cx.owner;
    this.readWait.open();
    return PENDING;
  }

  /**
   * {@link AsyncWrite}: hand a copy of up to 64 KiB of `buf` to the socket; the count taken, or
   * `PENDING` while Node's buffer is past its high-water mark. Cancellation safe.
   *
   * @example
   * ```ts
   * const n = yield* pollFn((cx) => stream.pollWrite(cx, bytes)); // what stream.write(bytes) does
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (!this.writable(cx)) return PENDING;
    if (buf.length === 0) return 0;
    if (!pollProceed(cx)) return PENDING;
    const n = Math.min(buf.length, MAX_WRITE);
    // A copy: the caller may reuse `buf` as soon as we return, and Node keeps what it is given.
    const copy = Buffer.allocUnsafe(n);
    copy.set(n === buf.length ? buf : buf.subarray(0, n));
    if (!this.socket.write(copy, this.onWritten)) this.needDrain = true;
    return n;
  }

  /**
   * Write a chunk the caller gives away (the {@link OwnedWrite} fast path `copy` uses): no copy
   * is made, so the caller must never touch `buf` again. Accepts all of it, or PENDING.
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollWriteOwned(cx, chunk)); // chunk is the stream's now
   * ```
   */
  pollWriteOwned(cx: Context, buf: Uint8Array): Poll<number> {
    if (!this.writable(cx)) return PENDING;
    if (buf.length === 0) return 0;
    if (!pollProceed(cx)) return PENDING;
    if (!this.socket.write(buf, this.onWritten)) this.needDrain = true;
    return buf.length;
  }

  /** Whether a write may go ahead now: throws if it never can, parks the writer if it must wait. */
  private writable(cx: Context): boolean {
    if (this.disposed) throw this.closedError("write");
    if (this.error !== null) throw this.error;
    if (this.writeSide !== OPEN || this.socket.destroyed) {
      throw new IoError(
        "BrokenPipe",
        this.writeSide === ENDING || (this.writeSide === ENDED && !this.socket.destroyed)
          ? `${this.kind}: write after shutdown of the writing side`
          : `${this.kind}: write on a closed connection`,
      );
    }
    if (!this.needDrain) return true;
    this.parkWriter(cx);
    return false;
  }

  /**
   * {@link AsyncWrite}: ready once Node's write buffer is empty. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollFlush(cx)); // what stream.flush() does
   * ```
   */
  pollFlush(cx: Context): Poll<void> {
    if (this.disposed) throw this.closedError("flush");
    if (this.error !== null) throw this.error;
    // Nothing left in Node's buffer means every byte reached the kernel, even if the write
    // callbacks (which come a tick later) have not run yet: no need to wait for them.
    if (this.socket.writableLength === 0) return undefined;
    return this.parkWriter(cx);
  }

  /**
   * {@link AsyncWrite}: flush, then send FIN (half-close); reading goes on. Cancellation safe.
   *
   * @example
   * ```ts
   * yield* pollFn((cx) => stream.pollShutdown(cx)); // what stream.shutdown() does
   * ```
   */
  pollShutdown(cx: Context): Poll<void> {
    if (this.disposed) throw this.closedError("shutdown");
    if (this.error !== null) throw this.error;
    if (this.writeSide === OPEN) {
      this.writeSide = ENDING;
      this.socket.end();
    }
    if (this.writeSide === ENDED) return undefined;
    return this.parkWriter(cx);
  }

  /**
   * The local end's address (still known after the stream closed). An {@link IoError} of kind
   * `"NotConnected"` if the connection was gone before it could be read, as tokio's `local_addr`.
   *
   * @example
   * ```ts
   * console.log(`${stream.localAddr()} -> ${stream.peerAddr()}`);
   * ```
   */
  localAddr(): SocketAddr {
    return this.local ?? unknownAddress("localAddr");
  }

  /**
   * The remote end's address (still known after the stream closed). An {@link IoError} of kind
   * `"NotConnected"` for a client that reset before it was accepted (it has no address any more),
   * as tokio's `peer_addr`; never an empty address.
   *
   * @example
   * ```ts
   * console.log(`a diner from ${stream.peerAddr().ip}`);
   * ```
   */
  peerAddr(): SocketAddr {
    return this.peer ?? unknownAddress("peerAddr");
  }

  /** "127.0.0.1:51000 -> 127.0.0.1:4000", for error messages; `?` for an end not known. */
  private describeEnds(): string {
    if (this.ends !== null) return this.ends;
    return `${this.local === null ? "?" : String(this.local)} -> ${this.peer === null ? "?" : String(this.peer)}`;
  }

  /**
   * @internal name it in messages as something other than a TCP stream: `kind` ("unix stream")
   * and its two `ends` ("unnamed -> /run/kitchen.sock").
   */
  nameAs(kind: string, ends: string): void {
    this.kind = kind;
    this.ends = ends;
  }

  /**
   * Turn Nagle's algorithm off (`true`) so small writes leave at once, or on again.
   *
   * @example
   * ```ts
   * stream.setNoDelay(true); // an interactive protocol
   * ```
   */
  setNoDelay(noDelay = true): void {
    if (typeof noDelay !== "boolean") {
      throw new TypeError(`setNoDelay(noDelay): noDelay must be a boolean, got ${typeof noDelay}`);
    }
    if (!this.disposed) this.socket.setNoDelay(noDelay);
  }

  /**
   * Bytes received from the peer that no read has taken yet. At most 64 KiB plus the chunk that
   * crossed that mark: past it the socket is paused until reads bring it back down to the mark.
   *
   * @example
   * ```ts
   * if (conn.readBufferLength > 0) console.log("the peer sent more than we have read");
   * ```
   */
  get readBufferLength(): number {
    return this.queued;
  }

  /**
   * Bytes accepted by `pollWrite` that Node has not yet handed to the kernel.
   *
   * @example
   * ```ts
   * if (stream.writeBufferLength > 1 << 20) yield* stream.flush(); // let a slow diner catch up
   * ```
   */
  get writeBufferLength(): number {
    return this.socket.writableLength;
  }

  /**
   * Close the connection: at once if nothing is left to send, else once the bytes writes already
   * accepted are out (reset if the peer takes none for a second; see the module doc). Bytes
   * received and not read are dropped; a task parked reading or writing is woken, and that and
   * every later operation fails with an `IoError` (`NotConnected`). Idempotent.
   *
   * @example
   * ```ts
   * using conn = yield* TcpStream.connect("127.0.0.1:7000"); // closed when the scope ends
   * ```
   */
  [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    this.received = [];
    this.head = this.tail = this.offset = this.queued = 0;
    const socket = this.socket;
    if (socket.writableLength > 0 && !socket.destroyed) {
      // Bytes a write accepted are still in Node's queue: send them, then close (what the kernel
      // does in tokio after a drop; destroying now would cut the stream short with a clean FIN).
      // Closed by `onWritten` once the last byte is out (not with `end()`, which would make a
      // later reset impossible: a connection cannot be reset while its FIN is pending).
      socket.resume(); // what still arrives is dropped (see `receive`)
      lingerWhileSending(socket);
    } else {
      socket.destroy();
    }
    // A task parked on this stream (the other half of a split) must see it closed.
    this.wakeReader();
    this.wakeWriter();
  }

  /**
   * @internal the write half of a split was disposed while the read half lives (see `split.ts`):
   * send FIN once the bytes writes accepted are out, as dropping tokio's `OwnedWriteHalf` does.
   * Reading goes on.
   */
  halfClose(): void {
    if (this.disposed || this.error !== null || this.writeSide !== OPEN) return;
    this.writeSide = ENDING;
    this.socket.end();
  }

  /**
   * @internal wake whoever is parked on one direction: a split half was disposed under it (see
   * `split.ts`). A future parked on the stream itself just polls again and parks again.
   */
  wakeParked(direction: "read" | "write"): void {
    if (direction === "read") this.wakeReader();
    else this.wakeWriter();
  }

  private closedError(doing: string): IoError {
    return new IoError("NotConnected", `${this.kind}: ${doing} after the stream was disposed`);
  }

  private parkWriter(cx: Context): typeof PENDING {
    const parked = this.writeWaker;
    if (parked !== null && parked !== cx.waker && this.writeRegistrant !== null) {
      refuseSecondReader(this.writeOwner, parked, cx.owner, `${this.kind} write`, WRITE_RULE);
    }
    this.writeWaker = cx.waker;
    this.writeRegistrant = this.poller;
    this.writeOwner = cx.owner;
    this.writeWait.open();
    return PENDING;
  }

  /**
   * @internal `by` (an `IoFuture`) was dropped: if it parked a direction's waker and
   * nobody has parked there since, forget that waker and close the wait.
   */
  unregister(by: unknown): void {
    if (by === null) return;
    if (by === this.readRegistrant) {
      this.readRegistrant = null;
      this.readWaker = null;
      this.readWait.close();
    }
    if (by === this.writeRegistrant) {
      this.writeRegistrant = null;
      this.writeWaker = null;
      this.writeWait.close();
    }
  }

  private wakeReader(): void {
    this.readWait.close();
    const w = this.readWaker;
    if (w !== null) {
      this.readWaker = null;
      this.readRegistrant = null;
      wakeAs(SOCKET, w);
    }
  }

  private wakeWriter(): void {
    this.writeWait.close();
    const w = this.writeWaker;
    if (w !== null) {
      this.writeWaker = null;
      this.writeRegistrant = null;
      wakeAs(SOCKET, w);
    }
  }
}

/**
 * How long a disposed stream may go without sending a byte of what it still holds before it gives
 * up (ms). A pending write keeps Node's event loop alive, so without a limit a peer that never
 * reads would keep the process from exiting (Ctrl-C included) for as long as it stays connected.
 */
const LINGER_MS = 1000;

/**
 * Watch a disposed socket flush: while bytes keep leaving, let it; once a whole `LINGER_MS` passes
 * with none sent, reset the connection (an RST, which a peer whose window is shut may not even
 * see: nothing more can be done for it). The timer does not hold the process by itself.
 */
function lingerWhileSending(socket: Socket): void {
  // Bytes still waiting in Node: fewer than at the last look means some were sent.
  let left = socket.writableLength;
  const timer = setInterval(() => {
    if (socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const now = socket.writableLength;
    if (now < left) {
      left = now;
      return;
    }
    clearInterval(timer);
    resetOrClose(socket);
  }, LINGER_MS);
  timer.unref();
  socket.once("close", () => clearInterval(timer));
}

function addressOf(ip: string | undefined, port: number | undefined): SocketAddr | null {
  return ip === undefined || ip === "" || port === undefined ? null : new SocketAddr(ip, port);
}

function unknownAddress(which: string): never {
  throw new IoError(
    "NotConnected",
    `tcp stream: ${which}(): the address is unknown (the connection closed before it was accepted)`,
  );
}

/** @internal count a socket from birth to its handle's close. */
export function trackSocket(socket: Socket): void {
  netCounters.sockets++;
  socket.once("close", () => {
    netCounters.sockets--;
  });
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(TcpStream);

/**
 * Reset a TCP connection (RST), or close any other socket: Node allows `resetAndDestroy()` only on
 * a TCP handle and throws on a Unix socket's (`ERR_INVALID_HANDLE_TYPE`), which from a timer would
 * be an uncaught exception. A Unix socket has no reset; closing it is the nearest thing.
 */
function resetOrClose(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
