/**
 * TcpListener at its edges, on real loopback sockets: a disposed listener stops counting in
 * `netMetrics` at once, even while a connection it accepted is still open (Node's server object
 * lives on until then, the port does not); and an accept error is one-shot: thrown by one
 * `accept()`, after which accepts wait for connections again, unless the server has stopped
 * listening. The accept failure is injected the way Node reports one (an `'error'` event with
 * `syscall: "accept"` on a server that keeps listening), since running out of file descriptors
 * for real would disturb every other test in the process.
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { asyncBlock, join, run } from "../src/index.js";
import { type IoError, netMetrics, TcpListener, TcpStream } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

/** The Node server behind a listener (to inject what Node would emit). */
function serverOf(listener: TcpListener): net.Server {
  return (listener as unknown as { server: net.Server }).server;
}

/** What Node's server emits when one accept(2) fails. */
function acceptError(code: string): Error {
  return Object.assign(new Error(`accept ${code}`), { code, errno: -24, syscall: "accept" });
}

describe("TcpListener: counting and accept errors", () => {
  it("a listener is disposed while the connection it accepted stays open: liveListeners drops to 0 at once, and new connects are refused", async () => {
    const { port, ends, during } = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const client = yield* TcpStream.connect(listener.localAddr());
        const conn = yield* listener.accept();
        const before = netMetrics().liveListeners;
        listener[Symbol.dispose]();
        return {
          port: listener.localAddr().port,
          ends: [client, conn],
          during: [before, netMetrics().liveListeners],
        };
      }),
    );
    try {
      expect(during).toEqual([1, 0]);
      const answer = await new Promise((resolve) => {
        const s = net.connect(port, "127.0.0.1");
        s.on("error", (e) => resolve((e as NodeJS.ErrnoException).code));
        s.on("connect", () => {
          s.destroy();
          resolve("connected");
        });
      });
      expect(answer).toBe("ECONNREFUSED");
      expect(netMetrics().liveListeners).toBe(0);
    } finally {
      for (const s of ends) s[Symbol.dispose]();
    }
  });

  it("a bind fails because the port is taken: only the listener that did bind counts afterwards", async () => {
    const counts = await run(
      asyncBlock(function* () {
        const first = yield* TcpListener.bind("127.0.0.1:0");
        try {
          try {
            yield* TcpListener.bind(first.localAddr());
          } catch (e) {
            expect((e as IoError).kind).toBe("AddrInUse");
          }
          return netMetrics().liveListeners;
        } finally {
          first[Symbol.dispose]();
        }
      }),
    );
    expect(counts).toBe(1);
  });

  it("an accept fails with EMFILE: that accept throws it, the next accept waits and takes the client that connects afterwards", async () => {
    const log = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        try {
          const log: string[] = [];
          serverOf(listener).emit("error", acceptError("EMFILE"));
          try {
            yield* listener.accept();
          } catch (e) {
            log.push(`threw ${(e as IoError).code}`);
          }
          // The accept is polled first and must park (not throw again) until the client arrives.
          const [conn, client] = yield* join(
            listener.accept(),
            TcpStream.connect(listener.localAddr()),
          );
          log.push(`accepted from port ${conn.peerAddr().port === client.localAddr().port}`);
          conn[Symbol.dispose]();
          client[Symbol.dispose]();
          return log;
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(log).toEqual(["threw EMFILE", "accepted from port true"]);
  });

  it("two accept failures come before any accept: one accept throws the first, and incoming() then yields the next client", async () => {
    const log = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        try {
          const log: string[] = [];
          serverOf(listener).emit("error", acceptError("EMFILE"));
          serverOf(listener).emit("error", acceptError("ENFILE"));
          const incoming = listener.incoming();
          try {
            yield* incoming.next();
          } catch (e) {
            log.push(`threw ${(e as IoError).code}`);
          }
          const [conn, client] = yield* join(
            incoming.next(),
            TcpStream.connect(listener.localAddr()),
          );
          log.push(conn instanceof TcpStream ? "accepted" : String(conn));
          (conn as TcpStream)[Symbol.dispose]();
          client[Symbol.dispose]();
          return log;
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(log).toEqual(["threw EMFILE", "accepted"]);
  });

  it("the server stops listening and then reports an error: every later accept throws that error", async () => {
    const codes = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        try {
          const server = serverOf(listener);
          server.close();
          server.emit("error", acceptError("EBADF"));
          const codes: unknown[] = [];
          for (let i = 0; i < 3; i++) {
            try {
              yield* listener.accept();
              codes.push("accepted");
            } catch (e) {
              codes.push((e as IoError).code);
            }
          }
          return codes;
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(codes).toEqual(["EBADF", "EBADF", "EBADF"]);
  });
});
