/**
 * Dropping UDP futures and sockets: a `recvFrom` dropped at any point (never polled, parked, woken
 * by an arrival but not polled again, refused by a spent budget) takes no datagram; a dropped wait
 * closes its I/O wait at once (`ioWaits`); a second task's receive is refused while the first waits;
 * disposing a socket fails what waits or is in flight on it with `NotConnected` and leaves no
 * socket, wait or bridge behind; receives do not hold the paused clock. Real sockets on 127.0.0.1.
 */
import { spawn as spawnProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join as joinPath } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  Context,
  type Future,
  join,
  PENDING,
  pollFn,
  Runtime,
  race,
  run,
  select,
  sleep,
  spawn,
  Waker,
  yieldNow,
} from "../src/index.js";
import { IoError, netMetrics, UdpSocket } from "../src/node.js";
import { pollProceed } from "../src/task/budget.js";
import { expectNoSocketsLeft, settled } from "./net-testkit.js";
import { refusal } from "./one-reader-testkit.js";

expectNoSocketsLeft();

/** Spawn `body(rt)` on a fresh runtime, await it, shut down. */
async function onRuntime<T>(body: (rt: Runtime) => ReturnType<typeof asyncBlock<T>>): Promise<T> {
  const rt = new Runtime();
  try {
    return await rt.spawn(body(rt));
  } finally {
    await rt.shutdown();
  }
}

/** Wait (boundedly, on the real clock) until `s` has `n` datagrams queued. */
const queued = asyncFn(function* (s: UdpSocket, n: number) {
  for (let i = 0; i < 1000 && s.recvQueueLength < n; i++) yield* sleep(2);
  if (s.recvQueueLength < n) throw new Error(`only ${s.recvQueueLength} of ${n} datagrams came`);
});

/** A waker for polling by hand that counts its wakes. */
function countingContext(): { cx: Context; wakes: () => number } {
  let wakes = 0;
  return { cx: new Context(Waker.from(() => wakes++)), wakes: () => wakes };
}

const POINTS = ["never polled", "parked", "woken, not polled again", "budget spent"] as const;

describe("dropping a recvFrom", () => {
  it("at every point of its life, a dropped recvFrom takes no datagram: each one sent is read by the recvFrom after it, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...POINTS), { minLength: 1, maxLength: 8 }),
        async (points) => {
          const got = await onRuntime(() =>
            asyncBlock(function* () {
              using a = yield* UdpSocket.bind("127.0.0.1:0");
              using b = yield* UdpSocket.bind("127.0.0.1:0");
              const buf = new Uint8Array(4);
              const got: number[] = [];
              for (const [i, point] of points.entries()) {
                const dropped = b.recvFrom(buf);
                if (point === "never polled") {
                  yield* a.sendTo(new Uint8Array([i]), b.localAddr());
                } else if (point === "parked") {
                  using sel = yield* select(dropped, yieldNow());
                  if (sel.index !== 1) throw new Error("the recvFrom was ready with nothing sent");
                  yield* a.sendTo(new Uint8Array([i]), b.localAddr());
                } else if (point === "woken, not polled again") {
                  const { cx, wakes } = countingContext();
                  if (dropped.poll(cx) !== PENDING) throw new Error("ready with nothing sent");
                  yield* a.sendTo(new Uint8Array([i]), b.localAddr());
                  for (let k = 0; k < 1000 && wakes() === 0; k++) yield* sleep(2);
                  if (wakes() !== 1)
                    throw new Error("the arrival did not wake the parked recvFrom");
                } else {
                  yield* a.sendTo(new Uint8Array([i]), b.localAddr());
                  yield* queued(b, 1);
                  const r = yield* pollFn((cx) => {
                    while (pollProceed(cx)) {} // spend this task poll's budget
                    return [dropped.poll(cx)];
                  });
                  if (r[0] !== PENDING) throw new Error("a spent budget still took the datagram");
                }
                dropped[Symbol.dispose]();
                const [n, from] = yield* b.recvFrom(buf);
                if (String(from) !== String(a.localAddr()))
                  throw new Error("a stranger's datagram");
                got.push(n === 1 ? buf[0]! : -1);
              }
              return got;
            }),
          );
          expect(got).toEqual(points.map((_, i) => i));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a recvFrom parks, loses a select to yieldNow and is dropped at the scope's end: ioWaits reads 1 while it is kept and 0 after", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const seen: unknown[] = [rt.metrics().ioWaits];
        {
          using sel = yield* select(b.recvFrom(new Uint8Array(4)), yieldNow());
          seen.push(sel.index, rt.metrics().ioWaits);
        }
        seen.push(rt.metrics().ioWaits);
        return seen;
      }),
    );
    expect(seen).toEqual([0, 1, 1, 0]);
  });

  it("a task aborted while its recv waits gives the wait back, and another task may then receive on the socket", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const first = spawn(b.recv(new Uint8Array(4)), { name: "first reader" });
        yield* yieldNow();
        const waiting = rt.metrics().ioWaits;
        first.abort();
        yield* yieldNow();
        const after = rt.metrics().ioWaits;
        const second = spawn(b.recv(new Uint8Array(4)), { name: "second reader" });
        yield* yieldNow();
        yield* a.sendTo(new Uint8Array([1, 2]), b.localAddr());
        return [waiting, after, yield* second];
      }),
    );
    expect(seen).toEqual([1, 0, 2]);
  });
});

