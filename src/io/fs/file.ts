/**
 * File: a jar from the pantry, opened for reading, writing or both; an `AsyncRead` and
 * `AsyncWrite` like a socket, so `read`, `readExact`, `readToEnd`, `writeAll`, `copy`,
 * `BufReader(file).lines()` and `FramedRead` work on it unchanged.
 *
 * The disk has no readiness to wait for, so, as tokio's `fs::File`, a file runs one operation at a
 * time on `node:fs/promises`' `FileHandle` and keeps it in flight while its task waits:
 *
 * - `pollRead` starts a read into the file's own buffer (never the caller's: a read dropped while
 *   in flight must not write into a buffer the caller has since reused) and answers `PENDING`
 *   until it settles; then it copies out what was read. It asks for at least 64 KiB, so small
 *   reads cost one trip to the disk per 64 KiB. Bytes read ahead and not yet asked for stay in
 *   that buffer for the next read, so dropping a `read` loses nothing (cancellation safe); a
 *   write or a seek first moves the cursor back over them.
 * - `pollWrite` copies up to `maxBufSize` bytes into that buffer, starts writing them and answers
 *   the count at once: the write is buffered, and its error shows at the next write, `flush` or
 *   `syncAll` (tokio's rule). `pollFlush` waits for the write in flight; `pollShutdown` is `flush`.
 *   Flushed means handed to the operating system, not on the platter: that is `syncAll`.
 * - Any poll while an operation is in flight waits for it first.
 *
 * The cursor is the file's own: reads and writes carry their position (`pread`/`pwrite`), so
 * `seek` moves a number, except in append mode, where every write lands at the end (`O_APPEND`)
 * and the cursor after it is learnt from the file's size when next needed.
 *
 * The wake: an operation in flight counts as a bridged promise with the runtime (it will settle,
 * so the paused clock does not jump past it), and when it settles the task that waits, or the one
 * that started a buffered write, is woken through its waker (a wake with nothing to do is allowed:
 * it gives the runtime the turn in which it sees that nothing is in flight any more).
 *
 * Dropping the `File` closes its handle; a write in flight is finished first, so no byte the file
 * accepted is lost. An error of that write or of the close reaches nobody: `flush` first to see
 * it. A future waiting on the file when it is dropped fails with an `IoError`.
 *
 * One user at a time, as `&mut File` in Rust: a second task waiting while another's wait is parked
 * is refused with an error naming both (see src/channel/one-reader.ts).
 */
import type { FileHandle } from "node:fs/promises";
import { markOwned } from "../../future/cancel.js";
import type { Context } from "../../future/context.js";
import type { FutureBase } from "../../future/future.js";
import type { Poll } from "../../future/poll.js";
import type { AsyncRead, AsyncWrite } from "../traits.js";
import { FileCore } from "./file-core.js";
import { FileOp } from "./file-op.js";
import type { Metadata } from "./metadata.js";
import { openOptions } from "./open-options.js";
import { type PathLike, quoted } from "./path-arg.js";
import { checkOffset, type SeekFrom, toSeekFrom } from "./seek-from.js";

export { DEFAULT_MAX_BUF_SIZE } from "./file-core.js";

/**
 * An open file.
 *
 * @example
 * ```ts
 * using file = yield* File.create("order.txt");
 * yield* writeAll(file, new TextEncoder().encode("soup\n"));
 * yield* flush(file); // the write's error, if any, shows here
 * ```
 */
export class File implements AsyncRead, AsyncWrite, Disposable {
  /** The path the file was opened with, for messages. */
  readonly path: string;
  /** @internal the machine (file-core.ts); futures polling the file park on it. */
  readonly parkSource: FileCore;

  /** Not for direct use: made by `File.open`, `File.create` or `OpenOptions.open`. */
  constructor(handle: FileHandle, path: string, append: boolean) {
    this.path = path;
    this.parkSource = new FileCore(handle, path, append);
  }

  /**
   * Open an existing file for reading (`NotFound` if there is none).
   *
   * @example
   * ```ts
   * using file = yield* File.open("menu.txt");
   * const text = new TextDecoder().decode(yield* readToEnd(file));
   * ```
   */
  static open(path: PathLike): FutureBase<File> & Disposable {
    return openOptions().read(true).openAs(path, "File.open");
  }

  /**
   * Open a file for writing, creating it, or truncating it to empty if it exists.
   *
   * @example
   * ```ts
   * using file = yield* File.create("log.txt");
   * ```
   */
  static create(path: PathLike): FutureBase<File> & Disposable {
    return openOptions().write(true).create(true).truncate(true).openAs(path, "File.create");
  }

  /**
   * Create a new file for reading and writing; `AlreadyExists` if the path is taken (atomic: no
   * other process can create it in between).
   *
   * @example
   * ```ts
   * using lock = yield* File.createNew("kitchen.lock");
   * ```
   */
  static createNew(path: PathLike): FutureBase<File> & Disposable {
    return openOptions().read(true).write(true).createNew(true).openAs(path, "File.createNew");
  }

