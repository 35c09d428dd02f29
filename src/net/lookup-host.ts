/**
 * lookupHost: asking the directory where another kitchen is. tokio's `lookup_host`, on Node's
 * `dns.lookup` (the system resolver, `getaddrinfo`: `/etc/hosts` included, as a connect by name
 * sees it): a host name and port become the socket addresses to try, in the resolver's order.
 * Lazy: nothing is asked before the first poll. The resolver runs on libuv's thread pool and cannot
 * be called back; the future is an open bridge while it works (it answers, so a paused clock waits
 * for it), and dropped, it lets the answer go.
 */
import { lookup } from "node:dns/promises";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { fromPromise } from "../future/from-promise.js";
import { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";
import { IoError, type IoErrorKind } from "../io/error.js";
import { parseAddr, SocketAddr } from "./address.js";

/** The resolver's failure codes: the kind of error, and what it means in words. */
const FAILURE: Record<string, [IoErrorKind, string]> = {
  ENOTFOUND: ["NotFound", "no such host is known"],
  ENODATA: ["NotFound", "the host has no address"],
  EAI_AGAIN: ["Other", "the resolver could not be reached (a temporary failure: try again)"],
};

class LookupHost extends FutureBase<SocketAddr[]> implements Disposable {
  private readonly inner: FutureBase<SocketAddr[]> & Disposable;

  constructor(
    private readonly host: string,
    port: number,
  ) {
    super();
    this.inner = fromPromise(() =>
      lookup(host, { all: true }).then(
        (found) => found.map((a) => new SocketAddr(a.address, port)),
        (e: unknown) => {
          throw lookupError(e, host);
        },
      ),
    );
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `lookupHost(${JSON.stringify(this.host)})`, children: [] };
  }

  poll(cx: Context): Poll<SocketAddr[]> {
    return this.inner.poll(cx);
  }

  [Symbol.dispose](): void {
    this.inner[Symbol.dispose]();
  }
}

/** The resolver's error as an {@link IoError}: "NotFound" for a name that does not resolve. */
function lookupError(e: unknown, host: string): IoError {
  const code = (e as { code?: unknown } | null)?.code;
  const failure = typeof code === "string" ? FAILURE[code] : undefined;
  if (failure === undefined) return IoError.from(e, `lookupHost(${JSON.stringify(host)})`);
  const [kind, meaning] = failure;
  return new IoError(kind, `lookupHost(${JSON.stringify(host)}) failed: ${meaning} (${code})`, {
    code: code as string,
    cause: e,
  });
}

/**
 * The socket addresses `host` resolves to, each with `port` (tokio's `lookup_host`). Without a
 * `port`, `host` may carry one as `"name:port"` or `"[v6]:port"`, as tokio's argument does;
 * otherwise the port is 0. A name that does not resolve fails with an {@link IoError} of kind
 * `"NotFound"` (code `"ENOTFOUND"`); a resolver that cannot be reached, of kind `"Other"` (code
 * `"EAI_AGAIN"`). An IP address resolves to itself.
 *
 * @example
 * ```ts
 * for (const addr of yield* lookupHost("localhost", 8080)) {
 *   console.log(`${addr}`); // 127.0.0.1:8080, maybe [::1]:8080
 * }
 * ```
 */
export function lookupHost(host: string, port?: number): FutureBase<SocketAddr[]> & Disposable {
  const where = "lookupHost(host, port)";
  if (typeof host !== "string" || host === "") {
    throw new TypeError(
      `${where}: host must be a non-empty string, got ${typeof host === "string" ? '""' : host === null ? "null" : typeof host}`,
    );
  }
  if (port === undefined && /^\[[^\]]+\]:\d+$|^[^:]+:\d+$/.test(host)) {
    const at = parseAddr(host, `${where}: host`);
    return new LookupHost(at.host, at.port);
  }
  const at = parseAddr({ host, port: port ?? 0 }, where);
  return new LookupHost(at.host, at.port);
}