describe("one reader at a time", () => {
  it("a second task that waits to receive while the first task's recv waits is refused with a FutureStateError naming both; the first still gets the datagram", async () => {
    const seen = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const first = spawn(b.recvFrom(new Uint8Array(4)), { name: "listener" });
        yield* yieldNow();
        const second = spawn(b.recv(new Uint8Array(4)), { name: "intruder" });
        const refused = yield* refusal(second);
        yield* a.sendTo(new Uint8Array([5]), b.localAddr());
        const [n] = yield* first;
        return [refused, n];
      }),
    );
    expect(seen).toEqual([
      "udp socket receive in task 'intruder': this socket is already waited on by task 'listener' (a recv(), recvFrom() or peekFrom() there). A UDP socket has one reader at a time: receive in one task and hand the datagrams on through a channel (sending needs no such care: any task may send)",
      1,
    ]);
  });

  it("one task's two receives (a select's rest and a new recv) share the socket without a refusal; the newer one gets the datagram", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        using sel = yield* select(b.recv(new Uint8Array(4)), yieldNow());
        const [, n] = yield* join(
          asyncBlock(function* () {
            yield* a.sendTo(new Uint8Array([1, 2, 3]), b.localAddr());
          }),
          b.recv(new Uint8Array(4)),
        );
        return [sel.index, n];
      }),
    );
    expect(got).toEqual([1, 3]);
  });
});

describe("disposing a UDP socket", () => {
  it("a recv waiting on a socket that is disposed fails with NotConnected; the socket handle closes, ioWaits and bridges read 0, and later calls fail the same way", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const b = yield* UdpSocket.bind("127.0.0.1:0");
        const waiting = spawn(b.recv(new Uint8Array(4)));
        yield* yieldNow();
        const before = [rt.metrics().ioWaits, netMetrics().liveSockets];
        b[Symbol.dispose]();
        b[Symbol.dispose](); // idempotent
        let error: unknown = null;
        try {
          yield* waiting;
        } catch (e) {
          error = (e as { cause?: unknown }).cause;
        }
        const later: string[] = [];
        for (const op of [
          () => b.recv(new Uint8Array(1)),
          () => b.sendTo(new Uint8Array(1), "127.0.0.1:9"),
          () => b.connect("127.0.0.1:9"),
        ]) {
          try {
            yield* op();
          } catch (e) {
            later.push(e instanceof IoError ? e.kind : String(e));
          }
        }
        let ttl = "";
        try {
          b.setTtl(3);
        } catch (e) {
          ttl = (e as IoError).kind;
        }
        return {
          before,
          error: error instanceof IoError ? [error.kind, error.message] : error,
          later,
          ttl,
          ioWaits: rt.metrics().ioWaits,
          bridges: rt.metrics().pendingBridges,
        };
      }),
    );
    expect(seen.before).toEqual([1, 1]);
    expect(seen.error).toEqual([
      "NotConnected",
      expect.stringMatching(/^udp socket 127\.0\.0\.1:\d+: receive after the socket was disposed$/),
    ]);
    expect(seen.later).toEqual(["NotConnected", "NotConnected", "NotConnected"]);
    expect(seen.ttl).toBe("NotConnected");
    expect([seen.ioWaits, seen.bridges]).toEqual([0, 0]);
    expect((await settled()).liveSockets).toBe(0);
    expect(process.getActiveResourcesInfo().filter((r) => r.startsWith("UDP"))).toEqual([]);
  });

  it("a send and a connect in flight when the socket is disposed fail with NotConnected and close their bridges", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const a = yield* UdpSocket.bind("127.0.0.1:0");
        const outcome = asyncFn(function* (f: Future<unknown>) {
          try {
            yield* f;
            return "done";
          } catch (e) {
            return e instanceof IoError ? e.kind : String(e);
          }
        });
        const c = yield* UdpSocket.bind("127.0.0.1:0");
        const [sent, connected, bridges] = yield* join(
          outcome(a.sendTo(new Uint8Array(3), "127.0.0.1:9")),
          outcome(c.connect("127.0.0.1:9")),
          asyncBlock(function* () {
            const open = rt.metrics().pendingBridges; // both are in Node's hands now
            a[Symbol.dispose]();
            c[Symbol.dispose]();
            return open;
          }),
        );
        return [sent, connected, bridges, rt.metrics().pendingBridges];
      }),
    );
    expect(seen).toEqual(["NotConnected", "NotConnected", 2, 0]);
  });

  it("a bind dropped before its first poll makes no socket; one dropped while binding, or bound and never taken, closes what it made", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        UdpSocket.bind("127.0.0.1:0")[Symbol.dispose]();
        const unpolled = netMetrics().liveSockets;
        {
          using sel = yield* select(UdpSocket.bind("127.0.0.1:0"), yieldNow());
          if (sel.index !== 1) throw new Error("bound at once");
        }
        const afterMidBind = rt.metrics().pendingBridges;
        const bind = UdpSocket.bind("127.0.0.1:0");
        const { cx, wakes } = countingContext();
        if (bind.poll(cx) !== PENDING) throw new Error("bound at once");
        for (let i = 0; i < 1000 && wakes() === 0; i++) yield* sleep(2);
        const bound = [wakes(), netMetrics().liveSockets, rt.metrics().pendingBridges];
        bind[Symbol.dispose](); // bound, never taken: the socket goes with the future
        return [unpolled, afterMidBind, bound];
      }),
    );
    expect(seen).toEqual([0, 0, [1, 1, 0]]);
    expect((await settled()).liveSockets).toBe(0);
  });

  it("a connect dropped after its first poll still happens (Node cannot call it back): peerAddr names the peer and send goes there", async () => {
    const seen = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        {
          using sel = yield* select(a.connect(b.localAddr()), yieldNow());
          if (sel.index !== 1) throw new Error("connected at once");
        }
        for (let i = 0; i < 1000; i++) {
          try {
            a.peerAddr();
            break;
          } catch {
            yield* sleep(2);
          }
        }
        const peer = String(a.peerAddr()) === String(b.localAddr());
        yield* a.send(new Uint8Array([3]));
        const buf = new Uint8Array(4);
        const [n, from] = yield* b.recvFrom(buf);
        return [peer, n, buf[0], String(from) === String(a.localAddr())];
      }),
    );
    expect(seen).toEqual([true, 1, 3, true]);
  });
});

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Run a program that binds a socket in `run()` and disposes it or not; report whether the process
 * was still running 300 ms after `run()` returned (then it is killed) or exited by itself.
 */
