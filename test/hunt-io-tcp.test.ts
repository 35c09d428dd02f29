/**
 * Bug hunt in TcpStream and TcpListener over real loopback sockets, against tokio's `TcpStream` /
 * `TcpListener` and `AsyncReadExt` / `AsyncWriteExt`: a client that resets before it is accepted,
 * the end read twice, shutdown and flush twice, errors that arrive while nobody polls, setNoDelay
 * on a dead socket, and a stream or listener disposed under a future parked in another task.
 */
import { spawnSync } from "node:child_process";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { start as startEcho } from "../examples/echo-server.js";
import { asyncBlock, fromPromise, Runtime, run, spawn } from "../src/index.js";
import { IoError, netMetrics, TcpListener } from "../src/node.js";
import { expectNoSocketsLeft, settled, withPair } from "./net-testkit.js";

expectNoSocketsLeft();

const text = new TextEncoder();
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const pause = (ms: number) => fromPromise(() => new Promise((r) => setTimeout(r, ms)));

/** What a failed step threw, as `kind: message` for an IoError. */
function failure(e: unknown): string {
  return e instanceof IoError
    ? `${e.kind}: ${e.message}`
    : `${(e as Error).name}: ${(e as Error).message}`;
}

/**
 * A client, in another process, connects to `port` and resets at once. This process is blocked
 * in `spawnSync` meanwhile, so the kernel completes the handshake and queues the connection, and
 * Node accepts it only after the reset: getpeername then fails.
 */
function connectAndResetBeforeAccept(port: number): void {
  const script = `const s = require("node:net").connect(${port}, "127.0.0.1", () => s.resetAndDestroy()); s.on("error", () => {}); s.on("close", () => process.exit(0));`;
  const r = spawnSync(process.execPath, ["-e", script], { timeout: 5000 });
  if (r.status !== 0) throw new Error(`the resetting client failed: ${r.stderr}`);
}

describe("a client that resets before it is accepted", () => {
  it("accept hands its stream over; peerAddr() throws NotConnected instead of an empty address, localAddr() still answers, and the first read throws ConnectionReset", async () => {
    const rt = new Runtime();
    const listener = await rt.spawn(TcpListener.bind("127.0.0.1:0"));
    try {
      connectAndResetBeforeAccept(listener.localAddr().port); // outside any poll: it blocks
      const out = await rt.spawn(
        asyncBlock(function* () {
          const conn = yield* listener.accept();
          try {
            let peer: string;
            try {
              peer = `address ${conn.peerAddr()}`; // before the fix: "address :0"
            } catch (e) {
              peer = failure(e);
            }
            let read: string;
            try {
              read = `read ${yield* conn.read(new Uint8Array(8))}`;
            } catch (e) {
              read = (e as IoError).kind;
            }
            return { peer, local: conn.localAddr().toString(), read };
          } finally {
            conn[Symbol.dispose]();
          }
        }),
      );
      expect(out.peer).toBe(
        "NotConnected: tcp stream: peerAddr(): the address is unknown (the connection closed before it was accepted)",
      );
      expect(out.local).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(out.read).toBe("ConnectionReset");
    } finally {
      listener[Symbol.dispose]();
      await rt.shutdown();
    }
  });

  it("the echo example's accept loop survives it (it names its task from peerAddr) and echoes the next client", async () => {
    const server = await startEcho(0);
    try {
      connectAndResetBeforeAccept(server.port);
      const reply = await new Promise<string>((resolve, reject) => {
        const s = net.connect(server.port, "127.0.0.1", () => s.end("still here"));
        let got = "";
        s.on("data", (d) => (got += d));
        s.on("error", reject);
        s.on("close", () => resolve(got));
      });
      expect(reply).toBe("still here");
    } finally {
      await server.stop();
    }
  });
});

