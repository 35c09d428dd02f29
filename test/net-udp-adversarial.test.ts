/**
 * An adversarial second suite for `UdpSocket` and `lookupHost`: floods with no reader (memory
 * bounded, every datagram accounted for as kept, dropped by the queue or dropped by the kernel),
 * the edges of datagram sizes, receives polled after they finished or were dropped, ICMP errors
 * racing with sends, disposing with work in flight in several tasks, sockets moved into tasks
 * aborted before their first poll, dual-stack IPv6, bad arguments, and `lookupHost` in every form
 * it accepts. Real sockets on loopback.
 */
import { spawn as spawnProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  Context,
  type Future,
  FutureStateError,
  join,
  joinAll,
  PENDING,
  Runtime,
  race,
  run,
  sleep,
  spawn,
  Waker,
  yieldNow,
} from "../src/index.js";
import { IoError, lookupHost, UdpSocket } from "../src/node.js";
import { expectNoSocketsLeft, settled } from "./net-testkit.js";

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

/** What a future ended with: `["ok", value]`, `[kind, message]` of an IoError, or the error. */
const outcome = asyncFn(function* (f: Future<unknown>) {
  try {
    return ["ok", yield* f] as unknown[];
  } catch (e) {
    return e instanceof IoError ? [e.kind, e.message] : [String(e)];
  }
});

/** A waker for polling by hand that counts its wakes. */
function countingContext(): { cx: Context; wakes: () => number } {
  let wakes = 0;
  return { cx: new Context(Waker.from(() => wakes++)), wakes: () => wakes };
}

/** Wait (boundedly, on the real clock) until `s` has `n` datagrams queued. */
const queued = asyncFn(function* (s: UdpSocket, n: number) {
  for (let i = 0; i < 1000 && s.recvQueueLength < n; i++) yield* sleep(2);
  if (s.recvQueueLength < n) throw new Error(`only ${s.recvQueueLength} of ${n} datagrams came`);
});

/**
 * The datagrams the kernel dropped for the IPv4 UDP socket on `port` (the last column of
 * /proc/net/udp): those never reached Node, so the socket cannot count them.
 */
function kernelDrops(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/udp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]?.endsWith(`:${hex}`)) return Number(cols[cols.length - 1]);
  }
  throw new Error(`no udp socket on port ${port} in /proc/net/udp`);
}

const index = (i: number) => new Uint8Array(new Uint32Array([i]).buffer);

describe("floods with no reader", () => {
  it("2000 datagrams fired 10 at a time at a socket of queueDatagrams 16 nobody reads: 16 are kept, and every one sent is kept, counted dropped, or dropped by the kernel before Node saw it", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0", { queueDatagrams: 16 });
        const sent = 2000;
        for (let i = 0; i < sent; i += 10) {
          const batch = Array.from({ length: 10 }, (_, k) => a.sendTo(index(i + k), b.localAddr()));
          yield* joinAll(batch);
        }
        const port = b.localAddr().port;
        const accounted = () => b.recvQueueLength + b.droppedDatagrams + kernelDrops(port);
        for (let i = 0; i < 1000 && accounted() < sent; i++) yield* sleep(2);
        const counts = {
          accounted: accounted(),
          kept: b.recvQueueLength,
          dropped: b.droppedDatagrams,
          kernel: kernelDrops(port),
        };
        const order: number[] = [];
        const buf = new Uint8Array(4);
        while (b.recvQueueLength > 0) {
          yield* b.recv(buf);
          order.push(new Uint32Array(buf.buffer)[0]!);
        }
        return { counts, order };
      }),
    );
    expect(got.counts.accounted).toBe(2000);
    expect(got.counts.kept).toBe(16);
    expect(got.counts.dropped).toBe(2000 - 16 - got.counts.kernel);
    // The queue, not only the kernel, turned some away: its count is what is being checked.
    expect(got.counts.dropped).toBeGreaterThan(0);
    // Kept in arrival order, none twice: strictly increasing indexes.
    expect(got.order.every((v, i) => i === 0 || v > got.order[i - 1]!)).toBe(true);
    expect(got.order.length).toBe(16);
  });

  it("20 datagrams of 65507 bytes, each sent once the last was seen: the 1 MiB default keeps 16 whole and drops 4", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        for (let i = 0; i < 20; i++) {
          const d = new Uint8Array(65_507).fill(i);
          yield* a.sendTo(d, b.localAddr());
          for (let k = 0; k < 1000 && b.recvQueueLength + b.droppedDatagrams < i + 1; k++) {
            yield* sleep(1);
          }
        }
        const counts = [b.recvQueueLength, b.droppedDatagrams, kernelDrops(b.localAddr().port)];
        const whole: boolean[] = [];
        const buf = new Uint8Array(70_000);
        for (let i = 0; i < 16; i++) {
          const n = yield* b.recv(buf);
          whole.push(n === 65_507 && buf[0] === i && buf[n - 1] === i);
        }
        return { counts, whole };
      }),
    );
    expect(got.counts).toEqual([16, 4, 0]);
    expect(got.whole).toEqual(Array(16).fill(true));
  });
});

