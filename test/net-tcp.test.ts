/**
 * TCP against real sockets on loopback (127.0.0.1 only; every loop is bounded): echo of random
 * payloads with split reads and writes, thousands of connections, a peer that never reads, reset
 * and refused connections, a client that vanishes, half-close, and the promise that dropping any
 * I/O future or stream leaves no socket or listener behind (counted by `netMetrics` and by Node's
 * own list of active handles).
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import net from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  Context,
  type Future,
  fromPromise,
  type JoinHandle,
  join,
  joinAll,
  PENDING,
  pollFn,
  Runtime,
  race,
  run,
  sleep,
  spawn,
  Waker,
  yieldNow,
} from "../src/index.js";
import {
  copy,
  IoError,
  netMetrics,
  readToEnd,
  TcpListener,
  TcpStream,
  writeAll,
} from "../src/node.js";
import { unconstrained } from "../src/task/budget.js";

/** Wait (boundedly) until every socket and listener handle has closed; report what is left. */
async function settled(): Promise<{ liveSockets: number; liveListeners: number; tcp: number }> {
  for (let i = 0; i < 400; i++) {
    const m = netMetrics();
    const tcp = process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP")).length;
    if (m.liveSockets === 0 && m.liveListeners === 0 && tcp === 0) return { ...m, tcp };
    await new Promise((r) => setTimeout(r, 5));
  }
  const m = netMetrics();
  return { ...m, tcp: process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP")).length };
}

const NOTHING_LEFT = { liveSockets: 0, liveListeners: 0, tcp: 0 };

afterEach(async () => {
  expect(await settled()).toEqual(NOTHING_LEFT);
});

/** I/O errors the echo tasks caught, by kind (a reset client is the client's business). */
const echoErrors: string[] = [];

/** Serve one echo connection. */
const echo = asyncFn(function* (conn: TcpStream) {
  try {
    yield* copy(conn, conn);
    yield* conn.shutdown();
  } catch (e) {
    if (!(e instanceof IoError)) throw e;
    echoErrors.push(e.kind);
  } finally {
    conn[Symbol.dispose]();
  }
});

/** Accept forever, one echo task per connection (disposes the listener when torn down). */
const echoServer = asyncFn(function* (listener: TcpListener) {
  try {
    for (;;) spawn(echo(yield* listener.accept()));
  } finally {
    listener[Symbol.dispose]();
  }
});

/** At most ~3,000 pieces per payload, so a 4 MB echo stays a bounded loop. */
function pieceSize(sizes: number[], i: number, total: number): number {
  return Math.max(sizes[i % sizes.length]!, Math.ceil(total / 3000));
}

/** Write `data` in pieces of the sizes given (cycled), like a client with an odd buffer. */
const writePieces = asyncFn(function* (stream: TcpStream, data: Uint8Array, sizes: number[]) {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = Math.min(pieceSize(sizes, i, data.length), data.length - at);
    yield* writeAll(stream, data.subarray(at, at + n));
    at += n;
  }
  yield* stream.shutdown();
});

/** Read until the end with buffers of the sizes given (cycled). */
const readPieces = asyncFn(function* (stream: TcpStream, sizes: number[], total: number) {
  const parts: Uint8Array[] = [];
  for (let i = 0; ; i++) {
    const buf = new Uint8Array(pieceSize(sizes, i, total));
    const n = yield* stream.read(buf);
    if (n === 0) return Buffer.concat(parts);
    parts.push(buf.subarray(0, n));
  }
});

describe("echo over loopback", () => {
  it("random payloads up to 4 MB come back byte for byte, written and read in random pieces", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 1000, 65_537, 1_000_003, 4 * 1024 * 1024),
        fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }),
        async (size, writeSizes, readSizes) => {
          const payload = randomBytes(size);
          const back = await run(
            asyncBlock(function* () {
              const listener = yield* TcpListener.bind("127.0.0.1:0");
              const server = spawn(echoServer(listener));
              const client = yield* TcpStream.connect(listener.localAddr());
              try {
                const [, got] = yield* join(
                  writePieces(client, payload, writeSizes),
                  readPieces(client, readSizes, size),
                );
                return got;
              } finally {
                client[Symbol.dispose]();
                server.abort();
              }
            }),
          );
          expect(back.length).toBe(size);
          expect(back.equals(payload)).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("2,000 concurrent connections each get their own bytes back", async () => {
    const N = 2_000;
    const results = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0", { backlog: 4096 });
        const server = spawn(echoServer(listener));
        const addr = listener.localAddr();
        const client = asyncFn(function* (i: number) {
          const conn = yield* TcpStream.connect(addr);
          try {
            const msg = new TextEncoder().encode(`table ${i} wants soup`);
            yield* conn.writeAll(msg);
            yield* conn.shutdown();
            return new TextDecoder().decode(yield* conn.readToEnd());
          } finally {
            conn[Symbol.dispose]();
          }
        });
        try {
          return yield* joinAll(Array.from({ length: N }, (_, i) => client(i)));
        } finally {
          server.abort();
        }
      }),
    );
    expect(results.length).toBe(N);
    expect(results.every((r, i) => r === `table ${i} wants soup`)).toBe(true);
  }, 60_000);
});

