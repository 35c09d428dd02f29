/**
 * `File` as a reader and a writer, on real files in a temporary directory: random payloads up to
 * several MB through `writeAll` and `readToEnd`, through `copy` from one file to another, through
 * `BufReader.lines()` and `FramedRead`; seeks, `setLen`, append mode and metadata; and a property
 * test of random reads, writes and seeks against an in-memory model of the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { asyncBlock, DONE, run } from "../src/index.js";
import {
  BufReader,
  copy,
  File,
  FramedRead,
  flush,
  fsMetrics,
  IoError,
  LinesCodec,
  openOptions,
  read,
  readExact,
  readToEnd,
  SeekFrom,
  write,
  writeAll,
} from "../src/node.js";

let dir = "";
let n = 0;
/** A fresh path in the test's directory. */
const fresh = (name = "f") => join(dir, `${name}-${n++}`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "brigade-fs-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Wait (boundedly) until every file handle Brigade opened has closed. */
async function handlesClosed(): Promise<number> {
  for (let i = 0; i < 400 && fsMetrics().openFiles !== 0; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return fsMetrics().openFiles;
}
afterEach(async () => {
  expect(await handlesClosed()).toBe(0);
});

function randomBytes(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed | 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("File round trips", () => {
  for (const size of [0, 1, 8191, 65_537, 3 * 1024 * 1024 + 17]) {
    it(`writes ${size} random bytes with writeAll, flushes, and reads the same bytes back with readToEnd`, async () => {
      const path = fresh();
      const data = randomBytes(size, size + 1);
      const back = await run(
        asyncBlock(function* () {
          {
            using out = yield* File.create(path);
            out.setMaxBufSize(256 * 1024); // several writes in flight, one after the other
            yield* writeAll(out, data);
            yield* flush(out);
          }
          using inp = yield* File.open(path);
          return yield* readToEnd(inp);
        }),
      );
      expect(back.length).toBe(size);
      expect(Buffer.compare(back, data)).toBe(0);
      expect(Buffer.compare(readFileSync(path), data)).toBe(0);
    });
  }

  it("copies a 5 MB file into another with copy(file, file2) and counts every byte", async () => {
    const from = fresh("from");
    const to = fresh("to");
    const data = randomBytes(5 * 1024 * 1024 + 3, 7);
    writeFileSync(from, data);
    const copied = await run(
      asyncBlock(function* () {
        using a = yield* File.open(from);
        using b = yield* File.create(to);
        const count = yield* copy(a, b);
        yield* flush(b);
        return count;
      }),
    );
    expect(copied).toBe(data.length);
    expect(Buffer.compare(readFileSync(to), data)).toBe(0);
  });

  it("reads lines with BufReader(file).lines(), a \\r\\n ending trimmed and the last line without one", async () => {
    const path = fresh();
    writeFileSync(path, "soup\r\nbread\n\nlast");
    const lines = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        return yield* new BufReader(f).lines().collect();
      }),
    );
    expect(lines).toEqual(["soup", "bread", "", "last"]);
  });

  it("decodes frames from a file with FramedRead, then ends", async () => {
    const path = fresh();
    writeFileSync(path, "table 1\ntable 2\n");
    const frames = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const framed = new FramedRead(f, new LinesCodec());
        const got: string[] = [];
        for (let x = yield* framed.next(); x !== DONE; x = yield* framed.next()) got.push(x);
        return got;
      }),
    );
    expect(frames).toEqual(["table 1", "table 2"]);
  });
});

