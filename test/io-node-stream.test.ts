/**
 * fromReadable and fromWritable: Node streams as AsyncRead and AsyncWrite. Bytes come out in order
 * whatever the chunking and the read sizes; a full Writable makes the writer wait until it drains;
 * flush waits for every write to be called back; shutdown ends the stream; an 'error' is a typed
 * error at the next operation, never an uncaught one; disposing destroys (or, not owned, only lets
 * go of) the stream and releases the wait; a second reader is refused.
 */
import { PassThrough, Readable, Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { BufReader } from "../src/io/buf-reader.js";
import { IoError } from "../src/io/error.js";
import { fromReadable } from "../src/io/node-reader.js";
import { fromWritable } from "../src/io/node-writer.js";
import { read, readToEnd } from "../src/io/read.js";
import { flush, shutdown, write, writeAll } from "../src/io/write.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A Writable that keeps what it is given and calls back only when told (a slow disk). */
function slowSink(highWaterMark: number) {
  const got: Buffer[] = [];
  const pending: Array<() => void> = [];
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk);
      pending.push(() => cb());
    },
  });
  return {
    sink,
    got,
    pending,
    /** Call back every write Node has handed over so far. */
    release() {
      for (const cb of pending.splice(0)) cb();
    },
  };
}

describe("fromReadable", () => {
  it("reads every byte in order, whatever the chunks and the read sizes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 10 }),
        async (chunks, sizes) => {
          const got = await run(
            asyncBlock(function* () {
              const r = fromReadable(
                Readable.from(
                  chunks.map((c) => Buffer.from(c)),
                  { objectMode: false },
                ),
              );
              const out: number[] = [];
              for (let i = 0; ; i++) {
                const buf = new Uint8Array(sizes[i % sizes.length]!);
                const n = yield* read(r, buf);
                if (n === 0) break;
                out.push(...buf.subarray(0, n));
              }
              // The end stays the end.
              expect(yield* read(r, new Uint8Array(4))).toBe(0);
              return out;
            }),
          );
          expect(got).toEqual(chunks.flatMap((c) => [...c]));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("waits for bytes that come later, and reads lines through BufReader", async () => {
    const lines = await run(
      asyncBlock(function* () {
        const source = new PassThrough();
        const writer = spawn(
          asyncBlock(function* () {
            for (const part of ["so", "up\nfi", "sh\n", "cake"]) {
              yield* sleep(5);
              source.write(part);
            }
            source.end();
          }),
        );
        const all = yield* new BufReader(fromReadable(source)).lines().collect();
        yield* writer;
        return all;
      }),
      { clock: "paused" },
    );
    expect(lines).toEqual(["soup", "fish", "cake"]);
  });

  it("an 'error' before the first read is kept and thrown at the read as an IoError", async () => {
    const source = new Readable({ read() {} });
    const r = fromReadable(source);
    source.destroy(Object.assign(new Error("disk on fire"), { code: "EIO" }));
    const e = await run(readToEnd(r)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IoError);
    expect((e as IoError).message).toMatch(/readable read failed: .*disk on fire/);
    expect((e as IoError).code).toBe("EIO");
  });

  it("a stream destroyed under a waiting read wakes it with an UnexpectedEof", async () => {
    const e = await run(
      asyncBlock(function* () {
        const source = new PassThrough();
        const r = fromReadable(source, { name: "feed" });
        spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            source.destroy();
          }),
        );
        try {
          yield* read(r, new Uint8Array(8));
        } catch (x) {
          return x;
        }
      }),
    );
    expect((e as IoError).kind).toBe("UnexpectedEof");
    expect((e as IoError).message).toMatch(/^feed read: the stream was destroyed before its end/);
  });

  it("a stream destroyed before the first read is an UnexpectedEof at once, not a wait for good", async () => {
    const source = new PassThrough();
    const r = fromReadable(source);
    source.destroy();
    await new Promise((resolve) => setImmediate(resolve)); // its 'close' has come and gone
    const e = await run(read(r, new Uint8Array(4))).catch((x: unknown) => x);
    expect((e as IoError).kind).toBe("UnexpectedEof");
  });

  it("a read dropped while it waits takes its wait back, and the bytes go to the next read", async () => {
    const got = await run(
      asyncBlock(function* () {
        const source = new PassThrough();
        const r = fromReadable(source);
        const lost = yield* race(read(r, new Uint8Array(8)), sleep(10));
        expect(lost).toBe(undefined);
        expect(Runtime.current().metrics().ioWaits).toBe(0);
        source.end("late");
        return yield* readToEnd(r);
      }),
      { clock: "paused" },
    );
    expect(text(got)).toBe("late");
  });

  it("disposing destroys an owned stream; a stream not owned is paused and its listeners removed", async () => {
    const owned = new PassThrough();
    const mine = fromReadable(owned);
    mine[Symbol.dispose]();
    expect(owned.destroyed).toBe(true);

    const shared = new PassThrough();
    const before = shared.eventNames().map((n) => [n, shared.listenerCount(n)]);
    const borrowed = fromReadable(shared, { close: false });
    shared.write("a");
    await run(read(borrowed, new Uint8Array(1)));
    borrowed[Symbol.dispose]();
    expect(shared.destroyed).toBe(false);
    expect(shared.eventNames().map((n) => [n, shared.listenerCount(n)])).toEqual(before);
    // Someone else reads on.
    shared.end("bc");
    const rest: Buffer[] = [];
    for await (const c of shared) rest.push(c as Buffer);
    expect(Buffer.concat(rest).toString()).toBe("bc");
    // And this reader is done.
    expect(() => borrowed.pollRead(new Context(Waker.noop()), new Uint8Array(1))).toThrow(
      /after the reader was disposed/,
    );
  });

  it("a second task's read is refused while the first waits", async () => {
    const e = await run(
      asyncBlock(function* () {
        const source = new PassThrough();
        const r = fromReadable(source, { name: "feed" });
        spawn(read(r, new Uint8Array(4)), { name: "first" });
        yield* yieldNow();
        try {
          yield* read(r, new Uint8Array(4));
        } catch (x) {
          return x;
        } finally {
          source.end();
        }
      }),
    );
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toMatch(
      /feed read in task 'main': this feed is already waited on by task 'first'/,
    );
  });

  it("refuses what is not a byte stream", () => {
    expect(() => fromReadable({} as never)).toThrow(
      /fromReadable\(stream\): stream must be a Node Readable/,
    );
    expect(() => fromReadable(new Readable({ objectMode: true, read() {} }))).toThrow(
      /object mode/,
    );
    const strings = new PassThrough();
    strings.setEncoding("utf8");
    expect(() => fromReadable(strings)).toThrow(/hands out text \(setEncoding\('utf8'\)/);
  });
});