describe("backpressure", () => {
  it("a peer that never reads leaves the writer PENDING, its buffer bounded and memory flat", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const report = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const client = yield* TcpStream.connect(listener.localAddr());
        const peer = yield* listener.accept(); // accepted, never read
        const flood = floodWriter(client, chunk);
        // Let the kernel buffers fill: wait until a whole round of checks sees no progress.
        const stableRounds = yield* untilStalled(flood);
        const heapBefore = process.memoryUsage();
        const acceptedBefore = flood.accepted;
        for (let i = 0; i < 20; i++) yield* sleepMs(5);
        const heapAfter = process.memoryUsage();
        const out = {
          stableRounds,
          pending: flood.lastPoll === PENDING,
          acceptedGrew: flood.accepted - acceptedBefore,
          accepted: flood.accepted,
          buffered: client.writeBufferLength,
          arrayBufferGrowth: heapAfter.arrayBuffers - heapBefore.arrayBuffers,
        };
        flood.writer.abort();
        client[Symbol.dispose]();
        peer[Symbol.dispose]();
        listener[Symbol.dispose]();
        return out;
      }),
    );
    expect(report.stableRounds).toBe(5);
    expect(report.pending).toBe(true);
    expect(report.acceptedGrew).toBe(0);
    // Kernel socket buffers plus Node's high-water mark plus one write: megabytes, not gigabytes.
    expect(report.accepted).toBeLessThan(64 * 1024 * 1024);
    expect(report.buffered).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
    expect(report.arrayBufferGrowth).toBeLessThan(1024 * 1024);
  });
});

describe("read-ahead", () => {
  it("a receive queue that never quite empties keeps its slots bounded and its bytes in order", () => {
    // A fake socket: the queue's bookkeeping, not the network, is under test. The reader takes 10
    // bytes of every 10-byte chunk but always stays one byte behind, so the queue never empties.
    class FakeSocket extends EventEmitter {
      destroyed = false;
      pause(): void {}
      resume(): void {}
      destroy(): void {}
    }
    const socket = new FakeSocket();
    const stream = new TcpStream(socket as never);
    const cx = new Context(Waker.noop());
    const buf = new Uint8Array(10);
    const got: number[] = [];
    let next = 0;
    const send = (n: number) => {
      const chunk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) chunk[i] = next++ & 0xff;
      socket.emit("data", chunk);
    };
    send(1);
    for (let i = 0; i < 20_000; i++) {
      send(10);
      // Each read is one poll's worth: a fresh budget, as a task gets for every poll.
      const n = unconstrained(() => stream.pollRead(cx, buf));
      expect(n).toBe(10);
      for (let k = 0; k < 10; k++) got.push(buf[k]!);
    }
    expect(stream.readBufferLength).toBe(1);
    expect(got.every((b, i) => b === (i & 0xff))).toBe(true);
    const slots = (stream as unknown as { received: unknown[] }).received.length;
    expect(slots).toBeLessThanOrEqual(130);
    stream[Symbol.dispose]();
  });

  it("a reader that stops reading pauses its socket: at most 64 KiB plus one chunk wait unread, the sender backs up, and reading resumes the flow", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(3);
    const report = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const client = yield* TcpStream.connect(listener.localAddr());
        const peer = yield* listener.accept(); // not read until the sender has backed up
        const flood = floodWriter(client, chunk);
        // Wait until a whole round of checks sees the sender make no progress.
        const stableRounds = yield* untilStalled(flood);
        const stalled = {
          stableRounds,
          pending: flood.lastPoll === PENDING,
          unread: peer.readBufferLength,
          accepted: flood.accepted,
        };
        // Now read: the queue drains, the socket resumes, and the sender moves again.
        const buf = new Uint8Array(256 * 1024);
        let read = 0;
        for (let i = 0; i < 10_000 && read < flood.accepted + 4 * chunk.length; i++) {
          read += yield* peer.read(buf);
        }
        const out = { ...stalled, read, acceptedAfter: flood.accepted };
        flood.writer.abort();
        client[Symbol.dispose]();
        peer[Symbol.dispose]();
        listener[Symbol.dispose]();
        return out;
      }),
    );
    expect(report.stableRounds).toBe(5);
    expect(report.pending).toBe(true);
    expect(report.unread).toBeGreaterThan(0);
    // The mark (64 KiB) plus the one chunk that crossed it (Node delivers at most 64 KiB at a time).
    expect(report.unread).toBeLessThanOrEqual(64 * 1024 + 64 * 1024);
    expect(report.read).toBeGreaterThanOrEqual(report.accepted + 4 * chunk.length);
    expect(report.acceptedAfter).toBeGreaterThan(report.accepted);
  });
});

