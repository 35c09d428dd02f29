/**
 * A minimal HTTP/1.1 server that says hello: the request line and headers are read line by line
 * from a `BufReader`, a body (if any) is skipped by its Content-Length, and connections are kept
 * alive until the client closes them or asks to (`Connection: close`). Enough for curl, Node's
 * `http` client and a load generator; not a real HTTP implementation. What it cannot frame it
 * refuses and closes (chunked bodies: 501; a bad request line, header or Content-Length: 400; too
 * many headers: 431; a body over 1 MiB: 413), and a line of the head may hold 8 KiB.
 *
 * Each request head must arrive within 30 s of the server starting to wait for it (idle keep-alive
 * time included): a client that sends half a head and waits, or sits idle, is cut off. Rather than
 * a timer per request (`timeout(ms, readHead(...))` costs ~6% of this server's throughput), one
 * sweeper task looks over every connection's deadline a few times per limit, as `node:http` does
 * with its `headersTimeout`; a request then costs one clock read.
 *
 * Run it: `npx tsx examples/http-hello.ts 8080`, then `curl -i http://127.0.0.1:8080/`.
 */
import { pathToFileURL } from "node:url";
import {
  type AbortHandle,
  asyncFn,
  Instant,
  interval,
  Runtime,
  race,
  spawn,
} from "../src/index.js";
import { BufReader, ctrlC, IoError, readExact, TcpListener, type TcpStream } from "../src/node.js";

/** What the server answers, as a plain function (the benchmark gives node:http the same one). */
export function handler(method: string, path: string): { status: number; body: string } {
  if (method !== "GET" && method !== "HEAD") return { status: 405, body: "Method Not Allowed\n" };
  return path === "/"
    ? { status: 200, body: "Hello, world!\n" }
    : { status: 404, body: "Not Found\n" };
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
};
const encoder = new TextEncoder();

/** A line of a request head, at most (a longer one closes the connection, unread). */
const LINE = { maxLength: 8 * 1024 };
/** Header lines in one request, at most. */
const MAX_HEADERS = 100;
/** The largest body this server reads (and throws away). */
const MAX_BODY = 1024 * 1024;
/** How long a client may take over a request head, by default (ms). */
const HEAD_TIMEOUT = 30_000;

/** A head's time limit is a positive, finite number of ms. */
function checkHeadTimeout(ms: number): void {
  if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(`headTimeout must be a positive number of ms, got ${String(ms)}`);
  }
}

/** A connection as the sweeper sees it: the task serving it, and when its head is due. */
interface Deadline {
  task: AbortHandle | null;
  /** When the head being read must be complete (ms on the runtime's clock), or Infinity. */
  due: number;
}

/** Every open connection's deadline, and the task that cuts off those past it. */
class Deadlines {
  private readonly open = new Set<Deadline>();

  constructor(readonly limit: number) {
    checkHeadTimeout(limit);
  }

  add(): Deadline {
    const d: Deadline = { task: null, due: Number.POSITIVE_INFINITY };
    this.open.add(d);
    return d;
  }

  remove(d: Deadline): void {
    this.open.delete(d);
  }

  /** Abort the task of every connection whose head is past due (its `finally` closes it). */
  cutOffLate(now: number): void {
    for (const d of this.open) {
      if (d.due > now) continue;
      this.open.delete(d);
      d.task?.abort();
    }
  }
}

/** Look over every connection's deadline a few times per limit. */
const sweep = asyncFn(function* sweep(deadlines: Deadlines) {
  const every = interval(Math.max(1, Math.min(1000, deadlines.limit / 4)));
  for (;;) {
    yield* every.tick();
    deadlines.cutOffLate(Instant.now().ms);
  }
});

