/**
 * split: one pipe, two handles. The read half and the write half of one reader-writer can be moved
 * to different tasks (a chat client reads in one chef's hands and writes in another's), which works
 * because the underlying object keeps a separate waker for each direction (as tokio's
 * `TcpStream::into_split`). The object itself is disposed when both halves have been disposed.
 * Disposing the write half while the read half lives half-closes a `TcpStream` or a duplex end,
 * as dropping tokio's `OwnedWriteHalf` does: the peer reads what was written, then the end.
 * A half disposed while a future in another task is parked through it wakes that future (on a
 * `TcpStream` or a duplex end), which then fails with the half's `TypeError` (used after it was
 * disposed) instead of waiting for the peer's next event.
 * Each half has one holder, as tokio's owned halves: left over where nobody can take it (moved
 * into an async fn whose task was aborted before its first poll), it is disposed (see `OWNED`).
 */
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { Poll } from "../future/poll.js";
import { disposeOf } from "../stream/stream.js";
import { type ParkSource, parkSourceOf } from "./io-future.js";
import {
  type AsyncRead,
  type AsyncWrite,
  assertReader,
  assertWriter,
  type OwnedRead,
  type OwnedWrite,
} from "./traits.js";

/**
 * A shared object that can wake whoever is parked on one direction (a `TcpStream`, a duplex
 * end): a half disposed while its other half lives uses it, so that a future parked through the
 * disposed half in another task sees the disposal now rather than at the peer's next event.
 */
interface WakesParked {
  wakeParked(direction: "read" | "write"): void;
  /** Send the end once what was written is out, without waiting: a write half was disposed. */
  halfClose(): void;
}

/** Counts the halves still alive; disposes the shared object when none is. */
class Shared<T> {
  halves = 2;
  /** The shared object, when it records who parked on it (a `TcpStream`). */
  readonly source: ParkSource | null;
  constructor(readonly io: T) {
    this.source = parkSourceOf(io);
  }
  release(): void {
    if (--this.halves === 0) disposeOf(this.io);
  }
}

/**
 * What both halves share: the counted reference, the parking protocol, disposal.
 *
 * @example
 * ```ts
 * const [rd, wr] = split(socket);
 * rd[Symbol.dispose]();
 * wr[Symbol.dispose](); // the last half disposed disposes the socket
 * ```
 */
abstract class Half<T> implements Disposable {
  // Also `ParksOn` (io-future.ts), structurally (see BufReader).
  protected shared: Shared<T> | null;
  /**
   * @internal what a future polled through this half parks on (see io-future.ts). Kept after the
   * half is disposed: a future that parked through it must still be able to take its wait back.
   */
  readonly parkSource: ParkSource | null;
  constructor(
    shared: Shared<T>,
    private readonly kind: "ReadHalf" | "WriteHalf",
  ) {
    this.shared = shared;
    this.parkSource = shared.source;
  }
  protected inner(): T {
    if (this.shared === null) throw new TypeError(`${this.kind} was used after it was disposed`);
    return this.shared.io;
  }
  [Symbol.dispose](): void {
    const s = this.shared;
    if (s === null) return;
    this.shared = null;
    s.release();
    // The last half disposed the object, which woke its waiters; the first must wake its own.
    if (s.halves > 0) {
      const io = s.io as Partial<WakesParked>;
      if (this.kind === "WriteHalf") io.halfClose?.();
      io.wakeParked?.(this.kind === "ReadHalf" ? "read" : "write");
    }
  }
}

/**
 * The reading half from {@link split}.
 *
 * @example
 * ```ts
 * const [rd, wr] = split(stream);
 * const n = yield* read(rd, buf);
 * ```
 */
export class ReadHalf<T extends AsyncRead> extends Half<T> implements AsyncRead {
  /** Not for direct use: made by the library. */
  constructor(shared: Shared<T>) {
    super(shared, "ReadHalf");
    if (typeof (shared.io as Partial<OwnedRead>).pollReadOwned === "function") {
      this.pollReadOwned = (cx) => (this.inner() as unknown as OwnedRead).pollReadOwned(cx);
    }
  }
  /**
   * {@link AsyncRead}: read from the shared object.
   *
   * @example
   * ```ts
   * const n = yield* read(rd, buf); // read() polls this
   * ```
   */
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.inner().pollRead(cx, buf);
  }
  /** Present (and used by `copy`) only when the shared object reads without copying. */
  readonly pollReadOwned?: (cx: Context) => Poll<Uint8Array>;
}

/**
 * The writing half from {@link split}. Disposing it while the reading half lives half-closes a
 * `TcpStream` or a duplex end, as dropping tokio's `OwnedWriteHalf` does: the peer reads what was
 * written, then the end. `yield* shutdown(wr)` does the same and waits until the end is sent;
 * another `AsyncWrite` sees the end only once both halves are gone.
 *
 * @example
 * ```ts
 * const [rd, wr] = split(stream);
 * yield* writeAll(wr, bytes);
 * yield* shutdown(wr); // the peer's read sees the end; rd still reads
 * ```
 */
export class WriteHalf<T extends AsyncWrite> extends Half<T> implements AsyncWrite {
  /** Not for direct use: made by the library. */
  constructor(shared: Shared<T>) {
    super(shared, "WriteHalf");
    if (typeof (shared.io as Partial<OwnedWrite>).pollWriteOwned === "function") {
      this.pollWriteOwned = (cx, buf) =>
        (this.inner() as unknown as OwnedWrite).pollWriteOwned(cx, buf);
    }
  }
  /**
   * {@link AsyncWrite}: write to the shared object.
   *
   * @example
   * ```ts
   * const n = yield* write(wr, buf); // write() polls this
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.inner().pollWrite(cx, buf);
  }
  /** Present (and used by `copy`) only when the shared object writes without copying. */
  readonly pollWriteOwned?: (cx: Context, buf: Uint8Array) => Poll<number>;
  /**
   * {@link AsyncWrite}: flush the shared object.
   *
   * @example
   * ```ts
   * yield* flush(wr); // flush() polls this
   * ```
   */
  pollFlush(cx: Context): Poll<void> {
    return this.inner().pollFlush(cx);
  }
  /**
   * {@link AsyncWrite}: shut the shared object's write side down.
   *
   * @example
   * ```ts
   * yield* shutdown(wr); // the write side is done; the read half reads on
   * ```
   */
  pollShutdown(cx: Context): Poll<void> {
    return this.inner().pollShutdown(cx);
  }
}

/**
 * Split a reader-writer into halves that can live in different tasks. Not a `File`'s: a file runs
 * one operation at a time, and a second task waiting on it is refused; use its halves from one
 * task, or open the file twice.
 *
 * @example
 * ```ts
 * const [reader, writer] = split(socket);
 * spawn(copy(reader, otherSocket)); // what comes in goes on to the other socket
 * yield* writeAll(writer, hello);
 * ```
 */
export function split<T extends AsyncRead & AsyncWrite>(io: T): [ReadHalf<T>, WriteHalf<T>] {
  assertReader(io, "split(io): io");
  assertWriter(io, "split(io): io");
  const shared = new Shared(io);
  return [new ReadHalf(shared), new WriteHalf(shared)];
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(ReadHalf);
markOwned(WriteHalf);