/** Real milliseconds: these tests use real sockets, so they run on the real clock. */
function sleepMs(ms: number) {
  return sleep(ms);
}

/** A task writing `chunk` to `client` for ever, counting the bytes accepted and its last poll. */
function floodWriter(client: TcpStream, chunk: Uint8Array) {
  const flood = {
    accepted: 0,
    lastPoll: null as unknown,
    writer: null as unknown as JoinHandle<never>,
  };
  flood.writer = spawn(
    asyncBlock(function* () {
      for (;;) {
        const n = yield* pollFn((cx) => {
          const r = client.pollWrite(cx, chunk);
          flood.lastPoll = r;
          return r;
        });
        flood.accepted += n as number;
      }
    }),
  );
  return flood;
}

/** Wait until five checks in a row (10 ms apart) see the writer make no progress; the streak. */
const untilStalled = asyncFn(function* (flood: { accepted: number }) {
  let previous = -1;
  let stableRounds = 0;
  for (let i = 0; i < 200 && stableRounds < 5; i++) {
    yield* sleepMs(10);
    stableRounds = flood.accepted === previous ? stableRounds + 1 : 0;
    previous = flood.accepted;
  }
  return stableRounds;
});

describe("errors arrive as typed IoErrors at the awaiting future", () => {
  it("connecting to a closed port is refused", async () => {
    const port = await freePort();
    await expect(
      run(
        asyncBlock(function* () {
          return yield* TcpStream.connect({ host: "127.0.0.1", port });
        }),
      ),
    ).rejects.toMatchObject({ name: "IoError", kind: "ConnectionRefused", code: "ECONNREFUSED" });
  });

  it("binding a port in use fails with AddrInUse", async () => {
    const err = await run(
      asyncBlock(function* () {
        const first = yield* TcpListener.bind("127.0.0.1:0");
        try {
          yield* TcpListener.bind(first.localAddr());
          return null;
        } catch (e) {
          return e;
        } finally {
          first[Symbol.dispose]();
        }
      }),
    );
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("AddrInUse");
  });

  it("a reset by the peer fails the pending read with ConnectionReset, then writes fail too", async () => {
    const server = net.createServer((s) => {
      s.on("data", () => s.resetAndDestroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const kinds = await run(
        asyncBlock(function* () {
          const conn = yield* TcpStream.connect({ port });
          const out: string[] = [];
          try {
            yield* conn.writeAll(new Uint8Array([1, 2, 3]));
            try {
              yield* conn.read(new Uint8Array(16));
              out.push("read ok");
            } catch (e) {
              out.push((e as IoError).kind);
              // The message says which connection, and what the code means.
              expect((e as IoError).message).toMatch(
                /^tcp stream 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ failed: the peer reset the connection \(read ECONNRESET\)$/,
              );
            }
            try {
              yield* conn.writeAll(new Uint8Array(10));
              out.push("write ok");
            } catch (e) {
              out.push((e as IoError).kind);
            }
          } finally {
            conn[Symbol.dispose]();
          }
          return out;
        }),
      );
      expect(kinds).toEqual(["ConnectionReset", "ConnectionReset"]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("the accept loop survives clients that connect and vanish, and serves the next one", async () => {
    const answer = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const server = spawn(echoServer(listener));
        const port = listener.localAddr().port;
        // Twenty clients connect and vanish at once, half of them with a reset.
        yield* fromPromise(() =>
          Promise.all(
            Array.from(
              { length: 20 },
              (_, i) =>
                new Promise<void>((resolve) => {
                  const s = net.connect(port, "127.0.0.1", () => {
                    if (i % 2 === 0) s.resetAndDestroy();
                    else s.destroy();
                  });
                  s.on("error", () => {});
                  s.on("close", () => resolve());
                }),
            ),
          ),
        );
        const conn = yield* TcpStream.connect({ port });
        try {
          yield* conn.writeAll(new TextEncoder().encode("still open?"));
          yield* conn.shutdown();
          return new TextDecoder().decode(yield* readToEnd(conn));
        } finally {
          conn[Symbol.dispose]();
          server.abort();
        }
      }),
    );
    expect(answer).toBe("still open?");
    // The vanished clients' errors reached their echo tasks as typed errors, nowhere else.
    expect(echoErrors.every((k) => k === "ConnectionReset")).toBe(true);
  });
});

describe("connections", () => {
  it("half-close: the client's shutdown reaches the server as the end, and the server can still answer", async () => {
    const reply = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        try {
          const client = yield* TcpStream.connect(listener.localAddr());
          const conn = yield* listener.accept();
          try {
            yield* client.writeAll(new TextEncoder().encode("two soups"));
            yield* client.shutdown();
            const order = new TextDecoder().decode(yield* conn.readToEnd());
            yield* conn.writeAll(new TextEncoder().encode(`coming: ${order}`));
            yield* conn.shutdown();
            return new TextDecoder().decode(yield* client.readToEnd());
          } finally {
            client[Symbol.dispose]();
            conn[Symbol.dispose]();
          }
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(reply).toBe("coming: two soups");
  });

  it("local and peer addresses mirror each other, and a write after shutdown is a BrokenPipe", async () => {
    const out = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const client = yield* TcpStream.connect(listener.localAddr());
        const conn = yield* listener.accept();
        client.setNoDelay(true);
        yield* client.shutdown();
        let kind = "";
        try {
          yield* client.writeAll(new Uint8Array(1));
        } catch (e) {
          kind = (e as IoError).kind;
        }
        const r = {
          clientPeer: client.peerAddr().toString(),
          listenerAddr: listener.localAddr().toString(),
          clientLocal: client.localAddr().toString(),
          connPeer: conn.peerAddr().toString(),
          kind,
        };
        client[Symbol.dispose]();
        conn[Symbol.dispose]();
        listener[Symbol.dispose]();
        return r;
      }),
    );
    expect(out.clientPeer).toBe(out.listenerAddr);
    expect(out.clientLocal).toBe(out.connPeer);
    expect(out.kind).toBe("BrokenPipe");
  });

  it("incoming() yields connections until the listener is disposed, then ends", async () => {
    const count = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const addr = listener.localAddr();
        const clients = spawn(
          asyncBlock(function* () {
            for (let i = 0; i < 3; i++) (yield* TcpStream.connect(addr))[Symbol.dispose]();
          }),
        );
        let n = 0;
        yield* listener.incoming().forEach((conn) => {
          conn[Symbol.dispose]();
          if (++n === 3) listener[Symbol.dispose]();
        });
        yield* clients;
        return n;
      }),
    );
    expect(count).toBe(3);
  });

  it("bad addresses are refused with errors that name the rule", () => {
    expect(() => TcpStream.connect("localhost")).toThrow(/must look like "host:port"/);
    expect(() => TcpListener.bind("127.0.0.1:70000")).toThrow(RangeError);
    expect(() => TcpListener.bind({ port: 0 }, { backlog: 0 })).toThrow(/backlog/);
  });
});

