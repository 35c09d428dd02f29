/**
 * The second, adversarial suite for the Node stream adapters (src/io/node-reader.ts,
 * src/io/node-writer.ts): streams that error or are destroyed before the first read, under a
 * parked read or write, or inside `_write`; random chunkings and read sizes (fast-check); reads and
 * writes dropped while they wait; backpressure bounds; and a reader let go half-way through a chunk.
 *
 * Every stream is in-process (PassThrough, or a Readable/Writable whose callbacks the test holds),
 * so each wake is deterministic; time runs on the paused clock. A read or shutdown that would wait
 * for ever is raced against a paused-clock timer, which wins as soon as nothing else can happen.
 */
import { PassThrough, Readable, Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Future,
  FutureStateError,
  JoinError,
  join,
  pollFn,
  Runtime,
  select,
  sleep,
  spawn,
  yieldNow,
} from "../src/index.js";
import {
  flush,
  fromReadable,
  fromWritable,
  IoError,
  read,
  readToEnd,
  shutdown,
  write,
  writeAll,
} from "../src/node.js";

/**
 * Run `body(rt)` as a task of a fresh paused-clock runtime, then shut it down. Long-poll warnings
 * are off: copying megabytes in one poll is what these tests do on purpose.
 */
async function onRuntime<T>(body: (rt: Runtime) => Future<T>): Promise<T> {
  const rt = new Runtime({ clock: "paused", longPollThreshold: false });
  try {
    return await rt.spawn(body(rt));
  } finally {
    await rt.shutdown();
  }
}

/** `fut`'s output, or what it threw, or `"waits"` if a long paused-clock timer came first. */
function settle<T>(fut: Future<T> & Disposable): Future<T | unknown> {
  return asyncBlock(function* () {
    try {
      using sel = yield* select(fut, sleep(60_000));
      return sel.index === 0 ? sel.value : "waits";
    } catch (e) {
      return e;
    }
  });
}

/** A future that polls `inner` without owning it: a select's loser that leaves `inner` alive. */
function borrow<T>(inner: Future<T>): Future<T> {
  return pollFn((cx) => inner.poll(cx));
}

/** Bytes `0, 1, 2, …` (mod 251), `n` of them, starting at `from`. */
function pattern(n: number, from = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (from + i) % 251;
  return b;
}

/** An error with a system code, as Node's own are. */
function sysError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code });
}

/**
 * A Writable that records each chunk and, with `hold`, keeps each write's callback until
 * `release()` (a disk or a pipe that is slow); `fail` makes `_write` fail, now or later.
 */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  private held: ((e?: Error | null) => void)[] = [];
  constructor(
    private readonly how: { hwm?: number; hold?: boolean; fail?: Error; failLater?: boolean } = {},
  ) {
    super({ highWaterMark: how.hwm ?? 16 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const fail = this.how.fail;
    if (fail !== undefined) {
      if (this.how.failLater) setImmediate(() => cb(fail));
      else cb(fail);
      return;
    }
    this.chunks.push(chunk);
    if (this.how.hold) this.held.push(cb);
    else cb();
  }
  /** Call back every write held so far. */
  release(): number {
    const held = this.held;
    this.held = [];
    for (const cb of held) cb();
    return held.length;
  }
  get received(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
}

describe("a Readable that fails or is destroyed before the first read", () => {
  it("errors after fromReadable, before any read: the first read throws it as an IoError of the code's kind, with the error as cause", async () => {
    const boom = sysError("ECONNRESET");
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        using r = fromReadable(s, { name: "feed" });
        s.destroy(boom);
        yield* yieldNow();
        const first = yield* settle(read(r, new Uint8Array(8)));
        const second = yield* settle(read(r, new Uint8Array(8)));
        return { first, second };
      }),
    );
    expect(seen.first).toBeInstanceOf(IoError);
    expect((seen.first as IoError).kind).toBe("ConnectionReset");
    expect((seen.first as IoError).cause).toBe(boom);
    expect((seen.first as IoError).message).toMatch(/feed/);
    expect(seen.second).toBe(seen.first);
  });

  it("was errored and destroyed before fromReadable (someone else heard the 'error'): the first read throws an IoError instead of waiting for ever", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        s.on("error", () => {});
        s.destroy(sysError("EPIPE"));
        // A host turn later: its 'close' was emitted, and no event will come again.
        yield* sleep(1);
        expect(s.closed).toBe(true);
        using r = fromReadable(s);
        return yield* settle(read(r, new Uint8Array(8)));
      }),
    );
    expect(seen).toBeInstanceOf(IoError);
  });

  it("is destroyed without an error after fromReadable, before the first read: the read throws UnexpectedEof instead of waiting for ever", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const s = new PassThrough();
        using r = fromReadable(s);
        s.destroy();
        yield* yieldNow();
        const got = yield* settle(read(r, new Uint8Array(8)));
        return { got, ioWaits: rt.metrics().ioWaits };
      }),
    );
    expect(seen.got).toBeInstanceOf(IoError);
    expect((seen.got as IoError).kind).toBe("UnexpectedEof");
    expect(seen.ioWaits).toBe(0);
  });

  it("is destroyed without an error before fromReadable: the first read throws UnexpectedEof instead of waiting for ever", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        s.destroy();
        // A host turn later: its 'close' was emitted, and no event will come again.
        yield* sleep(1);
        expect(s.closed).toBe(true);
        using r = fromReadable(s);
        return yield* settle(read(r, new Uint8Array(8)));
      }),
    );
    expect(seen).toBeInstanceOf(IoError);
    expect((seen as IoError).kind).toBe("UnexpectedEof");
  });

  it("ended cleanly and closed (autoDestroy) before fromReadable: reads give the bytes still buffered, then 0, not an error", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        s.end(Buffer.from("last orders"));
        using r = fromReadable(s);
        return new TextDecoder().decode(yield* readToEnd(r));
      }),
    );
    expect(seen).toBe("last orders");
  });
});

