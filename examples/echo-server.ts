/**
 * An echo server: every byte a client sends comes straight back, until the client closes its side.
 * One task per connection; `copy` moves the bytes with backpressure (a client that stops reading
 * stops being read from).
 *
 * Run it: `npx tsx examples/echo-server.ts 7000`, then `nc 127.0.0.1 7000`.
 */
import { pathToFileURL } from "node:url";
import { asyncFn, Runtime, race, spawn } from "../src/index.js";
import { copy, ctrlC, IoError, TcpListener, type TcpStream } from "../src/node.js";

/** Serve one client: echo, then close our side once theirs is closed. */
const echo = asyncFn(function* (conn: TcpStream) {
  try {
    yield* copy(conn, conn);
    yield* conn.shutdown();
  } catch (e) {
    // A client that hangs up abruptly (a reset) ends its connection, nothing more.
    if (!(e instanceof IoError)) throw e;
  } finally {
    conn[Symbol.dispose]();
  }
});

/** The client's address, for the task's name; one that reset before it was accepted has none. */
function clientName(conn: TcpStream): string {
  try {
    return conn.peerAddr().toString();
  } catch (e) {
    if (!(e instanceof IoError)) throw e;
    return "(gone)"; // its echo task reads the reset and ends
  }
}

/** Accept clients forever, one task each. */
export const serveEcho = asyncFn(function* (listener: TcpListener) {
  try {
    for (;;) {
      const conn = yield* listener.accept();
      spawn(echo(conn), { name: `echo ${clientName(conn)}` });
    }
  } finally {
    listener[Symbol.dispose]();
  }
});

/** Start on 127.0.0.1:`port` (0: any free port). `stop()` closes the listener and every client. */
export async function start(port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ host: "127.0.0.1", port }));
  rt.spawn(serveEcho(listener), { name: "accept loop" });
  return { port: listener.localAddr().port, stop: () => rt.shutdown() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ port: Number(process.argv[2] ?? 7000) }));
  console.log(`echo server on ${listener.localAddr()}; Ctrl-C to stop`);
  // race, not select: the accept loop that loses is dropped, which closes the listener.
  await rt.spawn(race(serveEcho(listener), ctrlC()));
  await rt.shutdown();
}
