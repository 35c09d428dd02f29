/**
 * Decoder and Encoder: the recipe for cutting a byte stream into frames and back (tokio-util's
 * `codec::{Decoder, Encoder}`). A framed reader keeps the bytes that have arrived in a
 * {@link BytesBuf} and asks its decoder for a frame each time; a framed writer asks its encoder to
 * write each item into its buffer before the bytes go out.
 *
 * - `decode(buf)` takes one whole frame off the front of `buf` and returns it, or returns
 *   `undefined` to say "not enough bytes yet" (it may leave bytes in `buf`, or hold state of its
 *   own, for the next call). Frames cannot be `undefined` for that reason. A frame that cannot be
 *   decoded is thrown.
 * - `decodeEof(buf)` is called instead once the reader has ended; the default (tokio's) gives the
 *   frames `decode` still finds, then calls leftover bytes an error: a partial frame at the end.
 * - An error thrown by the decoder ends the framed stream (the bytes after it cannot be trusted),
 *   unless `recoverable(error)` says the decoder has arranged to skip what was wrong: then the
 *   stream goes on with the next frame. tokio went from "go on after any error" (which spun on a
 *   decoder that threw without consuming anything, tokio#3976) to "end after any error" (which
 *   broke codecs whose errors are per frame, redis-rs#558); asking the decoder serves both.
 * - `encode(item, dst)` appends the item's bytes to `dst`. If it throws, whatever it appended is
 *   cut off again, so a half-written frame never goes out.
 */
import type { BytesBuf } from "./bytes-buf.js";

/**
 * Cuts frames of type `T` off the front of a buffer.
 *
 * @example
 * ```ts
 * // Frames of one length byte and that many bytes.
 * const tiny: Decoder<Uint8Array> = {
 *   decode(buf) {
 *     const n = buf.byteAt(0);
 *     if (n === undefined || buf.length < 1 + n) return undefined;
 *     buf.advance(1);
 *     return buf.take(n);
 *   },
 * };
 * ```
 */
export interface Decoder<T> {
  /** One frame taken off the front of `buf`, or `undefined` while it is incomplete; throws if malformed. */
  decode(buf: BytesBuf): T | undefined;
  /**
   * After the reader ended: one more frame, or `undefined` when there is none. Optional; see
   * {@link decodeEof} for the default.
   */
  decodeEof?(buf: BytesBuf): T | undefined;
  /**
   * Whether the stream may go on after `error`, thrown by this decoder (it has skipped the bad
   * frame). Optional: without it every error ends the stream.
   */
  recoverable?(error: unknown): boolean;
}

/**
 * Writes items of type `T` as bytes.
 *
 * @example
 * ```ts
 * const json: Encoder<unknown> = {
 *   encode(item, dst) {
 *     dst.putString(JSON.stringify(item));
 *     dst.putUint8(10);
 *   },
 * };
 * ```
 */
export interface Encoder<T> {
  /** Append the bytes of `item` to `dst`; throw (having appended anything or not) if it cannot be. */
  encode(item: T, dst: BytesBuf): void;
}

/** What went wrong in a codec, to match on. */
export type CodecErrorKind =
  /** A line longer than the codec's `maxLength` (tokio's `LinesCodecError::MaxLineLengthExceeded`). */
  | "MaxLineLengthExceeded"
  /** A frame (read or written) longer than `maxFrameLength`, or than its length field can say. */
  | "FrameTooLong"
  /** Bytes that are not valid UTF-8 where text was expected. */
  | "InvalidUtf8"
  /** The reader ended in the middle of a frame (tokio's "bytes remaining on stream"). */
  | "BytesRemaining";

/**
 * A frame that cannot be decoded or encoded.
 *
 * @example
 * ```ts
 * try {
 *   const line = yield* lines.next();
 * } catch (e) {
 *   if (e instanceof CodecError && e.kind === "MaxLineLengthExceeded") console.log("too long");
 * }
 * ```
 */
export class CodecError extends Error {
  override name = "CodecError";
  constructor(
    /** What kind of failure it is. */
    readonly kind: CodecErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A decoder's `decodeEof`, or the default: what `decode` still finds, then an error if bytes are
 * left over (a partial frame).
 *
 * @example
 * ```ts
 * const last = decodeEof(codec, buf); // a frame, undefined at the very end, or a throw
 * ```
 */
export function decodeEof<T>(decoder: Decoder<T>, buf: BytesBuf): T | undefined {
  if (typeof decoder.decodeEof === "function") return decoder.decodeEof(buf);
  const frame = decoder.decode(buf);
  if (frame !== undefined || buf.length === 0) return frame;
  throw new CodecError(
    "BytesRemaining",
    `the stream ended in the middle of a frame: ${buf.length} bytes left that the decoder could not use`,
  );
}

/** @internal argument checks of the framed types. */
export function assertDecoder(value: unknown, where: string): asserts value is Decoder<unknown> {
  if (typeof (value as Partial<Decoder<unknown>> | null)?.decode !== "function") {
    throw new TypeError(`${where} must be a Decoder (with decode(buf)), got ${kindOf(value)}`);
  }
}

/** @internal */
export function assertEncoder(value: unknown, where: string): asserts value is Encoder<unknown> {
  if (typeof (value as Partial<Encoder<unknown>> | null)?.encode !== "function") {
    throw new TypeError(
      `${where} must be an Encoder (with encode(item, dst)), got ${kindOf(value)}`,
    );
  }
}

function kindOf(value: unknown): string {
  return value === null ? "null" : typeof value;
}