describe("a Readable destroyed by someone else mid-read", () => {
  it("a read is parked, the stream is destroyed without an error: the read wakes with UnexpectedEof and ioWaits reads 0", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const s = new PassThrough();
        using r = fromReadable(s);
        const reader = spawn(settle(read(r, new Uint8Array(8))));
        yield* yieldNow();
        const parked = rt.metrics().ioWaits;
        s.destroy();
        const got = yield* reader;
        return { parked, got, ioWaits: rt.metrics().ioWaits };
      }),
    );
    expect(seen.parked).toBe(1);
    expect(seen.got).toBeInstanceOf(IoError);
    expect((seen.got as IoError).kind).toBe("UnexpectedEof");
    expect(seen.ioWaits).toBe(0);
  });

  it("bytes were read, then the stream is destroyed with an error while a read is parked: the read throws that error, and the bytes before it were delivered", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        using r = fromReadable(s);
        s.write(Buffer.from("abc"));
        const buf = new Uint8Array(8);
        const n = yield* read(r, buf);
        const reader = spawn(settle(read(r, new Uint8Array(8))));
        yield* yieldNow();
        s.destroy(sysError("ECONNRESET"));
        const got = yield* reader;
        return { first: new TextDecoder().decode(buf.subarray(0, n)), got };
      }),
    );
    expect(seen.first).toBe("abc");
    expect((seen.got as IoError).kind).toBe("ConnectionReset");
  });
});

describe("fromReadable refuses what is not a byte stream", () => {
  it("a Readable with an encoding set (it hands out strings) is refused by fromReadable with a TypeError naming stream, before any chunk is taken", () => {
    const s = new PassThrough();
    s.setEncoding("utf8");
    expect(() => fromReadable(s)).toThrow(TypeError);
    expect(() => fromReadable(s)).toThrow(/stream/);
  });

  it("object mode, null, a plain object and a Writable are refused with a TypeError naming stream", () => {
    const cases: unknown[] = [
      Readable.from([Buffer.from("a")]),
      null,
      {},
      new Writable({ write: (_c, _e, cb) => cb() }),
    ];
    for (const c of cases) {
      expect(() => fromReadable(c as Readable)).toThrow(TypeError);
      expect(() => fromReadable(c as Readable)).toThrow(/fromReadable\(stream\): stream/);
    }
  });
});

