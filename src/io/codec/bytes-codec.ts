/**
 * BytesCodec: no framing at all (tokio-util's `BytesCodec`): each frame is whatever bytes have
 * arrived, and each item written goes out as it is. Useful to treat a reader as a stream of
 * chunks, or to pair a raw writer with a framed reader in a `Framed`. The chunks' boundaries are
 * the reads', not the writes': only the bytes in order are kept.
 */
import type { BytesBuf } from "./bytes-buf.js";
import type { Decoder, Encoder } from "./codec.js";

/**
 * Raw bytes as frames: decodes to everything buffered (copied), encodes a `Uint8Array` as it is.
 *
 * @example
 * ```ts
 * const chunks = new FramedRead(socket, new BytesCodec());
 * const total = yield* chunks.fold(0, (n, chunk) => n + chunk.length);
 * ```
 */
export class BytesCodec implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  /**
   * All buffered bytes, or `undefined` when there are none.
   *
   * @example
   * ```ts
   * codec.decode(buf); // a copy of what buf held; buf is empty after
   * ```
   */
  decode(buf: BytesBuf): Uint8Array | undefined {
    return buf.length === 0 ? undefined : buf.take(buf.length);
  }

  /**
   * Append `bytes`.
   *
   * @example
   * ```ts
   * codec.encode(Uint8Array.of(1, 2, 3), dst);
   * ```
   */
  encode(bytes: Uint8Array, dst: BytesBuf): void {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(
        `BytesCodec.encode(bytes, dst): bytes must be a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`,
      );
    }
    dst.put(bytes);
  }
}
