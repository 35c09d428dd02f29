/**
 * UDP round trips on loopback (127.0.0.1, and ::1 where the machine has it): random datagrams sent
 * with `sendTo` come out of `recvFrom` whole, in order, with their sender; `connect` then `send`
 * and `recv`; a datagram longer than the buffer is truncated; the empty datagram and the largest
 * one. Every socket is closed at the end of its test (`netMetrics` counts UDP sockets).
 */
import dgram from "node:dgram";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock, join, run, spawn } from "../src/index.js";
import { IoError, SocketAddr, UdpSocket } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

/** Whether this machine can bind a UDP socket to ::1. */
const hasIpv6 = await new Promise<boolean>((resolve) => {
  const s = dgram.createSocket("udp6");
  s.once("error", () => {
    s.close();
    resolve(false);
  });
  s.bind(0, "::1", () => {
    s.close();
    resolve(true);
  });
});

const families = hasIpv6 ? ["127.0.0.1", "::1"] : ["127.0.0.1"];

describe("UDP round trips", () => {
  for (const ip of families) {
    it(`random datagrams sent one after another from one socket to another on ${ip} are received whole, in order, each with the sender's address`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ minLength: 0, maxLength: 1500 }), {
            minLength: 1,
            maxLength: 16,
          }),
          async (datagrams) => {
            const got = await run(
              asyncBlock(function* () {
                const at = ip.includes(":") ? `[${ip}]:0` : `${ip}:0`;
                using a = yield* UdpSocket.bind(at);
                using b = yield* UdpSocket.bind(at);
                for (const d of datagrams) {
                  expect(yield* a.sendTo(d, b.localAddr())).toBe(d.length);
                }
                const got: [number[], string][] = [];
                const buf = new Uint8Array(2048);
                for (let i = 0; i < datagrams.length; i++) {
                  const [n, from] = yield* b.recvFrom(buf);
                  got.push([[...buf.subarray(0, n)], String(from)]);
                }
                return { got, from: String(a.localAddr()) };
              }),
            );
            expect(got.got).toEqual(datagrams.map((d) => [[...d], got.from]));
          },
        ),
        { numRuns: 25 },
      );
    });
  }

  it("a socket bound to ::1 is an IPv6 socket and one bound to 127.0.0.1 an IPv4 one: localAddr says so, with the port the system chose", async () => {
    const seen = await run(
      asyncBlock(function* () {
        using v4 = yield* UdpSocket.bind("127.0.0.1:0");
        const seen: unknown[] = [v4.localAddr().family, v4.localAddr().ip, v4.localAddr().port > 0];
        if (hasIpv6) {
          using v6 = yield* UdpSocket.bind({ host: "::1", port: 0 });
          seen.push(v6.localAddr().family, String(v6.localAddr()).startsWith("[::1]:"));
        } else {
          seen.push("IPv6", true);
        }
        return seen;
      }),
    );
    expect(seen).toEqual(["IPv4", "127.0.0.1", true, "IPv6", true]);
  });

  it("connect sets the peer: send goes there, recv reads what it sends back, and peerAddr names it", async () => {
    const seen = await run(
      asyncBlock(function* () {
        using client = yield* UdpSocket.bind("127.0.0.1:0");
        using server = yield* UdpSocket.bind("127.0.0.1:0");
        yield* client.connect(server.localAddr());
        const sent = yield* client.send(new TextEncoder().encode("table 4: two soups"));
        const buf = new Uint8Array(64);
        const [n, from] = yield* server.recvFrom(buf);
        yield* server.sendTo(buf.subarray(0, n).reverse(), from);
        const m = yield* client.recv(buf);
        return [
          sent,
          String(from) === String(client.localAddr()),
          String(client.peerAddr()) === String(server.localAddr()),
          new TextDecoder().decode(buf.subarray(0, m)),
        ];
      }),
    );
    expect(seen).toEqual([18, true, true, "spuos owt :4 elbat"]);
  });

  it("a connected socket receives only its peer's datagrams: a third socket's datagram sent after the connect never arrives, the peer's does", async () => {
    const got = await run(
      asyncBlock(function* () {
        using client = yield* UdpSocket.bind("127.0.0.1:0");
        using peer = yield* UdpSocket.bind("127.0.0.1:0");
        using stranger = yield* UdpSocket.bind("127.0.0.1:0");
        yield* client.connect(peer.localAddr());
        yield* stranger.sendTo(new Uint8Array([9]), client.localAddr());
        yield* peer.sendTo(new Uint8Array([1]), client.localAddr());
        const buf = new Uint8Array(4);
        const [n, from] = yield* client.recvFrom(buf);
        return [n, buf[0], String(from) === String(peer.localAddr()), client.recvQueueLength];
      }),
    );
    expect(got).toEqual([1, 1, true, 0]);
  });

  it("connecting a connected socket again fails with InvalidInput; the first peer stays and send still goes there", async () => {
    const got = await run(
      asyncBlock(function* () {
        using client = yield* UdpSocket.bind("127.0.0.1:0");
        using first = yield* UdpSocket.bind("127.0.0.1:0");
        using second = yield* UdpSocket.bind("127.0.0.1:0");
        yield* client.connect(first.localAddr());
        let refused: unknown = null;
        try {
          yield* client.connect(second.localAddr());
        } catch (e) {
          refused = e instanceof IoError ? [e.kind, e.message] : e;
        }
        yield* client.send(new Uint8Array([1]));
        const buf = new Uint8Array(4);
        yield* first.recv(buf);
        return {
          refused,
          byte: buf[0],
          peer: String(client.peerAddr()) === String(first.localAddr()),
          ends: `${client.localAddr()} -> ${first.localAddr()}`,
        };
      }),
    );
    expect(got.refused).toEqual([
      "InvalidInput",
      `udp socket ${got.ends}: connect(addr) on a connected socket: a UDP socket is connected once here; bind another socket for another peer`,
    ]);
    expect([got.byte, got.peer]).toEqual([1, true]);
  });

  it("a datagram longer than the buffer is truncated to it, the rest is lost, and the next recv reads the next datagram", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        yield* a.sendTo(new Uint8Array([1, 2, 3, 4, 5, 6]), b.localAddr());
        yield* a.sendTo(new Uint8Array([7, 8]), b.localAddr());
        const small = new Uint8Array(4);
        const [n] = yield* b.recvFrom(small);
        const first = [...small.subarray(0, n)];
        const m = yield* b.recv(small);
        return [first, [...small.subarray(0, m)]];
      }),
    );
    expect(got).toEqual([
      [1, 2, 3, 4],
      [7, 8],
    ]);
  });

  it("the empty datagram arrives as a datagram of length 0, and an empty buffer takes a whole datagram away, as recvfrom(2) does", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const sent = yield* a.sendTo(new Uint8Array(0), b.localAddr());
        yield* a.sendTo(new Uint8Array([1, 2]), b.localAddr());
        yield* a.sendTo(new Uint8Array([3]), b.localAddr());
        const buf = new Uint8Array(8);
        const [n] = yield* b.recvFrom(buf);
        const none = yield* b.recv(new Uint8Array(0));
        const last = yield* b.recv(buf);
        return [sent, n, none, last, buf[0]];
      }),
    );
    expect(got).toEqual([0, 0, 0, 1, 3]);
  });

  it("the largest IPv4 datagram, 65507 bytes, goes through whole", async () => {
    const ok = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const big = new Uint8Array(65507).map((_, i) => i * 7);
        const sent = yield* a.sendTo(big, b.localAddr());
        const buf = new Uint8Array(70000);
        const n = yield* b.recv(buf);
        return [sent, n, buf.subarray(0, n).every((x, i) => x === big[i])];
      }),
    );
    expect(ok).toEqual([65507, 65507, true]);
  });

  it("the bytes given to sendTo are copied at its first poll: changing them afterwards does not change the datagram", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const bytes = new Uint8Array([1, 2, 3]);
        const send = a.sendTo(bytes, b.localAddr());
        const sending = spawn(send);
        bytes.fill(0); // before the task polled it: the send sees the change
        yield* sending;
        const again = a.sendTo(bytes.fill(5), b.localAddr());
        const [, n] = yield* join(
          again,
          asyncBlock(function* () {
            bytes.fill(6); // after its first poll: too late to change the datagram
            return 0;
          }),
        );
        const buf = new Uint8Array(4);
        const first = [...buf.subarray(0, yield* b.recv(buf))];
        const second = [...buf.subarray(0, yield* b.recv(buf))];
        return [first, second, n];
      }),
    );
    expect(got).toEqual([[0, 0, 0], [5, 5, 5], 0]);
  });

  it("sends from several tasks at once are independent: each completes with its length and every datagram arrives", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const to = new SocketAddr("127.0.0.1", b.localAddr().port);
        const handles = [1, 2, 3, 4, 5].map((k) => spawn(a.sendTo(new Uint8Array(k).fill(k), to)));
        const lengths: number[] = [];
        for (const h of handles) lengths.push(yield* h);
        const seen: number[] = [];
        const buf = new Uint8Array(8);
        for (let i = 0; i < 5; i++) seen.push(yield* b.recv(buf));
        return [lengths, seen.sort()];
      }),
    );
    expect(got).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ]);
  });
});
