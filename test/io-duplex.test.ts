/**
 * duplex: two in-memory ends. Bytes arrive in order in both directions whatever the sizes of the
 * writes, the reads and the tube; a full tube makes the writer wait; shutdown and dispose end the
 * stream for the other end; a write to a disposed peer is a BrokenPipe; nothing is lost when a
 * waiting read is dropped.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { BufReader } from "../src/io/buf-reader.js";
import { copy } from "../src/io/copy.js";
import { duplex } from "../src/io/duplex.js";
import { IoError } from "../src/io/error.js";
import { read, readExact, readToEnd } from "../src/io/read.js";
import { shutdown, write, writeAll } from "../src/io/write.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

/** A waker that counts its wakes. */
function counter() {
  const c = { wakes: 0, waker: null as unknown as Waker };
  c.waker = Waker.from(() => c.wakes++);
  return c;
}

describe("duplex", () => {
  it("carries any payload in order, both ways at once, whatever the write, read and tube sizes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 8 }),
        async (ab, ba, capacity, writeSizes, readSizes) => {
          const [a, b] = duplex(capacity);
          const send = (end: typeof a, payload: Uint8Array) =>
            asyncBlock(function* () {
              let at = 0;
              for (let i = 0; at < payload.length; i++) {
                const size = writeSizes[i % writeSizes.length]!;
                at += yield* write(end, payload.subarray(at, at + size));
              }
              yield* shutdown(end);
            });
          const receive = (end: typeof a) =>
            asyncBlock(function* () {
              const got: number[] = [];
              for (let i = 0; ; i++) {
                const buf = new Uint8Array(readSizes[i % readSizes.length]!);
                const n = yield* read(end, buf);
                if (n === 0) return Uint8Array.from(got);
                got.push(...buf.subarray(0, n));
              }
            });
          const [, , gotAtB, gotAtA] = await run(
            asyncBlock(function* () {
              return yield* join(
                spawn(send(a, ab)),
                spawn(send(b, ba)),
                spawn(receive(b)),
                spawn(receive(a)),
              );
            }),
          );
          expect(gotAtB).toEqual(ab);
          expect(gotAtA).toEqual(ba);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("any mix of writes and reads on one tube behaves as a bounded byte queue (property, against a model)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1200 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 700 })), { maxLength: 60 }),
        (capacity, ops) => {
          const [a, b] = duplex(capacity);
          const cx = new Context(Waker.noop());
          const model: number[] = [];
          let next = 0;
          for (const [isWrite, size] of ops) {
            if (isWrite) {
              const bytes = Uint8Array.from({ length: size }, () => next++ & 0xff);
              const room = capacity - model.length;
              const r = a.pollWrite(cx, bytes);
              if (size === 0) expect(r).toBe(0);
              else if (room === 0) expect(r).toBe(PENDING);
              else {
                expect(r).toBe(Math.min(size, room));
                model.push(...bytes.subarray(0, r as number));
              }
            } else {
              const buf = new Uint8Array(size);
              const r = b.pollRead(cx, buf);
              if (size === 0) expect(r).toBe(0);
              else if (model.length === 0) expect(r).toBe(PENDING);
              else {
                const want = model.splice(0, Math.min(size, model.length));
                expect(r).toBe(want.length);
                expect(Array.from(buf.subarray(0, want.length))).toEqual(want);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a tube that grows while its bytes wrap round its ring keeps them in order", () => {
    const [a, b] = duplex(1000);
    const cx = new Context(Waker.noop());
    const seq = (from: number, n: number) =>
      Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
    expect(a.pollWrite(cx, seq(0, 200))).toBe(200);
    expect(b.pollRead(cx, new Uint8Array(150))).toBe(150); // 50 bytes left, from offset 150
    expect(a.pollWrite(cx, seq(200, 150))).toBe(150); // wraps round the first ring
    expect(a.pollWrite(cx, seq(350, 400))).toBe(400); // does not fit: the ring grows
    const out = new Uint8Array(600);
    expect(b.pollRead(cx, out)).toBe(600);
    expect(out).toEqual(seq(150, 600));
  });

  it("a full tube makes the writer wait, and a read that frees room wakes it", () => {
    const [a, b] = duplex(4);
    const w = counter();
    const cx = new Context(w.waker);
    expect(a.pollWrite(cx, bytes("abcdef"))).toBe(4);
    expect(a.pollWrite(cx, bytes("ef"))).toBe(PENDING);
    const buf = new Uint8Array(3);
    expect(b.pollRead(new Context(Waker.noop()), buf)).toBe(3);
    expect(text(buf)).toBe("abc");
    expect(w.wakes).toBe(1);
    expect(a.pollWrite(cx, bytes("ef"))).toBe(2);
    expect(a.pollWrite(cx, bytes("g"))).toBe(1);
    expect(a.pollWrite(cx, bytes("h"))).toBe(PENDING);
  });

  it("an empty read waits, and the write that fills it wakes the reader; empty buffers are 0 at once", () => {
    const [a, b] = duplex(8);
    const r = counter();
    expect(b.pollRead(new Context(r.waker), new Uint8Array(4))).toBe(PENDING);
    expect(b.pollRead(new Context(r.waker), new Uint8Array(0))).toBe(0);
    expect(a.pollWrite(new Context(Waker.noop()), new Uint8Array(0))).toBe(0);
    expect(r.wakes).toBe(0);
    expect(a.pollWrite(new Context(Waker.noop()), bytes("hi"))).toBe(2);
    expect(r.wakes).toBe(1);
  });

  it("the writer may reuse its buffer at once, even a Buffer (whose own slice would share memory)", async () => {
    const [a, b] = duplex(64);
    const out = await run(
      asyncBlock(function* () {
        const buf = Buffer.from("first");
        yield* writeAll(a, buf);
        buf.write("XXXXX");
        yield* shutdown(a);
        return text(yield* readToEnd(b));
      }),
    );
    expect(out).toBe("first");
  });

  it("shutdown: the other end reads what is left, then the end, again and again; this end still reads and cannot write", async () => {
    const [a, b] = duplex(64);
    const out = await run(
      asyncBlock(function* () {
        yield* writeAll(a, bytes("last words"));
        yield* shutdown(a);
        yield* shutdown(a); // idempotent
        const rest = text(yield* readToEnd(b));
        const again = yield* read(b, new Uint8Array(4));
        yield* writeAll(b, bytes("reply"));
        const buf = new Uint8Array(5);
        yield* readExact(a, buf);
        let writeError: unknown = null;
        try {
          yield* write(a, bytes("more"));
        } catch (e) {
          writeError = e;
        }
        return { rest, again, reply: text(buf), writeError };
      }),
    );
    expect(out.rest).toBe("last words");
    expect(out.again).toBe(0);
    expect(out.reply).toBe("reply");
    expect(out.writeError).toBeInstanceOf(IoError);
    expect((out.writeError as IoError).kind).toBe("BrokenPipe");
  });

  it("dispose: the other end reads what was written, then the end; its writes fail with BrokenPipe, a waiting one too", async () => {
    const [a, b] = duplex(4);
    const out = await run(
      asyncBlock(function* () {
        yield* writeAll(a, bytes("bye"));
        // b fills the tube towards a and waits for room that never comes.
        const blocked = spawn(
          asyncBlock(function* () {
            try {
              yield* writeAll(b, bytes("too much for four"));
              return "written";
            } catch (e) {
              return e instanceof IoError ? e.kind : String(e);
            }
          }),
        );
        yield* yieldNow();
        a[Symbol.dispose]();
        a[Symbol.dispose](); // idempotent
        const rest = text(yield* readToEnd(b));
        return { rest, blocked: yield* blocked };
      }),
    );
    expect(out).toEqual({ rest: "bye", blocked: "BrokenPipe" });
  });

  it("a read dropped while it waits loses nothing: the next read gets the bytes", async () => {
    const [a, b] = duplex(16);
    const out = await run(
      asyncBlock(function* () {
        const buf = new Uint8Array(16);
        // The read waits, loses the race to a yield, and is dropped.
        const first = yield* race(
          read(b, buf),
          asyncBlock(function* () {
            yield* yieldNow();
            return -1;
          }),
        );
        yield* writeAll(a, bytes("kept"));
        const n = yield* read(b, buf);
        return { first, got: text(buf.subarray(0, n)) };
      }),
    );
    expect(out).toEqual({ first: -1, got: "kept" });
  });

  it("works under copy and BufReader: an echo served over a duplex, line by line", async () => {
    const [client, server] = duplex(8);
    const lines = await run(
      asyncBlock(function* () {
        const echo = spawn(
          asyncBlock(function* () {
            const n = yield* copy(server, server);
            yield* shutdown(server);
            return n;
          }),
        );
        const sender = spawn(
          asyncBlock(function* () {
            yield* writeAll(client, bytes("order 1\norder 2\nlast order\n"));
            yield* shutdown(client);
          }),
        );
        const got = yield* new BufReader(client, 5).lines().collect();
        yield* sender;
        return { got, copied: yield* echo };
      }),
    );
    expect(lines).toEqual({ got: ["order 1", "order 2", "last order"], copied: 27 });
  });

  it("a task waiting on a duplex nobody else holds is a deadlock the runtime reports", async () => {
    const [, b] = duplex(8);
    await expect(
      run(
        asyncBlock(function* () {
          return yield* read(b, new Uint8Array(4));
        }),
      ),
    ).rejects.toBeInstanceOf(DeadlockError);
  });

  it("after its own dispose, every operation on an end is NotConnected, as on a disposed TcpStream", () => {
    const [a] = duplex(8);
    a[Symbol.dispose]();
    const cx = new Context(Waker.noop());
    const kinds = [
      () => a.pollRead(cx, new Uint8Array(1)),
      () => a.pollWrite(cx, new Uint8Array(1)),
      () => a.pollFlush(cx),
      () => a.pollShutdown(cx),
    ].map((op) => {
      try {
        op();
        return "no error";
      } catch (e) {
        return e instanceof IoError ? e.kind : String(e);
      }
    });
    expect(kinds).toEqual(["NotConnected", "NotConnected", "NotConnected", "NotConnected"]);
  });

  it("refuses a size that is not a whole number of bytes, at least 1", () => {
    expect(() => duplex(0)).toThrow(RangeError);
    expect(() => duplex(0)).toThrow(
      /duplex\(maxBufSize\): maxBufSize must be a whole number of bytes, at least 1, got 0/,
    );
    expect(() => duplex(2.5)).toThrow(RangeError);
    expect(() => duplex(Number.NaN)).toThrow(RangeError);
    expect(() => duplex("64" as never)).toThrow(/maxBufSize must be a number, got string/);
  });
});
