/**
 * LengthDelimitedCodec: each frame is a length field, then that many bytes (tokio-util's
 * `LengthDelimitedCodec`, the common subset): a parcel with its weight written on the lid. The
 * field is 1, 2 or 4 bytes, big-endian unless told otherwise, and counts the payload only.
 *
 * `maxFrameLength` (8 MiB by default, as tokio) bounds what a peer can make us buffer: a header
 * announcing more is a `CodecError` of kind `"FrameTooLong"` and ends the stream, since the bytes
 * after a length that cannot be trusted are not frames. Writing a frame longer than the limit (or
 * than the field can express) is the same error, thrown by `send`/`feed` before anything is written.
 *
 * Decoding has two states: reading the header, then waiting for `length` payload bytes; the
 * buffer is grown once to the announced size, so a large frame arriving in small reads is not
 * copied again at every read.
 */
import type { BytesBuf } from "./bytes-buf.js";
import { CodecError, type Decoder, type Encoder } from "./codec.js";

/** tokio's default `max_frame_length`: 8 MiB. */
const DEFAULT_MAX_FRAME_LENGTH = 8 * 1024 * 1024;

/** Options of {@link LengthDelimitedCodec}. */
export interface LengthDelimitedOptions {
  /**
   * The size of the length field in bytes: 1, 2 or 4.
   * @default 4
   * @example new LengthDelimitedCodec({ lengthFieldBytes: 2 })
   */
  lengthFieldBytes?: 1 | 2 | 4;
  /**
   * Whether the length field is little-endian.
   * @default false (big-endian, network order)
   * @example new LengthDelimitedCodec({ littleEndian: true })
   */
  littleEndian?: boolean;
  /**
   * The longest payload accepted, in bytes, either way.
   * @default 8388608 (8 MiB), or less if the length field cannot say that much
   * @example new LengthDelimitedCodec({ maxFrameLength: 64 * 1024 })
   */
  maxFrameLength?: number;
}

/** Waiting for the header. */
const HEAD = -1;

/**
 * Frames prefixed with their length: decodes to `Uint8Array` payloads (each its own copy),
 * encodes a `Uint8Array` with its length in front.
 *
 * @example
 * ```ts
 * const framed = new Framed(socket, new LengthDelimitedCodec({ lengthFieldBytes: 2 }));
 * yield* framed.send(new TextEncoder().encode("table 4: soup"));
 * const reply = yield* framed.next(); // one whole frame, or DONE
 * ```
 */
export class LengthDelimitedCodec implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  /** The size of the length field in bytes. */
  readonly lengthFieldBytes: 1 | 2 | 4;
  /** Whether the length field is little-endian. */
  readonly littleEndian: boolean;
  /** The longest payload accepted, in bytes. */
  readonly maxFrameLength: number;
  /** `HEAD`, or the length of the payload being waited for (its header already consumed). */
  private state = HEAD;

  constructor(options?: LengthDelimitedOptions) {
    const where = "new LengthDelimitedCodec(options)";
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new TypeError(
        `${where}: options must be an object like { lengthFieldBytes, maxFrameLength }`,
      );
    }
    const size = options?.lengthFieldBytes ?? 4;
    if (size !== 1 && size !== 2 && size !== 4) {
      throw new RangeError(
        `${where}: options.lengthFieldBytes must be 1, 2 or 4, got ${String(size)}`,
      );
    }
    const little = options?.littleEndian ?? false;
    if (typeof little !== "boolean") {
      throw new TypeError(`${where}: options.littleEndian must be a boolean, got ${typeof little}`);
    }
    const max = options?.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    if (typeof max !== "number") {
      throw new TypeError(`${where}: options.maxFrameLength must be a number, got ${typeof max}`);
    }
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(
        `${where}: options.maxFrameLength must be an integer of at least 0, got ${max}`,
      );
    }
    this.lengthFieldBytes = size;
    this.littleEndian = little;
    // A field of n bytes cannot announce more than 2^(8n) - 1.
    this.maxFrameLength = Math.min(max, 2 ** (8 * size) - 1);
  }

  /**
   * The next whole payload, or `undefined` while it is incomplete.
   *
   * @example
   * ```ts
   * const buf = new BytesBuf();
   * buf.put(Uint8Array.of(0, 0, 0, 2, 104, 105));
   * codec.decode(buf); // Uint8Array [104, 105]
   * ```
   */
  decode(buf: BytesBuf): Uint8Array | undefined {
    if (this.state === HEAD) {
      const size = this.lengthFieldBytes;
      if (buf.length < size) return undefined;
      const length = buf.getUint(0, size, this.littleEndian);
      if (length > this.maxFrameLength) {
        throw new CodecError(
          "FrameTooLong",
          `LengthDelimitedCodec: a frame of ${length} bytes announced, over maxFrameLength (${this.maxFrameLength})`,
        );
      }
      buf.advance(size);
      this.state = length;
      // Room for the whole payload now, not a doubling at every read.
      buf.reserve(length - buf.length);
    }
    const length = this.state;
    if (buf.length < length) return undefined;
    this.state = HEAD;
    return buf.take(length);
  }

  /**
   * Append the length of `frame`, then `frame`.
   *
   * @example
   * ```ts
   * codec.encode(new TextEncoder().encode("hi"), dst); // 0 0 0 2 'h' 'i'
   * ```
   */
  encode(frame: Uint8Array, dst: BytesBuf): void {
    if (!(frame instanceof Uint8Array)) {
      throw new TypeError(
        `LengthDelimitedCodec.encode(frame, dst): frame must be a Uint8Array, got ${frame === null ? "null" : typeof frame}`,
      );
    }
    if (frame.length > this.maxFrameLength) {
      throw new CodecError(
        "FrameTooLong",
        `LengthDelimitedCodec.encode(frame, dst): frame is ${frame.length} bytes, over maxFrameLength (${this.maxFrameLength})`,
      );
    }
    dst.reserve(this.lengthFieldBytes + frame.length);
    dst.putUint(frame.length, this.lengthFieldBytes, this.littleEndian);
    dst.put(frame);
  }
}