describe("ends, errors and disposal on a live connection", () => {
  it("the peer half-closes after 3 bytes: readExact(5) throws UnexpectedEof having taken the 3, then read gives 0 and 0 again, and the peer can still be answered", async () => {
    const out = await withPair(function* (client, server) {
      yield* client.writeAll(new Uint8Array([1, 2, 3]));
      yield* client.shutdown();
      const buf = new Uint8Array(5);
      let eof = "";
      try {
        yield* server.readExact(buf);
      } catch (e) {
        eof = failure(e);
      }
      const again = [yield* server.read(new Uint8Array(4)), yield* server.read(new Uint8Array(4))];
      yield* server.writeAll(text.encode("bye"));
      yield* server.shutdown();
      return { eof, buf: [...buf], again, answer: decode(yield* client.readToEnd()) };
    });
    expect(out.eof).toBe("UnexpectedEof: readExact: the stream ended after 3 of 5 bytes");
    expect(out.buf).toEqual([1, 2, 3, 0, 0]);
    expect(out.again).toEqual([0, 0]);
    expect(out.answer).toBe("bye");
  });

  it("shutdown twice and flush after it succeed; then write (even of 0 bytes) throws BrokenPipe, while writeAll of 0 bytes writes nothing and succeeds, as tokio's", async () => {
    const out = await withPair(function* (client, server) {
      yield* client.writeAll(text.encode("order"));
      yield* client.shutdown();
      yield* client.shutdown();
      yield* client.flush();
      yield* client.flush();
      const steps: string[] = [];
      for (const step of [
        () => client.write(new Uint8Array(0)),
        () => client.write(new Uint8Array(1)),
        () => client.writeAll(new Uint8Array(0)),
      ]) {
        try {
          yield* step();
          steps.push("ok");
        } catch (e) {
          steps.push(failure(e));
        }
      }
      return { steps, received: decode(yield* server.readToEnd()) };
    });
    expect(out.steps).toEqual([
      "BrokenPipe: tcp stream: write after shutdown of the writing side",
      "BrokenPipe: tcp stream: write after shutdown of the writing side",
      "ok",
    ]);
    expect(out.received).toBe("order");
  });

  it("the peer sends 100 bytes and resets while nobody polls: nothing is thrown into the event loop; the next read gets the 100 bytes, then every read, write, flush and shutdown throws ConnectionReset", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      const out = await withPair(function* (client, server) {
        yield* server.writeAll(new Uint8Array(100).fill(5));
        yield* server.flush();
        yield* pause(20); // the bytes reach the client's queue
        (server as unknown as { socket: net.Socket }).socket.resetAndDestroy();
        yield* pause(20); // the reset reaches the client: its 'error' event, with nobody polling
        const first = yield* client.read(new Uint8Array(1000));
        const later: string[] = [];
        for (const step of [
          () => client.read(new Uint8Array(10)),
          () => client.read(new Uint8Array(10)),
          () => client.writeAll(new Uint8Array(10)),
          () => client.flush(),
          () => client.shutdown(),
        ]) {
          try {
            yield* step();
            later.push("ok");
          } catch (e) {
            later.push((e as IoError).kind);
          }
        }
        return { first, later };
      });
      expect(out.first).toBe(100);
      expect(out.later).toEqual([
        "ConnectionReset",
        "ConnectionReset",
        "ConnectionReset",
        "ConnectionReset",
        "ConnectionReset",
      ]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });

  it("setNoDelay on a stream whose peer reset it, then on the disposed stream, throws nothing; a non-boolean is still a TypeError naming noDelay", async () => {
    const out = await withPair(function* (client, server) {
      (server as unknown as { socket: net.Socket }).socket.resetAndDestroy();
      yield* pause(20);
      let kind = "";
      try {
        yield* client.read(new Uint8Array(4));
      } catch (e) {
        kind = (e as IoError).kind;
      }
      client.setNoDelay(true);
      client.setNoDelay(false);
      client[Symbol.dispose]();
      client.setNoDelay(true);
      let bad = "";
      try {
        client.setNoDelay("yes" as unknown as boolean);
      } catch (e) {
        bad = failure(e);
      }
      return { kind, bad };
    });
    expect(out.kind).toBe("ConnectionReset");
    expect(out.bad).toBe("TypeError: setNoDelay(noDelay): noDelay must be a boolean, got string");
  });

  it("a stream is disposed while another task's read is parked on it: that read throws NotConnected at once, and its socket closes", async () => {
    const out = await withPair(function* (client) {
      const reader = spawn(
        asyncBlock(function* () {
          try {
            return `read ${yield* client.read(new Uint8Array(8))}`;
          } catch (e) {
            return failure(e);
          }
        }),
      );
      yield* pause(10); // the reader parks: nothing was sent
      const before = netMetrics().liveSockets;
      client[Symbol.dispose]();
      return { before, read: yield* reader };
    });
    expect(out.before).toBe(2);
    expect(out.read).toBe("NotConnected: tcp stream: read after the stream was disposed");
    expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });

  it("a stream is disposed while another task's writeAll is parked on backpressure (the peer never reads): that writeAll throws NotConnected at once, and its socket closes", async () => {
    const out = await withPair(function* (client) {
      const writer = spawn(
        asyncBlock(function* () {
          try {
            yield* client.writeAll(new Uint8Array(32 << 20)); // far more than the kernel holds
            return "wrote it all";
          } catch (e) {
            return failure(e);
          }
        }),
      );
      yield* pause(30); // the writer fills the buffers and parks
      const parkedWith = client.writeBufferLength;
      client[Symbol.dispose]();
      return { parkedWith, write: yield* writer };
    });
    expect(out.parkedWith).toBeGreaterThan(0);
    expect(out.write).toBe("NotConnected: tcp stream: write after the stream was disposed");
    expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });

  it("a listener is disposed while another task's accept is parked on it: that accept throws NotConnected, and so does a later accept", async () => {
    const out = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const acceptor = spawn(
          asyncBlock(function* () {
            try {
              yield* listener.accept();
              return "accepted";
            } catch (e) {
              return failure(e);
            }
          }),
        );
        yield* pause(10);
        listener[Symbol.dispose]();
        const parked = yield* acceptor;
        let later = "";
        try {
          yield* listener.accept();
        } catch (e) {
          later = failure(e);
        }
        return { parked, later, addr: listener.localAddr().port > 0 };
      }),
    );
    expect(out.parked).toBe("NotConnected: tcp listener: accept after it was disposed");
    expect(out.later).toBe(out.parked);
    expect(out.addr).toBe(true);
  });
});
