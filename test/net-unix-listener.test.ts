/**
 * UnixListener against real socket files under the temporary directory: an accept loop serving many
 * clients, `incoming()`, a stale socket file (AddrInUse naming the path, left in place, and what
 * to do about it), what becomes of the file when the listener is disposed, and the promise that
 * disposing everything (or dropping an accept while it waits) leaves no socket, listener or I/O
 * wait behind.
 */
import { existsSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  joinAll,
  Runtime,
  run,
  select,
  spawn,
  yieldNow,
} from "../src/index.js";
import { IoError, netMetrics, UnixListener, UnixStream } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";
import { leaveStaleSocket, removeSocketFilesAfterEach, sockPath } from "./net-unix-testkit.js";

expectNoSocketsLeft();
removeSocketFilesAfterEach();

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

/** A client that sends its name, shuts down, and returns the server's reply. */
const ask = asyncFn(function* (path: string, name: string) {
  const conn = yield* UnixStream.connect(path);
  try {
    yield* conn.writeAll(bytes(name));
    yield* conn.shutdown();
    return text(yield* conn.readToEnd());
  } finally {
    conn[Symbol.dispose]();
  }
});

/** Serve one connection: reply "hello, <what it sent>". */
const greet = asyncFn(function* (conn: UnixStream) {
  try {
    const name = text(yield* conn.readToEnd());
    yield* conn.writeAll(bytes(`hello, ${name}`));
    yield* conn.shutdown();
  } finally {
    conn[Symbol.dispose]();
  }
});

