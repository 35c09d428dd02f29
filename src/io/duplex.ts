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
import type { Context } from "../future/context.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "../task/budget.js";
import { IoError } from "./error.js";
import type { AsyncRead, AsyncWrite } from "./traits.js";

const EMPTY = new Uint8Array(0);
/** Taken slots at the front of a tube's queue past which they are dropped (see `take`). */
const SLOTS_KEPT = 64;

/** One direction of the tube: bytes written by one end, waiting to be read by the other. */
class Tube {
  /**
   * Copies of the accepted bytes, oldest first, from `head` on (taken chunks are skipped, not
   * shifted out: many small writes would make that quadratic); `chunks[head]` is read from
   * `offset` on.
   */
  private chunks: Uint8Array[] = [];
  private head = 0;
  private offset = 0;
  /** Bytes in the tube, at most `capacity`. */
  length = 0;
  /** The writing end shut down or was disposed: once drained, reads see the end. */
  writerClosed = false;
  /** The reading end was disposed: writes fail. */
  readerClosed = false;
  private readWaker: Waker | null = null;
  private writeWaker: Waker | null = null;

  constructor(readonly capacity: number) {}

  /** Accept up to `buf.length` bytes (a copy), as many as fit; the count. */
  put(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.capacity - this.length);
    // A copy, so the writer may reuse `buf` at once (a Buffer's own slice() would share memory).
    this.chunks.push(Uint8Array.prototype.slice.call(buf, 0, n));
    this.length += n;
    this.wakeReader();
    return n;
  }

  /** Move up to `buf.length` bytes into `buf`; the count. */
  take(buf: Uint8Array): number {
    let n = 0;
    const chunks = this.chunks;
    while (n < buf.length && this.head < chunks.length) {
      const chunk = chunks[this.head]!;
      const m = Math.min(buf.length - n, chunk.length - this.offset);
      buf.set(chunk.subarray(this.offset, this.offset + m), n);
      n += m;
      this.offset += m;
      if (this.offset === chunk.length) {
        chunks[this.head++] = EMPTY;
        this.offset = 0;
      }
    }
    if (this.head === chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= SLOTS_KEPT && this.head * 2 >= chunks.length) {
      // Never quite empty (a reader always a little behind the writer): drop the taken slots, or
      // the array would grow by one slot per write for as long as the pipe lives.
      chunks.splice(0, this.head);
      this.head = 0;
    }
    this.length -= n;
    if (n > 0) this.wakeWriter();
    return n;
  }

  parkReader(waker: Waker): void {
    this.readWaker = waker;
  }

  parkWriter(waker: Waker): void {
    this.writeWaker = waker;
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
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.length = 0;
    this.wakeWriter();
    this.wakeReader();
  }

  wakeReader(): void {
    const w = this.readWaker;
    this.readWaker = null;
    w?.wake();
  }

  wakeWriter(): void {
    const w = this.writeWaker;
    this.writeWaker = null;
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
  /** @internal */
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
    if (tube.readerClosed) throw new IoError("NotConnected", "read on a disposed duplex stream");
    if (buf.length === 0) return 0;
    if (tube.length === 0 && !tube.writerClosed) {
      tube.parkReader(cx.waker);
      return PENDING;
    }
    if (!pollProceed(cx)) return PENDING;
    return tube.take(buf);
  }

  /**
   * Put up to `buf.length` bytes into the tube (copied): the count, or `PENDING` while it is full.
   * Throws an `IoError` (`"BrokenPipe"`) once the other end is disposed, or after `shutdown`.
   *
   * @example
   * ```ts
   * const n = yield* write(end, bytes); // 1 ≤ n ≤ bytes.length
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    const tube = this.outgoing;
    if (tube.writerClosed) {
      throw new IoError("BrokenPipe", "write on a duplex stream after shutdown or dispose");
    }
    if (tube.readerClosed) {
      throw new IoError("BrokenPipe", "write on a duplex stream whose other end was disposed");
    }
    if (buf.length === 0) return 0;
    if (tube.length === tube.capacity) {
      tube.parkWriter(cx.waker);
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
    if (!this.outgoing.writerClosed) this.outgoing.closeWriter();
    return undefined;
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
 * spawn(asyncBlock(function* () { yield* copy(server, server); })); // an echo server
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
