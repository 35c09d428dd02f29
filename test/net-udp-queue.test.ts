/**
 * The bound on what a UDP socket keeps for a reader that is not reading: a flood of datagrams with
 * nobody receiving leaves at most 256 datagrams (or `queueBytes` of payload) queued, the rest
 * dropped and counted, and the ones kept come out oldest first. The sender sends in batches and
 * waits for each batch to reach the receiving socket, so the kernel's own buffer never overflows
 * and every loss is the queue's own, counted one.
 */
import type { RemoteInfo } from "node:dgram";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn, run, sleep } from "../src/index.js";
import { DatagramQueue } from "../src/net/udp-queue.js";
import { UdpSocket } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

/** Wait (boundedly, on the real clock) until `n` datagrams reached `s`, queued or dropped. */
const arrived = asyncFn(function* (s: UdpSocket, n: number) {
  for (let i = 0; i < 1000 && s.recvQueueLength + s.droppedDatagrams < n; i++) yield* sleep(2);
  return s.recvQueueLength + s.droppedDatagrams;
});

/**
 * Send `count` datagrams made by `make(i)` from `a` to `b`, in batches of `batch` that `b` takes in
 * (small enough for the kernel's receive buffer, ~200 KiB by default on Linux, to hold a batch).
 */
const flood = asyncFn(function* (
  a: UdpSocket,
  b: UdpSocket,
  count: number,
  make: (i: number) => Uint8Array,
  batch: number,
) {
  for (let i = 0; i < count; i++) {
    yield* a.sendTo(make(i), b.localAddr());
    if ((i + 1) % batch === 0 || i === count - 1) {
      const reached = yield* arrived(b, i + 1);
      if (reached < i + 1) throw new Error(`only ${reached} of ${i + 1} datagrams arrived`);
    }
  }
});

const index = (i: number) => new Uint8Array(new Uint32Array([i]).buffer);

describe("UDP receive queue bound", () => {
  it("300 datagrams reach a socket nobody reads: 256 are kept, 44 dropped and counted, and reads give back the first 256 in order", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        yield* flood(a, b, 300, index, 32);
        const counts = [b.recvQueueLength, b.droppedDatagrams];
        const buf = new Uint8Array(4);
        const order: number[] = [];
        while (b.recvQueueLength > 0) {
          yield* b.recv(buf);
          order.push(new Uint32Array(buf.buffer)[0]!);
        }
        return { counts, order };
      }),
    );
    expect(got.counts).toEqual([256, 44]);
    expect(got.order).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it("the byte bound: with queueBytes 65535, ten datagrams of 10000 bytes leave six queued and four dropped", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0", { queueBytes: 65535 });
        yield* flood(a, b, 10, (i) => new Uint8Array(10_000).fill(i), 1);
        const counts = [b.recvQueueLength, b.droppedDatagrams];
        const buf = new Uint8Array(10_000);
        const firsts: number[] = [];
        while (b.recvQueueLength > 0) {
          const n = yield* b.recv(buf);
          if (n !== 10_000 || !buf.every((x) => x === buf[0])) throw new Error("a torn datagram");
          firsts.push(buf[0]!);
        }
        return { counts, firsts };
      }),
    );
    expect(got.counts).toEqual([6, 4]);
    expect(got.firsts).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("reading makes room again: after the queue filled and dropped, a read frees one slot and the next arrival is kept", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0", { queueDatagrams: 2 });
        yield* flood(a, b, 3, index, 32);
        const before = [b.recvQueueLength, b.droppedDatagrams];
        const buf = new Uint8Array(4);
        yield* b.recv(buf);
        yield* a.sendTo(index(99), b.localAddr());
        yield* arrived(b, 3);
        const rest: number[] = [];
        while (b.recvQueueLength > 0) {
          yield* b.recv(buf);
          rest.push(new Uint32Array(buf.buffer)[0]!);
        }
        return [before, rest, b.droppedDatagrams];
      }),
    );
    expect(got).toEqual([[2, 1], [1, 99], 1]);
  });

  it("a reader that keeps up loses nothing: 600 datagrams, each read as it comes, none dropped", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const buf = new Uint8Array(4);
        let sum = 0;
        for (let i = 0; i < 600; i++) {
          yield* a.sendTo(index(i), b.localAddr());
          yield* b.recv(buf);
          sum += new Uint32Array(buf.buffer)[0]!;
        }
        return [sum, b.droppedDatagrams];
      }),
    );
    expect(got).toEqual([(599 * 600) / 2, 0]);
  });

  it("bad queue bounds are refused at bind with errors that name the option and the rule", () => {
    const bind = (o: object) => () => UdpSocket.bind("127.0.0.1:0", o);
    expect(bind({ queueDatagrams: 0 })).toThrow(
      new RangeError(
        "UdpSocket.bind options.queueDatagrams must be an integer of at least 1, got 0",
      ),
    );
    expect(bind({ queueDatagrams: 2.5 })).toThrow(RangeError);
    expect(bind({ queueDatagrams: "8" })).toThrow(
      new TypeError('UdpSocket.bind options.queueDatagrams must be a number, got "8"'),
    );
    expect(bind({ queueBytes: 1000 })).toThrow(
      new RangeError(
        "UdpSocket.bind options.queueBytes must be an integer of at least 65535, got 1000",
      ),
    );
    expect(() => UdpSocket.bind("127.0.0.1:0", null as never)).toThrow(
      new TypeError("UdpSocket.bind(addr, options): options must be an object, got null"),
    );
  });

  it("the queue against a model: any mix of arrivals and reads keeps the arrivals that fit, hands them out oldest first with their senders, and counts the rest dropped", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 65_535, max: 200_000 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 40_000 }), fc.constant(-1)), {
          maxLength: 200,
        }),
        (maxDatagrams, maxBytes, ops) => {
          const q = new DatagramQueue(maxDatagrams, maxBytes);
          const model: { size: number; port: number }[] = [];
          let dropped = 0;
          let bytes = 0;
          ops.forEach((op, port) => {
            if (op >= 0) {
              const sender = { address: "127.0.0.1", family: "IPv4", port, size: op } as RemoteInfo;
              const fits = model.length < maxDatagrams && bytes + op <= maxBytes;
              expect(q.push(Buffer.alloc(op), sender)).toBe(fits);
              if (fits) {
                model.push({ size: op, port });
                bytes += op;
              } else dropped++;
            } else if (model.length > 0) {
              const want = model.shift()!;
              expect([q.peek().length, q.peekSender().port]).toEqual([want.size, want.port]);
              q.shift();
              bytes -= want.size;
            }
            expect([q.length, q.bytes, q.dropped]).toEqual([model.length, bytes, dropped]);
          });
        },
      ),
    );
  });
});
