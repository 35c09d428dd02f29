/**
 * Unix streams and TCP streams together: `copy` moves bytes from a Unix socket to a TCP socket (by
 * the owned-chunk path both offer), and `copyBidirectional` proxies a TCP client to a Unix server,
 * as a local proxy in front of Docker's socket does. Real sockets (127.0.0.1 and temporary paths).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { asyncBlock, join, run, spawn } from "../src/index.js";
import { canMoveChunks } from "../src/io/traits.js";
import {
  copy,
  copyBidirectional,
  shutdown,
  TcpListener,
  TcpStream,
  UnixListener,
  UnixStream,
} from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";
import { removeSocketFilesAfterEach, sockPath } from "./net-unix-testkit.js";

expectNoSocketsLeft();
removeSocketFilesAfterEach();

describe("copy between Unix and TCP streams", () => {
  it("copy(unix, tcp) moves 1 MB from a Unix peer to a TCP peer, chunk by chunk without a copy, and counts every byte", async () => {
    const payload = new Uint8Array(randomBytes(1024 * 1024));
    const path = sockPath("copy");
    const out = await run(
      asyncBlock(function* () {
        using unixListener = yield* UnixListener.bind(path);
        using tcpListener = yield* TcpListener.bind("127.0.0.1:0");
        using unixClient = yield* UnixStream.connect(path);
        using unixServer = yield* unixListener.accept();
        using tcpClient = yield* TcpStream.connect(tcpListener.localAddr());
        using tcpServer = yield* tcpListener.accept();
        const moved = canMoveChunks(unixServer, tcpClient);
        const send = asyncBlock(function* () {
          yield* unixClient.writeAll(payload);
          yield* unixClient.shutdown();
        });
        const pipe = asyncBlock(function* () {
          const n = yield* copy(unixServer, tcpClient);
          yield* shutdown(tcpClient);
          return n;
        });
        const [, n, back] = yield* join(send, pipe, tcpServer.readToEnd());
        return { moved, n, back };
      }),
    );
    expect(out.moved).toBe(true);
    expect(out.n).toBe(payload.length);
    expect(Buffer.from(out.back).equals(Buffer.from(payload))).toBe(true);
  });

  it("copyBidirectional proxies a TCP client to a Unix echo server: the client reads back its 256 KB, and the proxy counts them each way", async () => {
    const payload = new Uint8Array(randomBytes(256 * 1024));
    const path = sockPath("proxy");
    const out = await run(
      asyncBlock(function* () {
        using unixListener = yield* UnixListener.bind(path);
        using tcpListener = yield* TcpListener.bind("127.0.0.1:0");
        const echo = spawn(
          asyncBlock(function* () {
            using conn = yield* unixListener.accept();
            yield* copy(conn, conn);
            yield* shutdown(conn);
          }),
        );
        const proxy = spawn(
          asyncBlock(function* () {
            using inbound = yield* tcpListener.accept();
            using outbound = yield* UnixStream.connect(path);
            return yield* copyBidirectional(inbound, outbound);
          }),
        );
        using client = yield* TcpStream.connect(tcpListener.localAddr());
        const send = asyncBlock(function* () {
          yield* client.writeAll(payload);
          yield* client.shutdown();
        });
        const [, back] = yield* join(send, client.readToEnd());
        yield* echo;
        return { back, counts: yield* proxy };
      }),
    );
    expect(Buffer.from(out.back).equals(Buffer.from(payload))).toBe(true);
    expect(out.counts).toEqual([payload.length, payload.length]);
  });
});
