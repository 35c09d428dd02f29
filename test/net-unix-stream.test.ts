/**
 * UnixStream against real Unix domain sockets (paths under the temporary directory, removed after
 * each test): echo of random payloads, a few MB through a reader that starts late (backpressure),
 * connecting to a missing path or a stale file, addresses, `pair()`, bad arguments, the one-reader
 * rule, `split` halves in two tasks, and a stream disposed with bytes its peer never reads (closed
 * after the linger second, with no uncaught error although a Unix socket cannot be reset).
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  Context,
  join,
  PENDING,
  run,
  select,
  sleep,
  spawn,
  Waker,
} from "../src/index.js";
import {
  copy,
  IoError,
  netMetrics,
  read,
  readToEnd,
  shutdown,
  UnixListener,
  UnixStream,
  writeAll,
} from "../src/node.js";
import { expectNoSocketsLeft, settled } from "./net-testkit.js";
import { leaveStaleSocket, removeSocketFilesAfterEach, sockPath } from "./net-unix-testkit.js";
import { refusal } from "./one-reader-testkit.js";

expectNoSocketsLeft();
removeSocketFilesAfterEach();

/** Echo every byte `payload` through a server task that copies its connection onto itself. */
const echoThrough = asyncFn(function* (path: string, payload: Uint8Array, writeSizes: number[]) {
  const listener = yield* UnixListener.bind(path);
  try {
    const server = spawn(
      asyncBlock(function* () {
        const conn = yield* listener.accept();
        try {
          const n = yield* copy(conn, conn);
          yield* shutdown(conn);
          return n;
        } finally {
          conn[Symbol.dispose]();
        }
      }),
    );
    const client = yield* UnixStream.connect(path);
    try {
      const send = asyncBlock(function* () {
        let at = 0;
        for (let i = 0; at < payload.length; i++) {
          const size = Math.max(1, writeSizes[i % writeSizes.length]!);
          yield* client.writeAll(payload.subarray(at, at + size));
          at += size;
        }
        yield* client.shutdown();
      });
      const [, back] = yield* join(send, client.readToEnd());
      return { back, copied: yield* server };
    } finally {
      client[Symbol.dispose]();
    }
  } finally {
    listener[Symbol.dispose]();
  }
});

