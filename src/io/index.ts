/**
 * The io module's barrel: AsyncRead/AsyncWrite and the futures on top of them, and the Node sources
 * of bytes: Node streams, this program's stdio, child processes, signals (those make it Node-only;
 * `duplex`, the codecs and the futures would run anywhere).
 */
export { BufReader, type LineOptions } from "./buf-reader.js";
export { BufWriter } from "./buf-writer.js";
export * from "./codec/index.js";
export { copy, copyBidirectional } from "./copy.js";
export { DuplexStream, duplex } from "./duplex.js";
export { IoError, type IoErrorKind } from "./error.js";
export * from "./fs/index.js";
export { fromReadable, type NodeReader, type NodeReaderOptions } from "./node-reader.js";
export { fromWritable, type NodeWriter, type NodeWriterOptions } from "./node-writer.js";
export * from "./process/index.js";
export { read, readExact, readToEnd } from "./read.js";
export { ctrlC, signal } from "./signal.js";
export { ReadHalf, split, WriteHalf } from "./split.js";
export { stderr, stdin, stdout } from "./stdio.js";
export { type AsyncRead, type AsyncWrite, isAsyncRead, isAsyncWrite } from "./traits.js";
export { flush, shutdown, write, writeAll } from "./write.js";