describe("UnixListener", () => {
  it("an accept loop spawns a task per connection: 200 concurrent clients each get their own reply", async () => {
    const path = sockPath("loop");
    const replies = await run(
      asyncBlock(function* () {
        const listener = yield* UnixListener.bind(path);
        const server = spawn(
          asyncBlock(function* () {
            for (let i = 0; i < 200; i++) spawn(greet(yield* listener.accept()));
          }),
        );
        try {
          const clients = Array.from({ length: 200 }, (_, i) => ask(path, `guest ${i}`));
          const got = yield* joinAll(clients);
          yield* server;
          return got;
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => `hello, guest ${i}`));
  });

  it("incoming() yields each connection in turn, and ends once the listener is disposed", async () => {
    const path = sockPath("incoming");
    const out = await run(
      asyncBlock(function* () {
        const listener = yield* UnixListener.bind(path);
        const served: string[] = [];
        const server = spawn(
          asyncBlock(function* () {
            const incoming = listener.incoming();
            for (;;) {
              const conn = yield* incoming.next();
              if (typeof conn === "symbol") return "ended";
              using c = conn;
              served.push(text(yield* c.readToEnd()));
            }
          }),
        );
        for (const name of ["a", "b", "c"]) {
          using conn = yield* UnixStream.connect(path);
          yield* conn.writeAll(bytes(name));
          yield* conn.shutdown();
          // The server read to the end and closed its side: this side's read ends.
          yield* conn.readToEnd();
        }
        listener[Symbol.dispose]();
        return { served, end: yield* server };
      }),
    );
    expect(out).toEqual({ served: ["a", "b", "c"], end: "ended" });
  });

  it("binding where a stale socket file is fails with AddrInUse naming the path and saying what to do, leaves the file, and binds once the file is removed", async () => {
    const path = sockPath("stale");
    leaveStaleSocket(path);
    const out = await run(
      asyncBlock(function* () {
        let err: unknown = null;
        try {
          yield* UnixListener.bind(path);
        } catch (e) {
          err = e;
        }
        const stillThere = existsSync(path);
        // What the message advises: a refused connect means nobody listens, so remove and bind.
        let refused = false;
        try {
          (yield* UnixStream.connect(path))[Symbol.dispose]();
        } catch (e) {
          refused = e instanceof IoError && e.kind === "ConnectionRefused";
        }
        rmSync(path);
        using listener = yield* UnixListener.bind(path);
        return { err, stillThere, refused, bound: listener.localAddr().path };
      }),
    );
    expect(out.err).toBeInstanceOf(IoError);
    expect((out.err as IoError).kind).toBe("AddrInUse");
    expect((out.err as IoError).code).toBe("EADDRINUSE");
    expect((out.err as IoError).message).toContain(path);
    expect((out.err as IoError).message).toMatch(/the file is stale.*remove it/);
    expect(out).toMatchObject({ stillThere: true, refused: true, bound: path });
  });

  it("binding a path a live listener holds fails with AddrInUse, and the live listener keeps its file and goes on accepting", async () => {
    const path = sockPath("live");
    const out = await run(
      asyncBlock(function* () {
        using first = yield* UnixListener.bind(path);
        let kind = "";
        try {
          yield* UnixListener.bind(path);
        } catch (e) {
          kind = (e as IoError).kind;
        }
        const reply = spawn(ask(path, "still here"));
        yield* greet(yield* first.accept());
        return { kind, reply: yield* reply, file: existsSync(path) };
      }),
    );
    expect(out).toEqual({ kind: "AddrInUse", reply: "hello, still here", file: true });
  });

  it("the socket file exists while the listener lives and is removed when it is disposed (Node unlinks it; tokio would leave it)", async () => {
    const path = sockPath("file");
    const out = await run(
      asyncBlock(function* () {
        const listener = yield* UnixListener.bind(path);
        const whileBound = existsSync(path);
        listener[Symbol.dispose]();
        return { whileBound, afterDispose: existsSync(path) };
      }),
    );
    expect(out).toEqual({ whileBound: true, afterDispose: false });
  });

  it("a bind dropped before it is ready leaves no listener and no socket file", async () => {
    const path = sockPath("drop-bind");
    await run(
      asyncBlock(function* () {
        using sel = yield* select(UnixListener.bind(path), yieldNow());
        expect(sel.index).toBe(1);
      }),
    );
    // The 'listening' that lands after the drop closes the server again.
    for (let i = 0; i < 50 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 5));
    expect(existsSync(path)).toBe(false);
  });

  it("an accept that loses a select takes its I/O wait back at once; disposing the listener, a connection nobody accepted and the streams brings netMetrics and ioWaits to zero", async () => {
    const path = sockPath("metrics");
    const rt = new Runtime();
    try {
      const seen = await rt.spawn(
        asyncBlock(function* () {
          const listener = yield* UnixListener.bind(path);
          const seen: unknown[] = [];
          {
            using sel = yield* select(listener.accept(), yieldNow());
            seen.push(sel.index, rt.metrics().ioWaits);
          }
          seen.push(rt.metrics().ioWaits);
          const client = yield* UnixStream.connect(path);
          const server = yield* listener.accept();
          // A second client nobody accepts: the listener closes it when disposed.
          const unaccepted = yield* UnixStream.connect(path);
          seen.push(netMetrics());
          client[Symbol.dispose]();
          server[Symbol.dispose]();
          unaccepted[Symbol.dispose]();
          listener[Symbol.dispose]();
          seen.push(netMetrics().liveListeners, rt.metrics().ioWaits);
          return seen;
        }),
      );
      // A select's loser parked (1 wait), was kept by `sel`, then dropped with it (0).
      expect(seen.slice(0, 3)).toEqual([1, 1, 0]);
      // Both clients' ends, and the server's end of each (the second still queued, not accepted).
      expect(seen[3]).toEqual({ liveSockets: 4, liveListeners: 1 });
      expect(seen.slice(4)).toEqual([0, 0]);
    } finally {
      await rt.shutdown();
    }
    // Sockets stop counting at Node's 'close' events: expectNoSocketsLeft waits for them.
  });

  it("accept after the listener was disposed fails with NotConnected naming the path", async () => {
    const path = sockPath("after");
    const err = await run(
      asyncBlock(function* () {
        const listener = yield* UnixListener.bind(path);
        listener[Symbol.dispose]();
        try {
          yield* listener.accept();
          return null;
        } catch (e) {
          return e;
        }
      }),
    );
    expect((err as IoError).kind).toBe("NotConnected");
    expect((err as IoError).message).toBe(`unix listener ${path}: accept after it was disposed`);
  });

  it("bind options are checked: a backlog that is not a positive integer is refused with a typed error naming it", () => {
    const path = sockPath("opts");
    expect(() => UnixListener.bind(path, { backlog: 0 })).toThrow(
      new RangeError("UnixListener.bind options.backlog must be an integer of at least 1, got 0"),
    );
    expect(() => UnixListener.bind(path, { backlog: "8" as unknown as number })).toThrow(
      new TypeError('UnixListener.bind options.backlog must be a number, got "8"'),
    );
  });
});
