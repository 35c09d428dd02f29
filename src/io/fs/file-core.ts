/**
 * FileCore: the machine inside a `File` (file.ts has the rules as users see them). It holds the
 * handle, the one operation in flight, the buffer that operation reads into or writes from, the
 * cursor, and the one poller waiting for the operation.
 *
 * States. `op` is what is in flight: NONE, READ (into `buf`; it settles into the read-ahead
 * `buf[bufStart..bufEnd]`), WRITE (`writing` bytes of `buf`, `progress` of them written; a short
 * write goes on as the same operation) or OTHER (a `FileOp`'s seek, setLen, sync or metadata, whose
 * outcome goes to that future). `life` is OPEN, then CLOSING when disposed with an operation in
 * flight (the handle closes when it settles), then CLOSED.
 *
 * The cursor. `pos` is where the next read or write goes on the disk, past the read-ahead: the
 * caller's cursor is `pos - (bufEnd - bufStart)`, and a write, seek or setLen first moves `pos`
 * back over the read-ahead and drops it. In append mode a write goes to the end (`O_APPEND`), and
 * `posKnown` is false until the file's size says where that left the cursor.
 *
 * The waiter. A poll that finds an operation in flight parks: its waker is woken when the
 * operation settles. A poll that starts a buffered write does not wait but keeps its waker too, to
 * be woken when the write settles (so the runtime gets a turn to see that nothing is in flight any
 * more: its paused clock may move then). A second task parking while another's poll waits is
 * refused (one-reader.ts).
 */
import type { FileHandle } from "node:fs/promises";
import { type ReaderRule, refuseSecondReader } from "../../channel/one-reader.js";
import { ambient, type Host, wakeAs } from "../../future/ambient.js";
import type { Context } from "../../future/context.js";
import { PENDING, type Poll } from "../../future/poll.js";
import type { Waker } from "../../future/waker.js";
import { pollProceed } from "../../task/budget.js";
import { IoError } from "../error.js";
import { fsCounters } from "./counters.js";
import type { OpClient } from "./file-op.js";
import { Metadata } from "./metadata.js";
import { quoted } from "./path-arg.js";
import type { SeekFrom } from "./seek-from.js";

/** Who woke a task waiting on a file, for the instruments. */
const FILE_SOURCE = { kind: "io", source: "file" } as const;

const EMPTY = new Uint8Array(0);

/** The most a single read or write moves, unless `setMaxBufSize` says otherwise (tokio's). */
export const DEFAULT_MAX_BUF_SIZE = 2 * 1024 * 1024;

/**
 * The least a read asks the disk for (unless `maxBufSize` is smaller): a trip to the thread pool
 * costs tens of microseconds, so the 8 KiB reads of a `BufReader` would spend most of their time
 * travelling. What is read past the caller's buffer waits for the next read (64 KiB is also what
 * Node's file read streams read at a time).
 */
const MIN_READ = 64 * 1024;

// The operation in flight (`op`): at most one.
const NONE = 0;
const READ = 1; // into `buf`; settles into `bufStart..bufEnd`
const WRITE = 2; // `writing` bytes from `buf`, `progress` of them written so far
const OTHER = 3; // seek, setLen, sync or metadata: a FileOp future takes the outcome

// The handle's life (`life`): OPEN → CLOSING (disposed with an operation in flight) → CLOSED.
const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

/** What a second task waiting on a file is told (one-reader.ts). */
const RULE: ReaderRule = {
  subject: "this File",
  how: "an operation there waits for the disk",
  advice:
    "A File has one user at a time (as `&mut File` in Rust): use it from one task, open the path again for another, or guard it with a Mutex",
};

/** A handle closed: it no longer counts as open. */
function handleClosed(): void {
  fsCounters.files--;
}

/** The state and operations of one open file (not part of the package's API: `File` is). */
export class FileCore {
  /**
   * The future polling the file right now (an `IoFuture`, src/io/io-future.ts), else null:
   * whoever parks records it, the only future allowed to take that wait back.
   */
  poller: unknown = null;