describe("receives polled where they must not be", () => {
  it("a recvFrom polled again after it returned a datagram is refused with a FutureStateError, and the next datagram stays queued", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        yield* a.sendTo(new Uint8Array([1]), b.localAddr());
        yield* a.sendTo(new Uint8Array([2]), b.localAddr());
        yield* queued(b, 2);
        const r = b.recvFrom(new Uint8Array(4));
        const { cx } = countingContext();
        const first = r.poll(cx);
        let again: unknown;
        try {
          again = r.poll(cx);
        } catch (e) {
          again = e instanceof FutureStateError ? "FutureStateError" : String(e);
        }
        return [(first as [number, unknown])[0], again, b.recvQueueLength];
      }),
    );
    expect(got).toEqual([1, "FutureStateError", 1]);
  });

  it("a recv polled after it was dropped is refused with a FutureStateError and opens no I/O wait", async () => {
    const got = await onRuntime((rt) =>
      asyncBlock(function* () {
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const r = b.recv(new Uint8Array(4));
        const { cx } = countingContext();
        r.poll(cx);
        r[Symbol.dispose]();
        const afterDrop = rt.metrics().ioWaits;
        let again: unknown;
        try {
          again = r.poll(cx);
        } catch (e) {
          again = e instanceof FutureStateError ? "FutureStateError" : String(e);
        }
        return [afterDrop, again === PENDING ? "PENDING" : again, rt.metrics().ioWaits];
      }),
    );
    expect(got).toEqual([0, "FutureStateError", 0]);
  });
});

/** A port on 127.0.0.1 that nothing listens on now (a socket was bound there and closed). */
const deadPort = asyncFn(function* () {
  using s = yield* UdpSocket.bind("127.0.0.1:0");
  return s.localAddr().port;
});

