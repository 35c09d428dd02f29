/**
 * readDir: the pantry's shelves, one jar at a time. A `Stream` of the entries of a directory
 * (tokio's `fs::read_dir`), over Node's `opendir`: the directory is opened at the first poll, each
 * `pollNext` reads one entry (Node fetches them from the OS in batches), and the end of the
 * listing closes the directory. `.` and `..` are not listed; the order is the file system's.
 *
 * Like a `File`, one read is in flight at a time; it counts as a bridged promise with the runtime
 * and wakes the waiting task when it settles. An error (opening, or reading) is thrown once by
 * `next()`, and the stream ends after it, the directory closed.
 *
 * Disposing the stream closes the directory (once a read in flight has settled). Dropping a
 * `next()` that waits loses nothing: the entry it would have had is kept for the next one.
 */
import type { Dir, Dirent } from "node:fs";
import { opendir } from "node:fs/promises";
import { join } from "node:path";
import { ambient, type Host, wakeAs } from "../../future/ambient.js";
import type { Context } from "../../future/context.js";
import { DESCRIBE, type Description } from "../../future/describe.js";
import { PENDING } from "../../future/poll.js";
import type { Waker } from "../../future/waker.js";
import { DONE, StreamBase, type StreamPoll } from "../../stream/index.js";
import { pollProceed } from "../../task/budget.js";
import { IoError } from "../error.js";
import { fsCounters } from "./counters.js";
import { type FileKind, kindOf } from "./metadata.js";
import { checkPath, type PathLike, quoted } from "./path-arg.js";

/** Who woke a task waiting on a listing, for the instruments. */
const DIR_SOURCE = { kind: "io", source: "readDir" } as const;

/**
 * One entry of a directory listing.
 *
 * @example
 * ```ts
 * for (let e = yield* entries.next(); e !== DONE; e = yield* entries.next()) {
 *   if (e.isFile()) console.log(e.name, e.path);
 * }
 * ```
 */
export class DirEntry {
  /** The entry's name within its directory. */
  readonly name: string;
  /** The directory's path joined with the name. */
  readonly path: string;
  private readonly kind: FileKind;

  /** Not for direct use: made by `readDir`. */
  constructor(dirent: Dirent, dir: string) {
    this.name = dirent.name;
    this.path = join(dir, dirent.name);
    this.kind = kindOf(dirent);
  }

  /**
   * Whether the entry is a regular file (a symbolic link is not followed).
   *
   * @example
   * ```ts
   * entry.isFile();
   * ```
   */
  isFile(): boolean {
    return this.kind === "file";
  }

  /**
   * Whether the entry is a directory (a symbolic link is not followed).
   *
   * @example
   * ```ts
   * if (entry.isDirectory()) yield* removeDirAll(entry.path);
   * ```
   */
  isDirectory(): boolean {
    return this.kind === "dir";
  }

  /**
   * Whether the entry is a symbolic link.
   *
   * @example
   * ```ts
   * entry.isSymlink();
   * ```
   */
  isSymlink(): boolean {
    return this.kind === "symlink";
  }
}

const UNOPENED = 0; // not polled yet
const OPENING = 1; // opendir in flight
const IDLE = 2; // open, no read in flight
const READING = 3; // dir.read() in flight
const ENDED = 4; // listed to the end, failed, or disposed: the directory is closed or closing

/**
 * The stream behind {@link readDir}: a `StreamBase`, so `next()`, `map`, `collect`, `forEach`,
 * `for await` (from native code) and the other combinators work on it.
 *
 * @example
 * ```ts
 * yield* readDir("orders").forEach((entry) => console.log(entry.name));
 * ```
 */
export class ReadDir extends StreamBase<DirEntry> {
  private state = UNOPENED;
  private dir: Dir | null = null;
  /** What the last read brought and nobody took yet: an entry, `DONE`, or an error. */
  private ready: DirEntry | typeof DONE | IoError | null = null;
  private disposed = false;
  private waker: Waker | null = null;
  private host: Host | null = null;
  private readonly onOpened = (dir: Dir): void => this.opened(dir);
  private readonly onRead = (d: Dirent | null): void =>
    this.settled(d === null ? DONE : new DirEntry(d, this.path));
  private readonly onFailed = (e: unknown): void =>
    this.settled(IoError.from(e, `readDir(${quoted(this.path)})`));

  /** Not for direct use: made by `readDir`. */
  constructor(
    private readonly target: PathLike,
    private readonly path: string,
  ) {
    super();
  }

  /**
   * The next entry, `DONE` after the last (the directory is then closed), or `PENDING` while the
   * listing is read.
   *
   * @example
   * ```ts
   * for (let e = yield* entries.next(); e !== DONE; e = yield* entries.next()) console.log(e.name);
   * ```
   */
  pollNext(cx: Context): StreamPoll<DirEntry> {
    if (this.disposed) return DONE;
    const r = this.ready;
    if (r !== null) {
      if (!pollProceed(cx)) return PENDING;
      this.ready = null;
      if (r === DONE || r instanceof IoError) {
        this.finish();
        if (r instanceof IoError) throw r;
        return DONE;
      }
      return r;
    }
    switch (this.state) {
      case UNOPENED:
        this.state = OPENING;
        this.bridge();
        opendir(this.target).then(this.onOpened, this.onFailed);
        break;
      case IDLE:
        this.state = READING;
        this.bridge();
        this.dir!.read().then(this.onRead, this.onFailed);
        break;
      case ENDED:
        return DONE;
    }
    this.waker = cx.waker;
    return PENDING;
  }

  private bridge(): void {
    this.host = ambient.host;
    this.host?.bridgeOpened();
  }

  private opened(dir: Dir): void {
    fsCounters.dirs++;
    this.dir = dir;
    if (this.disposed) {
      this.closeDir();
      return;
    }
    // Go on at once with the first read: the task waits for an entry, not for the opening.
    this.state = READING;
    dir.read().then(this.onRead, this.onFailed);
  }

  private settled(outcome: DirEntry | typeof DONE | IoError): void {
    const host = this.host;
    this.host = null;
    host?.bridgeClosed();
    if (this.disposed) {
      this.closeDir();
      return;
    }
    this.state = IDLE;
    this.ready = outcome;
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs(DIR_SOURCE, w);
  }

  /** The listing is over (its end, or an error): close the directory. */
  private finish(): void {
    this.state = ENDED;
    this.closeDir();
  }

  private closeDir(): void {
    this.state = ENDED;
    const dir = this.dir;
    this.dir = null;
    if (dir === null) return;
    const closed = (): void => {
      fsCounters.dirs--;
    };
    dir.close().then(closed, closed);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return { label: `readDir(${quoted(this.path)})`, children: [] };
  }

  /**
   * Close the directory: at once, or once the read in flight settles. Idempotent.
   *
   * @example
   * ```ts
   * using entries = readDir("/tmp"); // closed at the end of the scope
   * ```
   */
  override [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    this.waker = null;
    this.ready = null;
    const host = this.host;
    this.host = null;
    host?.bridgeClosed();
    if (this.state !== OPENING && this.state !== READING) this.closeDir();
  }
}

/**
 * The entries of a directory, as a stream (tokio's `fs::read_dir`). Lazy: nothing is opened before
 * the first poll. The directory is closed at the end of the listing, after an error, or when the
 * stream is disposed.
 *
 * @example
 * ```ts
 * const names = yield* readDir("/tmp/menu").map((e) => e.name).collect();
 * ```
 */
export function readDir(path: PathLike): ReadDir {
  return new ReadDir(path, checkPath(path, "readDir(path): path"));
}