  private life = OPEN;
  private op = NONE;
  /** Shared by the read and the write in flight (one at a time); grows up to `maxBufSize`. */
  private buf = EMPTY;
  /** Read-ahead not yet handed out: `buf[bufStart..bufEnd]`. */
  private bufStart = 0;
  private bufEnd = 0;
  /** The last read found the end: the next `pollRead` answers 0 once. */
  private atEof = false;
  private readError: IoError | null = null;
  /** A buffered write failed: thrown by the next write, flush or sync. */
  private writeError: IoError | null = null;
  /** Where the next read or write goes, past any read-ahead (the caller's cursor is behind it). */
  private pos = 0;
  /** False after an append, until the size says where the cursor went. */
  private posKnown = true;
  private writing = 0;
  private progress = 0;
  private maxBufSize = DEFAULT_MAX_BUF_SIZE;
  /** The runtime counting the operation in flight as a bridge. */
  private host: Host | null = null;
  /** The FileOp future an `OTHER` operation reports to. */
  private client: OpClient | null = null;
  /** Woken when the operation settles: the waiting task's, or the one that started a write. */
  private waker: Waker | null = null;
  /** A poll is waiting for the operation (not only kept to be told it settled). */
  private parked = false;
  private registrant: unknown = null;
  private parkOwner: unknown = null;
  private readonly onSettled = (v: unknown): void => this.settle(true, v);
  private readonly onFailed = (e: unknown): void => this.settle(false, e);

