/**
 * Socket addresses: where a table is. `"127.0.0.1:8080"`, `"[::1]:80"`, `{ host, port }`, a bare
 * port number (meaning 127.0.0.1) or a {@link SocketAddr} (what `localAddr()` returns) are accepted
 * wherever an address is expected; what comes back is a `SocketAddr`, which prints as `host:port`.
 */

/** An address as users may write it. */
export type ToSocketAddr = string | number | SocketAddr | { host?: string; port: number };

/**
 * An IP address and port.
 *
 * @example
 * ```ts
 * const addr = listener.localAddr();
 * console.log(`listening on ${addr}`); // "listening on 127.0.0.1:40123"
 * ```
 */
export class SocketAddr {
  constructor(
    /** The IP address, e.g. `"127.0.0.1"` or `"::1"`. */
    readonly ip: string,
    readonly port: number,
  ) {}

  /**
   * `"IPv4"` or `"IPv6"`.
   *
   * @example
   * ```ts
   * console.log(listener.localAddr().family); // "IPv4" for 127.0.0.1
   * ```
   */
  get family(): "IPv4" | "IPv6" {
    return this.ip.includes(":") ? "IPv6" : "IPv4";
  }

  /**
   * `ip:port`, with the IPv6 address in brackets (`[::1]:7000`).
   *
   * @example
   * ```ts
   * console.log(`serving on ${listener.localAddr()}`); // "serving on 127.0.0.1:7000"
   * ```
   */
  toString(): string {
    return hostPort(this.ip, this.port);
  }
}

function checkPort(port: unknown, where: string): number {
  if (typeof port !== "number") {
    // Quoted: a string "8080" printed bare would read as the valid port it is not.
    const got = typeof port === "string" ? JSON.stringify(port) : typeof port;
    throw new TypeError(`${where}: the port must be a number, got ${got}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `${where}: the port must be an integer from 0 to 65535, got ${String(port)}`,
    );
  }
  return port;
}

/**
 * `host:port` as people write it, an IPv6 host in brackets (`[::1]:7000`).
 *
 * @example
 * ```ts
 * hostPort("::1", 7000); // "[::1]:7000"
 * ```
 */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parse an address argument; `where` names it in errors.
 *
 * @example
 * ```ts
 * parseAddr("127.0.0.1:0", "bind(addr)"); // { host: "127.0.0.1", port: 0 }
 * ```
 */
export function parseAddr(addr: ToSocketAddr, where: string): { host: string; port: number } {
  if (typeof addr === "number") return { host: "127.0.0.1", port: checkPort(addr, where) };
  if (typeof addr === "string") {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
    if (m === null) {
      throw new TypeError(
        `${where} must look like "host:port" or "[ipv6]:port", got ${JSON.stringify(addr)}`,
      );
    }
    return { host: m[1]!, port: checkPort(Number(m[2]), where) };
  }
  if (addr !== null && typeof addr === "object") {
    // A SocketAddr names its host `ip`: read as `{ host?, port }` it meant 127.0.0.1 whatever its
    // ip, so `connect(listener.localAddr())` missed a listener on any other address.
    const host = addr instanceof SocketAddr ? addr.ip : (addr.host ?? "127.0.0.1");
    if (typeof host !== "string" || host === "") {
      throw new TypeError(
        `${where}: host must be a non-empty string, got ${host === "" ? '""' : typeof host}`,
      );
    }
    return { host, port: checkPort(addr.port, where) };
  }
  throw new TypeError(
    `${where} must be "host:port", a port number, a SocketAddr or { host, port }, got ${addr === null ? "null" : typeof addr}`,
  );
}
