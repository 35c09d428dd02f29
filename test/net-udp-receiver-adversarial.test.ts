/**
 * Adversarial tests of the UDP receiver parked through IoWaitSlot: the one-reader rule (and the
 * same future moved to another task, which is no second reader), the cancel safety of `recv`, a
 * wake after a drop, closing the socket under a waiting receive.
 *
 * Peers are plain Node sockets, so `netMetrics()` counts only what Brigade made.
 */
import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { FutureStateError } from "../src/future/errors.js";
import {
  asyncBlock,
  fromPromise,
  JoinError,
  PENDING,
  pollFn,
  Runtime,
  run,
  select,
  sleep,
  spawn,
} from "../src/index.js";
import { IoError } from "../src/io/error.js";
import { UdpSocket } from "../src/node.js";
import { closePeersAfterEach, peers, probe, rejection, turn } from "./net-adversarial-kit.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

closePeersAfterEach();

/** A plain UDP socket to send datagrams from. */
async function sender(): Promise<(bytes: string, port: number) => Promise<void>> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  peers.push({ close: () => new Promise((r) => s.close(() => r(null))) });
  return (bytes, port) => new Promise((r) => s.send(bytes, port, "127.0.0.1", () => r()));
}

describe("the UDP receiver parked through IoWaitSlot", () => {
  it("a recv of a second task while the first's waits is refused; the first still gets the datagram", async () => {
    const send = await sender();
    const rt = new Runtime();
    try {
      const socket = await rt.spawn(UdpSocket.bind("127.0.0.1:0"));
      const port = socket.localAddr().port;
      const first = rt.spawn(socket.recv(new Uint8Array(16)), { name: "first reader" });
      for (let i = 0; i < 10; i++) await Promise.resolve();
      const second = rt.spawn(socket.recv(new Uint8Array(16)), { name: "second reader" });
      const err = await rejection(second);
      expect(err).toBeInstanceOf(JoinError);
      expect((err as Error).cause).toBeInstanceOf(FutureStateError);
      expect(String((err as Error).cause)).toContain("first reader");
      await send("hello", port);
      expect(await first).toBe(5);
      expect(rt.metrics().ioWaits).toBe(0);
      socket[Symbol.dispose]();
    } finally {
      await rt.shutdown();
    }
  });

  it("a recv that loses a select takes no datagram and leaves no wait open; the next recv gets it", async () => {
    const send = await sender();
    const rt = new Runtime({ clock: "paused" });
    try {
      const out = await rt.spawn(
        asyncBlock(function* () {
          const socket = yield* UdpSocket.bind("127.0.0.1:0");
          const buf = new Uint8Array(16);
          const lost = yield* select(socket.recv(buf), sleep(5));
          const waitsBeforeDrop = rt.metrics().ioWaits; // the loser, handed back, still waits
          lost[Symbol.dispose](); // drops the losing recv
          const waitsAfterLoss = rt.metrics().ioWaits;
          // The datagram comes while nobody waits; the recv made next takes it.
          yield* fromPromise(() => send("late", socket.localAddr().port));
          const n = yield* socket.recv(buf);
          socket[Symbol.dispose]();
          return [
            lost.index,
            waitsBeforeDrop,
            waitsAfterLoss,
            n,
            new TextDecoder().decode(buf.subarray(0, n)),
          ];
        }),
      );
      expect(out).toEqual([1, 1, 0, 4, "late"]);
    } finally {
      await rt.shutdown();
    }
  });

  it("a recv dropped while parked is not woken by the datagram that comes after; a new recv takes it", async () => {
    const send = await sender();
    const p = probe();
    const socket = await run(UdpSocket.bind("127.0.0.1:0"));
    try {
      const buf = new Uint8Array(16);
      const r1 = socket.recv(buf);
      expect(r1.poll(p.cx)).toBe(PENDING);
      r1[Symbol.dispose]();
      await send("after", socket.localAddr().port);
      await turn(20);
      expect(p.wakes).toBe(0);
      const q = probe();
      expect(socket.recv(buf).poll(q.cx)).toBe(5);
      expect(() => r1.poll(p.cx)).toThrow(FutureStateError);
    } finally {
      socket[Symbol.dispose]();
    }
  });

  it("a recv woken by a datagram and dropped before the poll that would take it leaves the datagram for the next recv", async () => {
    const send = await sender();
    const p = probe();
    const socket = await run(UdpSocket.bind("127.0.0.1:0"));
    try {
      const buf = new Uint8Array(16);
      const r1 = socket.recv(buf);
      expect(r1.poll(p.cx)).toBe(PENDING);
      await send("kept", socket.localAddr().port);
      await p.woken;
      expect(p.wakes).toBe(1);
      r1[Symbol.dispose]();
      const q = probe();
      expect(socket.recv(buf).poll(q.cx)).toBe(4);
      expect(new TextDecoder().decode(buf.subarray(0, 4))).toBe("kept");
    } finally {
      socket[Symbol.dispose]();
    }
  });

  it("two recvs of one task park in turn; dropping the older leaves the newer's wait, which the datagram wakes", async () => {
    const send = await sender();
    const rt = new Runtime();
    try {
      const socket = await rt.spawn(UdpSocket.bind("127.0.0.1:0"));
      const seen = rt.spawn(
        asyncBlock(function* () {
          const buf = new Uint8Array(16);
          const older = socket.recv(buf);
          const newer = socket.recv(buf);
          let first = true;
          return yield* pollFn((cx) => {
            if (first) {
              first = false;
              if (older.poll(cx) !== PENDING) return "older ready";
              if (newer.poll(cx) !== PENDING) return "newer ready";
              older[Symbol.dispose](); // the newer parked last: its wait stays
              return PENDING;
            }
            return newer.poll(cx);
          });
        }),
      );
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(rt.metrics().ioWaits).toBe(1);
      await send("abc", socket.localAddr().port);
      expect(await seen).toBe(3);
      expect(rt.metrics().ioWaits).toBe(0);
      socket[Symbol.dispose]();
    } finally {
      await rt.shutdown();
    }
  });

  it("a socket disposed while a recv waits wakes it once, and the recv then fails with NotConnected", async () => {
    const p = probe();
    const socket = await run(UdpSocket.bind("127.0.0.1:0"));
    const r = socket.recv(new Uint8Array(4));
    expect(r.poll(p.cx)).toBe(PENDING);
    socket[Symbol.dispose]();
    expect(p.wakes).toBe(1);
    let err: unknown;
    try {
      r.poll(p.cx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("NotConnected");
    r[Symbol.dispose]();
  });

  it("a task whose recv was dropped while parked: a second task may then wait without refusal", async () => {
    const send = await sender();
    const rt = new Runtime();
    try {
      const socket = await rt.spawn(UdpSocket.bind("127.0.0.1:0"));
      const first = rt.spawn(socket.recv(new Uint8Array(16)), { name: "first" });
      for (let i = 0; i < 10; i++) await Promise.resolve();
      first.abort();
      expect(await rejection(first)).toBeInstanceOf(JoinError);
      expect(rt.metrics().ioWaits).toBe(0);
      const second = rt.spawn(socket.recv(new Uint8Array(16)), { name: "second" });
      for (let i = 0; i < 10; i++) await Promise.resolve();
      await send("xy", socket.localAddr().port);
      expect(await second).toBe(2);
      socket[Symbol.dispose]();
    } finally {
      await rt.shutdown();
    }
  });

  it("a recv that lost a select, spawned into another task while main still holds its wait, is refused there; main drops the rest, and a fresh recv in that task gets the datagram", async () => {
    const send = await sender();
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    try {
      const out = await rt.spawn(
        asyncBlock(function* main() {
          const socket = yield* UdpSocket.bind("127.0.0.1:0");
          const buf = new Uint8Array(8);
          const lost = yield* select(socket.recv(buf), sleep(5));
          if (lost.index !== 1) return "the recv won";
          let refused = "";
          try {
            yield* spawn(lost.rest, { name: "moved" });
          } catch (e) {
            refused = String((e as Error).cause);
          }
          lost.rest[Symbol.dispose](); // main's wait goes with it
          const fresh = spawn(socket.recv(buf), { name: "fresh" });
          yield* fromPromise(() => send("hi", socket.localAddr().port));
          const n = yield* fresh;
          socket[Symbol.dispose]();
          return { refused, n };
        }),
        { name: "main" },
      );
      expect(out).toEqual({
        refused: expect.stringMatching(/udp socket receive in task 'moved'.*task 'main'/),
        n: 2,
      });
    } finally {
      await rt.shutdown();
    }
  });
});