describe("UnixStream", () => {
  it("echoes random payloads written in random pieces: the client reads back exactly what it sent, and the server copied that many bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
        async (payload, sizes) => {
          const out = await run(echoThrough(sockPath("echo"), payload, sizes));
          expect(out.copied).toBe(payload.length);
          expect(Buffer.from(out.back).equals(Buffer.from(payload))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("a writer of 4 MB to a peer that has not started reading has to wait, with the peer holding at most its read-ahead; once the peer reads to the end every byte arrives in order", async () => {
    const payload = new Uint8Array(randomBytes(4 * 1024 * 1024));
    const path = sockPath("big");
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* UnixListener.bind(path);
        using client = yield* UnixStream.connect(path);
        using server = yield* listener.accept();
        // Write in 64 KiB pieces, each raced against 100 ms of real time (socket events flow
        // meanwhile): a write that loses had no room, because the peer reads nothing yet.
        let accepted = 0;
        let waited = false;
        while (accepted < payload.length) {
          using sel = yield* select(
            client.write(payload.subarray(accepted, accepted + 64 * 1024)),
            sleep(100),
          );
          if (sel.index === 1) {
            waited = true;
            break;
          }
          accepted += sel.value as number;
        }
        // The peer's unread bytes stop at its read-ahead mark (64 KiB, plus the chunk that
        // crossed it): the rest waits in the kernel, which is what stopped the writer.
        const unreadAtPeer = server.readBufferLength;
        const rest = asyncBlock(function* () {
          yield* client.writeAll(payload.subarray(accepted));
          yield* client.shutdown();
        });
        const [, back] = yield* join(rest, server.readToEnd());
        return { waited, acceptedBeforeWait: accepted, unreadAtPeer, back };
      }),
    );
    expect(out.waited).toBe(true);
    expect(out.acceptedBeforeWait).toBeLessThan(payload.length);
    expect(out.unreadAtPeer).toBeGreaterThan(0);
    expect(out.unreadAtPeer).toBeLessThanOrEqual(2 * 64 * 1024);
    expect(Buffer.from(out.back).equals(Buffer.from(payload))).toBe(true);
  });

  it("connecting to a path where no file is fails with an IoError of kind NotFound that names the path", async () => {
    const path = sockPath("missing");
    const err = await run(
      asyncBlock(function* () {
        try {
          yield* UnixStream.connect(path);
          return null;
        } catch (e) {
          return e;
        }
      }),
    );
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("NotFound");
    expect((err as IoError).code).toBe("ENOENT");
    expect((err as IoError).message).toContain(path);
  });

  it("connecting to a stale socket file (its server was killed) fails with ConnectionRefused that names the path", async () => {
    const path = sockPath("stale");
    leaveStaleSocket(path);
    const err = await run(
      asyncBlock(function* () {
        try {
          yield* UnixStream.connect(path);
          return null;
        } catch (e) {
          return e;
        }
      }),
    );
    expect((err as IoError).kind).toBe("ConnectionRefused");
    expect((err as IoError).message).toContain(path);
  });

  it("a client's end is unnamed and its peer is the path; the accepted end is the path and its peer unnamed", async () => {
    const path = sockPath("addr");
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* UnixListener.bind(path);
        using client = yield* UnixStream.connect(path);
        using server = yield* listener.accept();
        return [
          client.localAddr().isUnnamed,
          client.peerAddr().path,
          server.localAddr().path,
          String(server.peerAddr()),
          String(listener.localAddr()),
        ];
      }),
    );
    expect(out).toEqual([true, path, path, "(unnamed)", path]);
  });

  it("its errors call it a unix stream and name its ends by path: a write after shutdown, a read after dispose", async () => {
    const path = sockPath("named");
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* UnixListener.bind(path);
        const client = yield* UnixStream.connect(path);
        using _server = yield* listener.accept();
        yield* client.shutdown();
        const messages: string[] = [];
        try {
          yield* client.writeAll(new Uint8Array([1]));
        } catch (e) {
          messages.push((e as Error).message);
        }
        client[Symbol.dispose]();
        try {
          yield* client.read(new Uint8Array(4));
        } catch (e) {
          messages.push(`${(e as IoError).kind}: ${(e as Error).message}`);
        }
        return messages;
      }),
    );
    expect(out).toEqual([
      "unix stream: write after shutdown of the writing side",
      "NotConnected: unix stream: read after the stream was disposed",
    ]);
  });

  it("pair() gives two connected unnamed ends: what one writes and shuts down, the other reads to the end, and no socket file or listener is left", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = yield* UnixStream.pair();
        const listenersWhilePaired = netMetrics().liveListeners;
        try {
          yield* a.writeAll(new TextEncoder().encode("two soups"));
          yield* a.shutdown();
          const text = new TextDecoder().decode(yield* b.readToEnd());
          yield* b.writeAll(new TextEncoder().encode("ok"));
          yield* b.shutdown();
          const reply = new TextDecoder().decode(yield* a.readToEnd());
          return {
            text,
            reply,
            listenersWhilePaired,
            unnamed: [a.localAddr(), a.peerAddr(), b.localAddr(), b.peerAddr()].every(
              (x) => x.isUnnamed,
            ),
          };
        } finally {
          a[Symbol.dispose]();
          b[Symbol.dispose]();
        }
      }),
    );
    expect(out).toEqual({ text: "two soups", reply: "ok", listenersWhilePaired: 0, unnamed: true });
  });

  it("a pair() dropped before its first poll, while its listener binds, or while its client connects leaves no socket, listener or socket file", async () => {
    const pairFiles = () =>
      readdirSync(tmpdir()).filter((f) => f.startsWith(`brigade-pair-${process.pid}-`));
    const seen: string[] = [];
    for (const polls of [0, 1, 2]) {
      // Polled by hand, so it moves only when polled: after the first poll it binds; the second,
      // once the bind woke it, starts the connect.
      let woken: (() => void) | null = null;
      const cx = new Context(Waker.from(() => woken?.()));
      const pair = UnixStream.pair();
      for (let i = 0; i < polls; i++) {
        const wake = new Promise<void>((r) => {
          woken = r;
        });
        expect(pair.poll(cx)).toBe(PENDING);
        if (i < polls - 1) await wake;
      }
      seen.push(`${polls} polls: ${JSON.stringify(netMetrics())}`);
      pair[Symbol.dispose]();
      expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
      expect(pairFiles()).toEqual([]);
    }
    expect(seen).toEqual([
      '0 polls: {"liveSockets":0,"liveListeners":0}',
      '1 polls: {"liveSockets":0,"liveListeners":1}',
      '2 polls: {"liveSockets":1,"liveListeners":1}',
    ]);
  });

  it("bad paths are refused before any socket is made: a TypeError for a non-string, an empty path or a NUL, a RangeError for a path past the kernel's limit", () => {
    expect(() => UnixStream.connect(42 as unknown as string)).toThrow(
      new TypeError(
        "UnixStream.connect(path): path must be a non-empty string (a file path), got number",
      ),
    );
    expect(() => UnixStream.connect("")).toThrow(TypeError);
    expect(() => UnixStream.connect("/tmp/a\0b")).toThrow(/must not contain a NUL/);
    const long = `/tmp/${"x".repeat(200)}.sock`;
    expect(() => UnixListener.bind(long)).toThrow(RangeError);
    expect(() => UnixListener.bind(long)).toThrow(
      /UnixListener\.bind\(path\): path must be at most 10[37] bytes long/,
    );
    expect(netMetrics()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });

  it("two tasks read one UnixStream: the second is refused, naming both, and the first gets the bytes", async () => {
    const path = sockPath("one-reader");
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* UnixListener.bind(path);
        using client = yield* UnixStream.connect(path);
        using server = yield* listener.accept();
        const first = spawn(read(client, new Uint8Array(8)), { name: "first reader" });
        yield* sleep(1);
        const second = spawn(read(client, new Uint8Array(8)), { name: "second reader" });
        const refused = yield* refusal(second);
        yield* writeAll(server, new TextEncoder().encode("xy"));
        return { refused, n: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(
      /^unix stream read in task 'second reader': this socket is already waited on by task 'first reader' \(a read there\)/,
    );
    expect(out.n).toBe(2);
  });

  it("split halves work in two tasks: one reads the peer's lines while the other writes, and disposing the write half sends the end", async () => {
    const path = sockPath("split");
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* UnixListener.bind(path);
        const client = yield* UnixStream.connect(path);
        using server = yield* listener.accept();
        const [rd, wr] = client.split();
        const reader = spawn(readToEnd(rd));
        const writer = spawn(
          asyncBlock(function* () {
            yield* writeAll(wr, new TextEncoder().encode("order 1\norder 2\n"));
            wr[Symbol.dispose](); // half-close: the server's read ends
          }),
        );
        const got = new TextDecoder().decode(yield* server.readToEnd());
        yield* writer;
        yield* server.writeAll(new TextEncoder().encode("served"));
        yield* server.shutdown();
        const reply = new TextDecoder().decode(yield* reader);
        rd[Symbol.dispose]();
        return { got, reply };
      }),
    );
    expect(out).toEqual({ got: "order 1\norder 2\n", reply: "served" });
  });

  it("a stream disposed with bytes its peer never reads is closed once a second passes with none sent, without an uncaught error (a Unix socket cannot be reset)", async () => {
    const path = sockPath("linger");
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* UnixListener.bind(path);
        const client = yield* UnixStream.connect(path);
        using _server = yield* listener.accept();
        // Fill the kernel's buffers, Node's and the peer's receive queue (it never reads): a
        // write still waiting after 100 ms of real time, which lets the socket events flow, waits
        // for good.
        const chunk = new Uint8Array(64 * 1024);
        let jammed = false;
        for (let i = 0; i < 2000 && !jammed; i++) {
          using sel = yield* select(client.write(chunk), sleep(100));
          jammed = sel.index === 1;
        }
        const pending = client.writeBufferLength;
        client[Symbol.dispose]();
        const whileLingering = netMetrics().liveSockets;
        // Real time: the linger check runs on a real interval of one second.
        for (let i = 0; i < 60 && netMetrics().liveSockets > 1; i++) {
          yield* sleep(50);
        }
        return { jammed, pending, whileLingering, after: netMetrics().liveSockets };
      }),
    );
    expect(out.jammed).toBe(true);
    expect(out.pending).toBeGreaterThan(0);
    expect(out.whileLingering).toBe(2); // still sending what it holds
    expect(out.after).toBe(1); // only the server's end, disposed by `using` after this
    expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });
});
