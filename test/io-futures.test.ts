/**
 * The io futures against in-memory readers and writers that hand out bytes in random pieces and
 * answer PENDING at random points (waking themselves), so every split of a read or a write is
 * exercised: read, readExact, readToEnd, writeAll, copy, copyBidirectional, BufReader and split.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DONE,
  PENDING,
  type Poll,
  pollFn,
  run,
  select,
  sleep,
} from "../src/index.js";
import {
  BufReader,
  copy,
  copyBidirectional,
  IoError,
  read,
  readExact,
  readToEnd,
  split,
  writeAll,
} from "../src/node.js";

/** Hands out `data` in pieces of the sizes given (cycled), stalling before the flagged pieces. */
class MockReader {
  private at = 0;
  private piece = 0;
  private stalled = false;
  drops = 0;
  /** While open, running out of bytes means "wait for more" (PENDING), not the end. */
  open = false;
  private waker: { wake(): void } | null = null;
  constructor(
    private data: Uint8Array,
    private readonly sizes: number[] = [1 << 30],
    private readonly stalls: boolean[] = [false],
  ) {}
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (buf.length === 0) return 0;
    if (this.at >= this.data.length) {
      if (!this.open) return 0;
      this.waker = cx.waker;
      return PENDING;
    }
    if (this.stalls[this.piece % this.stalls.length] && !this.stalled) {
      this.stalled = true;
      cx.waker.wake();
      return PENDING;
    }
    this.stalled = false;
    const n = Math.min(
      buf.length,
      this.sizes[this.piece++ % this.sizes.length]!,
      this.data.length - this.at,
    );
    buf.set(this.data.subarray(this.at, this.at + n));
    this.at += n;
    return n;
  }
  /** More bytes arrive (for tests that read while data trickles in). */
  append(more: Uint8Array): void {
    const next = new Uint8Array(this.data.length + more.length);
    next.set(this.data);
    next.set(more, this.data.length);
    this.data = next;
    this.waker?.wake();
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
}

/** Accepts bytes in pieces of the sizes given, stalling before the flagged pieces. */
class MockWriter {
  readonly chunks: Uint8Array[] = [];
  private piece = 0;
  private stalled = false;
  flushes = 0;
  shutdowns = 0;
  drops = 0;
  constructor(
    private readonly sizes: number[] = [1 << 30],
    private readonly stalls: boolean[] = [false],
  ) {}
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.shutdowns > 0) throw new IoError("BrokenPipe", "write after shutdown");
    if (this.stalls[this.piece % this.stalls.length] && !this.stalled) {
      this.stalled = true;
      cx.waker.wake();
      return PENDING;
    }
    this.stalled = false;
    const n = Math.min(buf.length, this.sizes[this.piece++ % this.sizes.length]!);
    this.chunks.push(buf.slice(0, n)); // a copy: the caller may reuse its buffer
    return n;
  }
  pollFlush(_cx: Context): Poll<void> {
    this.flushes++;
    return undefined;
  }
  pollShutdown(_cx: Context): Poll<void> {
    this.shutdowns++;
    return undefined;
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
}

const bytesArb = fc.uint8Array({ maxLength: 3000 });
const sizesArb = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 });
const stallsArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 5 });

function inRuntime<T>(body: () => Generator<typeof PENDING, T, unknown>): Promise<T> {
  return run(asyncBlock(body));
}