describe("reads: chunkings, sizes and drops", () => {
  it("random chunks written at random moments, read with random sizes while reads lose random selects to timers (fast-check): the bytes come out exactly once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 10 }),
        async (chunks, sizes, pauses) => {
          const total = chunks.reduce((a, b) => a + b, 0);
          const got = await onRuntime((rt) =>
            asyncBlock(function* () {
              const s = new PassThrough({ highWaterMark: 8 * 1024 });
              using r = fromReadable(s);
              const producer = spawn(
                asyncBlock(function* () {
                  let at = 0;
                  for (let i = 0; i < chunks.length; i++) {
                    const n = chunks[i] as number;
                    s.write(Buffer.from(pattern(n, at)));
                    at += n;
                    const p = pauses[i % pauses.length] as number;
                    if (p === 1) yield* yieldNow();
                    else if (p >= 2) yield* sleep(p);
                  }
                  s.end();
                }),
              );
              const parts: Uint8Array[] = [];
              for (let i = 0; ; i++) {
                const buf = new Uint8Array(sizes[i % sizes.length] as number);
                const p = pauses[i % pauses.length] as number;
                let n: number;
                if (p === 3) {
                  // A timer of 1 ms against the read: either may win; a lost read takes nothing.
                  using sel = yield* select(read(r, buf), sleep(1));
                  if (sel.index === 1) continue;
                  n = sel.value;
                } else {
                  n = yield* read(r, buf);
                }
                if (n === 0) break;
                parts.push(buf.slice(0, n));
              }
              yield* producer;
              expect(rt.metrics().ioWaits).toBe(0);
              return Buffer.concat(parts);
            }),
          );
          expect(got.length).toBe(total);
          expect(Buffer.compare(got, Buffer.from(pattern(total)))).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a zero-length read returns 0 at once, before any byte came, and takes nothing", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        using r = fromReadable(s);
        const empty = yield* read(r, new Uint8Array(0));
        s.end(Buffer.from("xy"));
        const zero = yield* read(r, new Uint8Array(0));
        const rest = yield* readToEnd(r);
        return { empty, zero, rest: new TextDecoder().decode(rest) };
      }),
    );
    expect(seen).toEqual({ empty: 0, zero: 0, rest: "xy" });
  });

  it("a read parked on a silent stream loses a select to yieldNow and is dropped: ioWaits reads 1 while it is held and 0 after, and the next read gets the bytes", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const s = new PassThrough();
        using r = fromReadable(s);
        const trail: unknown[] = [];
        {
          using sel = yield* select(read(r, new Uint8Array(8)), yieldNow());
          trail.push(sel.index, rt.metrics().ioWaits);
        }
        trail.push(rt.metrics().ioWaits);
        s.write(Buffer.from("ok"));
        const buf = new Uint8Array(8);
        const n = yield* read(r, buf);
        trail.push(new TextDecoder().decode(buf.subarray(0, n)));
        return trail;
      }),
    );
    expect(seen).toEqual([1, 1, 0, "ok"]);
  });

  it("a second task reads while the first task's read is parked: the second is refused with a FutureStateError, and the first gets the bytes", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        using r = fromReadable(s);
        const buf = new Uint8Array(8);
        const first = spawn(read(r, buf));
        yield* yieldNow();
        const second = spawn(read(r, new Uint8Array(8)));
        let refused: unknown = null;
        try {
          yield* second;
        } catch (e) {
          refused = e;
        }
        s.write(Buffer.from("mine"));
        const n = yield* first;
        return { refused, got: new TextDecoder().decode(buf.subarray(0, n)) };
      }),
    );
    expect(seen.refused).toBeInstanceOf(JoinError);
    expect((seen.refused as JoinError).cause).toBeInstanceOf(FutureStateError);
    expect(seen.got).toBe("mine");
  });

  it("a source that nobody reads is asked for at most about its highWaterMark: a 1-byte read does not pull the whole source into memory", async () => {
    let pulled = 0;
    const total = 8 * 1024 * 1024;
    const source = new Readable({
      highWaterMark: 16 * 1024,
      read() {
        if (pulled >= total) {
          this.push(null);
          return;
        }
        pulled += 4096;
        this.push(Buffer.alloc(4096));
      },
    });
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using r = fromReadable(source);
        const n = yield* read(r, new Uint8Array(1));
        // Let Node run its own turns: a reader that pulled on would keep asking.
        for (let i = 0; i < 20; i++) yield* sleep(1);
        return n;
      }),
    );
    expect(seen).toBe(1);
    expect(pulled).toBeLessThanOrEqual(64 * 1024);
  });
});

