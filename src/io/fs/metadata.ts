/**
 * Metadata: what the pantry's label says about a file, as tokio's `fs::Metadata` gives it: its
 * length, its type (file, directory, symbolic link), its permission bits and its times. Read from
 * Node's `Stats` once; the object is a snapshot and does not follow later changes.
 */
import type { Stats } from "node:fs";

/**
 * A file's metadata, from `metadata(path)`, `symlinkMetadata(path)` or `file.metadata()`.
 *
 * @example
 * ```ts
 * const m = yield* metadata("Cargo.toml");
 * if (m.isFile()) console.log(`${m.len} bytes, changed ${m.modified.toISOString()}`);
 * ```
 */
export class Metadata {
  /** The size in bytes. */
  readonly len: number;
  /** The permission bits and file type, as `stat(2)`'s `st_mode`. */
  readonly mode: number;
  /** When the contents last changed. */
  readonly modified: Date;
  /** When the file was last read. */
  readonly accessed: Date;
  /** When the file was created, where the file system records it (else the Unix epoch). */
  readonly created: Date;
  private readonly kind: "file" | "dir" | "symlink" | "other";

  /** Not for direct use: made by the library from Node's `Stats`. */
  constructor(stats: Stats) {
    this.len = stats.size;
    this.mode = stats.mode;
    this.modified = stats.mtime;
    this.accessed = stats.atime;
    this.created = stats.birthtime;
    this.kind = stats.isFile()
      ? "file"
      : stats.isDirectory()
        ? "dir"
        : stats.isSymbolicLink()
          ? "symlink"
          : "other";
  }

  /**
   * Whether it is a regular file.
   *
   * @example
   * ```ts
   * (yield* metadata("notes.txt")).isFile(); // true
   * ```
   */
  isFile(): boolean {
    return this.kind === "file";
  }

  /**
   * Whether it is a directory.
   *
   * @example
   * ```ts
   * (yield* metadata("/tmp")).isDirectory(); // true
   * ```
   */
  isDirectory(): boolean {
    return this.kind === "dir";
  }

  /**
   * Whether it is a symbolic link (only `symlinkMetadata` sees one; the others follow links).
   *
   * @example
   * ```ts
   * (yield* symlinkMetadata("current")).isSymlink(); // true for a link
   * ```
   */
  isSymlink(): boolean {
    return this.kind === "symlink";
  }
}
