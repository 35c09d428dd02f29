/**
 * AsyncRead and AsyncWrite: the two halves of a byte pipe, in tokio's shape. They are poll
 * functions, like a future's `poll`, so any future or stream can be built on them:
 *
 * - `pollRead(cx, buf)` copies up to `buf.length` bytes into the caller's buffer and returns how
 *   many; `0` means the end of the stream (the peer closed its side), unless `buf` was empty.
 * - `pollWrite(cx, buf)` accepts up to `buf.length` bytes and returns how many; it copies what it
 *   accepts, so the caller may reuse `buf` at once. It returns `PENDING` while the writer's buffer
 *   is full: that is the backpressure a slow reader puts on a fast writer.
 * - `pollFlush(cx)` is ready once everything accepted has been handed to the operating system.
 * - `pollShutdown(cx)` flushes and closes the writing side (TCP: sends FIN); reads go on.
 *
 * Each returns `PENDING` after storing `cx.waker`, and throws an `IoError` on failure.
 */
import type { Context } from "../future/context.js";
import type { Poll } from "../future/poll.js";

/** A source of bytes polled into the caller's buffer. */
export interface AsyncRead {
  /** Read into `buf`: the count (0 at the end), or `PENDING`. */
  pollRead(cx: Context, buf: Uint8Array): Poll<number>;
}

/** A sink of bytes with a bounded buffer. */
export interface AsyncWrite {
  /** Accept up to `buf.length` bytes: the count, or `PENDING` while the buffer is full. */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number>;
  /** Ready once everything accepted was handed to the OS. */
  pollFlush(cx: Context): Poll<void>;
  /** Flush, then close the writing side. */
  pollShutdown(cx: Context): Poll<void>;
}

/**
 * A reader that can hand over its bytes without a copy: each chunk it returns belongs to the
 * caller from then on (the reader never reuses its memory). An empty chunk means the end. `copy`
 * uses it when both sides allow, the way tokio's `copy_buf` skips a buffer.
 */
export interface OwnedRead {
  pollReadOwned(cx: Context): Poll<Uint8Array>;
}

/**
 * A writer that can take a chunk without copying it: the caller gives `buf` away and must never
 * change it again. Accepts all of `buf`, or `PENDING`.
 */
export interface OwnedWrite {
  pollWriteOwned(cx: Context, buf: Uint8Array): Poll<number>;
}

/** @internal whether `copy` may move chunks from `r` to `w` without copying them. */
export function canMoveChunks(r: unknown, w: unknown): boolean {
  return (
    typeof (r as Partial<OwnedRead>).pollReadOwned === "function" &&
    typeof (w as Partial<OwnedWrite>).pollWriteOwned === "function"
  );
}

/**
 * Whether a value can be read from.
 *
 * @example
 * ```ts
 * isAsyncRead(tcpStream); // true
 * ```
 */
export function isAsyncRead(value: unknown): value is AsyncRead {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { pollRead?: unknown }).pollRead === "function"
  );
}

/**
 * Whether a value can be written to.
 *
 * @example
 * ```ts
 * isAsyncWrite(tcpStream); // true
 * ```
 */
export function isAsyncWrite(value: unknown): value is AsyncWrite {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { pollWrite?: unknown }).pollWrite === "function" &&
    typeof (value as { pollFlush?: unknown }).pollFlush === "function" &&
    typeof (value as { pollShutdown?: unknown }).pollShutdown === "function"
  );
}

/** @internal argument checks shared by the io futures. */
export function assertReader(value: unknown, where: string): asserts value is AsyncRead {
  if (!isAsyncRead(value)) {
    throw new TypeError(
      `${where} must be an AsyncRead (with pollRead), got ${value === null ? "null" : typeof value}`,
    );
  }
}

/** @internal */
export function assertWriter(value: unknown, where: string): asserts value is AsyncWrite {
  if (!isAsyncWrite(value)) {
    throw new TypeError(
      `${where} must be an AsyncWrite (with pollWrite, pollFlush, pollShutdown), got ${value === null ? "null" : typeof value}`,
    );
  }
}

/** @internal */
export function assertBuffer(value: unknown, where: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(
      `${where} must be a Uint8Array (or Buffer), got ${value === null ? "null" : typeof value}`,
    );
  }
}
