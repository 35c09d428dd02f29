/**
 * The io module's barrel: AsyncRead/AsyncWrite and the futures on top of them. Node-only because
 * of `ctrlC`; the rest would run anywhere.
 */
export { BufReader, type LineOptions } from "./buf-reader.js";
export { BufWriter } from "./buf-writer.js";
export * from "./codec/index.js";
export { copy, copyBidirectional } from "./copy.js";
export { DuplexStream, duplex } from "./duplex.js";
export { IoError, type IoErrorKind } from "./error.js";
export { read, readExact, readToEnd } from "./read.js";
export { ctrlC, signal } from "./signal.js";
export { ReadHalf, split, WriteHalf } from "./split.js";
export { type AsyncRead, type AsyncWrite, isAsyncRead, isAsyncWrite } from "./traits.js";
export { flush, shutdown, write, writeAll } from "./write.js";
