/**
 * The one-call helpers: errands to the pantry that need no `File` (tokio's `fs::read`,
 * `fs::write`, `fs::metadata`, `fs::create_dir_all`, …). Each is a future over one call of
 * `node:fs/promises` (see fs-call.ts): lazy, counted by the runtime while in flight, failing with
 * an `IoError` whose kind says what went wrong and whose message names the call and the path.
 *
 * Cancellation: `readFile`, `readToString` and `writeFile` pass Node an `AbortSignal`, so dropping
 * them stops the work between chunks (a dropped `writeFile` may leave the file partly written).
 * The others are not cancel safe: dropped, the operation still happens and its outcome is let go,
 * as with tokio's `fs`, which runs them on its blocking pool.
 */
import {
  copyFile as fsCopyFile,
  readFile as fsReadFile,
  rename as fsRename,
  writeFile as fsWriteFile,
  lstat,
  mkdir,
  rm,
  rmdir,
  stat,
  unlink,
} from "node:fs/promises";
import type { FutureBase } from "../../future/future.js";
import { IoError } from "../error.js";
import { FsCall } from "./fs-call.js";
import { Metadata } from "./metadata.js";
import { checkPath, type PathLike, quoted } from "./path-arg.js";

type Call<T> = FutureBase<T> & Disposable;

/** Check the `path` argument of `call` and give the call as messages name it. */
function labelOf(call: string, path: unknown): string {
  return `${call}(${quoted(checkPath(path, `${call}(path): path`))})`;
}

/**
 * The whole contents of a file, as bytes. Dropping the future aborts the read.
 *
 * @example
 * ```ts
 * const bytes = yield* readFile("photo.png");
 * ```
 */
export function readFile(path: PathLike): Call<Uint8Array> {
  const label = labelOf("readFile", path);
  return new FsCall(label, (signal) => fsReadFile(path, { signal }));
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The whole contents of a file, as UTF-8 text; an `IoError` of kind `"InvalidData"` if it is not
 * valid UTF-8 (no replacement characters slipped in, as Rust's `read_to_string`). Dropping the
 * future aborts the read.
 *
 * @example
 * ```ts
 * const menu = yield* readToString("menu.txt");
 * ```
 */
export function readToString(path: PathLike): Call<string> {
  const label = labelOf("readToString", path);
  return new FsCall(label, (signal) =>
    fsReadFile(path, { signal }).then((bytes) => {
      try {
        return UTF8.decode(bytes);
      } catch (e) {
        throw new IoError("InvalidData", `${label} failed: the file is not valid UTF-8`, {
          cause: e,
        });
      }
    }),
  );
}

/**
 * Write `data` as the whole contents of a file, creating it or truncating it first; a string is
 * written as UTF-8. Not cancel safe, as tokio's `fs::write`: dropping the future does not stop the
 * write, which goes on to the end (stopping it would leave the file truncated, its old contents
 * gone and the new ones not there). To replace a file so that readers see the old or the new
 * contents, never a part, write a temporary file and `rename` it over the old one.
 *
 * @example
 * ```ts
 * yield* writeFile("order.txt", "soup, bread\n");
 * ```
 */
export function writeFile(path: PathLike, data: Uint8Array | string): Call<void> {
  const label = labelOf("writeFile", path);
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw new TypeError(
      `writeFile(path, data): data must be a Uint8Array (or Buffer) or a string, got ${data === null ? "null" : typeof data}`,
    );
  }
  return new FsCall(label, () => fsWriteFile(path, data));
}

/**
 * The metadata of the file at `path`, following symbolic links.
 *
 * @example
 * ```ts
 * const { len } = yield* metadata("menu.txt");
 * ```
 */
export function metadata(path: PathLike): Call<Metadata> {
  return new FsCall(labelOf("metadata", path), () => stat(path).then((s) => new Metadata(s)));
}

/**
 * The metadata of the link itself, when `path` is a symbolic link.
 *
 * @example
 * ```ts
 * (yield* symlinkMetadata("current")).isSymlink();
 * ```
 */
export function symlinkMetadata(path: PathLike): Call<Metadata> {
  return new FsCall(labelOf("symlinkMetadata", path), () =>
    lstat(path).then((s) => new Metadata(s)),
  );
}

/**
 * Create a directory; `AlreadyExists` if there is one, `NotFound` if its parent is missing.
 *
 * @example
 * ```ts
 * yield* createDir("orders");
 * ```
 */
export function createDir(path: PathLike): Call<void> {
  return new FsCall(labelOf("createDir", path), () => mkdir(path).then(() => undefined));
}

/**
 * Create a directory and every missing parent; nothing to do if it exists.
 *
 * @example
 * ```ts
 * yield* createDirAll("orders/2026/11");
 * ```
 */
export function createDirAll(path: PathLike): Call<void> {
  return new FsCall(labelOf("createDirAll", path), () =>
    mkdir(path, { recursive: true }).then(() => undefined),
  );
}

/**
 * Remove a file (or a symbolic link); `NotFound` if there is none.
 *
 * @example
 * ```ts
 * yield* removeFile("order.tmp");
 * ```
 */
export function removeFile(path: PathLike): Call<void> {
  return new FsCall(labelOf("removeFile", path), () => unlink(path));
}

/**
 * Remove an empty directory; `DirectoryNotEmpty` if it holds anything.
 *
 * @example
 * ```ts
 * yield* removeDir("orders/old");
 * ```
 */
export function removeDir(path: PathLike): Call<void> {
  return new FsCall(labelOf("removeDir", path), () => rmdir(path));
}

/**
 * Remove a directory and everything in it; `NotFound` if there is none, `NotADirectory` if `path`
 * is a file (symbolic links inside are removed, not followed).
 *
 * @example
 * ```ts
 * yield* removeDirAll("scratch");
 * ```
 */
export function removeDirAll(path: PathLike): Call<void> {
  const label = labelOf("removeDirAll", path);
  return new FsCall(label, () =>
    lstat(path).then((s) => {
      // std's rule: a symbolic link is removed itself, never followed.
      if (s.isSymbolicLink()) return unlink(path);
      if (!s.isDirectory()) {
        throw new IoError("NotADirectory", `${label} failed: not a directory`, {
          code: "ENOTDIR",
        });
      }
      return rm(path, { recursive: true });
    }),
  );
}

/**
 * Rename `from` to `to`, replacing a file at `to`; `CrossesDevices` across file systems.
 *
 * @example
 * ```ts
 * yield* writeFile("menu.tmp", text);
 * yield* rename("menu.tmp", "menu.txt"); // readers see the old menu or the new, never half
 * ```
 */
export function rename(from: PathLike, to: PathLike): Call<void> {
  const label = `rename(${quoted(checkPath(from, "rename(from, to): from"))}, ${quoted(checkPath(to, "rename(from, to): to"))})`;
  return new FsCall(label, () => fsRename(from, to));
}

/**
 * Copy the contents of `from` to `to` (created or truncated) and its permission bits; the number
 * of bytes copied (tokio's `fs::copy`).
 *
 * @example
 * ```ts
 * const n = yield* copyFile("menu.txt", "menu.bak");
 * ```
 */
export function copyFile(from: PathLike, to: PathLike): Call<number> {
  const label = `copyFile(${quoted(checkPath(from, "copyFile(from, to): from"))}, ${quoted(checkPath(to, "copyFile(from, to): to"))})`;
  return new FsCall(label, () =>
    fsCopyFile(from, to)
      .then(() => stat(to))
      .then((s) => s.size),
  );
}
