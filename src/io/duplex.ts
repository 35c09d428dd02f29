/**
 * duplex: a speaking tube between two stations, no socket involved. `duplex(maxBufSize)` returns
 * two connected ends; what one end writes, the other reads, in both directions, each direction
 * holding at most `maxBufSize` bytes (a full tube makes the writer wait: backpressure, as a slow
 * TCP peer does). tokio's `io::duplex`: for testing a protocol, or wiring two parts of a program
 * together, with the same `read`/`write`/`copy`/`BufReader` code that serves real sockets.
 *
 * Closing: `shutdown` on one end (or disposing it) is the end of the stream for the other end's
 * reads, after what is already in the tube. Writing to an end whose peer was disposed fails with
 * an `IoError` of kind `"BrokenPipe"`, as it would on a socket.
 *
 * Nothing here touches Node: the tube is a queue of byte chunks and two pagers per direction.
 */

import { type ReaderRule, refuseSecondReader } from "../channel/one-reader.js";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "../task/budget.js";
import { IoError } from "./error.js";
import type { AsyncRead, AsyncWrite } from "./traits.js";

const EMPTY = new Uint8Array(0);

/** What a second reader of a pipe end is told (one-reader.ts). */
const READ_RULE: ReaderRule = {
  subject: "this pipe end",
  how: "a read there",
  advice:
    "A pipe end has one reader at a time: read in one task and hand what it reads on through a channel",
};

/** What a second writer waiting for room is told. */
const WRITE_RULE: ReaderRule = {
  subject: "this pipe end",
  how: "a write there, waiting for room",
  advice:
    "A pipe end has one writer at a time: write from one task (a writer task fed by a channel), or guard the end with a Mutex around each whole message",
};
/** The first store a tube makes, unless its capacity is smaller. */
const FIRST_STORE = 256;

/**
 * One direction of the tube: bytes written by one end, waiting to be read by the other. They are
 * kept in one ring of bytes, grown by doubling as needed up to `capacity` (made on the first write,
 * so an idle pipe holds nothing), so a write costs a copy and no allocation, however small.
 */
class Tube {
  /** The ring; `length` bytes from `start` on, wrapping round at its end. */
  private store = EMPTY;
  private start = 0;
  /** Bytes in the tube, at most `capacity`. */
  length = 0;
  /** The writing end shut down or was disposed: once drained, reads see the end. */
  writerClosed = false;
  /** The reading end was disposed: writes fail. */
  readerClosed = false;
  private readWaker: Waker | null = null;
  private writeWaker: Waker | null = null;

  constructor(readonly capacity: number) {}