describe("one wait at a time, and the budget", () => {
  it("the same task's second read of the stream takes over the wait; the first, dropped, does not take it back", async () => {
    const source = new PassThrough();
    const r = fromReadable(source);
    let wakes = 0;
    const cx = new Context(Waker.from(() => wakes++));
    const first = read(r, new Uint8Array(4));
    const second = read(r, new Uint8Array(4));
    const rt = new Runtime();
    try {
      await rt.spawn(
        asyncBlock(function* () {
          // One task, two reads parked with one pager (a select's rest and a new read): no refusal.
          expect(first.poll(cx)).toBe(PENDING);
          expect(second.poll(cx)).toBe(PENDING);
          expect(Runtime.current().metrics().ioWaits).toBe(1);
          first[Symbol.dispose](); // not the registrant any more: the wait stays the second's
          expect(Runtime.current().metrics().ioWaits).toBe(1);
          second[Symbol.dispose](); // the registrant: the wait goes
          expect(Runtime.current().metrics().ioWaits).toBe(0);
        }),
      );
    } finally {
      await rt.shutdown();
    }
    source.write("x");
    await new Promise((resolve) => setImmediate(resolve));
    expect(wakes).toBe(0); // nobody parked is paged
  });

  it("a read of a stream with much buffered spends the task's budget: other tasks run meanwhile", async () => {
    const order: string[] = [];
    await run(
      asyncBlock(function* () {
        const source = new PassThrough({ highWaterMark: 1 << 20 });
        source.end(Buffer.alloc(400, 1));
        const r = fromReadable(source);
        const reader = spawn(
          asyncBlock(function* () {
            const one = new Uint8Array(1);
            for (let i = 0; i < 400; i++) yield* read(r, one);
            order.push("read all");
          }),
        );
        const other = spawn(
          asyncBlock(function* () {
            order.push("other ran");
          }),
        );
        yield* reader;
        yield* other;
      }),
    );
    expect(order).toEqual(["other ran", "read all"]);
  });

  it("a write past shutdown's start, before 'finish', is a BrokenPipe", async () => {
    const s = slowSink(1 << 20);
    const w = fromWritable(s.sink);
    const cx = new Context(Waker.noop());
    expect(w.pollWrite(cx, bytes("last"))).toBe(4);
    expect(w.pollShutdown(cx)).toBe(PENDING); // ending: the write is not called back yet
    expect(() => w.pollWrite(cx, bytes("late"))).toThrow(/writable write after shutdown/);
    s.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.pollShutdown(cx)).toBe(undefined);
  });
});