describe("File cursor", () => {
  it("seeks from the start, the current position and the end, and reads from there", async () => {
    const path = fresh();
    writeFileSync(path, "0123456789");
    const seen = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const buf = new Uint8Array(3);
        const out: Array<string | number> = [];
        yield* readExact(f, buf); // "012"
        out.push(yield* f.seek(SeekFrom.current(2)));
        yield* readExact(f, buf);
        out.push(new TextDecoder().decode(buf));
        out.push(yield* f.seek(SeekFrom.end(-2)));
        out.push(new TextDecoder().decode(yield* readToEnd(f)));
        out.push(yield* f.seek(1));
        yield* readExact(f, buf);
        out.push(new TextDecoder().decode(buf));
        return out;
      }),
    );
    expect(seen).toEqual([5, "567", 8, "89", 1, "123"]);
  });

  it("refuses a seek before byte 0 with an InvalidInput IoError and keeps the cursor", async () => {
    const path = fresh();
    writeFileSync(path, "abcdef");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        yield* f.seek(2);
        let err: unknown = null;
        try {
          yield* f.seek(SeekFrom.current(-5));
        } catch (e) {
          err = e;
        }
        return { err, rest: new TextDecoder().decode(yield* readToEnd(f)) };
      }),
    );
    expect(r.err).toBeInstanceOf(IoError);
    expect((r.err as IoError).kind).toBe("InvalidInput");
    expect((r.err as Error).message).toMatch(/before byte 0/);
    expect(r.rest).toBe("cdef");
  });

  it("a read dropped in flight loses nothing: the next read gets its bytes, and the cursor and a write follow what was handed out", async () => {
    const path = fresh();
    writeFileSync(path, "0123456789");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).write(true).open(path);
        const lost = read(f, new Uint8Array(8)); // starts a read of 8 bytes into the file's buffer
        expect(lost.poll(new Context(Waker.from(() => {})))).toBe(PENDING);
        lost[Symbol.dispose]();
        const two = new Uint8Array(2);
        const got = yield* read(f, two); // waits for that read, then takes 2 of its 8 bytes
        const at = yield* f.seek(SeekFrom.current(0)); // 2: six bytes are read ahead, not read
        yield* writeAll(f, new TextEncoder().encode("XY"));
        yield* flush(f);
        return { got, text: new TextDecoder().decode(two), at };
      }),
    );
    expect(r).toEqual({ got: 2, text: "01", at: 2 });
    expect(readFileSync(path, "utf8")).toBe("01XY456789");
  });

  it("a write after read-ahead lands where the reader stopped, not after what was read ahead", async () => {
    const path = fresh();
    writeFileSync(path, "aaaaaaaaaa");
    await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).write(true).open(path);
        const ahead = read(f, new Uint8Array(10)); // all ten bytes into the file's buffer
        expect(ahead.poll(new Context(Waker.from(() => {})))).toBe(PENDING);
        ahead[Symbol.dispose]();
        yield* readExact(f, new Uint8Array(2));
        yield* writeAll(f, new TextEncoder().encode("XY"));
        yield* flush(f);
      }),
    );
    expect(readFileSync(path, "utf8")).toBe("aaXYaaaaaa");
  });

  it("setLen truncates and extends with zeros, and metadata counts a buffered write", async () => {
    const path = fresh();
    const lens = await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).write(true).create(true).open(path);
        yield* writeAll(f, new Uint8Array(100).fill(7));
        const afterWrite = (yield* f.metadata()).len; // waits for the write in flight
        yield* f.setLen(10);
        const shrunk = (yield* f.metadata()).len;
        yield* f.setLen(20);
        yield* f.syncAll();
        const meta = yield* f.metadata();
        return { afterWrite, shrunk, grown: meta.len, isFile: meta.isFile() };
      }),
    );
    expect(lens).toEqual({ afterWrite: 100, shrunk: 10, grown: 20, isFile: true });
    expect([...readFileSync(path)]).toEqual([...new Array(10).fill(7), ...new Array(10).fill(0)]);
  });

  it("in append mode every write lands at the end, and the cursor follows it there", async () => {
    const path = fresh();
    writeFileSync(path, "first\n");
    const where = await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).append(true).open(path);
        yield* f.seek(0);
        yield* writeAll(f, new TextEncoder().encode("second\n"));
        return yield* f.seek(SeekFrom.current(0));
      }),
    );
    expect(readFileSync(path, "utf8")).toBe("first\nsecond\n");
    expect(where).toBe(13);
  });
});

/** One step of the model check. */
type Op =
  | { kind: "read"; size: number }
  | { kind: "dropRead"; size: number }
  | { kind: "write"; bytes: number[] }
  | { kind: "seek"; whence: "start" | "current" | "end"; offset: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("read" as const), size: fc.integer({ min: 1, max: 300 }) }),
  // A read polled once and dropped: it may start a read ahead, but hands out nothing.
  fc.record({ kind: fc.constant("dropRead" as const), size: fc.integer({ min: 1, max: 300 }) }),
  fc.record({
    kind: fc.constant("write" as const),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 200 }),
  }),
  fc.record({
    kind: fc.constant("seek" as const),
    whence: fc.constantFrom("start" as const, "current" as const, "end" as const),
    offset: fc.integer({ min: -250, max: 250 }),
  }),
);