  /** Accept up to `buf.length` bytes (copied, so the writer may reuse `buf`), as many as fit. */
  put(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.capacity - this.length);
    if (this.length + n > this.store.length) this.grow(this.length + n);
    const store = this.store;
    const end = (this.start + this.length) % store.length;
    const first = Math.min(n, store.length - end);
    store.set(buf.subarray(0, first), end);
    if (first < n) store.set(buf.subarray(first, n), 0);
    this.length += n;
    this.wakeReader();
    return n;
  }

  /** Move up to `buf.length` bytes into `buf`; the count. */
  take(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.length);
    if (n === 0) return 0;
    const store = this.store;
    const first = Math.min(n, store.length - this.start);
    buf.set(store.subarray(this.start, this.start + first), 0);
    if (first < n) buf.set(store.subarray(0, n - first), first);
    this.start = (this.start + n) % store.length;
    this.length -= n;
    if (this.length === 0) this.start = 0;
    this.wakeWriter();
    return n;
  }

  /** A bigger ring for `need` bytes (doubling, at most `capacity`), the bytes kept in order. */
  private grow(need: number): void {
    let size = Math.max(this.store.length * 2, Math.min(FIRST_STORE, this.capacity));
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.capacity));
    const old = this.store;
    const first = Math.min(this.length, old.length - this.start);
    next.set(old.subarray(this.start, this.start + first), 0);
    if (first < this.length) next.set(old.subarray(0, this.length - first), first);
    this.store = next;
    this.start = 0;
  }

  /** The future that parked each side last (an `IoFuture`, or null), and its poll's owner. */
  readRegistrant: unknown = null;
  writeRegistrant: unknown = null;
  private readOwner: unknown = null;
  private writeOwner: unknown = null;

  parkReader(cx: Context, registrant: unknown): void {
    const parked = this.readWaker;
    // Another task's read future waits here: a second reader would take its pager.
    if (parked !== null && parked !== cx.waker && this.readRegistrant !== null) {
      refuseSecondReader(this.readOwner, parked, cx.owner, "duplex stream read", READ_RULE);
    }
    this.readWaker = cx.waker;
    this.readRegistrant = registrant;
    this.readOwner = cx.owner;
  }

  parkWriter(cx: Context, registrant: unknown): void {
    const parked = this.writeWaker;
    if (parked !== null && parked !== cx.waker && this.writeRegistrant !== null) {
      refuseSecondReader(this.writeOwner, parked, cx.owner, "duplex stream write", WRITE_RULE);
    }
    this.writeWaker = cx.waker;
    this.writeRegistrant = registrant;
    this.writeOwner = cx.owner;
  }

  /** `by` was dropped: forget the waker it parked on either side, if nobody parked since. */
  unregister(by: unknown): void {
    if (by === this.readRegistrant) {
      this.readRegistrant = null;
      this.readWaker = null;
    }
    if (by === this.writeRegistrant) {
      this.writeRegistrant = null;
      this.writeWaker = null;
    }
  }

  /**
   * The writing end is done: the reader sees the end once the tube is drained. A write parked on
   * the writing end itself (another task's, through a split half) is woken too, to fail.
   */
  closeWriter(): void {
    this.writerClosed = true;
    this.wakeReader();
    this.wakeWriter();
  }

  /**
   * The reading end is gone: nothing written can be read any more. The writer is woken to fail,
   * and so is a read parked on the reading end itself (another task's), which would otherwise
   * wait for a writer that may never act.
   */
  closeReader(): void {
    this.readerClosed = true;
    this.store = EMPTY;
    this.start = 0;
    this.length = 0;
    this.wakeWriter();
    this.wakeReader();
  }

  wakeReader(): void {
    const w = this.readWaker;
    this.readWaker = null;
    this.readRegistrant = null;
    w?.wake();
  }

  wakeWriter(): void {
    const w = this.writeWaker;
    this.writeWaker = null;
    this.writeRegistrant = null;
    w?.wake();
  }
}

/**
 * One end of a {@link duplex} pipe: an `AsyncRead` and `AsyncWrite` like a `TcpStream`, in memory.
 *
 * @example
 * ```ts
 * const [client, server] = duplex(64);
 * yield* writeAll(client, new TextEncoder().encode("ping"));
 * const buf = new Uint8Array(4);
 * yield* readExact(server, buf); // "ping"
 * ```
 */
export class DuplexStream implements AsyncRead, AsyncWrite, Disposable {
  /** This end was disposed: every operation on it fails, as on a disposed `TcpStream`. */
  private disposed = false;
  /**
   * @internal the future polling this end right now (an `IoFuture`, src/io/io-future.ts), else
   * null: whoever parks records it, the only future allowed to take that wait back.
   */
  poller: unknown = null;

  /** Not for direct use: made by the library. */
  constructor(
    private readonly incoming: Tube,
    private readonly outgoing: Tube,
  ) {}