  /**
   * Read from the cursor into `buf`: the count, `0` at the end of the file. Cancellation safe.
   *
   * @example
   * ```ts
   * const n = yield* read(file, buf);
   * ```
   */
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.parkSource.pollRead(cx, buf);
  }

  /**
   * Accept up to `maxBufSize` bytes of `buf` (copied) and start writing them at the cursor: the
   * count, at once. A failure shows at the next write, `flush` or `syncAll`.
   *
   * @example
   * ```ts
   * yield* writeAll(file, bytes);
   * ```
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.parkSource.pollWrite(cx, buf);
  }

  /**
   * Ready once the write in flight is done (handed to the OS); throws its error if it failed.
   *
   * @example
   * ```ts
   * yield* flush(file);
   * ```
   */
  pollFlush(cx: Context): Poll<void> {
    return this.parkSource.pollFlush(cx);
  }

  /**
   * The same as `pollFlush`: a file has no writing side to close (tokio's rule).
   *
   * @example
   * ```ts
   * yield* shutdown(file);
   * ```
   */
  pollShutdown(cx: Context): Poll<void> {
    return this.parkSource.pollFlush(cx);
  }

  /**
   * Move the cursor; the new position from the start. A plain number counts from the start.
   * `InvalidInput` if the target is before byte 0. Not cancellation safe once started: the
   * cursor may move though the future is dropped.
   *
   * @example
   * ```ts
   * yield* file.seek(SeekFrom.end(-16)); // the last 16 bytes come next
   * yield* file.seek(0); // back to the start
   * ```
   */
  seek(pos: SeekFrom | number): FutureBase<number> & Disposable {
    const to = toSeekFrom(pos);
    const core = this.parkSource;
    const label = `File.seek(${to.whence} ${to.offset}) on ${quoted(this.path)}`;
    return new FileOp(core, label, () => core.startSeek(to, label));
  }

  /**
   * Truncate or extend the file to `size` bytes (new bytes are zeros). The cursor stays where it
   * is. Not cancellation safe: the length changes though the future is dropped.
   *
   * @example
   * ```ts
   * yield* file.setLen(0); // empty it
   * ```
   */
  setLen(size: number): FutureBase<void> & Disposable {
    checkOffset(size, "File.setLen(size): size", true);
    const core = this.parkSource;
    return new FileOp(core, `File.setLen(${size}) on ${quoted(this.path)}`, () =>
      core.truncate(size),
    );
  }

  /**
   * Wait for the write in flight, then for the OS to put the file's data and metadata on the
   * disk (`fsync`). Throws a buffered write's error first.
   *
   * @example
   * ```ts
   * yield* writeAll(file, record);
   * yield* file.syncAll(); // durable now
   * ```
   */
  syncAll(): FutureBase<void> & Disposable {
    const core = this.parkSource;
    return new FileOp(core, `File.syncAll() on ${quoted(this.path)}`, () => core.sync(false));
  }

  /**
   * As `syncAll`, but only the data and what is needed to read it back (`fdatasync`).
   *
   * @example
   * ```ts
   * yield* file.syncData();
   * ```
   */
  syncData(): FutureBase<void> & Disposable {
    const core = this.parkSource;
    return new FileOp(core, `File.syncData() on ${quoted(this.path)}`, () => core.sync(true));
  }

  /**
   * The file's metadata, after the write in flight (so `len` counts every accepted byte).
   *
   * @example
   * ```ts
   * const { len } = yield* file.metadata();
   * ```
   */
  metadata(): FutureBase<Metadata> & Disposable {
    const core = this.parkSource;
    return new FileOp(core, `File.metadata() on ${quoted(this.path)}`, () => core.stat());
  }

  /**
   * Set the most one read or write moves (and so the buffer the file keeps). Default 2 MiB.
   *
   * @example
   * ```ts
   * file.setMaxBufSize(64 * 1024);
   * ```
   */
  setMaxBufSize(size: number): void {
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(
        `File.setMaxBufSize(size): size must be a whole number of bytes, at least 1, got ${String(size)}`,
      );
    }
    this.parkSource.setMaxBufSize(size);
  }

  /**
   * Close the file: at once when it is idle, else once the operation in flight settles (a write
   * in flight is finished, so no accepted byte is lost). A future waiting on the file is woken
   * and fails. Errors of that last write and of the close reach nobody: `flush` first. Idempotent.
   *
   * @example
   * ```ts
   * {
   *   using file = yield* File.create("out.txt");
   *   yield* writeAll(file, bytes);
   * } // closed here
   * ```
   */
  [Symbol.dispose](): void {
    this.parkSource.dispose();
  }
}

// One holder each: a File opened for a future that was dropped is closed (cancel.ts's `OWNED`).
markOwned(File);