describe("File against a model", () => {
  it("random reads, dropped reads, writes and seeks see what an in-memory file says they should", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 600 }),
        fc.array(opArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 512 }),
        async (initial, ops, maxBuf) => {
          const path = fresh("model");
          writeFileSync(path, Uint8Array.from(initial));
          // The file first: what each op gave. A dropped read that was ready at its one poll
          // (served from bytes read ahead) is a read: the model then checks what it handed out.
          const seen = await run(
            asyncBlock(function* () {
              using f = yield* openOptions().read(true).write(true).open(path);
              f.setMaxBufSize(maxBuf);
              const out: unknown[] = [];
              for (const op of ops) {
                if (op.kind === "read") {
                  // Reads until `size` bytes or the end.
                  const buf = new Uint8Array(op.size);
                  let got = 0;
                  while (got < op.size) {
                    const k = yield* read(f, buf.subarray(got));
                    if (k === 0) break;
                    got += k;
                  }
                  out.push([...buf.subarray(0, got)]);
                } else if (op.kind === "dropRead") {
                  const buf = new Uint8Array(op.size);
                  const dropped = read(f, buf);
                  const k = dropped.poll(new Context(Waker.from(() => {})));
                  dropped[Symbol.dispose]();
                  out.push(k === PENDING ? "pending" : [...buf.subarray(0, k)]);
                } else if (op.kind === "write") {
                  yield* writeAll(f, Uint8Array.from(op.bytes));
                  out.push("written");
                } else {
                  const offset = op.whence === "start" ? Math.abs(op.offset) : op.offset;
                  try {
                    out.push(yield* f.seek({ whence: op.whence, offset }));
                  } catch (e) {
                    out.push((e as IoError).kind);
                  }
                }
              }
              yield* flush(f);
              return out;
            }),
          );
          // Then the model, replayed beside it.
          let model = Uint8Array.from(initial);
          let cursor = 0;
          const expected: unknown[] = [];
          ops.forEach((op, i) => {
            if (op.kind === "read") {
              const n = Math.max(0, Math.min(op.size, model.length - cursor));
              expected.push([...model.subarray(cursor, cursor + n)]);
              cursor += n;
            } else if (op.kind === "dropRead") {
              const got = seen[i];
              if (got === "pending") expected.push("pending");
              else {
                // Ready at once, from bytes read ahead (as many as the file had: its choice), or
                // 0 for an end a read ahead found: only at the end of the model too.
                const n = Math.min((got as number[]).length, op.size);
                if (n === 0 && cursor < model.length) expected.push("0 bytes before the end");
                else expected.push([...model.subarray(cursor, cursor + n)]);
                cursor += n;
              }
            } else if (op.kind === "write") {
              const end = cursor + op.bytes.length;
              if (end > model.length) {
                const grown = new Uint8Array(end);
                grown.set(model);
                model = grown;
              }
              model.set(op.bytes, cursor);
              cursor = end;
              expected.push("written");
            } else {
              const base =
                op.whence === "start" ? 0 : op.whence === "current" ? cursor : model.length;
              const target = base + (op.whence === "start" ? Math.abs(op.offset) : op.offset);
              if (target < 0) expected.push("InvalidInput");
              else {
                cursor = target;
                expected.push(target);
              }
            }
          });
          expect(seen).toEqual(expected);
          expect([...readFileSync(path)]).toEqual([...model]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("File writes", () => {
  it("write accepts at most maxBufSize bytes at once and returns the count before the disk has them", async () => {
    const path = fresh();
    const counts = await run(
      asyncBlock(function* () {
        using f = yield* File.create(path);
        f.setMaxBufSize(4);
        const first = yield* write(f, new TextEncoder().encode("abcdefgh"));
        const second = yield* write(f, new TextEncoder().encode("efgh"));
        yield* flush(f);
        return [first, second];
      }),
    );
    expect(counts).toEqual([4, 4]);
    expect(readFileSync(path, "utf8")).toBe("abcdefgh");
  });

  it("a write to a file opened only for reading fails at the next flush, naming the path", async () => {
    const path = fresh();
    writeFileSync(path, "ro");
    const err = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        expect(yield* write(f, new Uint8Array([1, 2]))).toBe(2); // buffered: accepted at once
        try {
          yield* flush(f);
        } catch (e) {
          return e;
        }
        return null;
      }),
    );
    expect(err).toBeInstanceOf(IoError);
    expect((err as Error).message).toContain(JSON.stringify(path));
    expect((err as IoError).code).toBe("EBADF");
    expect(readFileSync(path, "utf8")).toBe("ro");
  });
});