  /**
   * Read what the other end wrote into `buf`: the count, `0` at the end (the other end shut down
   * or was disposed, and everything it wrote was read), or `PENDING` while the tube is empty.
   *
   * @example
   * ```ts
   * const n = yield* read(end, buf);
   * ```
   */
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    const tube = this.incoming;
    if (this.disposed) throw this.disposedError("read");
    if (buf.length === 0) return 0;
    if (tube.length === 0 && !tube.writerClosed) {
      tube.parkReader(cx, this.poller);
      return PENDING;
    }
    if (!pollProceed(cx)) return PENDING;
    return tube.take(buf);
  }

  /**
   * Put up to `buf.length` bytes into the tube (copied): the count, or `PENDING` while it is full.
   * Throws an `IoError`: `"BrokenPipe"` once the other end is disposed or after `shutdown`,
   * `"NotConnected"` once this end is disposed.
   *
   * @example
   * ```ts
   * const n = yield* write(end, bytes); // 1 ≤ n ≤ bytes.length
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    const tube = this.outgoing;
    if (this.disposed) throw this.disposedError("write");
    if (tube.writerClosed)
      throw new IoError("BrokenPipe", "write on a duplex stream after shutdown");
    if (tube.readerClosed) {
      throw new IoError("BrokenPipe", "write on a duplex stream whose other end was disposed");
    }
    if (buf.length === 0) return 0;
    if (tube.length === tube.capacity) {
      tube.parkWriter(cx, this.poller);
      return PENDING;
    }
    if (!pollProceed(cx)) return PENDING;
    return tube.put(buf);
  }

  /**
   * Ready at once: bytes in the tube are already where the other end reads them.
   *
   * @example
   * ```ts
   * yield* flush(end);
   * ```
   */
  pollFlush(_cx: Context): Poll<void> {
    if (this.disposed) throw this.disposedError("flush");
    return undefined;
  }

  /**
   * Close this end's writing side: the other end reads what is in the tube, then the end. This
   * end can still read. Idempotent.
   *
   * @example
   * ```ts
   * yield* shutdown(client); // the server's next read after the request returns 0
   * ```
   */
  pollShutdown(_cx: Context): Poll<void> {
    if (this.disposed) throw this.disposedError("shutdown");
    if (!this.outgoing.writerClosed) this.outgoing.closeWriter();
    return undefined;
  }

  /**
   * @internal the write half of a split was disposed while the read half lives (see `split.ts`):
   * the other end reads what was written, then the end.
   */
  halfClose(): void {
    if (!this.disposed && !this.outgoing.writerClosed) this.outgoing.closeWriter();
  }

  /**
   * @internal a split half of this end was disposed: wake whoever is parked on its direction,
   * to see that (see `split.ts`).
   */
  wakeParked(direction: "read" | "write"): void {
    if (direction === "read") this.incoming.wakeReader();
    else this.outgoing.wakeWriter();
  }

  /**
   * @internal `by` (an `IoFuture`) was dropped: take back the wait it parked on this end (a read
   * on the incoming tube, a write on the outgoing one), if nobody parked there since.
   */
  unregister(by: unknown): void {
    if (by === null) return;
    if (this.incoming.readRegistrant === by) this.incoming.unregister(by);
    if (this.outgoing.writeRegistrant === by) this.outgoing.unregister(by);
  }

  private disposedError(doing: string): IoError {
    return new IoError("NotConnected", `duplex stream: ${doing} after the stream was disposed`);
  }

  /**
   * Close both directions: the other end reads the end of the stream (after what is in the tube)
   * and its writes fail with `"BrokenPipe"`; a future parked on this end is woken and fails.
   * Idempotent.
   *
   * @example
   * ```ts
   * using end = duplex(1024)[0]; // closed when the scope ends
   * ```
   */
  [Symbol.dispose](): void {
    this.disposed = true;
    if (!this.outgoing.writerClosed) this.outgoing.closeWriter();
    if (!this.incoming.readerClosed) this.incoming.closeReader();
  }
}

/**
 * Two connected in-memory ends: bytes written to one are read from the other, each direction
 * holding at most `maxBufSize` bytes (tokio's `io::duplex`).
 *
 * @example
 * ```ts
 * const [client, server] = duplex(1024);
 * spawn(asyncBlock(function* () { // an echo server: back what it reads, then the end
 *   yield* copy(server, server);
 *   yield* shutdown(server);
 * }));
 * yield* writeAll(client, new TextEncoder().encode("hello"));
 * yield* shutdown(client);
 * const echoed = yield* readToEnd(client); // "hello"
 * ```
 */
export function duplex(maxBufSize: number): [DuplexStream, DuplexStream] {
  if (typeof maxBufSize !== "number") {
    throw new TypeError(
      `duplex(maxBufSize): maxBufSize must be a number, got ${typeof maxBufSize}`,
    );
  }
  if (!Number.isInteger(maxBufSize) || maxBufSize < 1) {
    throw new RangeError(
      `duplex(maxBufSize): maxBufSize must be a whole number of bytes, at least 1, got ${maxBufSize}`,
    );
  }
  const aToB = new Tube(maxBufSize);
  const bToA = new Tube(maxBufSize);
  return [new DuplexStream(bToA, aToB), new DuplexStream(aToB, bToA)];
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(DuplexStream);
