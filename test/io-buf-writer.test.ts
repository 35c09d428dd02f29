/**
 * BufWriter (tokio's): small writes gather in its buffer and reach the inner writer in one write,
 * when the buffer fills or on flush/shutdown; a write as large as the buffer goes straight
 * through after what is buffered; the inner writer's backpressure holds it back; bytes keep their
 * order whatever the sizes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import type { Poll } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { asyncBlock, join, run } from "../src/index.js";
import { BufWriter, duplex, flush, readToEnd, shutdown, writeAll } from "../src/node.js";

/** An inner writer that accepts everything and records each write it was handed. */
class Recorder {
  writes: number[] = [];
  bytes: number[] = [];
  flushes = 0;
  shut = false;
  disposed = 0;
  pollWrite(_cx: Context, buf: Uint8Array): Poll<number> {
    this.writes.push(buf.length);
    this.bytes.push(...buf);
    return buf.length;
  }
  pollFlush(_cx: Context): Poll<void> {
    this.flushes++;
    return undefined;
  }
  pollShutdown(_cx: Context): Poll<void> {
    this.shut = true;
    return undefined;
  }
  [Symbol.dispose]() {
    this.disposed++;
  }
}

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) % 256);

describe("BufWriter", () => {
  it("ten small writes reach the inner writer as one write at flush, in order", async () => {
    const inner = new Recorder();
    const out = new BufWriter(inner, 1024);
    await run(
      asyncBlock(function* () {
        for (let i = 0; i < 10; i++) yield* writeAll(out, bytes(10, i * 10));
        expect(inner.writes).toEqual([]);
        expect(out.buffered).toBe(100);
        yield* flush(out);
      }),
    );
    expect(inner.writes).toEqual([100]);
    expect(inner.bytes).toEqual([...bytes(100)]);
    expect(inner.flushes).toBe(1);
    expect(out.buffered).toBe(0);
  });

  it("a write that does not fit sends the buffer first; one as large as the buffer goes straight through after it", async () => {
    const inner = new Recorder();
    const out = new BufWriter(inner, 16);
    await run(
      asyncBlock(function* () {
        yield* writeAll(out, bytes(10)); // buffered
        yield* writeAll(out, bytes(10, 10)); // does not fit: the first 10 go, these wait
        yield* writeAll(out, bytes(16, 20)); // as large as the buffer: the 10 waiting, then these
        yield* shutdown(out);
      }),
    );
    expect(inner.writes).toEqual([10, 10, 16]);
    expect(inner.bytes).toEqual([...bytes(36)]);
    expect(inner.shut).toBe(true);
  });

  it("over a duplex whose tube holds 64 bytes: any sizes of writes arrive whole and in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 128 }),
        async (sizes, capacity) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          const got = await run(
            asyncBlock(function* () {
              const [a, b] = duplex(64);
              const out = new BufWriter(a, capacity);
              const writer = asyncBlock(function* () {
                let at = 0;
                for (const n of sizes) {
                  yield* writeAll(out, bytes(n, at));
                  at += n;
                }
                yield* shutdown(out);
              });
              const [, read] = yield* join(writer, readToEnd(b));
              out[Symbol.dispose]();
              b[Symbol.dispose]();
              return read;
            }),
          );
          expect(got).toEqual(bytes(total));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("used after it was disposed, a write, a flush or a shutdown is a TypeError: no bytes accepted and lost", () => {
    const inner = new Recorder();
    const out = new BufWriter(inner, 64);
    out[Symbol.dispose]();
    const cx = new Context(Waker.noop());
    expect(() => out.pollWrite(cx, bytes(3))).toThrow(
      new TypeError("BufWriter was used after it was disposed (write)"),
    );
    expect(() => out.pollFlush(cx)).toThrow(TypeError);
    expect(() => out.pollShutdown(cx)).toThrow(TypeError);
    expect(inner.writes).toEqual([]);
  });

  it("disposing it disposes the inner writer once, and drops what was buffered", async () => {
    const inner = new Recorder();
    const out = new BufWriter(inner, 64);
    await run(
      asyncBlock(function* () {
        yield* writeAll(out, bytes(5));
      }),
    );
    out[Symbol.dispose]();
    expect(inner.disposed).toBe(1);
    expect(out.buffered).toBe(0);
    expect(inner.writes).toEqual([]);
  });

  it("bad input: a capacity below 1 is a RangeError, a non-number a TypeError, an inner that cannot be written a TypeError", () => {
    const inner = new Recorder();
    expect(() => new BufWriter(inner, 0)).toThrow(
      new RangeError(
        "new BufWriter(inner, capacity): capacity must be an integer of at least 1, got 0",
      ),
    );
    expect(() => new BufWriter(inner, "8" as never)).toThrow(TypeError);
    expect(() => new BufWriter({} as never)).toThrow(/new BufWriter\(inner, capacity\): inner/);
  });
});
