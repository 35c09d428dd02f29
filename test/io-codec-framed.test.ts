/**
 * FramedRead, FramedWrite and Framed over Brigade's in-memory duplex: random frames written by a
 * FramedWrite arrive whole and in order through any chunking (a tube of 1 byte makes every read
 * one byte); errors come out once, in place of a frame, and end the stream unless the codec skips
 * past them; a partial frame at the end is an error; `send` waits on a peer that does not read and
 * finishes when it drains; a `next()` dropped at any point loses no frame; disposing closes the io.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import type { Suspend } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import {
  BytesBuf,
  BytesCodec,
  CodecError,
  Framed,
  FramedRead,
  FramedWrite,
  LengthDelimitedCodec,
  LinesCodec,
} from "../src/io/codec/index.js";
import { duplex } from "../src/io/duplex.js";
import { IoError } from "../src/io/error.js";
import { readToEnd } from "../src/io/read.js";
import { shutdown, writeAll } from "../src/io/write.js";
import { run } from "../src/runtime/runtime.js";
import { DONE, type StreamBase, StreamMap } from "../src/stream/index.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

const bytes = (s: string) => new TextEncoder().encode(s);

/** Every item of `s`, or `error: <kind>` in place of one, until DONE. */
function* drain<T>(s: StreamBase<T>): Generator<Suspend, (T | string)[], unknown> {
  const out: (T | string)[] = [];
  for (let i = 0; i < 10_000; i++) {
    try {
      const v = yield* s.next();
      if (v === DONE) return out;
      out.push(v);
    } catch (e) {
      out.push(`error: ${(e as CodecError | IoError).kind}`);
    }
  }
  throw new Error("the stream did not end");
}

/** A line with no "\n" that does not end in "\r" (which would be read back as half an ending). */
const line = fc
  .string({ unit: "binary", maxLength: 40 })
  .filter((s) => !s.includes("\n") && !s.endsWith("\r"));

