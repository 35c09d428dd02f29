/**
 * The codec module's barrel: framing a byte stream into messages (tokio-util's `codec`). A
 * {@link Decoder} cuts frames off a {@link BytesBuf}, an {@link Encoder} writes items into one;
 * `FramedRead`, `FramedWrite` and `Framed` put them on an `AsyncRead`/`AsyncWrite`.
 */
export { BytesBuf } from "./bytes-buf.js";
export { BytesCodec } from "./bytes-codec.js";
export {
  CodecError,
  type CodecErrorKind,
  type Decoder,
  decodeEof,
  type Encoder,
} from "./codec.js";
export type { FramedWriteOptions } from "./frame-writer.js";
export { Framed } from "./framed.js";
export { FramedRead } from "./framed-read.js";
export { FramedWrite } from "./framed-write.js";
export { LengthDelimitedCodec, type LengthDelimitedOptions } from "./length-delimited-codec.js";
export { LinesCodec, type LinesCodecOptions } from "./lines-codec.js";