  constructor(
    private handle: FileHandle | null,
    /** The path the file was opened with, for messages. */
    readonly path: string,
    private readonly append: boolean,
  ) {
    fsCounters.files++;
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    this.checkOpen("read");
    if (buf.length === 0) return 0;
    if (this.op !== NONE) return this.park(cx, this.poller);
    const err = this.readError;
    if (err !== null) {
      this.readError = null;
      throw err;
    }
    const ahead = this.bufEnd - this.bufStart;
    if (ahead > 0 || this.atEof) {
      if (!pollProceed(cx)) return PENDING;
      if (ahead === 0) {
        this.atEof = false;
        return 0;
      }
      const n = Math.min(ahead, buf.length);
      buf.set(this.buf.subarray(this.bufStart, this.bufStart + n));
      this.bufStart += n;
      return n;
    }
    this.startRead(Math.min(Math.max(buf.length, MIN_READ), this.maxBufSize));
    return this.park(cx, this.poller);
  }

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    this.checkOpen("write");
    if (this.op !== NONE) return this.park(cx, this.poller);
    this.throwWriteError();
    if (buf.length === 0) return 0;
    if (!pollProceed(cx)) return PENDING;
    this.dropReadAhead();
    const n = Math.min(buf.length, this.maxBufSize);
    this.reserve(n);
    this.buf.set(n === buf.length ? buf : buf.subarray(0, n));
    this.startWrite(n);
    // Told when it settles: a task that sleeps next must see the runtime go idle again.
    this.waker = cx.waker;
    return n;
  }

  pollFlush(cx: Context): Poll<void> {
    this.checkOpen("flush");
    if (this.op !== NONE) return this.park(cx, this.poller);
    this.throwWriteError();
    return undefined;
  }

  /** Set the most one read or write moves (checked by the caller). */
  setMaxBufSize(size: number): void {
    this.maxBufSize = size;
  }

  /** Close, at once or once the operation in flight settles (see `File[Symbol.dispose]`). */
  dispose(): void {
    if (this.life !== OPEN) return;
    this.life = CLOSING;
    // Nobody waits for what is in flight now: the runtime stops counting it.
    const host = this.host;
    this.host = null;
    host?.bridgeClosed();
    // A poll parked here is told at once, to fail; a waker kept only to be told of the end of a
    // buffered write is not needed any more (the runtime no longer counts that write).
    const w = this.parked ? this.waker : null;
    this.forgetWaiter();
    if (this.op === NONE) this.close();
    if (w !== null) wakeAs(FILE_SOURCE, w);
  }

  /**
   * `by` (an `IoFuture` or a `FileOp`) was dropped: it no longer waits. Its waker is
   * kept to be told when the operation settles (a spurious wake is harmless and gives the runtime
   * a turn).
   */
  unregister(by: unknown): void {
    if (by !== null && this.parked && by === this.registrant) {
      this.parked = false;
      this.registrant = null;
      this.parkOwner = null;
    }
  }

  /**
   * For a FileOp: ready to start (nothing in flight), or parked until it is. Throws if
   * the file is closed.
   */
  readyFor(cx: Context, by: unknown, doing: string): boolean {
    this.checkOpen(doing, true);
    if (this.op === NONE) return true;
    this.park(cx, by);
    return false;
  }

  /** For a FileOp: `promise` is now the operation in flight; park `by` on it. */
  beginFor(promise: Promise<unknown>, client: OpClient, cx: Context, by: unknown): void {
    this.client = client;
    this.begin(OTHER, promise);
    this.park(cx, by);
  }

  /** For a FileOp whose operation is in flight: wait on, or fail if closed. */
  waitFor(cx: Context, by: unknown, doing: string): void {
    this.checkOpen(doing, true);
    this.park(cx, by);
  }

  private park(cx: Context, by: unknown): typeof PENDING {
    const w = this.waker;
    if (this.parked && w !== null && w !== cx.waker) {
      refuseSecondReader(this.parkOwner, w, cx.owner, "File operation", RULE);
    }
    this.waker = cx.waker;
    this.parked = true;
    this.registrant = by;
    this.parkOwner = cx.owner;
    return PENDING;
  }

  private forgetWaiter(): void {
    this.waker = null;
    this.parked = false;
    this.registrant = null;
    this.parkOwner = null;
  }

  /** `labelled`: `doing` already names the path (a FileOp's label). */
  private checkOpen(doing: string, labelled = false): void {
    if (this.life !== OPEN) {
      const what = labelled ? doing : `${doing} on ${quoted(this.path)}`;
      throw new IoError("Other", `${what}: the File was disposed`);
    }
  }

  private throwWriteError(): void {
    const err = this.writeError;
    if (err !== null) {
      this.writeError = null;
      throw err;
    }
  }

  /** Forget the read-ahead: the cursor goes back to the first byte not handed out. */
  private dropReadAhead(): void {
    this.pos -= this.bufEnd - this.bufStart;
    this.bufStart = 0;
    this.bufEnd = 0;
    this.atEof = false;
    this.readError = null;
  }

  /** A buffer of at least `n` bytes (doubling, at most `maxBufSize`): allocates only to grow. */
  private reserve(n: number): void {
    if (this.buf.length >= n) return;
    let size = Math.max(this.buf.length * 2, 8192);
    while (size < n) size *= 2;
    this.buf = new Uint8Array(Math.min(size, Math.max(n, this.maxBufSize)));
  }

  private startRead(size: number): void {
    this.reserve(size);
    const handle = this.handle!;
    const buf = this.buf;
    this.begin(
      READ,
      this.posKnown
        ? handle.read(buf, 0, size, this.pos)
        : this.learnEnd().then(() => handle.read(buf, 0, size, this.pos)),
    );
  }

  private startWrite(n: number): void {
    this.writing = n;
    this.progress = 0;
    this.begin(WRITE, this.writeRest());
  }

  /** Write what is left of the write in flight (a write may take fewer bytes than offered). */
  private writeRest(): Promise<unknown> {
    const off = this.progress;
    const at = this.append ? null : this.pos + off;
    return this.handle!.write(this.buf, off, this.writing - off, at);
  }

  /** After an append the cursor is at the end: learn where that is. */
  private learnEnd(): Promise<void> {
    return this.handle!.stat().then((s) => {
      this.pos = s.size;
      this.posKnown = true;
    });
  }

  /** For `File.setLen` (the file is idle): the cursor stays, the read-ahead goes. */
  truncate(size: number): Promise<void> {
    this.dropReadAhead();
    const handle = this.handle!;
    // After an append the cursor is the end the write left: learn it before the end moves.
    if (!this.posKnown) return this.learnEnd().then(() => handle.truncate(size));
    return handle.truncate(size);
  }

  /** For `File.syncAll` and `syncData` (the file is idle): a buffered write's error first. */
  sync(dataOnly: boolean): Promise<void> {
    this.throwWriteError();
    return dataOnly ? this.handle!.datasync() : this.handle!.sync();
  }

  /** For `File.metadata` (the file is idle, so `len` counts every accepted byte). */
  stat(): Promise<Metadata> {
    return this.handle!.stat().then((s) => new Metadata(s));
  }

  /** For `File.seek` (the file is idle): the new position, at once or once the size is known. */
  startSeek(to: SeekFrom, label: string): number | Promise<number> {
    this.dropReadAhead();
    if (to.whence === "start") return this.moveTo(to.offset, label);
    if (to.whence === "current" && this.posKnown) return this.moveTo(this.pos + to.offset, label);
    // From the end, or from a cursor an append left at the end: the size says where that is.
    return this.handle!.stat().then((s) => this.moveTo(s.size + to.offset, label));
  }

  private moveTo(target: number, label: string): number {
    if (target < 0) {
      throw new IoError(
        "InvalidInput",
        `${label} failed: the cursor cannot move before byte 0 (to ${target})`,
      );
    }
    this.pos = target;
    this.posKnown = true;
    return target;
  }

  private begin(op: number, promise: Promise<unknown>): void {
    this.op = op;
    this.host = ambient.host;
    this.host?.bridgeOpened();
    promise.then(this.onSettled, this.onFailed);
  }

  private settle(ok: boolean, value: unknown): void {
    const op = this.op;
    if (op === WRITE && ok) {
      const written = (value as { bytesWritten: number }).bytesWritten;
      this.progress += written;
      if (this.progress < this.writing && written > 0) {
        // A short write: the rest goes on as the same operation.
        this.writeRest().then(this.onSettled, this.onFailed);
        return;
      }
    }
    this.op = NONE;
    const host = this.host;
    this.host = null;
    host?.bridgeClosed();
    if (op === READ) this.readSettled(ok, value);
    else if (op === WRITE) this.writeSettled(ok, value);
    else {
      const client = this.client!;
      this.client = null;
      client.settled(ok, value);
    }
    if (this.life !== OPEN) {
      this.close();
      return;
    }
    const w = this.waker;
    this.forgetWaiter();
    if (w !== null) wakeAs(FILE_SOURCE, w);
  }

  private readSettled(ok: boolean, value: unknown): void {
    if (!ok) {
      this.readError = IoError.from(value, `read of ${quoted(this.path)}`);
      return;
    }
    const n = (value as { bytesRead: number }).bytesRead;
    this.bufStart = 0;
    this.bufEnd = n;
    this.pos += n;
    this.atEof = n === 0;
  }

  private writeSettled(ok: boolean, value: unknown): void {
    if (this.append) this.posKnown = false;
    else this.pos += this.progress;
    if (ok && this.progress < this.writing) {
      this.writeError = new IoError(
        "WriteZero",
        `write to ${quoted(this.path)} failed: the OS took 0 bytes after ${this.progress} of ${this.writing}`,
      );
    } else if (!ok) {
      this.writeError = IoError.from(value, `write to ${quoted(this.path)}`);
    }
  }

  private close(): void {
    this.life = CLOSED;
    this.buf = EMPTY;
    this.bufStart = 0;
    this.bufEnd = 0;
    const h = this.handle!;
    this.handle = null;
    // Nobody is left to tell of a failed close (Rust's File drop ignores it too).
    h.close().then(handleClosed, handleClosed);
  }
}