describe("read futures over split reads", () => {
  it("readToEnd and readExact rebuild the source however it is split and stalled", async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb, sizesArb, stallsArb, async (data, sizes, stalls) => {
        const all = await inRuntime(function* () {
          return yield* readToEnd(new MockReader(data, sizes, stalls));
        });
        expect(Buffer.from(all).equals(Buffer.from(data))).toBe(true);
        const exact = new Uint8Array(data.length);
        await inRuntime(function* () {
          yield* readExact(new MockReader(data, sizes, stalls), exact);
        });
        expect(Buffer.from(exact).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it("readExact that meets the end first fails with UnexpectedEof, saying how far it got", async () => {
    const err = await inRuntime(function* () {
      try {
        yield* readExact(new MockReader(new Uint8Array(3)), new Uint8Array(5));
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("UnexpectedEof");
    expect((err as IoError).message).toMatch(/after 3 of 5 bytes/);
  });

  it("a read dropped while pending took nothing: the next read gets every byte", async () => {
    const reader = new MockReader(new Uint8Array([1, 2, 3]), [3], [true]);
    const got = await inRuntime(function* () {
      const buf = new Uint8Array(8);
      const first = read(reader, buf);
      const r = yield* pollFn((cx) => (first.poll(cx) === PENDING ? "pending" : "ready"));
      const n = yield* read(reader, buf);
      return [r, Array.from(buf.subarray(0, n))];
    });
    expect(got).toEqual(["pending", [1, 2, 3]]);
  });

  it("bad arguments get TypeErrors that name them", () => {
    expect(() => read({} as never, new Uint8Array(1))).toThrow(
      /read\(reader, buf\): reader must be an AsyncRead/,
    );
    expect(() => read(new MockReader(new Uint8Array()), [1] as never)).toThrow(
      /buf must be a Uint8Array/,
    );
    expect(() => writeAll(new MockReader(new Uint8Array()) as never, new Uint8Array())).toThrow(
      /writer must be an AsyncWrite/,
    );
  });
});

describe("write futures over split writes", () => {
  it("writeAll delivers every byte however the writer splits and stalls", async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb, sizesArb, stallsArb, async (data, sizes, stalls) => {
        const w = new MockWriter(sizes, stalls);
        await inRuntime(function* () {
          yield* writeAll(w, data);
        });
        expect(Buffer.from(w.bytes()).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it("a writer that accepts nothing makes writeAll fail with WriteZero", async () => {
    const w = new MockWriter([0]);
    await expect(
      inRuntime(function* () {
        yield* writeAll(w, new Uint8Array(4));
      }),
    ).rejects.toMatchObject({ kind: "WriteZero" });
  });

  it("copy moves every byte between a split reader and a split writer, then flushes", async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb, sizesArb, sizesArb, stallsArb, async (data, rs, ws, stalls) => {
        const w = new MockWriter(ws, stalls);
        const n = await inRuntime(function* () {
          return yield* copy(new MockReader(data, rs, stalls), w);
        });
        expect(n).toBe(data.length);
        expect(Buffer.from(w.bytes()).equals(Buffer.from(data))).toBe(true);
        expect(w.flushes).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it("copyBidirectional copies both ways and shuts each writer down when the other side ends", async () => {
    const duplex = (data: number[]) => {
      const r = new MockReader(new Uint8Array(data), [2], [true, false]);
      const w = new MockWriter([3]);
      return {
        r,
        w,
        pollRead: (cx: Context, b: Uint8Array) => r.pollRead(cx, b),
        pollWrite: (cx: Context, b: Uint8Array) => w.pollWrite(cx, b),
        pollFlush: (cx: Context) => w.pollFlush(cx),
        pollShutdown: (cx: Context) => w.pollShutdown(cx),
      };
    };
    const a = duplex([1, 2, 3, 4, 5]);
    const b = duplex([9, 8]);
    const totals = await inRuntime(function* () {
      return yield* copyBidirectional(a, b);
    });
    expect(totals).toEqual([5, 2]);
    expect(Array.from(b.w.bytes())).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(a.w.bytes())).toEqual([9, 8]);
    expect([a.w.shutdowns, b.w.shutdowns]).toEqual([1, 1]);
  });
});

describe("BufReader", () => {
  const lineText = fc.array(
    fc.oneof(
      fc.constantFrom("a", "b", "é", "🍝", "\uFEFF", " ", "\n", "\r\n", "\r"),
      fc.string({ maxLength: 3 }),
    ),
    { maxLength: 60 },
  );

  it("lines() gives the text's lines (\\n or \\r\\n endings, any other \\r kept) however the bytes are split, even inside a character", async () => {
    await fc.assert(
      fc.asyncProperty(lineText, sizesArb, stallsArb, async (parts, sizes, stalls) => {
        const text = parts.join("");
        const bytes = new TextEncoder().encode(text);
        const pieces = text.split("\n");
        // Every piece but the last was ended by a \n: only there is a \r before it removed.
        const expected = pieces.map((l, i) =>
          i < pieces.length - 1 && l.endsWith("\r") ? l.slice(0, -1) : l,
        );
        if (expected[expected.length - 1] === "") expected.pop();
        const got = await inRuntime(function* () {
          return yield* new BufReader(new MockReader(bytes, sizes, stalls), 16).lines().collect();
        });
        expect(got).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("a \\r is removed only before a \\n: a last line ending in \\r keeps it, as tokio's lines() does", async () => {
    const linesOf = (text: string) =>
      inRuntime(function* () {
        const bytes = new TextEncoder().encode(text);
        return yield* new BufReader(new MockReader(bytes, [3]), 4).lines().collect();
      });
    expect(await linesOf("a\nb\r")).toEqual(["a", "b\r"]);
    expect(await linesOf("x\r\r\n")).toEqual(["x\r"]);
    expect(await linesOf("tail\r\n")).toEqual(["tail"]);
    expect(await linesOf("\r")).toEqual(["\r"]);
  });

  it("a line of invalid UTF-8 is an InvalidData IoError, then lines() goes on with the next line", async () => {
    // "ok", then "a", a lone 0xff and "b", then "next"; pieces of 2 bytes split the lines up.
    const bytes = new Uint8Array([
      0x6f, 0x6b, 0x0a, 0x61, 0xff, 0x62, 0x0a, 0x6e, 0x65, 0x78, 0x74,
    ]);
    const log = await inRuntime(function* () {
      const lines = new BufReader(new MockReader(bytes, [2]), 4).lines();
      const out: string[] = [];
      for (let i = 0; i < 5; i++) {
        try {
          const line = yield* lines.next();
          out.push(line === DONE ? "DONE" : line);
          if (line === DONE) break;
        } catch (e) {
          out.push(e instanceof IoError ? `IoError ${e.kind}` : `other ${String(e)}`);
        }
      }
      return out;
    });
    expect(log).toEqual(["ok", "IoError InvalidData", "next", "DONE"]);
  });

  it("lines({ maxLength }) refuses a longer line with InvalidData, skips the rest of it, and goes on", async () => {
    const text = "ab\nabcdefghijklmnop\ncd\nabcdef\nxy";
    for (const [piece, buffer] of [
      [3, 4],
      [1, 64],
      [64, 64],
    ] as const) {
      const log = await inRuntime(function* () {
        const reader = new BufReader(
          new MockReader(new TextEncoder().encode(text), [piece]),
          buffer,
        );
        const lines = reader.lines({ maxLength: 5 });
        const out: string[] = [];
        for (let i = 0; i < 8; i++) {
          try {
            const line = yield* lines.next();
            out.push(line === DONE ? "DONE" : line);
            if (line === DONE) break;
          } catch (e) {
            out.push(e instanceof IoError ? `IoError ${e.kind}` : `other ${String(e)}`);
          }
        }
        return out;
      });
      expect([piece, buffer, log]).toEqual([
        piece,
        buffer,
        ["ab", "IoError InvalidData", "cd", "IoError InvalidData", "xy", "DONE"],
      ]);
    }
  });

  it("maxLength counts a line without its ending: n bytes pass with \\n or \\r\\n, n + 1 do not, however split", async () => {
    const text = "abcd\r\nabcd\nabcde\r\nok\n";
    for (const piece of [1, 2, 5, 64]) {
      const log = await inRuntime(function* () {
        const reader = new BufReader(new MockReader(new TextEncoder().encode(text), [piece]), 64);
        const out: string[] = [];
        for (let i = 0; i < 6; i++) {
          try {
            const line = yield* reader.readLine({ maxLength: 4 });
            out.push(line === null ? "END" : line);
            if (line === null) break;
          } catch (e) {
            out.push(e instanceof IoError ? `IoError ${e.kind}` : `other ${String(e)}`);
          }
        }
        return out;
      });
      // readLine, like lines(), skips the rest of a refused line: the next call gets the line after.
      expect([piece, log]).toEqual([piece, ["abcd", "abcd", "IoError InvalidData", "ok", "END"]]);
    }
  });

  it("readLine({ maxLength }) throws InvalidData for a longer line; bad options are refused by name", async () => {
    const got = await inRuntime(function* () {
      const reader = new BufReader(
        new MockReader(new TextEncoder().encode("0123456789\n"), [4]),
        4,
      );
      try {
        return yield* reader.readLine({ maxLength: 8 });
      } catch (e) {
        return e instanceof IoError ? `${e.kind}: ${e.message}` : String(e);
      }
    });
    expect(got).toBe("InvalidData: BufReader: a line longer than 8 bytes (options.maxLength)");
    const reader = new BufReader(new MockReader(new Uint8Array(0)));
    expect(() => reader.lines({ maxLength: 0 })).toThrow(RangeError);
    expect(() => reader.readLine({ maxLength: "8" as never })).toThrow(TypeError);
    expect(() => reader.lines({ maxLength: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it("readLine() on invalid UTF-8 (a character cut off by the end) throws InvalidData", async () => {
    const bytes = new Uint8Array([0x61, 0xe2, 0x82]); // "a" and two of the three bytes of "€"
    const got = await inRuntime(function* () {
      try {
        return yield* new BufReader(new MockReader(bytes)).readLine();
      } catch (e) {
        return e instanceof IoError ? e.kind : String(e);
      }
    });
    expect(got).toBe("InvalidData");
  });

  it("a byte order mark inside the text is kept: each line is text, not the start of a file", async () => {
    const bytes = new TextEncoder().encode("\uFEFFone\n\uFEFFtwo\n");
    const got = await inRuntime(function* () {
      return yield* new BufReader(new MockReader(bytes)).lines().collect();
    });
    expect(got).toEqual(["\uFEFFone", "\uFEFFtwo"]);
  });

  it("lines().next() dropped mid-line loses nothing: the next call returns the whole line", async () => {
    const reader = new MockReader(new TextEncoder().encode("half"), [4]);
    reader.open = true;
    const lines = new BufReader(reader).lines();
    const got = await run(
      asyncBlock(function* () {
        const first = yield* select(lines.next(), sleep(10));
        first[Symbol.dispose]();
        reader.append(new TextEncoder().encode(" a line\nnext\n"));
        reader.open = false;
        return [first.index, yield* lines.next(), yield* lines.next()];
      }),
      { clock: "paused" },
    );
    expect(got).toEqual([1, "half a line", "next"]);
  });

  it("readLine returns null at the end, and pollRead passes big reads straight through", async () => {
    const got = await inRuntime(function* () {
      const r = new BufReader(new MockReader(new TextEncoder().encode("one\ntwo")), 4);
      const a = yield* r.readLine();
      const b = yield* r.readLine();
      const c = yield* r.readLine();
      return [a, b, c];
    });
    expect(got).toEqual(["one", "two", null]);
    expect(() => new BufReader(new MockReader(new Uint8Array()), 0)).toThrow(RangeError);
  });
});

describe("split", () => {
  it("the halves read and write the same object, which is disposed when both halves are", async () => {
    const r = new MockReader(new Uint8Array([7, 7]));
    const w = new MockWriter();
    let drops = 0;
    const io = {
      pollRead: (cx: Context, b: Uint8Array) => r.pollRead(cx, b),
      pollWrite: (cx: Context, b: Uint8Array) => w.pollWrite(cx, b),
      pollFlush: (cx: Context) => w.pollFlush(cx),
      pollShutdown: (cx: Context) => w.pollShutdown(cx),
      [Symbol.dispose]: () => {
        drops++;
      },
    };
    const [rd, wr] = split(io);
    const n = await inRuntime(function* () {
      yield* writeAll(wr, new Uint8Array([1]));
      return yield* readToEnd(rd);
    });
    expect(Array.from(n)).toEqual([7, 7]);
    expect(Array.from(w.bytes())).toEqual([1]);
    rd[Symbol.dispose]();
    rd[Symbol.dispose]();
    expect(drops).toBe(0);
    wr[Symbol.dispose]();
    expect(drops).toBe(1);
    expect(() => rd.pollRead(null as never, new Uint8Array(1))).toThrow(/after it was disposed/);
    expect(DONE).toBeTypeOf("symbol");
  });
});
