/**
 * Metadata: what the pantry's label says about a file, as tokio's `fs::Metadata` gives it: its
 * length, its type (file, directory, symbolic link), its permission bits and its times. Read from
 * Node's `Stats` once; the object is a snapshot and does not follow later changes.
 */
import type { Stats } from "node:fs";

/** What a directory entry or a file's metadata says it is. */
export type FileKind = "file" | "dir" | "symlink" | "other";

/** @internal the kind of what `Stats` or a `Dirent` describes (a link is one only if not followed). */
export function kindOf(x: Pick<Stats, "isFile" | "isDirectory" | "isSymbolicLink">): FileKind {
  if (x.isFile()) return "file";
  if (x.isDirectory()) return "dir";
  return x.isSymbolicLink() ? "symlink" : "other";
}

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
  private readonly kind: FileKind;

  /** Not for direct use: made by the library from Node's `Stats`. */
  constructor(stats: Stats) {
    this.len = stats.size;
    this.mode = stats.mode;
    this.modified = stats.mtime;
    this.accessed = stats.atime;
    this.created = stats.birthtime;
    this.kind = kindOf(stats);
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
