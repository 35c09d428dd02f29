/**
 * Path arguments of the file-system calls: the address on the pantry shelf. A path is a string or
 * a `file:` URL (what Node accepts, less raw Buffers); anything else is refused at the call with a
 * `TypeError` naming the argument, before any I/O starts. The empty string is left to the
 * operating system, which answers `NotFound`, as Rust's `std::fs` does.
 */
import { fileURLToPath } from "node:url";

/** What the file-system calls accept as a path. */
export type PathLike = string | URL;

/**
 * @internal check `value` is a path and give it as a string (a URL's file path) for messages; `where` names the
 * argument ("readFile(path): path").
 */
export function checkPath(value: unknown, where: string): string {
  if (typeof value === "string") {
    if (value.includes("\0")) {
      throw new TypeError(
        `${where} must not contain a NUL character, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  }
  if (value instanceof URL) {
    if (value.protocol !== "file:") {
      throw new TypeError(`${where} must be a string or a file: URL, got a ${value.protocol} URL`);
    }
    try {
      return fileURLToPath(value);
    } catch (e) {
      // Node's own refusal (a host, an encoded "/") does not say which argument it was.
      throw new TypeError(`${where} must be a local file: URL: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  throw new TypeError(
    `${where} must be a string or a file: URL, got ${value === null ? "null" : typeof value}`,
  );
}

/** @internal a path as the messages quote it: `"/tmp/x"`. */
export function quoted(path: string): string {
  return JSON.stringify(path);
}
