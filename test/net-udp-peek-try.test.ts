/**
 * `peekFrom(buf)` (tokio's `peek_from`: the oldest datagram, left queued) and `tryRecvFrom(buf)`
 * (tokio's `try_recv_from`: a datagram now, or `null`), on real loopback sockets: what each returns,
 * what it leaves in the queue, a peek that waits and is woken, a peek dropped while it waits, the
 * one-reader rule for a peek, and the errors of a disposed socket and a bad buffer.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn, join, run, select, sleep, spawn, yieldNow } from "../src/index.js";
import { type IoError, UdpSocket } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array, n: number) => new TextDecoder().decode(b.subarray(0, n));

/** Wait (boundedly, on the real clock) until `n` datagrams are queued at `s`. */
const queued = asyncFn(function* (s: UdpSocket, n: number) {
  for (let i = 0; i < 1000 && s.recvQueueLength < n; i++) yield* sleep(2);
  return s.recvQueueLength;
});

describe("UdpSocket.peekFrom and tryRecvFrom", () => {
  it("a peek returns the oldest datagram and its sender and leaves it queued: a second peek and then a recv get the same one, and the next recv the second", async () => {
    const out = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        yield* a.sendTo(text("soup"), b.localAddr());
        yield* a.sendTo(text("cake"), b.localAddr());
        yield* queued(b, 2);
        const buf = new Uint8Array(16);
        const [n1, from] = yield* b.peekFrom(buf);
        const first = str(buf, n1);
        const short = new Uint8Array(2);
        const [n2] = yield* b.peekFrom(short);
        const lengthAfterPeeks = b.recvQueueLength;
        const n3 = yield* b.recv(buf);
        const taken = str(buf, n3);
        const n4 = yield* b.recv(buf);
        return {
          first,
          fromA: String(from) === String(a.localAddr()),
          truncatedPeek: [n2, str(short, 2)],
          lengthAfterPeeks,
          taken,
          second: str(buf, n4),
        };
      }),
    );
    expect(out).toEqual({
      first: "soup",
      fromA: true,
      truncatedPeek: [2, "so"],
      lengthAfterPeeks: 2,
      taken: "soup",
      second: "cake",
    });
  });

  it("tryRecvFrom gives null while nothing is queued, then each queued datagram once, oldest first, then null again", async () => {
    const out = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const buf = new Uint8Array(16);
        const before = b.tryRecvFrom(buf);
        for (const dish of ["one", "two", "three"]) yield* a.sendTo(text(dish), b.localAddr());
        yield* queued(b, 3);
        const got: string[] = [];
        let fromA = true;
        for (let r = b.tryRecvFrom(buf); r !== null; r = b.tryRecvFrom(buf)) {
          got.push(str(buf, r[0]));
          fromA &&= String(r[1]) === String(a.localAddr());
        }
        return { before, got, fromA, after: b.tryRecvFrom(buf), left: b.recvQueueLength };
      }),
    );
    expect(out).toEqual({
      before: null,
      got: ["one", "two", "three"],
      fromA: true,
      after: null,
      left: 0,
    });
  });

  it("a peek on an empty socket waits, is woken by the datagram, and still leaves it for the recv after", async () => {
    const out = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const buf = new Uint8Array(16);
        const [[n], sent] = yield* join(
          b.peekFrom(buf),
          asyncBlock(function* () {
            yield* sleep(5);
            return yield* a.sendTo(text("late order"), b.localAddr());
          }),
        );
        const peeked = str(buf, n);
        const m = yield* b.recv(buf);
        return { peeked, sent, received: str(buf, m), left: b.recvQueueLength };
      }),
    );
    expect(out).toEqual({ peeked: "late order", sent: 10, received: "late order", left: 0 });
  });

  it("a peek that loses a select while it waits gives its wait back: a recv in another task then waits there without being refused, and gets the datagram", async () => {
    const out = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const buf = new Uint8Array(16);
        {
          using sel = yield* select(b.peekFrom(buf), yieldNow());
          expect(sel.index).toBe(1);
        }
        const reader = spawn(
          asyncBlock(function* () {
            const mine = new Uint8Array(16);
            const n = yield* b.recv(mine);
            return str(mine, n);
          }),
        );
        yield* sleep(5);
        yield* a.sendTo(text("bread"), b.localAddr());
        return yield* reader;
      }),
    );
    expect(out).toBe("bread");
  });

  it("a peek in a second task while a recv waits in the first is refused by the one-reader rule, naming peekFrom's socket", async () => {
    const message = await run(
      asyncBlock(function* () {
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const first = spawn(
          asyncBlock(function* () {
            yield* b.recv(new Uint8Array(4));
          }),
          { name: "first reader" },
        );
        yield* yieldNow();
        const second = spawn(
          asyncBlock(function* () {
            yield* b.peekFrom(new Uint8Array(4));
          }),
          { name: "peeker" },
        );
        try {
          yield* second;
          return "not refused";
        } catch (e) {
          return String((e as { cause?: Error }).cause?.message);
        } finally {
          first.abort();
        }
      }),
    );
    expect(message).toMatch(
      /^udp socket receive in task 'peeker': this socket is already waited on by task 'first reader'/,
    );
  });

  it("on a disposed socket both fail with NotConnected; a buffer that is not a Uint8Array is a TypeError naming the call", async () => {
    const out = await run(
      asyncBlock(function* () {
        const b = yield* UdpSocket.bind("127.0.0.1:0");
        b[Symbol.dispose]();
        const errors: string[] = [];
        try {
          b.tryRecvFrom(new Uint8Array(4));
        } catch (e) {
          errors.push(`${(e as IoError).kind}`);
        }
        try {
          yield* b.peekFrom(new Uint8Array(4));
        } catch (e) {
          errors.push(`${(e as IoError).kind}`);
        }
        return errors;
      }),
    );
    expect(out).toEqual(["NotConnected", "NotConnected"]);
    const sock = await run(
      asyncBlock(function* () {
        const s = yield* UdpSocket.bind("127.0.0.1:0");
        const thrown: unknown[] = [];
        try {
          s.tryRecvFrom([1, 2] as never);
        } catch (e) {
          thrown.push(e);
        }
        try {
          s.peekFrom("buf" as never);
        } catch (e) {
          thrown.push(e);
        }
        s[Symbol.dispose]();
        return thrown;
      }),
    );
    expect(sock).toHaveLength(2);
    expect(sock[0]).toBeInstanceOf(TypeError);
    expect(sock[1]).toBeInstanceOf(TypeError);
    expect(String(sock[0])).toMatch(/udp socket\.tryRecvFrom\(buf\): buf/);
    expect(String(sock[1])).toMatch(/udp socket\.peekFrom\(buf\): buf/);
  });
});