describe("ICMP port unreachable", () => {
  it("a connected socket sends twice to a dead port, then receives: the refusal is reported exactly once, at the second send or at the recv, never lost and never twice", async () => {
    const got = await run(
      asyncBlock(function* () {
        const port = yield* deadPort();
        using c = yield* UdpSocket.bind("127.0.0.1:0");
        yield* c.connect(`127.0.0.1:${port}`);
        const first = yield* outcome(c.send(new Uint8Array([1])));
        const second = yield* outcome(c.send(new Uint8Array([2])));
        const recv = yield* race(
          outcome(c.recv(new Uint8Array(4))),
          asyncBlock(function* () {
            yield* sleep(50);
            return ["waited"];
          }),
        );
        return [first[0], second[0], recv[0]];
      }),
    );
    expect(got[0]).toBe("ok");
    const refusals = got.filter((k) => k === "ConnectionRefused").length;
    expect(refusals).toBe(1);
  });

  it("a recv parked before the refusal comes back is woken by it and fails with ConnectionRefused; a datagram queued before the refusal is read first", async () => {
    const got = await run(
      asyncBlock(function* () {
        const port = yield* deadPort();
        using c = yield* UdpSocket.bind("127.0.0.1:0");
        using other = yield* UdpSocket.bind("127.0.0.1:0");
        // Queued before the connect: kept, as the kernel keeps it.
        yield* other.sendTo(new Uint8Array([9]), c.localAddr());
        yield* queued(c, 1);
        yield* c.connect(`127.0.0.1:${port}`);
        const buf = new Uint8Array(4);
        const [n, from] = yield* c.recvFrom(buf);
        const [parked, sent] = yield* join(
          outcome(c.recv(new Uint8Array(4))),
          asyncBlock(function* () {
            yield* yieldNow(); // the recv parks first
            return yield* outcome(c.send(new Uint8Array([1])));
          }),
        );
        return [n, buf[0], String(from) === String(other.localAddr()), parked[0], sent[0]];
      }),
    );
    expect(got).toEqual([1, 9, true, "ConnectionRefused", "ok"]);
  });
});

describe("disposing with work in several tasks", () => {
  it("a third task disposes the socket while one task's recvFrom is parked and another's two sends are in flight: all three fail with NotConnected and nothing stays open", async () => {
    const got = await onRuntime((rt) =>
      asyncBlock(function* () {
        const s = yield* UdpSocket.bind("127.0.0.1:0");
        using peer = yield* UdpSocket.bind("127.0.0.1:0");
        const reader = spawn(outcome(s.recvFrom(new Uint8Array(8))), { name: "reader" });
        const sender = spawn(
          asyncBlock(function* () {
            return yield* join(
              outcome(s.sendTo(new Uint8Array(4), peer.localAddr())),
              outcome(s.sendTo(new Uint8Array(5), peer.localAddr())),
            );
          }),
          { name: "sender" },
        );
        const closer = spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            const open = [rt.metrics().ioWaits, rt.metrics().pendingBridges];
            s[Symbol.dispose]();
            return open;
          }),
          { name: "closer" },
        );
        const open = yield* closer;
        const [r, [s1, s2]] = [yield* reader, yield* sender];
        return {
          open,
          kinds: [r[0], s1[0], s2[0]],
          after: [rt.metrics().ioWaits, rt.metrics().pendingBridges],
        };
      }),
    );
    expect(got.open).toEqual([1, 2]);
    expect(got.kinds).toEqual(["NotConnected", "NotConnected", "NotConnected"]);
    expect(got.after).toEqual([0, 0]);
    expect((await settled()).liveSockets).toBe(0);
  });

  it("a socket moved into a task that is aborted before its first poll is disposed with the task: its handle closes and later calls fail with NotConnected", async () => {
    const got = await onRuntime(() =>
      asyncBlock(function* () {
        const s = yield* UdpSocket.bind("127.0.0.1:0");
        const serve = asyncFn(function* (socket: UdpSocket) {
          using owned = socket;
          yield* owned.recv(new Uint8Array(4));
        });
        const task = spawn(serve(s), { name: "server" });
        task.abort();
        const end = yield* outcome(task);
        return [end[0], (yield* outcome(s.recv(new Uint8Array(4))))[0]];
      }),
    );
    expect(got[0]).toMatch(/cancel/i);
    expect(got[1]).toBe("NotConnected");
    expect((await settled()).liveSockets).toBe(0);
  });
});