describe("a reader let go", () => {
  it("a reader with close: false is disposed half-way through a chunk: the next reader of the stream gets the rest, not a gap", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new PassThrough();
        s.end(Buffer.from("hello world"));
        const buf = new Uint8Array(5);
        {
          using first = fromReadable(s, { close: false });
          yield* read(first, buf);
        }
        using second = fromReadable(s, { close: false });
        const rest = yield* readToEnd(second);
        return { first: new TextDecoder().decode(buf), rest: new TextDecoder().decode(rest) };
      }),
    );
    expect(seen).toEqual({ first: "hello", rest: " world" });
  });

  it("a reader with close: false is disposed: its listeners are gone, the stream is neither destroyed nor flowing", async () => {
    const s = new PassThrough();
    const before = ["readable", "end", "close", "error"].map((e) => s.listenerCount(e));
    await onRuntime(() =>
      asyncBlock(function* () {
        using r = fromReadable(s, { close: false });
        s.write(Buffer.from("a"));
        yield* read(r, new Uint8Array(4));
      }),
    );
    expect(["readable", "end", "close", "error"].map((e) => s.listenerCount(e))).toEqual(before);
    expect(s.destroyed).toBe(false);
    expect(s.readableFlowing).not.toBe(true);
  });

  it("an owned reader is disposed while a read of another task is parked: the stream is destroyed, the read fails with NotConnected, and ioWaits reads 0", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const s = new PassThrough();
        const r = fromReadable(s);
        const reader = spawn(settle(read(r, new Uint8Array(8))));
        yield* yieldNow();
        r[Symbol.dispose]();
        r[Symbol.dispose]();
        const got = yield* reader;
        return { got, destroyed: s.destroyed, ioWaits: rt.metrics().ioWaits };
      }),
    );
    expect(seen.got).toBeInstanceOf(IoError);
    expect((seen.got as IoError).kind).toBe("NotConnected");
    expect(seen.destroyed).toBe(true);
    expect(seen.ioWaits).toBe(0);
  });
});