describe("random frames through random chunking over a duplex arrive whole and in order", () => {
  /** Write `frames` with FramedWrite (feeding, flushing every `every`), read them with FramedRead. */
  function roundTrip<T>(
    frames: T[],
    codec: () => LinesCodec | LengthDelimitedCodec | BytesCodec,
    tube: number,
    every: number,
    boundary: number,
  ) {
    return run(
      asyncBlock(function* () {
        const [a, b] = duplex(tube);
        const send = asyncBlock(function* () {
          using out = new FramedWrite(a, codec() as never, { backpressureBoundary: boundary });
          for (let i = 0; i < frames.length; i++) {
            yield* i % every === 0 ? out.send(frames[i]) : out.feed(frames[i]);
          }
          yield* out.close();
        });
        const receive = asyncBlock(function* () {
          using incoming = new FramedRead(b, codec() as never);
          return (yield* drain(incoming)) as T[];
        });
        const [, got] = yield* join(send, receive);
        return got;
      }),
    );
  }
  const shape = {
    tube: fc.integer({ min: 1, max: 64 }),
    every: fc.integer({ min: 1, max: 5 }),
    boundary: fc.integer({ min: 1, max: 200 }),
  };

  it("LinesCodec: any UTF-8 lines, a tube of 1 to 64 bytes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 30 }),
        shape.tube,
        shape.every,
        shape.boundary,
        async (lines, tube, every, boundary) => {
          // A last empty line with nothing after it is the end, not a line: leave it out.
          const frames =
            lines.length > 0 && lines[lines.length - 1] === "" ? lines.slice(0, -1) : lines;
          expect(await roundTrip(frames, () => new LinesCodec(), tube, every, boundary)).toEqual(
            frames,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("LinesCodec: lines ended by a random mix of \\n and \\r\\n, written raw in random pieces (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(line, fc.boolean()), { maxLength: 30 }),
        shape.tube,
        async (lines, tube) => {
          const wire = bytes(lines.map(([l, crlf]) => l + (crlf ? "\r\n" : "\n")).join(""));
          const got = await run(
            asyncBlock(function* () {
              const [a, b] = duplex(tube);
              const send = asyncBlock(function* () {
                yield* writeAll(a, wire);
                yield* shutdown(a);
              });
              using incoming = new FramedRead(b, new LinesCodec());
              const [, got] = yield* join(
                send,
                asyncBlock(() => drain(incoming)),
              );
              return got;
            }),
          );
          expect(got).toEqual(lines.map(([l]) => l));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("LengthDelimitedCodec: any payloads (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        shape.tube,
        shape.every,
        shape.boundary,
        async (frames, tube, every, boundary) => {
          const got = await roundTrip(
            frames,
            () => new LengthDelimitedCodec({ lengthFieldBytes: 2 }),
            tube,
            every,
            boundary,
          );
          expect(got).toEqual(frames);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("BytesCodec: the bytes in order, however they were cut (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 100 }), { maxLength: 20 }),
        shape.tube,
        shape.every,
        shape.boundary,
        async (chunks, tube, every, boundary) => {
          const got = (await roundTrip(
            chunks,
            () => new BytesCodec(),
            tube,
            every,
            boundary,
          )) as Uint8Array[];
          expect(Buffer.concat(got)).toEqual(Buffer.concat(chunks));
          expect(got.every((c) => c.length <= tube)).toBe(true); // one read at most per chunk
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("a FramedRead is a Brigade stream", () => {
  it("for await reads its frames from native code, and ends at the reader's end", async () => {
    const [a, b] = duplex(8);
    const writer = run(
      asyncBlock(function* () {
        using out = new FramedWrite(a, new LinesCodec());
        for (const l of ["soup", "salad", "tea"]) yield* out.send(l);
      }),
    );
    const seen: string[] = [];
    for await (const line of new FramedRead(b, new LinesCodec()).map((l) => l.toUpperCase())) {
      seen.push(line);
    }
    await writer;
    expect(seen).toEqual(["SOUP", "SALAD", "TEA"]);
  });

  it("a StreamMap reads two FramedReads as one stream of [key, frame]; each leaves the map at its end", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [a1, b1] = duplex(8);
        const [a2, b2] = duplex(8);
        const map = new StreamMap<string, string>();
        map.insert("t1", new FramedRead(b1, new LinesCodec()));
        map.insert("t2", new FramedRead(b2, new LinesCodec()));
        spawn(
          asyncBlock(function* () {
            using one = new FramedWrite(a1, new LinesCodec());
            using two = new FramedWrite(a2, new LinesCodec());
            yield* one.send("soup");
            yield* two.send("tea");
            yield* one.send("steak");
          }),
        );
        const got: string[] = [];
        for (let kv = yield* map.next(); kv !== DONE; kv = yield* map.next()) {
          got.push(`${kv[0]}=${kv[1]}`);
        }
        return got.sort();
      }),
    );
    expect(got).toEqual(["t1=soup", "t1=steak", "t2=tea"]);
  });
});

describe("the task's budget", () => {
  it("a thousand frames buffered at once are handed out in turns: another task runs in between", async () => {
    const ticksSeen = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(1 << 16);
        yield* writeAll(a, bytes("ab\n".repeat(1000)));
        yield* shutdown(a);
        let ticks = 0;
        let done = false;
        spawn(
          asyncBlock(function* () {
            while (!done) {
              ticks++;
              yield* yieldNow();
            }
          }),
        );
        using incoming = new FramedRead(b, new LinesCodec());
        const lines = yield* incoming.collect();
        done = true;
        expect(lines.length).toBe(1000);
        return ticks;
      }),
    );
    // 1000 frames at 128 a turn: at least 7 turns given back.
    expect(ticksSeen).toBeGreaterThanOrEqual(7);
  });
});

describe("errors come out once, in place of a frame", () => {
  /** The items of a FramedRead over `wire`, written raw through a tube of `tube` bytes. */
  function readRaw<T>(wire: Uint8Array, decoder: LinesCodec | LengthDelimitedCodec, tube = 4) {
    return run(
      asyncBlock(function* () {
        const [a, b] = duplex(tube);
        spawn(
          asyncBlock(function* () {
            using _a = a;
            try {
              yield* writeAll(a, wire);
            } catch (e) {
              // A stream that ended at an error disposed its end: the rest was not wanted.
              if ((e as IoError).kind !== "BrokenPipe") throw e;
            }
          }),
        );
        using incoming = new FramedRead(b, decoder as never);
        return (yield* drain(incoming)) as (T | string)[];
      }),
    );
  }

  it("a line over maxLength is an error, then the stream goes on with the next line", async () => {
    const wire = bytes("soup\nthis line is far too long\r\nsalad\nxxxxxxxxxxx");
    expect(await readRaw(wire, new LinesCodec({ maxLength: 8 }))).toEqual([
      "soup",
      "error: MaxLineLengthExceeded",
      "salad",
      "error: MaxLineLengthExceeded",
    ]);
  });

  it("a partial frame at the end is a BytesRemaining error, then DONE", async () => {
    const wire = Uint8Array.of(0, 0, 0, 1, 42, 0, 0, 0, 10, 1, 2, 3);
    expect(await readRaw(wire, new LengthDelimitedCodec())).toEqual([
      Uint8Array.of(42),
      "error: BytesRemaining",
    ]);
  });

  it("a frame over maxFrameLength ends the stream: the bytes after it are not read as frames", async () => {
    const wire = Uint8Array.of(1, 7, 9, 0, 1, 5);
    expect(
      await readRaw(wire, new LengthDelimitedCodec({ lengthFieldBytes: 1, maxFrameLength: 4 })),
    ).toEqual([Uint8Array.of(7), "error: FrameTooLong"]);
  });

  it("a reader's own error is thrown once and ends the stream", async () => {
    let reads = 0;
    const failing = {
      pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
        if (reads++ === 0) {
          buf.set(bytes("a\nb"));
          return 3;
        }
        throw new IoError("ConnectionReset", "reset");
      },
    };
    const got = await run(asyncBlock(() => drain(new FramedRead(failing, new LinesCodec()))));
    expect(got).toEqual(["a", "error: ConnectionReset"]);
    expect(reads).toBe(2);
  });
});

describe("FramedWrite's backpressure", () => {
  it("send stays pending while the peer does not read, and is ready once the peer drains the tube", () => {
    const [a, b] = duplex(64);
    const out = new FramedWrite(a, new LengthDelimitedCodec());
    const task = new MockTask(out.send(new Uint8Array(1000).fill(7)));
    expect(task.poll()).toBe(PENDING);
    expect(out.writeBuffer.length).toBe(1004 - 64); // the tube took 64 bytes, the rest waits
    expect(task.isWoken()).toBe(false);
    const drained: number[] = [];
    const cx = new Context(Waker.noop());
    const chunk = new Uint8Array(64);
    let r: Poll<void> = PENDING;
    for (let i = 0; i < 100 && r === PENDING; i++) {
      const n = b.pollRead(cx, chunk);
      if (n !== PENDING) drained.push(...chunk.subarray(0, n));
      expect(task.isWoken()).toBe(true); // room in the tube pages the writer
      r = task.poll();
    }
    expect(r).toBeUndefined();
    for (;;) {
      const n = b.pollRead(cx, chunk);
      if (n === PENDING || n === 0) break;
      drained.push(...chunk.subarray(0, n));
    }
    expect(drained.length).toBe(1004);
    expect(drained.slice(0, 4)).toEqual([0, 0, 3, 232]);
    expect(drained.slice(4).every((x) => x === 7)).toBe(true);
  });

  it("feed only encodes until the buffer reaches the boundary; then it writes out before taking more", () => {
    const [a, b] = duplex(1024);
    const out = new FramedWrite(a, new LinesCodec(), { backpressureBoundary: 10 });
    expect(new MockTask(out.feed("abcd")).poll()).toBeUndefined();
    expect(new MockTask(out.feed("efgh")).poll()).toBeUndefined();
    expect(out.writeBuffer.length).toBe(10); // nothing written yet
    const peer = new Uint8Array(64);
    const cx = new Context(Waker.noop());
    expect(b.pollRead(cx, peer)).toBe(PENDING);
    expect(new MockTask(out.feed("ij")).poll()).toBeUndefined();
    expect(out.writeBuffer.length).toBe(3); // the first 10 went out to make room
    expect(new TextDecoder().decode(peer.subarray(0, b.pollRead(cx, peer) as number))).toBe(
      "abcd\nefgh\n",
    );
  });

  it("an item the encoder refuses is thrown from send, with nothing of it written", async () => {
    const [a, b] = duplex(1024);
    const got = await run(
      asyncBlock(function* () {
        const out = new FramedWrite(a, new LengthDelimitedCodec({ maxFrameLength: 3 }));
        yield* out.send(Uint8Array.of(1));
        let error: unknown = null;
        try {
          yield* out.send(Uint8Array.of(1, 2, 3, 4));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(CodecError);
        expect(out.writeBuffer.length).toBe(0);
        yield* out.send(Uint8Array.of(2));
        yield* out.close();
        return [...(yield* readToEnd(b))];
      }),
    );
    expect(got).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 2]);
  });
});

describe("next() is cancellation safe", () => {
  it("a next() dropped after every pending poll loses no frame (the pager rings at once)", () => {
    const wire = bytes("one\ntwo\r\nthree\nfour");
    let at = 0;
    let pendingNext = true;
    // Alternately not ready (waking at once) and one byte: every point of every frame is reached.
    const trickle = {
      pollRead(cx: Context, buf: Uint8Array): Poll<number> {
        pendingNext = !pendingNext;
        if (!pendingNext) {
          cx.waker.wake();
          return PENDING;
        }
        if (at === wire.length) return 0;
        buf[0] = wire[at++]!;
        return 1;
      },
    };
    const incoming = new FramedRead(trickle, new LinesCodec());
    const got: string[] = [];
    let drops = 0;
    for (let i = 0; i < 1000; i++) {
      const f = incoming.next();
      const task = new MockTask(f);
      const r = task.poll();
      f[Symbol.dispose]();
      if (r === PENDING) {
        drops++;
        continue;
      }
      if (r === DONE) break;
      got.push(r);
    }
    expect(got).toEqual(["one", "two", "three", "four"]);
    expect(drops).toBeGreaterThan(wire.length);
  });

  it("length-delimited frames survive next() futures dropped at random pending points, through random chunks (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }),
        fc
          .array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 8 })
          .filter((sizes) => sizes.some((n) => n > 0)),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (frames, chunks, drops) => {
          const codec = new LengthDelimitedCodec({ lengthFieldBytes: 1 });
          const wire = new BytesBuf();
          for (const f of frames) codec.encode(f, wire);
          const bytesOut = wire.take(wire.length);
          let at = 0;
          let step = 0;
          // A chunk size of 0 is a pending read that wakes at once.
          const reader = {
            pollRead(cx: Context, buf: Uint8Array): Poll<number> {
              const n = Math.min(chunks[step++ % chunks.length]!, bytesOut.length - at, buf.length);
              if (n === 0 && at < bytesOut.length) {
                cx.waker.wake();
                return PENDING;
              }
              buf.set(bytesOut.subarray(at, at + n));
              at += n;
              return n;
            },
          };
          const incoming = new FramedRead(
            reader,
            new LengthDelimitedCodec({ lengthFieldBytes: 1 }),
          );
          const got: Uint8Array[] = [];
          let f = incoming.next();
          for (let i = 0; i < 10_000; i++) {
            const r = new MockTask(f).poll();
            if (r === PENDING) {
              // Dropped here, or kept and polled again.
              if (drops[i % drops.length]) {
                f[Symbol.dispose]();
                f = incoming.next();
              }
              continue;
            }
            if (r === DONE) break;
            got.push(r);
            f = incoming.next();
          }
          expect(got).toEqual(frames);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("in a task, next() racing yieldNow (dropped whenever it loses) still gets every frame in order", async () => {
    const frames = Array.from({ length: 200 }, (_, i) => `line ${i} ${"x".repeat(i % 17)}`);
    const got = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(7);
        spawn(
          asyncBlock(function* () {
            using out = new FramedWrite(a, new LinesCodec());
            for (const f of frames) {
              yield* out.send(f);
              yield* yieldNow();
            }
          }),
        );
        using incoming = new FramedRead(b, new LinesCodec());
        const got: string[] = [];
        let lost = 0;
        for (;;) {
          // yieldNow is ready at its second poll: whenever it wins, the next() is dropped.
          const r = yield* race(incoming.next(), yieldNow());
          if (r === undefined) {
            lost++;
            continue;
          }
          if (r === DONE) break;
          got.push(r);
        }
        expect(lost).toBeGreaterThan(0);
        return got;
      }),
    );
    expect(got).toEqual(frames);
  });
});

