/**
 * OpenOptions: how to open a jar from the pantry, as Rust's `OpenOptions` builder says it. Set
 * what you mean to do (`read`, `write`, `append`) and what to do about the file's existence
 * (`create`, `truncate`, `createNew`), then `open(path)`, a future of the `File`.
 *
 * The rules are std's: something to open for is required; `create`, `truncate` and `createNew`
 * need `write` or `append`; `append` with `truncate` makes no sense (unless `createNew`, which
 * makes the other two moot). A combination that breaks them is refused by `open` with an `IoError`
 * of kind `"InvalidInput"`, before touching the disk.
 */
import { constants } from "node:fs";
import { open as fsOpen } from "node:fs/promises";
import type { FutureBase } from "../../future/future.js";
import { IoError } from "../error.js";
import { File } from "./file.js";
import { FsCall } from "./fs-call.js";
import { checkPath, type PathLike, quoted } from "./path-arg.js";

/** A builder of the ways to open a file. */
export class OpenOptions {
  private reading = false;
  private writing = false;
  private appending = false;
  private creating = false;
  private truncating = false;
  private creatingNew = false;
  private permissions = 0o666;

  /**
   * Open for reading.
   *
   * @example
   * ```ts
   * openOptions().read(true).write(true).open("db.bin");
   * ```
   */
  read(on: boolean): this {
    this.reading = flag(on, "read");
    return this;
  }

  /**
   * Open for writing (at the cursor, from byte 0).
   *
   * @example
   * ```ts
   * openOptions().write(true).open("existing.txt");
   * ```
   */
  write(on: boolean): this {
    this.writing = flag(on, "write");
    return this;
  }

  /**
   * Open for writing at the end: every write lands after what is there, even another process's.
   *
   * @example
   * ```ts
   * using log = yield* openOptions().append(true).create(true).open("kitchen.log");
   * ```
   */
  append(on: boolean): this {
    this.appending = flag(on, "append");
    return this;
  }

  /**
   * Create the file if it does not exist (needs `write` or `append`).
   *
   * @example
   * ```ts
   * openOptions().write(true).create(true).open("new-or-old.txt");
   * ```
   */
  create(on: boolean): this {
    this.creating = flag(on, "create");
    return this;
  }

  /**
   * Empty the file on opening (needs `write`, not `append`).
   *
   * @example
   * ```ts
   * openOptions().write(true).truncate(true).open("rewrite.txt");
   * ```
   */
  truncate(on: boolean): this {
    this.truncating = flag(on, "truncate");
    return this;
  }

  /**
   * Create the file, failing with `AlreadyExists` if it exists (atomically; `create` and
   * `truncate` are then ignored).
   *
   * @example
   * ```ts
   * openOptions().write(true).createNew(true).open("once.lock");
   * ```
   */
  createNew(on: boolean): this {
    this.creatingNew = flag(on, "createNew");
    return this;
  }

  /**
   * The permission bits of a file this creates, before the process's umask. Default `0o666`.
   *
   * @example
   * ```ts
   * openOptions().write(true).create(true).mode(0o600).open("secret.txt");
   * ```
   */
  mode(bits: number): this {
    if (typeof bits !== "number" || !Number.isInteger(bits) || bits < 0 || bits > 0o7777) {
      throw new RangeError(
        `OpenOptions.mode(bits): bits must be permission bits from 0 to 0o7777, got ${String(bits)}`,
      );
    }
    this.permissions = bits;
    return this;
  }

  /**
   * Open `path` with these options: a future of the `File`. Dropped before the file is open, the
   * open still happens and the file is closed at once.
   *
   * @example
   * ```ts
   * using file = yield* openOptions().read(true).write(true).create(true).open("data.bin");
   * ```
   */
  open(path: PathLike): FutureBase<File> & Disposable {
    return this.openAs(path, "OpenOptions.open");
  }

  /** @internal `open`, named as the caller was (`File.open`). */
  openAs(path: PathLike, call: string): FutureBase<File> & Disposable {
    const shown = checkPath(path, `${call}(path): path`);
    const label = `${call}(${quoted(shown)})`;
    const flags = this.flags(label);
    const mode = this.permissions;
    const append = this.appending;
    return new FsCall(label, () =>
      fsOpen(path, flags, mode).then((h) => new File(h, shown, append)),
    );
  }

  /** The `open(2)` flags, by std's rules. */
  private flags(label: string): number {
    const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_TRUNC, O_EXCL } = constants;
    const writes = this.writing || this.appending;
    if (!this.reading && !writes) {
      throw invalid(
        label,
        "nothing to open the file for: set read(true), write(true) or append(true)",
      );
    }
    if (!writes && (this.creating || this.truncating || this.creatingNew)) {
      throw invalid(label, "create, truncate and createNew need write(true) or append(true)");
    }
    if (this.appending && this.truncating && !this.creatingNew) {
      throw invalid(label, "append(true) writes at the end and cannot truncate(true) as well");
    }
    let f = this.reading ? (writes ? O_RDWR : O_RDONLY) : O_WRONLY;
    if (this.appending) f |= O_APPEND;
    if (this.creatingNew) f |= O_CREAT | O_EXCL;
    else {
      if (this.creating) f |= O_CREAT;
      if (this.truncating) f |= O_TRUNC;
    }
    return f;
  }
}

function flag(on: unknown, name: string): boolean {
  if (typeof on !== "boolean") {
    throw new TypeError(`OpenOptions.${name}(on): on must be a boolean, got ${typeof on}`);
  }
  return on;
}

function invalid(label: string, rule: string): IoError {
  return new IoError("InvalidInput", `${label}: ${rule}`);
}

/**
 * A new set of options, all off (tokio's `OpenOptions::new()`).
 *
 * @example
 * ```ts
 * using file = yield* openOptions().append(true).create(true).open("orders.log");
 * ```
 */
export function openOptions(): OpenOptions {
  return new OpenOptions();
}