describe("sockets nobody can take", () => {
  it("a socket bound by a join whose other branch then throws is disposed with the join: its handle closes", async () => {
    const got = await run(
      asyncBlock(function* () {
        const r = yield* outcome(
          join(
            UdpSocket.bind("127.0.0.1:0"),
            asyncBlock(function* () {
              yield* sleep(20); // the bind is done by then
              throw new Error("the other dish burned");
            }),
          ),
        );
        return r;
      }),
    );
    expect(got).toEqual(["Error: the other dish burned"]);
    expect((await settled()).liveSockets).toBe(0);
  });

  it("a task whose output is a bound socket, its JoinHandle dropped after the task finished, disposes the socket: its handle closes", async () => {
    const got = await onRuntime(() =>
      asyncBlock(function* () {
        const handle = spawn(UdpSocket.bind("127.0.0.1:0"));
        for (let i = 0; i < 1000 && !handle.isFinished(); i++) yield* sleep(2);
        const finished = handle.isFinished();
        handle[Symbol.dispose]();
        return finished;
      }),
    );
    expect(got).toBe(true);
    expect((await settled()).liveSockets).toBe(0);
  });
});

describe("IPv6 and dual stack", () => {
  it("a socket bound to [::]:0 hears an IPv4 peer as ::ffff:127.0.0.1 and its reply to that address reaches the peer", async () => {
    const got = await run(
      asyncBlock(function* () {
        using v6 = yield* UdpSocket.bind("[::]:0");
        using v4 = yield* UdpSocket.bind("127.0.0.1:0");
        yield* v4.sendTo(new Uint8Array([4]), `127.0.0.1:${v6.localAddr().port}`);
        const buf = new Uint8Array(4);
        const [, from] = yield* v6.recvFrom(buf);
        yield* v6.sendTo(new Uint8Array([6]), from);
        const [n, back] = yield* v4.recvFrom(buf);
        return [
          v6.localAddr().family,
          from.ip,
          n,
          buf[0],
          String(back.port) === String(v6.localAddr().port),
        ];
      }),
    );
    expect(got).toEqual(["IPv6", `::ffff:127.0.0.1`, 1, 6, true]);
  });
});

describe("connected sockets and strangers", () => {
  it("a stranger's datagram queued before the connect is still read after it; one the stranger sends after the connect is filtered by the kernel, while the peer's arrives", async () => {
    const got = await run(
      asyncBlock(function* () {
        using c = yield* UdpSocket.bind("127.0.0.1:0");
        using peer = yield* UdpSocket.bind("127.0.0.1:0");
        using stranger = yield* UdpSocket.bind("127.0.0.1:0");
        yield* stranger.sendTo(new Uint8Array([1]), c.localAddr());
        yield* queued(c, 1);
        yield* c.connect(peer.localAddr());
        yield* stranger.sendTo(new Uint8Array([2]), c.localAddr());
        yield* peer.sendTo(new Uint8Array([3]), c.localAddr());
        const seen: string[] = [];
        const buf = new Uint8Array(4);
        for (let i = 0; i < 2; i++) {
          const [, from] = yield* c.recvFrom(buf);
          seen.push(
            `${buf[0]} from ${String(from) === String(peer.localAddr()) ? "peer" : "stranger"}`,
          );
        }
        const more = yield* race(
          asyncBlock(function* () {
            yield* c.recv(buf);
            return `${buf[0]}`;
          }),
          asyncBlock(function* () {
            yield* sleep(30);
            return "nothing more";
          }),
        );
        return [...seen, more, kernelDrops(c.localAddr().port)];
      }),
    );
    expect(got).toEqual(["1 from stranger", "3 from peer", "nothing more", 0]);
  });
});

