/**
 * Checked counts: what a reader's `pollRead` or a writer's `pollWrite` returns is trusted by every
 * loop on top (`readExact`, `readToEnd`, `copy`, `BufReader`, `FramedRead`, `writeAll`), which
 * move their cursors by it. A count outside `0..buf.length` (a reader of your own that returns
 * what it had rather than what it copied, or an `async pollRead` that returns a Promise) would
 * have them hand out bytes that were never read, or skip bytes never written, silently. So the
 * count is checked where it is used, and a wrong one is an error that names the reader and the
 * rule (tokio panics on the same mistake).
 */
import { PENDING, type Poll } from "../future/poll.js";

/**
 * @internal `n`, the count `reader.pollRead(cx, buf)` returned, if it is `PENDING` or an integer
 * from 0 to `buf.length`; otherwise a `RangeError` (a number) or a `TypeError` naming the reader.
 */
export function readCount(n: Poll<number>, buf: Uint8Array, reader: unknown): Poll<number> {
  if (n === PENDING || (Number.isInteger(n) && (n as number) >= 0 && (n as number) <= buf.length)) {
    return n;
  }
  throw badCount(n, buf.length, reader, "pollRead", "put into buf, from 0 (the end)");
}

/** @internal the same check for `writer.pollWrite(cx, buf)`. */
export function writeCount(n: Poll<number>, buf: Uint8Array, writer: unknown): Poll<number> {
  if (n === PENDING || (Number.isInteger(n) && (n as number) >= 0 && (n as number) <= buf.length)) {
    return n;
  }
  throw badCount(n, buf.length, writer, "pollWrite", "took from buf, from 0");
}

function badCount(n: unknown, length: number, io: unknown, method: string, rule: string): Error {
  const name = (io as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  const who =
    typeof name === "string" && name !== "" && name !== "Object"
      ? `${name}.${method}(cx, buf)`
      : `a ${method === "pollRead" ? "reader" : "writer"}'s ${method}(cx, buf)`;
  const rules = `it must return PENDING or how many bytes it ${rule} to buf.length, an integer`;
  if (typeof n !== "number") {
    const got =
      n instanceof Promise || typeof (n as { then?: unknown } | null)?.then === "function"
        ? "a Promise (is it an async function? poll functions are plain functions)"
        : n === null
          ? "null"
          : typeof n;
    return new TypeError(`${who} returned ${got}: ${rules}`);
  }
  return new RangeError(`${who} returned ${n} for a buffer of ${length} bytes: ${rules}`);
}
