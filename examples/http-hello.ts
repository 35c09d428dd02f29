/**
 * A minimal HTTP/1.1 server that says hello: the request line and headers are read line by line
 * from a `BufReader`, a body (if any) is skipped by its Content-Length, and connections are kept
 * alive until the client closes them or asks to (`Connection: close`). Enough for curl, Node's
 * `http` client and a load generator; not a real HTTP implementation (no chunked bodies).
 *
 * Run it: `npx tsx examples/http-hello.ts 8080`, then `curl -i http://127.0.0.1:8080/`.
 */
import { pathToFileURL } from "node:url";
import { asyncFn, Runtime, select, spawn } from "../src/index.js";
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
};
const encoder = new TextEncoder();

function response(status: number, body: string, close: boolean, head: boolean): Uint8Array {
  const bytes = encoder.encode(body);
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${bytes.length}`,
    close ? "Connection: close" : "Connection: keep-alive",
  ];
  const headBytes = encoder.encode(`${lines.join("\r\n")}\r\n\r\n`);
  if (head) return headBytes;
  const out = new Uint8Array(headBytes.length + bytes.length);
  out.set(headBytes);
  out.set(bytes, headBytes.length);
  return out;
}

/** Serve one connection: request after request until it closes. */
const serveHttp = asyncFn(function* (conn: TcpStream) {
  conn.setNoDelay(true);
  const reader = new BufReader(conn);
  try {
    for (;;) {
      const requestLine = yield* reader.readLine();
      if (requestLine === null || requestLine === "") return; // the client closed
      const [method = "", path = "", version = ""] = requestLine.split(" ");
      let length = 0;
      let close = version === "HTTP/1.0";
      for (
        let line = yield* reader.readLine();
        line !== null && line !== "";
        line = yield* reader.readLine()
      ) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === "content-length") length = Number(value) || 0;
        else if (name === "connection") close = value.toLowerCase() === "close";
      }
      if (length > 0) yield* readExact(reader, new Uint8Array(length));
      const { status, body } = version.startsWith("HTTP/1.")
        ? handler(method, path)
        : { status: 400, body: "Bad Request\n" };
      yield* conn.writeAll(response(status, body, close, method === "HEAD"));
      if (close) {
        yield* conn.shutdown();
        return;
      }
    }
  } catch (e) {
    // A client that hangs up abruptly (a reset) ends its connection, nothing more.
    if (!(e instanceof IoError)) throw e;
  } finally {
    conn[Symbol.dispose]();
  }
});

/** Accept connections forever, one task each. */
export const serve = asyncFn(function* (listener: TcpListener) {
  try {
    for (;;) spawn(serveHttp(yield* listener.accept()));
  } finally {
    listener[Symbol.dispose]();
  }
});

/** Start on 127.0.0.1:`port` (0: any free port). `stop()` closes the listener and every client. */
export async function start(port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ host: "127.0.0.1", port }));
  rt.spawn(serve(listener), { name: "http accept loop" });
  return { port: listener.localAddr().port, stop: () => rt.shutdown() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ port: Number(process.argv[2] ?? 8080) }));
  console.log(`http://${listener.localAddr()}/ ; Ctrl-C to stop`);
  await rt.spawn(select(serve(listener), ctrlC()));
  await rt.shutdown();
}