describe("bad arguments", () => {
  it('an empty host in { host, port } is refused at bind, sendTo and connect with a TypeError naming the host, as the string form ":9" is', async () => {
    const got = await run(
      asyncBlock(function* () {
        using s = yield* UdpSocket.bind("127.0.0.1:0");
        const errors: string[] = [];
        for (const call of [
          () => UdpSocket.bind({ host: "", port: 0 }),
          () => s.sendTo(new Uint8Array(1), { host: "", port: 9 }),
          () => s.connect({ host: "", port: 9 }),
          () => s.sendTo(new Uint8Array(1), ":9"),
        ]) {
          try {
            using f = call();
            const made: unknown = yield* f;
            if (made instanceof UdpSocket) made[Symbol.dispose]();
            errors.push("accepted");
          } catch (e) {
            errors.push(
              e instanceof TypeError && /host/.test(e.message) ? "TypeError(host)" : `${e}`,
            );
          }
        }
        return errors;
      }),
    );
    expect(got).toEqual(Array(4).fill("TypeError(host)"));
  });

  it("buffers that are not Uint8Arrays, ports out of range and non-integer TTLs are refused at the call with typed errors naming the argument", async () => {
    const got = await run(
      asyncBlock(function* () {
        using s = yield* UdpSocket.bind("127.0.0.1:0");
        const calls: [string, () => unknown][] = [
          ["recv(Uint16Array)", () => s.recv(new Uint16Array(4) as never)],
          ["recvFrom(DataView)", () => s.recvFrom(new DataView(new ArrayBuffer(4)) as never)],
          ["sendTo(string)", () => s.sendTo("hi" as never, "127.0.0.1:9")],
          ["sendTo(port 65536)", () => s.sendTo(new Uint8Array(1), "127.0.0.1:65536")],
          ["sendTo(port -1)", () => s.sendTo(new Uint8Array(1), { host: "127.0.0.1", port: -1 })],
          ["sendTo(port 1.5)", () => s.sendTo(new Uint8Array(1), { host: "127.0.0.1", port: 1.5 })],
          ["connect(port 0)", () => s.connect("127.0.0.1:0")],
          ["connect(null)", () => s.connect(null as never)],
          ["setTtl(NaN)", () => s.setTtl(Number.NaN)],
          ["setTtl(0)", () => s.setTtl(0)],
          ["setBroadcast(1)", () => s.setBroadcast(1 as never)],
          ["bind(queueDatagrams Infinity)", () => UdpSocket.bind(0, { queueDatagrams: Infinity })],
        ];
        return calls.map(([name, call]) => {
          try {
            const f = call() as Partial<Disposable> | undefined;
            f?.[Symbol.dispose]?.();
            return `${name}: accepted`;
          } catch (e) {
            const named = /buf|bytes|addr|port|ttl|on|queueDatagrams/.test((e as Error).message);
            return `${name}: ${(e as Error).constructor.name}${named ? "" : " (unnamed)"}`;
          }
        });
      }),
    );
    expect(got).toEqual([
      "recv(Uint16Array): TypeError",
      "recvFrom(DataView): TypeError",
      "sendTo(string): TypeError",
      "sendTo(port 65536): RangeError",
      "sendTo(port -1): RangeError",
      "sendTo(port 1.5): RangeError",
      "connect(port 0): RangeError",
      "connect(null): TypeError",
      "setTtl(NaN): RangeError",
      "setTtl(0): RangeError",
      "setBroadcast(1): TypeError",
      "bind(queueDatagrams Infinity): RangeError",
    ]);
  });
});

