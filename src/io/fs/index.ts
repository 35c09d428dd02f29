/**
 * The pantry: files and directories (tokio's `fs`). A `File` is an `AsyncRead` and `AsyncWrite`
 * like a socket; the one-call helpers read, write, list and rearrange without one. Node-only
 * (`node:fs/promises` underneath).
 */
export { type FsMetrics, fsMetrics } from "./counters.js";
export { DEFAULT_MAX_BUF_SIZE, File } from "./file.js";
export {
  copyFile,
  createDir,
  createDirAll,
  metadata,
  readFile,
  readToString,
  removeDir,
  removeDirAll,
  removeFile,
  rename,
  symlinkMetadata,
  writeFile,
} from "./helpers.js";
export { Metadata } from "./metadata.js";
export { OpenOptions, openOptions } from "./open-options.js";
export type { PathLike } from "./path-arg.js";
export { DirEntry, ReadDir, readDir } from "./read-dir.js";
export { SeekFrom, type SeekWhence } from "./seek-from.js";
