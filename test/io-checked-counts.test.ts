/**
 * A reader or writer of one's own that returns a wrong count (more than the buffer holds, a
 * negative or fractional number, a Promise from an `async pollRead`) is refused where the count is
 * used, with an error naming the class and the rule, instead of bytes that were never read being
 * handed out (or bytes never written being skipped) silently.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, type Context, type Future, type Poll, run } from "../src/index.js";
import {
  type AsyncRead,
  type AsyncWrite,
  BufReader,
  BufWriter,
  copy,
  FramedRead,
  FramedWrite,
  flush,
  LinesCodec,
  read,
  readExact,
  readToEnd,
  write,
  writeAll,
} from "../src/node.js";

/** A reader that answers its first read with `answer(buf)` (after filling what fits), then ends. */
class BadReader implements AsyncRead {
  private done = false;
  constructor(private readonly answer: (buf: Uint8Array) => unknown) {}
  pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
    if (this.done) return 0;
    this.done = true;
    buf.fill(97, 0, Math.min(3, buf.length));
    return this.answer(buf) as Poll<number>;
  }
}

/** A writer that answers every write with `answer(buf)`. */
class BadWriter implements AsyncWrite {
  constructor(private readonly answer: (buf: Uint8Array) => unknown) {}
  pollWrite(_cx: Context, buf: Uint8Array): Poll<number> {
    return this.answer(buf) as Poll<number>;
  }
  pollFlush(): Poll<void> {
    return undefined;
  }
  pollShutdown(): Poll<void> {
    return undefined;
  }
}

/** A writer that takes everything: the good side of a copy. */
const sink = (): AsyncWrite => new BadWriter((buf) => buf.length);

/** Run the future `f` makes: its value, or its error as a rejection. */
const reasons = (f: () => unknown) => run(f() as Future<unknown>);

const tooMany = (buf: Uint8Array) => buf.length + 5;

describe("a reader's count is checked", () => {
  const readers: [string, (r: AsyncRead) => unknown][] = [
    ["read", (r) => read(r, new Uint8Array(16))],
    ["readExact", (r) => readExact(r, new Uint8Array(16))],
    ["readToEnd", (r) => readToEnd(r)],
    ["copy", (r) => copy(r, sink())],
    ["BufReader.lines", (r) => new BufReader(r).lines().collect()],
    ["FramedRead", (r) => new FramedRead(r, new LinesCodec()).collect()],
  ];
  for (const [name, use] of readers) {
    it(`${name}: more than the buffer holds is a RangeError naming the reader`, async () => {
      const err = await reasons(() => use(new BadReader(tooMany))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(
        /^BadReader\.pollRead\(cx, buf\) returned \d+ for a buffer of \d+ bytes: it must return PENDING or how many bytes it put into buf, from 0 \(the end\) to buf\.length, an integer$/,
      );
    });
  }

  it("a negative count and a fraction are refused", async () => {
    for (const answer of [-1, 1.5]) {
      const err = await reasons(() => readToEnd(new BadReader(() => answer))).catch((e) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toContain(`returned ${answer} for a buffer of 8192 bytes`);
    }
  });

  it("a Promise (an async pollRead) is a TypeError that says so", async () => {
    const err = await reasons(() => readToEnd(new BadReader(async () => 3))).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain(
      "BadReader.pollRead(cx, buf) returned a Promise (is it an async function? poll functions are plain functions)",
    );
  });

  it("undefined (a forgotten return) is a TypeError", async () => {
    const err = await reasons(() => read(new BadReader(() => undefined), new Uint8Array(4))).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/^BadReader\.pollRead\(cx, buf\) returned undefined: /);
  });

  it("a plain object's reader is named as such, and exact counts pass", async () => {
    const plain: AsyncRead = { pollRead: (_cx, buf) => buf.length + 1 };
    const err = await reasons(() => read(plain, new Uint8Array(4))).catch((e) => e);
    expect((err as Error).message).toMatch(
      /^a reader's pollRead\(cx, buf\) returned 5 for a buffer of 4 bytes/,
    );
    // The boundary itself is fine: a reader that fills the whole buffer, then ends.
    const full = new BadReader((buf) => buf.length);
    expect(await reasons(() => read(full, new Uint8Array(3)))).toBe(3);
  });
});

describe("a writer's count is checked", () => {
  const bytes = () => new Uint8Array([1, 2, 3, 4]);
  const writers: [string, (w: AsyncWrite) => unknown][] = [
    ["write", (w) => write(w, bytes())],
    ["writeAll", (w) => writeAll(w, bytes())],
    ["copy", (w) => copy(new BadReader(() => 3), w)],
    [
      "BufWriter",
      (w) =>
        asyncBlock(function* () {
          const b = new BufWriter(w);
          yield* writeAll(b, bytes());
          yield* flush(b);
        }),
    ],
    [
      "FramedWrite",
      (w) =>
        asyncBlock(function* () {
          const f = new FramedWrite(w, new LinesCodec());
          yield* f.send("abc");
        }),
    ],
  ];
  for (const [name, use] of writers) {
    it(`${name}: more than it was given is a RangeError naming the writer`, async () => {
      const err = await reasons(() => use(new BadWriter(tooMany))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(
        /^BadWriter\.pollWrite\(cx, buf\) returned \d+ for a buffer of \d+ bytes: it must return PENDING or how many bytes it took from buf, from 0 to buf\.length, an integer$/,
      );
    });
  }
});