function response(status: number, body: string, close: boolean, head: boolean): Uint8Array {
  const bytes = encoder.encode(body);
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${bytes.length}`,
    close ? "Connection: close" : "Connection: keep-alive",
  ];
  if (status === 405) lines.push("Allow: GET, HEAD");
  const headBytes = encoder.encode(`${lines.join("\r\n")}\r\n\r\n`);
  if (head) return headBytes;
  const out = new Uint8Array(headBytes.length + bytes.length);
  out.set(headBytes);
  out.set(bytes, headBytes.length);
  return out;
}

/** A request head, or the status that refuses it (the connection is then closed). */
type Head =
  | { method: string; path: string; length: number; close: boolean }
  | { refuse: number }
  | null;

/** Read one request head: the request line and the headers, up to the blank line. */
const readHead = asyncFn(function* (reader: BufReader) {
  let requestLine = yield* reader.readLine(LINE);
  // Empty lines before a request are ignored (RFC 9112 §2.2), a few of them.
  for (let i = 0; requestLine === "" && i < 4; i++) requestLine = yield* reader.readLine(LINE);
  if (requestLine === null || requestLine === "") return null as Head; // the client closed
  const parts = requestLine.split(" ");
  const [method = "", path = "", version = ""] = parts;
  if (parts.length !== 3 || !/^HTTP\/1\.[01]$/.test(version)) return { refuse: 400 } as Head;
  let length: number | null = null;
  let close = version === "HTTP/1.0";
  for (let n = 0; ; n++) {
    const line = yield* reader.readLine(LINE);
    if (line === null) return null as Head;
    if (line === "") break;
    if (n === MAX_HEADERS) return { refuse: 431 } as Head;
    const colon = line.indexOf(":");
    if (colon <= 0) return { refuse: 400 } as Head;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "transfer-encoding") return { refuse: 501 } as Head; // no chunked bodies here
    if (name === "content-length") {
      // Digits only, and the same value if repeated: anything else could frame the next request.
      if (!/^\d+$/.test(value) || (length !== null && length !== Number(value))) {
        return { refuse: 400 } as Head;
      }
      length = Number(value);
    } else if (name === "connection") {
      const tokens = value
        .toLowerCase()
        .split(",")
        .map((t) => t.trim());
      if (tokens.includes("close")) close = true;
      else if (tokens.includes("keep-alive")) close = false;
    }
  }
  if (length !== null && length > MAX_BODY) return { refuse: 413 } as Head;
  return { method, path, length: length ?? 0, close } as Head;
});

/** Serve one connection: request after request until it closes, or a head is late. */
const serveHttp = asyncFn(function* (conn: TcpStream, deadlines: Deadlines, deadline: Deadline) {
  conn.setNoDelay(true);
  const reader = new BufReader(conn);
  const scratch = new Uint8Array(16 * 1024);
  try {
    for (;;) {
      let head: Head;
      deadline.due = Instant.now().ms + deadlines.limit;
      try {
        head = yield* readHead(reader);
      } catch (e) {
        // A line too long (431, as node:http answers) or not text (400): refused and closed.
        if (!(e instanceof IoError && e.kind === "InvalidData")) throw e;
        head = { refuse: /longer than/.test(e.message) ? 431 : 400 };
      }
      deadline.due = Number.POSITIVE_INFINITY;
      if (head === null) return;
      if ("refuse" in head) {
        const { refuse } = head;
        yield* conn.writeAll(response(refuse, `${REASONS[refuse]}\n`, true, false));
        yield* conn.shutdown();
        return;
      }
      // The body is read and dropped a piece at a time, never all at once.
      for (let left = head.length; left > 0; ) {
        const n = Math.min(left, scratch.length);
        yield* readExact(reader, scratch.subarray(0, n));
        left -= n;
      }
      const { status, body } = handler(head.method, head.path);
      yield* conn.writeAll(response(status, body, head.close, head.method === "HEAD"));
      if (head.close) {
        yield* conn.shutdown();
        return;
      }
    }
  } catch (e) {
    // A client that hangs up abruptly (a reset), or sends bytes that are not text or too long a
    // line, ends its connection, nothing more.
    if (!(e instanceof IoError)) throw e;
  } finally {
    deadlines.remove(deadline);
    conn[Symbol.dispose]();
  }
});

/** Accept connections forever, one task each, and cut off those whose head is late. */
export const serve = asyncFn(function* (listener: TcpListener, headTimeout: number = HEAD_TIMEOUT) {
  const deadlines = new Deadlines(headTimeout);
  const sweeper = spawn(sweep(deadlines), { name: "http head deadlines" });
  try {
    for (;;) {
      const conn = yield* listener.accept();
      const deadline = deadlines.add();
      deadline.task = spawn(serveHttp(conn, deadlines, deadline)).abortHandle();
    }
  } finally {
    sweeper.abort();
    listener[Symbol.dispose]();
  }
});

/**
 * Start on 127.0.0.1:`port` (0: any free port). `stop()` closes the listener and every client.
 * `headTimeout` (ms) is how long a client may take over each request head.
 */
export async function start(
  port = 0,
  headTimeout = HEAD_TIMEOUT,
): Promise<{ port: number; stop: () => Promise<void> }> {
  checkHeadTimeout(headTimeout);
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ host: "127.0.0.1", port }));
  rt.spawn(serve(listener, headTimeout), { name: "http accept loop" });
  return { port: listener.localAddr().port, stop: () => rt.shutdown() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ port: Number(process.argv[2] ?? 8080) }));
  console.log(`http://${listener.localAddr()}/ ; Ctrl-C to stop`);
  // race, not select: the accept loop that loses is dropped, which closes the listener.
  await rt.spawn(race(serve(listener), ctrlC()));
  await rt.shutdown();
}
