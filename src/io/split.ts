/**
 * split: one pipe, two handles. The read half and the write half of one reader-writer can be moved
 * to different tasks (a chat client reads in one chef's hands and writes in another's), which works
 * because the underlying object keeps a separate waker for each direction (as tokio's
 * `TcpStream::into_split`). The object itself is disposed when both halves have been disposed.
 */
import type { Context } from "../future/context.js";
import type { Poll } from "../future/poll.js";
import { disposeOf } from "../stream/stream.js";
import {
  type AsyncRead,
  type AsyncWrite,
  assertReader,
  assertWriter,
  type OwnedRead,
  type OwnedWrite,
} from "./traits.js";

/** Counts the halves still alive; disposes the shared object when none is. */
class Shared<T> {
  halves = 2;
  constructor(readonly io: T) {}
  release(): void {
    if (--this.halves === 0) disposeOf(this.io);
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
export class ReadHalf<T extends AsyncRead> implements AsyncRead, Disposable {
  private shared: Shared<T> | null;
  /** @internal */
  constructor(shared: Shared<T>) {
    this.shared = shared;
    if (typeof (shared.io as Partial<OwnedRead>).pollReadOwned === "function") {
      this.pollReadOwned = (cx) => (this.inner() as unknown as OwnedRead).pollReadOwned(cx);
    }
  }
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.inner().pollRead(cx, buf);
  }
  /** Present (and used by `copy`) only when the shared object reads without copying. */
  readonly pollReadOwned?: (cx: Context) => Poll<Uint8Array>;
  private inner(): T {
    if (this.shared === null) throw new TypeError("ReadHalf was used after it was disposed");
    return this.shared.io;
  }
  [Symbol.dispose](): void {
    const s = this.shared;
    this.shared = null;
    s?.release();
  }
}

/**
 * The writing half from {@link split}.
 *
 * @example
 * ```ts
 * const [rd, wr] = split(stream);
 * yield* writeAll(wr, bytes);
 * ```
 */
export class WriteHalf<T extends AsyncWrite> implements AsyncWrite, Disposable {
  private shared: Shared<T> | null;
  /** @internal */
  constructor(shared: Shared<T>) {
    this.shared = shared;
    if (typeof (shared.io as Partial<OwnedWrite>).pollWriteOwned === "function") {
      this.pollWriteOwned = (cx, buf) =>
        (this.inner() as unknown as OwnedWrite).pollWriteOwned(cx, buf);
    }
  }
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.inner().pollWrite(cx, buf);
  }
  /** Present (and used by `copy`) only when the shared object writes without copying. */
  readonly pollWriteOwned?: (cx: Context, buf: Uint8Array) => Poll<number>;
  pollFlush(cx: Context): Poll<void> {
    return this.inner().pollFlush(cx);
  }
  pollShutdown(cx: Context): Poll<void> {
    return this.inner().pollShutdown(cx);
  }
  private inner(): T {
    if (this.shared === null) throw new TypeError("WriteHalf was used after it was disposed");
    return this.shared.io;
  }
  [Symbol.dispose](): void {
    const s = this.shared;
    this.shared = null;
    s?.release();
  }
}

/**
 * Split a reader-writer into halves that can live in different tasks.
 *
 * @example
 * ```ts
 * const [reader, writer] = split(socket);
 * spawn(copy(reader, process.stdoutWriter));
 * yield* writeAll(writer, hello);
 * ```
 */
export function split<T extends AsyncRead & AsyncWrite>(io: T): [ReadHalf<T>, WriteHalf<T>] {
  assertReader(io, "split(io): io");
  assertWriter(io, "split(io): io");
  const shared = new Shared(io);
  return [new ReadHalf(shared), new WriteHalf(shared)];
}