describe("disposal releases the io", () => {
  it("disposing a FramedRead disposes its reader: the peer's write fails with BrokenPipe", async () => {
    const [a, b] = duplex(16);
    new FramedRead(b, new LinesCodec())[Symbol.dispose]();
    await expect(run(writeAll(a, bytes("hello\n")))).rejects.toMatchObject({ kind: "BrokenPipe" });
  });

  it("disposing a FramedWrite disposes its writer: the peer reads the end", async () => {
    const [a, b] = duplex(16);
    const out = new FramedWrite(a, new LinesCodec());
    out[Symbol.dispose]();
    out[Symbol.dispose](); // idempotent
    expect((await run(readToEnd(b))).length).toBe(0);
    expect(() => out.send("x")).toThrow(/FramedWrite was used after it was disposed \(send\)/);
  });

  it("a Framed split in two: frames already read go with the read half, and the io closes with the last half", async () => {
    const [a, b] = duplex(64);
    const got = await run(
      asyncBlock(function* () {
        yield* writeAll(a, bytes("first\nsecond\n"));
        const conn = new Framed(b, new LinesCodec());
        expect(yield* conn.next()).toBe("first"); // "second\n" is now in conn's buffer
        yield* conn.feed("unflushed"); // and this in its write buffer
        const [incoming, outgoing] = conn.split();
        expect(() => conn.next()).toThrow(/used after split\(\)/);
        conn[Symbol.dispose](); // does nothing: the halves own the io
        const second = yield* incoming.next();
        yield* outgoing.close();
        const echoed = new TextDecoder().decode(yield* readToEnd(a));
        incoming[Symbol.dispose]();
        outgoing[Symbol.dispose]();
        let error: unknown = null;
        try {
          yield* writeAll(a, bytes("late\n"));
        } catch (e) {
          error = e;
        }
        return { second, echoed, error: (error as IoError).kind };
      }),
    );
    expect(got).toEqual({ second: "second", echoed: "unflushed\n", error: "BrokenPipe" });
  });

  it("a Framed reads and writes through one codec, and disposing it closes the io", async () => {
    const [a, b] = duplex(64);
    const got = await run(
      asyncBlock(function* () {
        const client = new Framed(a, new LengthDelimitedCodec({ lengthFieldBytes: 1 }));
        const server = new Framed(b, new LengthDelimitedCodec({ lengthFieldBytes: 1 }));
        yield* client.send(bytes("ping"));
        const req = yield* server.next();
        yield* server.send(bytes(`${new TextDecoder().decode(req as Uint8Array)}/pong`));
        const reply = yield* client.next();
        server[Symbol.dispose]();
        const end = yield* client.next();
        client[Symbol.dispose]();
        return [new TextDecoder().decode(reply as Uint8Array), end === DONE];
      }),
    );
    expect(got).toEqual(["ping/pong", true]);
  });

  it("bad arguments are TypeErrors that name them", () => {
    const [a] = duplex(1);
    expect(() => new FramedRead({} as never, new LinesCodec())).toThrow(
      /new FramedRead\(reader, decoder\): reader must be an AsyncRead/,
    );
    expect(() => new FramedRead(a, {} as never)).toThrow(/decoder must be a Decoder/);
    expect(() => new FramedWrite(a, null as never)).toThrow(
      /encoder must be an Encoder .* got null/,
    );
    expect(() => new FramedWrite(a, new LinesCodec(), { backpressureBoundary: 0 })).toThrow(
      /options.backpressureBoundary must be an integer of at least 1, got 0/,
    );
  });
});
