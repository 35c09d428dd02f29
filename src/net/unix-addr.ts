/**
 * Unix socket addresses: a door with a name on it. A Unix domain socket is found by a path in the
 * file system (`/var/run/docker.sock`) rather than by an IP and port; a socket that never bound one
 * (a client, either end of `UnixStream.pair()`) is *unnamed*, as in tokio's
 * `std::os::unix::net::SocketAddr`.
 *
 * Paths are checked before Node sees them: Linux keeps at most 107 bytes of a socket path (103 on
 * macOS and the BSDs) and Node silently cuts a longer one short, which binds a socket at a
 * different path than the one asked for.
 */

/**
 * The address of one end of a Unix domain socket: a path, or unnamed.
 *
 * @example
 * ```ts
 * const listener = yield* UnixListener.bind("/tmp/kitchen.sock");
 * console.log(`listening on ${listener.localAddr()}`); // "listening on /tmp/kitchen.sock"
 * ```
 */
export class UnixSocketAddr {
  /** Not for direct use: addresses come from `localAddr()` and `peerAddr()`. */
  constructor(
    /** The socket's path, or `null` for an unnamed socket. */
    readonly path: string | null,
  ) {}

  /**
   * Whether the socket has no path (a client's end, either end of a pair), tokio's `is_unnamed`.
   *
   * @example
   * ```ts
   * const client = yield* UnixStream.connect("/tmp/kitchen.sock");
   * client.localAddr().isUnnamed; // true: only the listener has a name
   * ```
   */
  get isUnnamed(): boolean {
    return this.path === null;
  }

  /**
   * The path, or `"(unnamed)"`.
   *
   * @example
   * ```ts
   * console.log(`${stream.localAddr()} -> ${stream.peerAddr()}`); // "(unnamed) -> /tmp/kitchen.sock"
   * ```
   */
  toString(): string {
    return this.path ?? "(unnamed)";
  }
}

/** An unnamed address, shared: it carries nothing. */
export const UNNAMED = new UnixSocketAddr(null);

/** The longest socket path the kernel keeps, in bytes (`sun_path` less its final NUL). */
const MAX_PATH_BYTES = process.platform === "linux" ? 107 : 103;

/**
 * Check a socket path argument; `where` names it in errors.
 *
 * @example
 * ```ts
 * checkUnixPath("/tmp/kitchen.sock", "UnixListener.bind(path)"); // "/tmp/kitchen.sock"
 * checkUnixPath("", "UnixListener.bind(path)"); // TypeError: ... must be a non-empty string
 * ```
 */
export function checkUnixPath(path: unknown, where: string): string {
  if (typeof path !== "string" || path === "") {
    const got = path === "" ? '""' : path === null ? "null" : typeof path;
    throw new TypeError(`${where} must be a non-empty string (a file path), got ${got}`);
  }
  // Linux's abstract namespace starts with a NUL; anywhere else a NUL would cut the path short.
  if (path.indexOf("\0", 1) !== -1) {
    throw new TypeError(`${where} must not contain a NUL character, got ${JSON.stringify(path)}`);
  }
  // Windows named pipes (\\.\pipe\name) have no such limit.
  if (process.platform !== "win32") {
    const bytes = new TextEncoder().encode(path).length;
    if (bytes > MAX_PATH_BYTES) {
      throw new RangeError(
        `${where} must be at most ${MAX_PATH_BYTES} bytes long (the kernel's limit for a socket path), got ${bytes} bytes: ${JSON.stringify(path)}`,
      );
    }
  }
  return path;
}