describe("cancellation leaves no socket or listener behind", () => {
  /** Run `scenario` in a runtime; whatever it drops or leaves must be closed by the end. */
  async function scenario(body: () => Generator<typeof PENDING, unknown, unknown>) {
    await run(asyncBlock(body));
    return settled();
  }

  /**
   * Poll `future` up to `k` times (letting real time pass between polls), then drop it. If it
   * completes first, its output (a stream, a listener) is the caller's to dispose, and is.
   */
  const pollThenDrop = asyncFn(function* (future: Future<unknown>, k: number) {
    for (let i = 0; i < k; i++) {
      const r = yield* pollFn((cx) => {
        const out = future.poll(cx);
        return { out };
      });
      if (r.out !== PENDING) {
        (r.out as Partial<Disposable> | undefined)?.[Symbol.dispose]?.();
        return;
      }
      yield* sleepMs(2);
    }
    (future as Partial<Disposable>)[Symbol.dispose]?.();
  });

  it("connect dropped after 0 to 3 polls (before starting, while connecting, connected but not taken)", async () => {
    for (let k = 0; k <= 3; k++) {
      const left = await scenario(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        try {
          yield* pollThenDrop(TcpStream.connect(listener.localAddr()), k);
        } finally {
          listener[Symbol.dispose]();
        }
      });
      expect({ k, ...left }).toEqual({ k, ...NOTHING_LEFT });
    }
  });

  it("bind dropped after 0 to 3 polls", async () => {
    for (let k = 0; k <= 3; k++) {
      const left = await scenario(function* () {
        yield* pollThenDrop(TcpListener.bind("127.0.0.1:0"), k);
      });
      expect({ k, ...left }).toEqual({ k, ...NOTHING_LEFT });
    }
  });

  it("accept, read, readExact, readToEnd, writeAll (blocked), flush, shutdown and copy, each dropped after 1 to 3 polls", async () => {
    const big = new Uint8Array(32 * 1024 * 1024);
    const ops: Record<string, (c: TcpStream, peer: TcpStream, l: TcpListener) => Future<unknown>> =
      {
        accept: (_c, _p, l) => l.accept(),
        read: (c) => c.read(new Uint8Array(10)),
        readExact: (c) => c.readExact(new Uint8Array(10)),
        readToEnd: (c) => c.readToEnd(),
        writeAll: (c) => c.writeAll(big),
        flush: (c) => c.flush(),
        shutdown: (c) => c.shutdown(),
        copy: (c, p) => copy(c, p),
      };
    for (const [name, op] of Object.entries(ops)) {
      for (let k = 1; k <= 3; k++) {
        const left = await scenario(function* () {
          const listener = yield* TcpListener.bind("127.0.0.1:0");
          const client = yield* TcpStream.connect(listener.localAddr());
          const peer = yield* listener.accept();
          try {
            yield* pollThenDrop(op(client, peer, listener), k);
          } finally {
            client[Symbol.dispose]();
            peer[Symbol.dispose]();
            listener[Symbol.dispose]();
          }
        });
        expect({ name, k, ...left }).toEqual({ name, k, ...NOTHING_LEFT });
      }
    }
  }, 60_000);

  it("aborting a server task mid-echo and shutting the runtime down closes every socket", async () => {
    const rt = new Runtime();
    const listener = await rt.spawn(TcpListener.bind("127.0.0.1:0"));
    const server = rt.spawn(echoServer(listener));
    const addr = listener.localAddr();
    const clients = Array.from({ length: 10 }, () =>
      rt.spawn(
        asyncBlock(function* () {
          const c = yield* TcpStream.connect(addr);
          try {
            yield* c.writeAll(new Uint8Array(1000));
            yield* c.readToEnd(); // never ends: the server never sees our end
          } finally {
            c[Symbol.dispose]();
          }
        }),
      ),
    );
    // Wait (boundedly) until all ten connections are up on both ends.
    for (let i = 0; i < 1000 && netMetrics().liveSockets < 20; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(netMetrics().liveSockets).toBe(20);
    server.abort();
    await rt.shutdown();
    for (const c of clients) expect(c.isFinished()).toBe(true);
    expect(await settled()).toEqual(NOTHING_LEFT);
  });

  it("race() drops the losing read and its stream stays usable", async () => {
    const got = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const client = yield* TcpStream.connect(listener.localAddr());
        const peer = yield* listener.accept();
        try {
          const buf = new Uint8Array(8);
          const first = yield* race(client.read(buf), yieldNow());
          yield* peer.writeAll(new Uint8Array([4, 2]));
          const n = yield* client.read(buf);
          return [first, Array.from(buf.subarray(0, n))];
        } finally {
          client[Symbol.dispose]();
          peer[Symbol.dispose]();
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(got).toEqual([undefined, [4, 2]]);
  });
});

/** A port that was free a moment ago (bound, then closed). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("sockets, the deadlock check and the paused clock", () => {
  it("a task waiting on accept is not a deadlock: a client that comes 20 ms later is served", async () => {
    const listenerPort = await freePort();
    setTimeout(() => {
      const s = net.connect(listenerPort, "127.0.0.1", () => s.end("late guest"));
      s.on("error", () => {});
    }, 20);
    const order = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind({ port: listenerPort });
        try {
          const conn = yield* listener.accept();
          try {
            return new TextDecoder().decode(yield* conn.readToEnd());
          } finally {
            conn[Symbol.dispose]();
          }
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(order).toBe("late guest");
  });

  it("a listener waiting for guests does not hold the paused clock: a very long sleep still ends", async () => {
    const slept = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const waiter = spawn(
          asyncBlock(function* () {
            (yield* listener.accept())[Symbol.dispose]();
          }),
        );
        try {
          yield* sleep(1_000_000_000); // only auto-advance can end this
          return "slept";
        } finally {
          waiter.abort();
          listener[Symbol.dispose]();
        }
      }),
      { clock: "paused" },
    );
    expect(slept).toBe("slept");
  });
});
