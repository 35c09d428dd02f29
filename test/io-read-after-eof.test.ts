/**
 * After the end, reading again: `BufReader.lines()` and `FramedRead` answer `DONE` at the end of
 * their reader's bytes, and read again when polled again, as tokio's `Lines` and tokio-util's
 * `FramedRead` do. A file that grew since gives its new lines (`tail -f`); a socket or pipe whose
 * end has come answers `DONE` again. An error from the reader still ends the stream for good.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { BufReader } from "../src/io/buf-reader.js";
import type { BytesBuf } from "../src/io/codec/bytes-buf.js";
import { type Decoder, FramedRead, LinesCodec } from "../src/io/codec/index.js";
import { duplex } from "../src/io/duplex.js";
import { IoError } from "../src/io/error.js";
import { File } from "../src/io/fs/file.js";
import { fromReadable, type NodeReader } from "../src/io/node-reader.js";
import { shutdown, writeAll } from "../src/io/write.js";
import { run } from "../src/runtime/runtime.js";
import { DONE, type StreamBase } from "../src/stream/index.js";

const dir = mkdtempSync(join(tmpdir(), "brigade-eof-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Follow `lines` over a growing file: what each `next()` gave, the file appended to between. */
function follow(make: (f: File) => StreamBase<string>, name: string): Promise<unknown[]> {
  const path = join(dir, name);
  writeFileSync(path, "soup\nfi");
  return run(
    asyncBlock(function* () {
      using file = yield* File.open(path);
      const lines = make(file);
      const seen: unknown[] = [];
      seen.push(yield* lines.next(), yield* lines.next()); // "soup", then "fi" as a last line
      seen.push(yield* lines.next()); // the end
      appendFileSync(path, "sh\ncake\n");
      seen.push(yield* lines.next(), yield* lines.next(), yield* lines.next());
      appendFileSync(path, "tart\n");
      seen.push(yield* lines.next(), yield* lines.next());
      return seen;
    }),
  );
}

describe("reading again after the end", () => {
  it("BufReader.lines() over a growing file gives the lines written after its end (tail -f)", async () => {
    expect(await follow((f) => new BufReader(f).lines(), "lines.txt")).toEqual([
      "soup",
      "fi",
      DONE,
      "sh",
      "cake",
      DONE,
      "tart",
      DONE,
    ]);
  });

  it("FramedRead with LinesCodec over a growing file does the same", async () => {
    expect(await follow((f) => new FramedRead(f, new LinesCodec()), "framed.txt")).toEqual([
      "soup",
      "fi",
      DONE,
      "sh",
      "cake",
      DONE,
      "tart",
      DONE,
    ]);
  });

  it("over a pipe whose writer shut down, the end stays the end: DONE again, no error", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        yield* writeAll(a, new TextEncoder().encode("one\n"));
        yield* shutdown(a);
        const lines = new BufReader(b).lines();
        const framed = new FramedRead(b, new LinesCodec());
        const out: unknown[] = [];
        out.push(yield* lines.next(), yield* lines.next(), yield* lines.next());
        out.push(yield* framed.next(), yield* framed.next());
        return out;
      }),
    );
    expect(seen).toEqual(["one", DONE, DONE, DONE, DONE]);
  });

  it("an error from the reader still ends both for good: it is not read again", async () => {
    for (const make of [
      (r: FailingOnce) => new BufReader(r).lines(),
      (r: FailingOnce) => new FramedRead(r, new LinesCodec()),
    ]) {
      const reader = new FailingOnce();
      const seen = await run(
        asyncBlock(function* () {
          const s = make(reader);
          const out: unknown[] = [];
          try {
            yield* s.next();
          } catch (e) {
            out.push((e as IoError).kind);
          }
          out.push(yield* s.next(), yield* s.next());
          return out;
        }),
      );
      expect(seen).toEqual(["ConnectionReset", DONE, DONE]);
      expect(reader.reads).toBe(1);
    }
  });
});

describe("reading again after the end, edge cases", () => {
  it("a reader disposed after the end (the Child that owned the pipe was disposed): DONE again, not NotConnected", async () => {
    for (const make of [
      (r: NodeReader) => new BufReader(r).lines(),
      (r: NodeReader) => new FramedRead(r, new LinesCodec()),
    ]) {
      const out = await run(
        asyncBlock(function* () {
          const reader = fromReadable(Readable.from([Buffer.from("one\n")], { objectMode: false }));
          const lines = make(reader);
          const got: unknown[] = [yield* lines.next(), yield* lines.next()];
          reader[Symbol.dispose]();
          got.push(yield* lines.next(), yield* lines.next());
          return got;
        }),
      );
      expect(out).toEqual(["one", DONE, DONE, DONE]);
    }
  });

  it("a frame half written when the end was read is completed by the bytes that follow (the buffer is kept)", async () => {
    const log = new Growing();
    log.append([3, 7, 8]); // a 3-byte record, 2 bytes so far
    const seen = await run(
      asyncBlock(function* () {
        const frames = new FramedRead(log, records);
        const out: unknown[] = [yield* frames.next()];
        log.append([9, 1, 5]); // the rest of it, then a whole 1-byte record
        out.push(yield* frames.next(), yield* frames.next(), yield* frames.next());
        return out;
      }),
    );
    expect(seen).toEqual([DONE, [7, 8, 9], [5], DONE]);
  });
});

/** A reader over a growing byte log (a file being appended to): 0 at its current end. */
class Growing {
  private chunks: Uint8Array[] = [];
  append(bytes: number[]): void {
    this.chunks.push(Uint8Array.from(bytes));
  }
  pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
    const c = this.chunks.shift();
    if (c === undefined) return 0;
    buf.set(c.subarray(0, buf.length));
    if (c.length > buf.length) this.chunks.unshift(c.subarray(buf.length));
    return Math.min(c.length, buf.length);
  }
}

/** One-byte length, then the payload; at the end, a record not whole yet is "not yet", no error. */
const records: Decoder<number[]> = {
  decode(buf: BytesBuf): number[] | undefined {
    if (buf.length < 1) return undefined;
    const n = buf.byteAt(0)!;
    if (buf.length < 1 + n) return undefined;
    const out: number[] = [];
    for (let i = 1; i <= n; i++) out.push(buf.byteAt(i)!);
    buf.advance(1 + n);
    return out;
  },
  decodeEof(buf: BytesBuf): number[] | undefined {
    return records.decode(buf);
  },
};

/** A reader whose first read fails (a reset connection), and would give bytes after. */
class FailingOnce {
  reads = 0;
  pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
    if (this.reads++ === 0) throw new IoError("ConnectionReset", "reset");
    if (buf.length === 0) return PENDING;
    buf[0] = 10;
    return 1;
  }
}