describe("recvFrom dropped among arrivals from two senders", () => {
  const STEP = fc.constantFrom(
    "send from a",
    "send from b",
    "recvFrom dropped unpolled",
    "recvFrom parked, then dropped",
    "recvFrom parked, woken by b's datagram, dropped unpolled",
    "recvFrom read",
  );

  it("any mix of arrivals from two senders and recvFroms dropped at any point: the datagrams read are exactly those sent, in order, each with its sender, none twice", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(STEP, { minLength: 1, maxLength: 12 }), async (steps) => {
        const got = await onRuntime(() =>
          asyncBlock(function* () {
            using a = yield* UdpSocket.bind("127.0.0.1:0");
            using b = yield* UdpSocket.bind("127.0.0.1:0");
            using r = yield* UdpSocket.bind("127.0.0.1:0");
            const name = (from: unknown) =>
              String(from) === String(a.localAddr())
                ? "a"
                : String(from) === String(b.localAddr())
                  ? "b"
                  : "?";
            const sent: string[] = [];
            const read: string[] = [];
            const buf = new Uint8Array(4);
            let waiting = 0;
            for (const step of steps) {
              if (step === "send from a" || step === "send from b") {
                const s = step === "send from a" ? a : b;
                yield* s.sendTo(new Uint8Array([sent.length]), r.localAddr());
                sent.push(`${sent.length} from ${step.at(-1)}`);
                waiting++;
                yield* queued(r, waiting);
              } else if (step === "recvFrom read") {
                if (waiting === 0) continue; // it would wait forever
                const [n, from] = yield* r.recvFrom(buf);
                read.push(`${n === 1 ? buf[0] : -1} from ${name(from)}`);
                waiting--;
              } else {
                const f = r.recvFrom(buf);
                // Only a receive with nothing queued is polled here: a ready poll would hand a
                // datagram over, and throwing that away is the caller's loss, not the socket's.
                if (step !== "recvFrom dropped unpolled" && waiting === 0) {
                  const { cx, wakes } = countingContext();
                  if (f.poll(cx) !== PENDING) throw new Error("ready from nothing");
                  if (step !== "recvFrom parked, then dropped") {
                    yield* b.sendTo(new Uint8Array([sent.length]), r.localAddr());
                    sent.push(`${sent.length} from b`);
                    waiting++;
                    yield* queued(r, waiting);
                    if (wakes() !== 1) throw new Error("the arrival did not wake the receive");
                  }
                }
                f[Symbol.dispose]();
              }
            }
            while (waiting > 0) {
              const [n, from] = yield* r.recvFrom(buf);
              read.push(`${n === 1 ? buf[0] : -1} from ${name(from)}`);
              waiting--;
            }
            return { sent, read, left: r.recvQueueLength, dropped: r.droppedDatagrams };
          }),
        );
        expect(got.read).toEqual(got.sent);
        expect([got.left, got.dropped]).toEqual([0, 0]);
      }),
      { numRuns: 25 },
    );
  });
});

describe("lookupHost's arguments", () => {
  it('accepts (name, port), "name:port", "[v6]:port", bare IP literals of both families, and a bare name meaning port 0', async () => {
    const got = await run(
      asyncBlock(function* () {
        const forms: [string, number | undefined][] = [
          ["localhost", 80],
          ["localhost:81", undefined],
          ["[::1]:82", undefined],
          ["127.0.0.1", 83],
          ["::1", 84],
          ["::1", undefined],
          ["127.0.0.1:85", undefined],
          ["localhost", undefined],
        ];
        const out: string[][] = [];
        for (const [host, port] of forms) {
          const addrs = yield* lookupHost(host, port);
          out.push([...new Set(addrs.map((x) => `${x.family}:${x.port}`))]);
        }
        return out;
      }),
    );
    expect(got[0]!.every((s) => s.endsWith(":80"))).toBe(true);
    expect(got[1]!.every((s) => s.endsWith(":81"))).toBe(true);
    expect(got.slice(2, 7)).toEqual([
      ["IPv6:82"],
      ["IPv4:83"],
      ["IPv6:84"],
      ["IPv6:0"],
      ["IPv4:85"],
    ]);
    expect(got[7]!.every((s) => s.endsWith(":0"))).toBe(true);
  });

  it("ports out of range or of the wrong type, and hosts that are not non-empty strings, are refused at the call with typed errors naming the argument", () => {
    const calls: [string, () => unknown][] = [
      ["port 65536", () => lookupHost("localhost", 65_536)],
      ["port -1", () => lookupHost("localhost", -1)],
      ["port NaN", () => lookupHost("localhost", Number.NaN)],
      ["port '80'", () => lookupHost("localhost", "80" as never)],
      ["host:99999", () => lookupHost("localhost:99999")],
      ["host 42", () => lookupHost(42 as never, 80)],
      ["host null", () => lookupHost(null as never)],
    ];
    const got = calls.map(([name, call]) => {
      try {
        (call() as Disposable)[Symbol.dispose]();
        return `${name}: accepted`;
      } catch (e) {
        const msg = (e as Error).message;
        return `${name}: ${(e as Error).constructor.name}${/lookupHost\(host, port\)/.test(msg) && /port|host/.test(msg) ? "" : " (unnamed)"}`;
      }
    });
    expect(got).toEqual([
      "port 65536: RangeError",
      "port -1: RangeError",
      "port NaN: RangeError",
      "port '80': TypeError",
      "host:99999: RangeError",
      "host 42: TypeError",
      "host null: TypeError",
    ]);
  });

  it('an unknown host in the "name:port" form fails with NotFound naming the host without its port; the lookup leaves no bridge open', async () => {
    const got = await onRuntime((rt) =>
      asyncBlock(function* () {
        const r = yield* outcome(lookupHost("no-such-kitchen.invalid:80"));
        return [r[0], r[1], rt.metrics().pendingBridges];
      }),
    );
    expect(got[0]).toBe("NotFound");
    expect(got[1]).toContain('lookupHost("no-such-kitchen.invalid")');
    expect(got[2]).toBe(0);
  });
});

