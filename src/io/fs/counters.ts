/**
 * Counters of the files and directory listings Brigade has opened and not yet closed: the pantry
 * doors left open. Tests read them to prove that dropping a `File`, a future that opens one, or a
 * `readDir` stream leaves no handle behind (Node's own list of active resources does not show file
 * handles, only the requests in flight on them).
 */

/** @internal mutable counters, updated where handles are opened and where their close settles. */
export const fsCounters = { files: 0, dirs: 0 };

/** A snapshot of the open file-system handles. */
export interface FsMetrics {
  /** `File`s whose handle is open or closing (a close waits for a write in flight). */
  openFiles: number;
  /** `readDir` listings whose directory handle is open or closing. */
  openDirs: number;
}

/**
 * How many file and directory handles Brigade holds open.
 *
 * @example
 * ```ts
 * file[Symbol.dispose]();
 * // once the handle's close has settled:
 * fsMetrics().openFiles; // 0
 * ```
 */
export function fsMetrics(): FsMetrics {
  return { openFiles: fsCounters.files, openDirs: fsCounters.dirs };
}
