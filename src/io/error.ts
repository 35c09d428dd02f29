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
  | "PermissionDenied"
  | "HostUnreachable"
  | "NetworkUnreachable"
  | "NetworkDown"
  | "NotConnected"
  | "TimedOut"
  | "UnexpectedEof"
  | "WriteZero"
  | "InvalidInput"
  | "InvalidData"
  | "NotFound"
  | "AlreadyExists"
  | "IsADirectory"
  | "NotADirectory"
  | "DirectoryNotEmpty"
  | "ReadOnlyFilesystem"
  | "StorageFull"
  | "FileTooLarge"
  | "ResourceBusy"
  | "CrossesDevices"
  | "InvalidFilename"
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
  // As Rust's std decodes them: a privileged port, no route to the host or its network.
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EHOSTUNREACH: "HostUnreachable",
  ENETUNREACH: "NetworkUnreachable",
  ENETDOWN: "NetworkDown",
  ENOTCONN: "NotConnected",
  ETIMEDOUT: "TimedOut",
  EINVAL: "InvalidInput",
  // The file system's codes, as Rust's std decodes them (src/io/fs).
  ENOENT: "NotFound",
  EEXIST: "AlreadyExists",
  EISDIR: "IsADirectory",
  ENOTDIR: "NotADirectory",
  ENOTEMPTY: "DirectoryNotEmpty",
  EROFS: "ReadOnlyFilesystem",
  ENOSPC: "StorageFull",
  EFBIG: "FileTooLarge",
  EBUSY: "ResourceBusy",
  EXDEV: "CrossesDevices",
  ENAMETOOLONG: "InvalidFilename",
  ERR_FS_FILE_TOO_LARGE: "FileTooLarge",
  // A host name that does not resolve: no such host (as `lookupHost` says it, and a connect or a
  // send to that name).
  ENOTFOUND: "NotFound",
};

/** What the common codes mean, in words, ahead of Node's terse message. */
const MEANING_OF_CODE: Record<string, string> = {
  ECONNREFUSED: "nothing is listening there",
  ECONNRESET: "the peer reset the connection",
  ECONNABORTED: "the connection was aborted",
  EPIPE: "the peer has closed the connection",
  EADDRINUSE: "the address is already in use",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "no route to the network",
  ETIMEDOUT: "the connection timed out",
  ENOTFOUND: "the host name did not resolve",
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
    const meaning = c !== undefined ? MEANING_OF_CODE[c] : undefined;
    const text = textOf(error, c);
    return new IoError(
      kind,
      `${doing} failed: ${meaning === undefined ? text : `${meaning} (${text})`}`,
      { code: c, cause: error },
    );
  }
}

/** What an error from Node says; never empty. */
function textOf(error: unknown, code: string | undefined): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== "") return error.message;
  // A connect to a name with several addresses (Node's happy eyeballs, on by default since Node
  // 20) that failed at each of them is an AggregateError with no message of its own: the
  // attempts' messages say what happened ("connect ECONNREFUSED ::1:7000; connect …").
  const attempts = (error as { errors?: unknown }).errors;
  if (Array.isArray(attempts) && attempts.length > 0) {
    return attempts.map((e) => (e instanceof Error ? e.message : String(e))).join("; ");
  }
  return code ?? error.name;
}
