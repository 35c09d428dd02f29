/**
 * IoError: what went wrong with a socket or a stream of bytes, as Rust's `std::io::Error` says it,
 * with a `kind` to branch on (`"ConnectionRefused"`, `"ConnectionReset"`, `"BrokenPipe"`, …) and the
 * operating system's code (`ECONNREFUSED`) kept for logs. Node reports these as `'error'` events;
 * Brigade stores them and throws them at the future that is waiting, so they are caught with
 * `try`/`catch` around `yield*` and never surface as an uncaught exception.
 */

/** The kinds of I/O failure (a subset of `std::io::ErrorKind`). */
export type IoErrorKind =
  | "ConnectionRefused"
  | "ConnectionReset"
  | "ConnectionAborted"
  | "BrokenPipe"
  | "AddrInUse"
  | "AddrNotAvailable"
  | "NotConnected"
  | "TimedOut"
  | "UnexpectedEof"
  | "WriteZero"
  | "InvalidInput"
  | "InvalidData"
  | "Other";

const KIND_OF_CODE: Record<string, IoErrorKind> = {
  ECONNREFUSED: "ConnectionRefused",
  ECONNRESET: "ConnectionReset",
  ECONNABORTED: "ConnectionAborted",
  EPIPE: "BrokenPipe",
  ERR_STREAM_DESTROYED: "BrokenPipe",
  ERR_STREAM_WRITE_AFTER_END: "BrokenPipe",
  EADDRINUSE: "AddrInUse",
  EADDRNOTAVAIL: "AddrNotAvailable",
  ENOTCONN: "NotConnected",
  ETIMEDOUT: "TimedOut",
  EINVAL: "InvalidInput",
};

/**
 * An I/O failure with a kind to match on.
 *
 * @example
 * ```ts
 * try {
 *   yield* TcpStream.connect("127.0.0.1:1");
 * } catch (e) {
 *   if (e instanceof IoError && e.kind === "ConnectionRefused") console.log("nobody home");
 * }
 * ```
 */
export class IoError extends Error {
  override name = "IoError";
  /** What kind of failure this is. */
  readonly kind: IoErrorKind;
  /** The system error code when there was one (`"ECONNRESET"`), else `undefined`. */
  readonly code: string | undefined;

  constructor(kind: IoErrorKind, message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = options?.code;
  }

  /**
   * Translate an error from Node (an `'error'` event, a failed callback) into an IoError, naming
   * what was being done.
   *
   * @example
   * ```ts
   * socket.on("error", (e) => (this.error = IoError.from(e, "read")));
   * ```
   */
  static from(error: unknown, doing: string): IoError {
    if (error instanceof IoError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    const c = typeof code === "string" ? code : undefined;
    const kind = (c !== undefined ? KIND_OF_CODE[c] : undefined) ?? "Other";
    const text = error instanceof Error ? error.message : String(error);
    return new IoError(kind, `${doing} failed: ${text}`, { code: c, cause: error });
  }
}