describe("fromWritable", () => {
  it("a full stream makes the writer wait until it drains; nothing is lost or reordered", async () => {
    const s = slowSink(16);
    const w = fromWritable(s.sink);
    const cx = new Context(Waker.noop());
    // Past the mark, Node says to wait for 'drain'.
    expect(w.pollWrite(cx, bytes("0123456789abcdefXYZ"))).toBe(19);
    expect(w.pollWrite(cx, bytes("more"))).toBe(PENDING);
    expect(w.pollFlush(cx)).toBe(PENDING);
    let woken = 0;
    const counted = new Context(Waker.from(() => woken++));
    expect(w.pollWrite(counted, bytes("more"))).toBe(PENDING);
    s.release();
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(1);
    expect(w.pollWrite(cx, bytes("more"))).toBe(4);
    s.release();
    await new Promise((r) => setImmediate(r));
    expect(w.pollFlush(cx)).toBe(undefined);
    expect(Buffer.concat(s.got).toString()).toBe("0123456789abcdefXYZmore");
  });

  it("copies what it is given: the caller may reuse its buffer at once", async () => {
    const s = slowSink(1 << 20);
    const w = fromWritable(s.sink);
    const buf = bytes("soup");
    await run(write(w, buf));
    buf.fill(0);
    s.release();
    expect(Buffer.concat(s.got).toString()).toBe("soup");
  });

  it("flush waits for every write to be called back, and shutdown for the end", async () => {
    const events: string[] = [];
    const s = slowSink(1 << 20);
    s.sink.on("finish", () => events.push("finish"));
    await run(
      asyncBlock(function* () {
        const w = fromWritable(s.sink);
        yield* writeAll(w, bytes("table 4"));
        yield* join(
          asyncBlock(function* () {
            yield* flush(w);
            events.push("flushed");
            yield* shutdown(w);
            events.push("shut");
          }),
          asyncBlock(function* () {
            yield* sleep(5);
            events.push("released");
            s.release();
          }),
        );
        const e = yield* asyncBlock(function* () {
          try {
            yield* write(w, bytes("late"));
          } catch (x) {
            return x;
          }
        });
        expect((e as IoError).kind).toBe("BrokenPipe");
      }),
      { clock: "paused" },
    );
    expect(events).toEqual(["released", "flushed", "finish", "shut"]);
  });

  it("a write that fails inside the stream is an IoError at the next operation, never uncaught", async () => {
    const sink = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error("disk full"), { code: "ENOSPC" }));
      },
    });
    const e = await run(
      asyncBlock(function* () {
        const w = fromWritable(sink, { name: "log" });
        yield* write(w, bytes("a"));
        try {
          yield* flush(w);
        } catch (x) {
          return x;
        }
      }),
    );
    expect(e).toBeInstanceOf(IoError);
    expect((e as IoError).code).toBe("ENOSPC");
    expect((e as IoError).message).toMatch(/^log write failed/);
  });

  it("disposing ends an owned stream after the bytes it accepted; a stream not owned is left open", async () => {
    const s = slowSink(1 << 20);
    let finished = false;
    s.sink.on("finish", () => (finished = true));
    const w = fromWritable(s.sink);
    await run(writeAll(w, bytes("last order")));
    w[Symbol.dispose]();
    s.release();
    await new Promise((r) => setImmediate(r));
    expect(finished).toBe(true);
    expect(Buffer.concat(s.got).toString()).toBe("last order");

    const shared = new PassThrough();
    const before = shared.eventNames().map((n) => [n, shared.listenerCount(n)]);
    const borrowed = fromWritable(shared, { close: false });
    await run(
      asyncBlock(function* () {
        yield* writeAll(borrowed, bytes("x"));
        yield* shutdown(borrowed); // only a flush: the stream stays open
      }),
    );
    expect(shared.writableEnded).toBe(false);
    borrowed[Symbol.dispose]();
    expect(shared.writableEnded).toBe(false);
    expect(shared.eventNames().map((n) => [n, shared.listenerCount(n)])).toEqual(before);
  });

  it("a write waiting for room, dropped, takes its wait back", async () => {
    await run(
      asyncBlock(function* () {
        const s = slowSink(4);
        const w = fromWritable(s.sink);
        yield* write(w, bytes("12345"));
        const r = yield* race(write(w, bytes("6")), sleep(10));
        expect(r).toBe(undefined);
        expect(Runtime.current().metrics().ioWaits).toBe(0);
        s.release();
      }),
      { clock: "paused" },
    );
  });

  it("refuses what is not a byte stream", () => {
    expect(() => fromWritable(null as never)).toThrow(
      /fromWritable\(stream\): stream must be a Node Writable, got null/,
    );
    expect(() => fromWritable(new Writable({ objectMode: true }))).toThrow(/object mode/);
  });
});