function afterMain(dispose: boolean): Promise<string> {
  const dir = joinPath(root, "test-artifacts", "net-udp");
  mkdirSync(dir, { recursive: true });
  const file = joinPath(dir, `keep-alive-${dispose}.ts`);
  writeFileSync(
    file,
    `import { asyncBlock, run } from ${JSON.stringify(joinPath(root, "src/index.ts"))};
import { UdpSocket } from ${JSON.stringify(joinPath(root, "src/node.ts"))};
await run(asyncBlock(function* () {
  const socket = yield* UdpSocket.bind("127.0.0.1:0");
  if (${dispose}) socket[Symbol.dispose]();
}));
console.log("main returned");
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawnProcess(process.execPath, ["--import", "tsx", file], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      if (String(d).includes("main returned")) {
        timer = setTimeout(() => {
          child.kill();
          resolve("still running");
        }, 300);
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(`exited ${code}`);
    });
  });
}

describe("UDP sockets and the life of the process", () => {
  it("a bound socket nobody disposes keeps the process running after main returns, as a listening TcpListener does; disposed, the process exits", async () => {
    expect(await afterMain(false)).toBe("still running");
    expect(await afterMain(true)).toBe("exited 0");
  });
});

describe("UDP and the paused clock", () => {
  it("a recv waiting for a peer that never sends does not hold the paused clock: a 10 s sleep beside it wins at once", async () => {
    const seen = await run(
      asyncBlock(function* () {
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const r = yield* race(
          asyncBlock(function* () {
            yield* b.recv(new Uint8Array(4));
            return "datagram";
          }),
          asyncBlock(function* () {
            yield* sleep(10_000);
            return "slept";
          }),
        );
        return r;
      }),
      { clock: "paused" },
    );
    expect(seen).toBe("slept");
  });

  it("a datagram sent on loopback is received before the paused clock jumps to a sleep beside the recv", async () => {
    const seen = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        yield* a.sendTo(new Uint8Array([4, 2]), b.localAddr());
        return yield* race(b.recv(new Uint8Array(4)), sleep(1000));
      }),
      { clock: "paused" },
    );
    expect(seen).toBe(2);
  });
});