describe("a Writable that fails", () => {
  for (const later of [false, true]) {
    it(`_write fails ${later ? "on a later turn" : "at once"}: the write that handed the bytes over returns their count, then flush, write and shutdown throw that error as an IoError, and nothing is uncaught`, async () => {
      const boom = sysError("EPIPE");
      const seen = await onRuntime(() =>
        asyncBlock(function* () {
          using w = fromWritable(new Sink({ fail: boom, failLater: later }), { name: "log" });
          const n = yield* write(w, new Uint8Array(10));
          const errors: unknown[] = [];
          for (const f of [
            (): Future<unknown> & Disposable => flush(w),
            () => write(w, new Uint8Array(1)),
            () => shutdown(w),
          ]) {
            errors.push(yield* settle(f()));
          }
          return { n, errors };
        }),
      );
      expect(seen.n).toBe(10);
      for (const e of seen.errors) {
        expect(e).toBeInstanceOf(IoError);
        expect((e as IoError).kind).toBe("BrokenPipe");
        expect((e as IoError).message).toMatch(/log/);
      }
    });
  }

  it("_final fails: shutdown throws that error as an IoError instead of waiting for 'finish'", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const s = new Writable({
          write: (_c, _e, cb) => cb(),
          final: (cb) => setImmediate(() => cb(sysError("ENOSPC"))),
        });
        using w = fromWritable(s);
        yield* writeAll(w, new Uint8Array(3));
        return yield* settle(shutdown(w));
      }),
    );
    expect(seen).toBeInstanceOf(IoError);
    expect((seen as IoError).kind).toBe("StorageFull");
  });

  it("a write waits for drain and the stream is destroyed by someone else: the write wakes with BrokenPipe, and ioWaits reads 0", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const sink = new Sink({ hold: true });
        using w = fromWritable(sink);
        const writer = spawn(settle(writeAll(w, new Uint8Array(256 * 1024))));
        yield* yieldNow();
        const parked = rt.metrics().ioWaits;
        sink.destroy();
        const got = yield* writer;
        return { parked, got, ioWaits: rt.metrics().ioWaits };
      }),
    );
    expect(seen.parked).toBe(1);
    expect(seen.got).toBeInstanceOf(IoError);
    expect((seen.got as IoError).kind).toBe("BrokenPipe");
    expect(seen.ioWaits).toBe(0);
  });

  it("a Writable destroyed before fromWritable: shutdown, the first operation, throws BrokenPipe instead of waiting for ever, and a write after it too", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const sink = new Sink();
        sink.destroy();
        // A host turn later: its 'close' was emitted, and no event will come again.
        yield* sleep(1);
        expect(sink.closed).toBe(true);
        using w = fromWritable(sink);
        // Shutdown first: nothing has failed yet that the writer could have kept.
        const ended = yield* settle(shutdown(w));
        const wrote = yield* settle(write(w, new Uint8Array(4)));
        return { wrote, ended };
      }),
    );
    expect((seen.wrote as IoError).kind).toBe("BrokenPipe");
    expect(seen.ended).toBeInstanceOf(IoError);
    expect((seen.ended as IoError).kind).toBe("BrokenPipe");
  });

  it("a Writable ended by someone else: the next write's bytes are refused with a BrokenPipe IoError at that write or the flush, and nothing is uncaught", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const sink = new Sink();
        using w = fromWritable(sink);
        sink.end();
        const first = yield* settle(write(w, new Uint8Array(4)));
        const flushed = yield* settle(flush(w));
        return { first, flushed, received: sink.received };
      }),
    );
    const failure = seen.first instanceof IoError ? seen.first : seen.flushed;
    expect(failure).toBeInstanceOf(IoError);
    expect((failure as IoError).kind).toBe("BrokenPipe");
    expect(seen.received).toBe(0);
  });

  it("fromWritable refuses an object-mode stream, null and a Readable with a TypeError naming stream", () => {
    const cases: unknown[] = [new Writable({ objectMode: true }), null, new PassThrough().resume()];
    expect(() => fromWritable(cases[0] as Writable)).toThrow(/fromWritable\(stream\): stream/);
    expect(() => fromWritable(cases[1] as Writable)).toThrow(TypeError);
    expect(() => fromWritable(Readable.from([]) as unknown as Writable)).toThrow(TypeError);
  });
});