describe("the cooperative budget", () => {
  it("a task reading 300 queued datagrams in a loop is made to yield by its budget: a task beside it runs meanwhile", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0", { queueDatagrams: 512 });
        for (let i = 0; i < 300; i += 10) {
          yield* joinAll(
            Array.from({ length: 10 }, (_, k) => a.sendTo(index(i + k), b.localAddr())),
          );
          yield* queued(b, i + 10);
        }
        let ticks = 0;
        let done = false;
        const ticker = spawn(
          asyncBlock(function* () {
            while (!done) {
              ticks++;
              yield* yieldNow();
            }
          }),
        );
        yield* yieldNow(); // the ticker starts
        const before = ticks;
        const buf = new Uint8Array(4);
        for (let i = 0; i < 300; i++) yield* b.recv(buf);
        const during = ticks - before;
        done = true;
        yield* ticker;
        return during;
      }),
    );
    expect(got).toBeGreaterThan(0);
  });
});

const root = fileURLToPath(new URL("..", import.meta.url));

/** Run `body` (a TypeScript program's main block) in a child process: how it ended. */
function childRun(name: string, body: string): Promise<string> {
  const dir = `${root}test-artifacts/net-udp-adversarial`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}.ts`;
  writeFileSync(
    file,
    `import { asyncBlock, Context, run, spawn, Waker, yieldNow } from ${JSON.stringify(`${root}src/index.ts`)};
import { lookupHost, UdpSocket } from ${JSON.stringify(`${root}src/node.ts`)};
await run(asyncBlock(function* () {
${body}
}));
console.log("main returned");
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawnProcess(process.execPath, ["--import", "tsx", file], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      out += String(d);
      if (out.includes("main returned")) {
        // A guard, not a timing claim: a process kept alive by a handle would never exit.
        timer ??= setTimeout(() => {
          child.kill();
          resolve("still running");
        }, 1500);
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(`exited ${code}`);
    });
  });
}

describe("UDP and the life of the process", () => {
  it("a process whose sockets are all disposed (one with a recv parked in another task, one with a send in flight, a bind and a lookup dropped mid-flight) exits once main returns", async () => {
    const ended = await childRun(
      "all-disposed",
      `  const a = yield* UdpSocket.bind("127.0.0.1:0");
  const b = yield* UdpSocket.bind("127.0.0.1:0");
  const reader = spawn(b.recvFrom(new Uint8Array(4)));
  yield* yieldNow();
  const cx = new Context(Waker.from(() => {}));
  const inFlight = [UdpSocket.bind("127.0.0.1:0"), lookupHost("localhost"), a.sendTo(new Uint8Array(3), b.localAddr())];
  for (const f of inFlight) f.poll(cx); // each is now in Node's hands
  for (const f of inFlight) f[Symbol.dispose]();
  a[Symbol.dispose]();
  b[Symbol.dispose]();
  try { yield* reader; } catch {}`,
    );
    expect(ended).toBe("exited 0");
  });
});

describe("IPv6 in error messages", () => {
  it("an IPv6 send that fails and an IPv6 bind that fails name the address in brackets, [::1]:port, as localAddr prints it", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("[::1]:0");
        using b = yield* UdpSocket.bind("[::1]:0");
        // 65527 bytes is IPv6's largest payload: one more is too long.
        const whole = yield* outcome(a.sendTo(new Uint8Array(65_527), b.localAddr()));
        const n = yield* b.recv(new Uint8Array(70_000));
        const tooLong = yield* outcome(a.sendTo(new Uint8Array(65_528), b.localAddr()));
        const taken = yield* outcome(UdpSocket.bind(b.localAddr()));
        return { whole, n, tooLong, taken, port: b.localAddr().port };
      }),
    );
    expect([got.whole, got.n]).toEqual([["ok", 65_527], 65_527]);
    expect(got.tooLong[0]).toBe("Other");
    expect(got.tooLong[1]).toContain(`udp sendTo [::1]:${got.port} failed`);
    expect(got.taken[0]).toBe("AddrInUse");
    expect(got.taken[1]).toContain(`udp bind to [::1]:${got.port} failed`);
  });
});

describe("broadcast", () => {
  it("a send to loopback's broadcast address 127.255.255.255 fails with PermissionDenied until setBroadcast(true); then it goes through and a socket bound to 0.0.0.0 receives it", async () => {
    const got = await run(
      asyncBlock(function* () {
        using s = yield* UdpSocket.bind("127.0.0.1:0");
        using r = yield* UdpSocket.bind("0.0.0.0:0");
        const to = `127.255.255.255:${r.localAddr().port}`;
        const off = [s.broadcast(), (yield* outcome(s.sendTo(new Uint8Array([1]), to)))[0]];
        s.setBroadcast(true);
        const on = [s.broadcast(), (yield* outcome(s.sendTo(new Uint8Array([2]), to)))[0]];
        const buf = new Uint8Array(4);
        const [n, from] = yield* r.recvFrom(buf);
        return [off, on, n, buf[0], String(from) === String(s.localAddr())];
      }),
    );
    expect(got).toEqual([[false, "PermissionDenied"], [true, "ok"], 1, 2, true]);
  });
});

describe("a connect that fails", () => {
  it("a connect to a name that does not resolve fails with code ENOTFOUND and leaves the socket unconnected: sendTo works, and a later connect succeeds", async () => {
    const got = await run(
      asyncBlock(function* () {
        using c = yield* UdpSocket.bind("127.0.0.1:0");
        using peer = yield* UdpSocket.bind("127.0.0.1:0");
        let code: unknown = null;
        try {
          yield* c.connect("no-such-kitchen.invalid:9");
        } catch (e) {
          code = (e as IoError).code;
        }
        let peerAfter = "";
        try {
          peerAfter = String(c.peerAddr());
        } catch (e) {
          peerAfter = (e as IoError).kind;
        }
        const sent = yield* outcome(c.sendTo(new Uint8Array(1), peer.localAddr()));
        yield* c.connect(peer.localAddr());
        return [code, peerAfter, sent[0], String(c.peerAddr()) === String(peer.localAddr())];
      }),
    );
    expect(got).toEqual(["ENOTFOUND", "NotConnected", "ok", true]);
  });
});