describe("writes: backpressure, flush, shutdown, drops", () => {
  it("writeAll of 4 MiB into a sink that calls back only when a task releases it: Node's buffer never passes highWaterMark + 64 KiB, and every byte arrives in order", async () => {
    const total = 4 * 1024 * 1024;
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const sink = new Sink({ hold: true, hwm: 16 * 1024 });
        using w = fromWritable(sink);
        let most = 0;
        let done = false;
        const drainer = spawn(
          asyncBlock(function* () {
            while (!done) {
              most = Math.max(most, sink.writableLength);
              sink.release();
              yield* sleep(1);
            }
          }),
        );
        yield* writeAll(w, pattern(total));
        most = Math.max(most, sink.writableLength);
        const flushed = spawn(flush(w));
        yield* flushed;
        done = true;
        yield* drainer;
        return { most, got: Buffer.concat(sink.chunks) };
      }),
    );
    expect(seen.most).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
    expect(seen.got.length).toBe(total);
    expect(Buffer.compare(seen.got, Buffer.from(pattern(total)))).toBe(0);
  });

  it("flush waits for every write's callback: with the callbacks held it loses selects, then it is ready once both are released", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const sink = new Sink({ hold: true });
        using w = fromWritable(sink);
        yield* write(w, new Uint8Array(100));
        yield* write(w, new Uint8Array(100));
        const f = flush(w);
        const trail: unknown[] = [];
        for (let i = 0; i < 3; i++) {
          const sel = yield* select.biased(borrow(f), yieldNow());
          trail.push(sel.index);
        }
        // Node hands the sink one write at a time: release until the flush is ready.
        let released = 0;
        for (;;) {
          released += sink.release();
          const sel = yield* select.biased(borrow(f), sleep(1));
          if (sel.index === 0) break;
        }
        trail.push(released);
        trail.push("flushed");
        return trail;
      }),
    );
    expect(seen).toEqual([1, 1, 1, 2, "flushed"]);
  });

  it("a write parked on a full sink loses a select and is dropped: ioWaits reads 0, and the sink receives only the bytes of writes that returned a count", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const sink = new Sink({ hold: true, hwm: 1024 });
        using w = fromWritable(sink);
        let accepted = 0;
        let lost = 0;
        for (let i = 0; i < 10; i++) {
          using sel = yield* select(write(w, pattern(700, accepted)), yieldNow());
          if (sel.index === 0) accepted += sel.value;
          else lost++;
        }
        const ioWaits = rt.metrics().ioWaits;
        sink.release();
        let released = 1;
        while (released > 0) {
          yield* sleep(1);
          released = sink.release();
        }
        yield* flush(w);
        return { accepted, lost, ioWaits, got: Buffer.concat(sink.chunks) };
      }),
    );
    expect(seen.lost).toBeGreaterThan(0);
    expect(seen.ioWaits).toBe(0);
    expect(seen.got.length).toBe(seen.accepted);
    expect(Buffer.compare(seen.got, Buffer.from(pattern(seen.accepted)))).toBe(0);
  });

  it("a write of 200 KiB is accepted at most 64 KiB at a time, and the caller may reuse its buffer at once", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const sink = new Sink({ hwm: 1024 * 1024 });
        using w = fromWritable(sink);
        const buf = pattern(200 * 1024);
        const n = yield* write(w, buf);
        buf.fill(0);
        yield* flush(w);
        return { n, got: Buffer.concat(sink.chunks) };
      }),
    );
    expect(seen.n).toBe(64 * 1024);
    expect(Buffer.compare(seen.got, Buffer.from(pattern(64 * 1024)))).toBe(0);
  });

  it("shutdown twice is ready both times, after 'finish'; a write after it is a BrokenPipe IoError", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const sink = new Sink();
        using w = fromWritable(sink);
        yield* writeAll(w, Buffer.from("soup"));
        yield* shutdown(w);
        const finished = sink.writableFinished;
        yield* shutdown(w);
        const after = yield* settle(write(w, new Uint8Array(1)));
        return { finished, after, got: Buffer.concat(sink.chunks).toString() };
      }),
    );
    expect(seen.finished).toBe(true);
    expect((seen.after as IoError).kind).toBe("BrokenPipe");
    expect(seen.got).toBe("soup");
  });

  it("an owned writer is disposed with writes still held by the sink: the bytes still arrive and the stream finishes; an error after that is not uncaught", async () => {
    const sink = new Sink({ hold: true });
    await onRuntime(() =>
      asyncBlock(function* () {
        const w = fromWritable(sink);
        yield* writeAll(w, Buffer.from("last dish"));
        w[Symbol.dispose]();
      }),
    );
    expect(sink.writableEnded).toBe(true);
    sink.release();
    await new Promise((r) => setImmediate(r));
    expect(sink.writableFinished).toBe(true);
    expect(Buffer.concat(sink.chunks).toString()).toBe("last dish");
    sink.destroy(sysError("EPIPE"));
    await new Promise((r) => setImmediate(r));
  });

  it("a writer with close: false is disposed: the stream is not ended, and the writer's listeners are gone", async () => {
    const sink = new Sink();
    const names = ["error", "drain", "finish", "close"];
    const before = names.map((e) => sink.listenerCount(e));
    await onRuntime(() =>
      asyncBlock(function* () {
        using w = fromWritable(sink, { close: false });
        yield* writeAll(w, Buffer.from("x"));
        yield* shutdown(w);
      }),
    );
    expect(sink.writableEnded).toBe(false);
    expect(names.map((e) => sink.listenerCount(e))).toEqual(before);
  });

  it("a writer and a reader on the two ends of one PassThrough move 1 MiB through join with no byte lost", async () => {
    const total = 1024 * 1024;
    const got = await onRuntime(() =>
      asyncBlock(function* () {
        const pipe = new PassThrough({ highWaterMark: 4096 });
        using w = fromWritable(pipe);
        using r = fromReadable(pipe, { close: false });
        const [, bytes] = yield* join(
          asyncBlock(function* () {
            yield* writeAll(w, pattern(total));
            yield* shutdown(w);
          }),
          readToEnd(r),
        );
        return bytes;
      }),
    );
    expect(got.length).toBe(total);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(pattern(total)))).toBe(0);
  });
});
