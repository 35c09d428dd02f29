/**
 * A second, adversarial look at the pantry (`src/io/fs`): hand-polled interleavings of reads,
 * writes, seeks, `setLen`, flushes and metadata, each dropped at random points, against an
 * in-memory model (in write mode and in append mode); readers racing another writer; a read-ahead
 * then a write; disposal at awkward moments; a `File` moved into a task aborted before its first
 * poll; a `readDir` dropped mid-listing; huge offsets and empty files; path types; error kinds;
 * the paused clock around file operations; and a runtime shut down with a write in flight.
 */
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import type { FutureBase } from "../src/future/future.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { asyncBlock, asyncFn, Instant, Runtime, run, select, sleep, spawn } from "../src/index.js";
import {
  copyFile,
  createDirAll,
  File,
  flush,
  fsMetrics,
  IoError,
  metadata,
  openOptions,
  read,
  readDir,
  readFile,
  readToEnd,
  readToString,
  removeDir,
  removeDirAll,
  removeFile,
  SeekFrom,
  write,
  writeAll,
  writeFile,
} from "../src/node.js";
import { resetBudget } from "../src/task/budget.js";

let dir = "";
let n = 0;
/** A fresh path in the test's directory. */
const fresh = (name = "f") => join(dir, `${name}-${n++}`);
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "brigade-fs-adv-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Wait (boundedly, in real time) until every handle Brigade opened has closed. */
async function handlesClosed(): Promise<{ openFiles: number; openDirs: number }> {
  for (let i = 0; i < 400; i++) {
    const m = fsMetrics();
    if (m.openFiles === 0 && m.openDirs === 0) return m;
    await new Promise((r) => setTimeout(r, 5));
  }
  return fsMetrics();
}
afterEach(async () => {
  expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
});

/** The process's open descriptors as Linux counts them: what `fsMetrics` must agree with. */
function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Wait (boundedly) until the process holds `fds` descriptors again. */
async function fdsBackTo(fds: number): Promise<number> {
  for (let i = 0; i < 400 && openFds() !== fds; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return openFds();
}

/** A context polled by hand, with a waker that counts its wakes. */
function byHand() {
  const state = { wakes: 0 };
  const cx = new Context(
    Waker.from(() => {
      state.wakes++;
    }),
  );
  /** Wait (boundedly, in real time) for a wake since the last call. */
  const woken = async (): Promise<boolean> => {
    for (let i = 0; i < 5000 && state.wakes === 0; i++) {
      await new Promise((r) => (i < 100 ? setImmediate(r) : setTimeout(r, 1)));
    }
    const w = state.wakes > 0;
    state.wakes = 0;
    return w;
  };
  return { cx, state, woken };
}

// ---------------------------------------------------------------------------------------------
// The model: every op is polled by hand and may be dropped after a chosen number of polls.

type ModelOp =
  | { kind: "read"; size: number; dropAfter: number | null }
  | { kind: "write"; bytes: number[]; dropAfter: number | null }
  | { kind: "seek"; whence: "start" | "current" | "end"; offset: number }
  | { kind: "setLen"; size: number }
  | { kind: "flush"; dropAfter: number | null }
  | { kind: "metadata"; dropAfter: number | null };

const dropArb = fc.option(fc.integer({ min: 0, max: 2 }), { nil: null, freq: 2 });
const modelOpArb: fc.Arbitrary<ModelOp> = fc.oneof(
  fc.record({
    kind: fc.constant("read" as const),
    size: fc.integer({ min: 1, max: 300 }),
    dropAfter: dropArb,
  }),
  fc.record({
    kind: fc.constant("write" as const),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 300 }),
    dropAfter: dropArb,
  }),
  fc.record({
    kind: fc.constant("seek" as const),
    whence: fc.constantFrom("start" as const, "current" as const, "end" as const),
    offset: fc.integer({ min: -200, max: 200 }),
  }),
  fc.record({ kind: fc.constant("setLen" as const), size: fc.integer({ min: 0, max: 700 }) }),
  fc.record({ kind: fc.constant("flush" as const), dropAfter: dropArb }),
  fc.record({ kind: fc.constant("metadata" as const), dropAfter: dropArb }),
);

/** What one hand-driven op came to: its value, its error, or dropped while pending. */
type Outcome = { value: unknown } | { error: unknown } | { dropped: true };

/** Poll `fut` by hand until it is ready, or drop it once it has been polled `dropAfter` times. */
async function drive(
  fut: FutureBase<unknown> & Disposable,
  dropAfter: number | null,
  hand: ReturnType<typeof byHand>,
): Promise<Outcome> {
  for (let polls = 0; ; polls++) {
    if (polls === dropAfter) {
      fut[Symbol.dispose]();
      return { dropped: true };
    }
    resetBudget();
    let r: unknown;
    try {
      r = fut.poll(hand.cx);
    } catch (error) {
      return { error };
    }
    if (r !== PENDING) return { value: r };
    expect(await hand.woken()).toBe(true);
  }
}

/**
 * Run `ops` on a real file opened in `mode` and, beside it, on an in-memory model; every outcome
 * and the bytes on disk must agree with the model.
 */
async function checkAgainstModel(
  mode: "write" | "append",
  initial: number[],
  ops: ModelOp[],
  maxBuf: number,
): Promise<void> {
  const path = fresh(`model-${mode}`);
  writeFileSync(path, Uint8Array.from(initial));
  const opts = openOptions().read(true);
  const file = await run(
    mode === "append" ? opts.append(true).open(path) : opts.write(true).open(path),
  );
  file.setMaxBufSize(maxBuf);
  const hand = byHand();
  let model = Uint8Array.from(initial);
  let cursor = 0;
  const resize = (len: number) => {
    const next = new Uint8Array(len);
    next.set(model.subarray(0, Math.min(len, model.length)));
    model = next;
  };
  try {
    for (const [i, op] of ops.entries()) {
      const at = `op ${i} (${op.kind})`;
      if (op.kind === "read") {
        const buf = new Uint8Array(op.size);
        const o = await drive(read(file, buf), op.dropAfter, hand);
        if ("dropped" in o) continue; // cancellation safe: nothing handed out, cursor stays
        expect("value" in o, at).toBe(true);
        const k = (o as { value: number }).value;
        if (k === 0) expect(cursor >= model.length, `${at}: 0 bytes before the end`).toBe(true);
        expect([...buf.subarray(0, k)], at).toEqual([...model.subarray(cursor, cursor + k)]);
        cursor += k;
      } else if (op.kind === "write") {
        const o = await drive(write(file, Uint8Array.from(op.bytes)), op.dropAfter, hand);
        if ("dropped" in o) continue; // parked behind an operation: nothing accepted
        expect("value" in o, at).toBe(true);
        const k = (o as { value: number }).value;
        expect(k, at).toBeGreaterThan(0);
        expect(k, at).toBeLessThanOrEqual(Math.min(op.bytes.length, maxBuf));
        const where = mode === "append" ? model.length : cursor;
        if (where + k > model.length) resize(where + k);
        model.set(op.bytes.slice(0, k), where);
        cursor = where + k;
      } else if (op.kind === "seek") {
        const offset = op.whence === "start" ? Math.abs(op.offset) : op.offset;
        const o = await drive(file.seek({ whence: op.whence, offset }), null, hand);
        const base = op.whence === "start" ? 0 : op.whence === "current" ? cursor : model.length;
        const target = base + offset;
        if (target < 0) {
          expect("error" in o && (o.error as IoError).kind, at).toBe("InvalidInput");
        } else {
          expect(o, at).toEqual({ value: target });
          cursor = target;
        }
      } else if (op.kind === "setLen") {
        expect(await drive(file.setLen(op.size), null, hand), at).toEqual({ value: undefined });
        resize(op.size);
      } else if (op.kind === "flush") {
        const o = await drive(flush(file), op.dropAfter, hand);
        if (!("dropped" in o)) expect(o, at).toEqual({ value: undefined });
      } else {
        const o = await drive(file.metadata(), op.dropAfter, hand);
        if (!("dropped" in o))
          expect((o as { value: { len: number } }).value.len, at).toBe(model.length);
      }
    }
    // Where the cursor ended, and what a read from there gives: the model's tail.
    expect(await drive(file.seek(SeekFrom.current(0)), null, hand)).toEqual({ value: cursor });
    const tail = new Uint8Array(model.length + 1);
    let got = 0;
    for (;;) {
      const o = await drive(read(file, tail.subarray(got)), null, hand);
      const k = (o as { value: number }).value;
      if (k === 0) break;
      got += k;
    }
    expect([...tail.subarray(0, got)]).toEqual([...model.subarray(cursor)]);
    expect(await drive(flush(file), null, hand)).toEqual({ value: undefined });
  } finally {
    file[Symbol.dispose]();
  }
  expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
  // Every byte the file said it accepted is on disk, and no byte it did not accept.
  expect([...readFileSync(path)]).toEqual([...model]);
}

describe("a File against a model, every op dropped at random points", () => {
  it("in write mode: reads, writes, seeks, setLen, flushes and metadata all agree with the model", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 500 }),
        fc.array(modelOpArb, { maxLength: 30 }),
        fc.integer({ min: 1, max: 400 }),
        (initial, ops, maxBuf) => checkAgainstModel("write", initial, ops, maxBuf),
      ),
      { numRuns: 40 },
    );
  });

  it("in append mode: every write lands at the end, the cursor follows it there, and a setLen after leaves it there", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 500 }),
        fc.array(modelOpArb, { maxLength: 30 }),
        fc.integer({ min: 1, max: 400 }),
        (initial, ops, maxBuf) => checkAgainstModel("append", initial, ops, maxBuf),
      ),
      { numRuns: 40 },
    );
  });

  it("in append mode, a write, then setLen shorter, then setLen longer: the cursor stays at the write's end and reads the zeros past it", async () => {
    // std and tokio: an O_APPEND write leaves the OS cursor at the end it wrote to (14 here), and
    // ftruncate never moves a cursor; a read from 14 after the file grew to 20 gives 6 zeros.
    const path = fresh("append-setlen");
    writeFileSync(path, "0123456789");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).append(true).open(path);
        yield* writeAll(f, enc("abcd"));
        yield* f.setLen(5);
        yield* f.setLen(20);
        const here = yield* f.seek(SeekFrom.current(0));
        const rest = yield* readToEnd(f);
        return { here, rest: [...rest] };
      }),
    );
    expect(r).toEqual({ here: 14, rest: [0, 0, 0, 0, 0, 0] });
  });
});

// ---------------------------------------------------------------------------------------------

describe("reading while the file changes", () => {
  it("reads to the end, gets 0, another writer appends, and the next read gets the new bytes", async () => {
    const path = fresh();
    writeFileSync(path, "abc");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const first = dec(yield* readToEnd(f));
        const buf = new Uint8Array(10);
        const atEnd = yield* read(f, buf);
        appendFileSync(path, "def");
        const k = yield* read(f, buf);
        const again = yield* read(f, buf);
        return { first, atEnd, grown: dec(buf.subarray(0, k)), again };
      }),
    );
    expect(r).toEqual({ first: "abc", atEnd: 0, grown: "def", again: 0 });
  });

  it("a read that found the end, then the file grows before the 0 is handed out: the 0 comes once, then the new bytes", async () => {
    const path = fresh();
    writeFileSync(path, "ab");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const buf = new Uint8Array(10);
        const k = yield* read(f, buf); // 2 bytes; the disk said nothing of the end yet
        const zero = yield* read(f, buf); // the read that finds the end
        appendFileSync(path, "cd");
        const k2 = yield* read(f, buf);
        return { k, zero, grown: dec(buf.subarray(0, k2)) };
      }),
    );
    expect(r).toEqual({ k: 2, zero: 0, grown: "cd" });
  });

  it("a read-ahead, then a write at the cursor: the next read sees the file after the write, never the stale read-ahead", async () => {
    const path = fresh();
    writeFileSync(path, "abcdefghij");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).write(true).open(path);
        const two = new Uint8Array(2);
        yield* read(f, two); // "ab", and "cdefghij" read ahead
        yield* writeAll(f, enc("XY")); // over "cd"
        const after = yield* f.seek(SeekFrom.current(0));
        const rest = dec(yield* readToEnd(f));
        yield* f.seek(0);
        return { got: dec(two), after, rest, whole: dec(yield* readToEnd(f)) };
      }),
    );
    expect(r).toEqual({ got: "ab", after: 4, rest: "efghij", whole: "abXYefghij" });
    expect(readFileSync(path, "utf8")).toBe("abXYefghij");
  });

  it("a read-ahead, then setLen below the cursor: the next read is at the end, not from the read-ahead", async () => {
    const path = fresh();
    writeFileSync(path, "abcdefghij");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).write(true).open(path);
        const two = new Uint8Array(2);
        yield* read(f, two);
        yield* f.setLen(1);
        const k = yield* read(f, new Uint8Array(8));
        yield* f.setLen(6);
        const rest = yield* readToEnd(f); // from the cursor, 2: zeros up to 6
        return { k, rest: [...rest], at: yield* f.seek(SeekFrom.current(0)) };
      }),
    );
    expect(r).toEqual({ k: 0, rest: [0, 0, 0, 0], at: 6 });
  });
});

describe("disposal at awkward moments", () => {
  it("a File with a read-ahead disposed twice closes its descriptor once, and a read after fails", async () => {
    const path = fresh();
    writeFileSync(path, "abcdefgh");
    const fds = openFds();
    const err = await run(
      asyncBlock(function* () {
        const f = yield* File.open(path);
        yield* read(f, new Uint8Array(1)); // the rest read ahead
        f[Symbol.dispose]();
        f[Symbol.dispose]();
        try {
          yield* read(f, new Uint8Array(1));
        } catch (e) {
          return e;
        }
        return null;
      }),
    );
    expect(err).toBeInstanceOf(IoError);
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(await fdsBackTo(fds)).toBe(fds);
  });

  it("a File disposed with a 2 MiB write in flight, then again: the write completes, then one close", async () => {
    const path = fresh();
    const big = Uint8Array.from({ length: 2 << 20 }, (_, i) => (i * 31) & 0xff);
    const fds = openFds();
    await run(
      asyncBlock(function* () {
        const f = yield* File.create(path);
        expect(yield* write(f, big)).toBe(big.length);
        f[Symbol.dispose]();
        expect(fsMetrics().openFiles).toBe(1); // closing: the write goes first
        f[Symbol.dispose]();
      }),
    );
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(await fdsBackTo(fds)).toBe(fds);
    expect(Buffer.compare(readFileSync(path), big)).toBe(0);
  });

  it("a File moved into a task aborted before its first poll is closed (it is OWNED)", async () => {
    const path = fresh();
    writeFileSync(path, "x");
    const fds = openFds();
    const polls = { n: 0 };
    const useFile = asyncFn(function* (file: File) {
      polls.n++;
      yield* read(file, new Uint8Array(1));
    });
    const r = await run(
      asyncBlock(function* () {
        const f = yield* File.open(path);
        const openNow = fsMetrics().openFiles;
        const h = spawn(useFile(f));
        h.abort();
        try {
          yield* h;
          return { openNow, cancelled: false };
        } catch (e) {
          return { openNow, cancelled: (e as { isCancelled?: () => boolean }).isCancelled?.() };
        }
      }),
    );
    expect(r).toEqual({ openNow: 1, cancelled: true });
    expect(polls.n).toBe(0);
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(await fdsBackTo(fds)).toBe(fds);
  });

  it("a readDir dropped after its first entry closes the directory: fsMetrics and /proc/self/fd agree", async () => {
    const d = fresh("many");
    mkdirSync(d);
    for (let i = 0; i < 200; i++) writeFileSync(join(d, `e${i}`), "");
    const fds = openFds();
    const during = await run(
      asyncBlock(function* () {
        const entries = readDir(d);
        const first = yield* entries.next();
        const m = { ...fsMetrics(), fdOpen: openFds() > fds, first: typeof first };
        entries[Symbol.dispose]();
        entries[Symbol.dispose]();
        return m;
      }),
    );
    expect(during).toEqual({ openFiles: 0, openDirs: 1, fdOpen: true, first: "object" });
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(await fdsBackTo(fds)).toBe(fds);
  });

  it("readDir's next() dropped while it waits, again and again, loses no entry and repeats none", async () => {
    const d = fresh("drops");
    mkdirSync(d);
    const names = Array.from({ length: 40 }, (_, i) => `e${i}`);
    for (const name of names) writeFileSync(join(d, name), "");
    const hand = byHand();
    const entries = readDir(d);
    const seen: string[] = [];
    let drops = 0;
    try {
      for (;;) {
        // Every wait is dropped once: the next next() must find what the dropped one was owed.
        resetBudget();
        const first = entries.next();
        const r = first.poll(hand.cx);
        if (r === PENDING) {
          first[Symbol.dispose]();
          drops++;
          expect(await hand.woken()).toBe(true);
          continue;
        }
        if (typeof r !== "object") break;
        seen.push(r.name);
      }
    } finally {
      entries[Symbol.dispose]();
    }
    expect(drops).toBeGreaterThan(1);
    expect(seen.sort()).toEqual([...names].sort());
  });

  it("a readDir iterated with for await from native code and left by break closes its directory", async () => {
    const d = fresh("iter");
    mkdirSync(d);
    for (let i = 0; i < 50; i++) writeFileSync(join(d, `e${i}`), "");
    const fds = openFds();
    let seen = 0;
    for await (const entry of readDir(d)) {
      expect(entry.isFile()).toBe(true);
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(await fdsBackTo(fds)).toBe(fds);
  });

  it("a readDir dropped by a select before its directory opened never leaves it open", async () => {
    const d = fresh("dir");
    mkdirSync(d);
    writeFileSync(join(d, "a"), "");
    const fds = openFds();
    const r = await run(
      asyncBlock(function* () {
        const entries = readDir(d);
        const s = yield* select(entries.next(), sleep(0));
        entries[Symbol.dispose]();
        return s.index;
      }),
    );
    expect([0, 1]).toContain(r);
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(await fdsBackTo(fds)).toBe(fds);
  });
});

describe("one user at a time, and operations behind one another", () => {
  it("a second task's seek while the first task's read is in flight is refused, and the first still gets its bytes", async () => {
    const path = fresh();
    writeFileSync(path, "abcdef");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const buf = new Uint8Array(3);
        const reader = spawn(read(f, buf), { name: "reader" });
        const seeker = spawn(f.seek(4), { name: "seeker" });
        let refused: unknown = null;
        try {
          yield* seeker;
        } catch (e) {
          refused = (e as { cause?: unknown }).cause ?? e;
        }
        const k = yield* reader;
        return { got: dec(buf.subarray(0, k)), refused: String(refused) };
      }),
    );
    expect(r.got).toBe("abc");
    expect(r.refused).toMatch(/task 'seeker'.*already waited on by task 'reader'/s);
  });

  it("a metadata parked behind a write, then the File disposed: the metadata fails naming the path, the write still lands", async () => {
    const path = fresh();
    const bytes = new Uint8Array(1 << 20).fill(3);
    const r = await run(
      asyncBlock(function* () {
        const f = yield* File.create(path);
        yield* write(f, bytes); // in flight
        const meta = spawn(f.metadata(), { name: "meta" });
        yield* sleep(0); // the metadata task parks behind the write
        f[Symbol.dispose]();
        try {
          yield* meta;
          return "no error";
        } catch (e) {
          const cause = (e as { cause?: unknown }).cause ?? e;
          return cause instanceof IoError ? cause.message : String(cause);
        }
      }),
    );
    expect(r).toBe(`File.metadata() on ${JSON.stringify(path)}: the File was disposed`);
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(readFileSync(path).length).toBe(bytes.length);
  });

  it("a write returns, the caller reuses its buffer at once: the disk has the bytes as they were when accepted", async () => {
    const path = fresh();
    await run(
      asyncBlock(function* () {
        using f = yield* File.create(path);
        const buf = enc("aaaa");
        expect(yield* write(f, buf)).toBe(4); // the write is still in flight
        buf.fill(0x62);
        expect(yield* write(f, buf)).toBe(4); // parks behind the first, then copies "bbbb"
        buf.fill(0x63);
        yield* flush(f);
      }),
    );
    expect(readFileSync(path, "utf8")).toBe("aaaabbbb");
  });

  it("a buffered write that fails shows its error at syncData (not only at flush), once: the next syncData succeeds", async () => {
    const path = fresh();
    writeFileSync(path, "ro");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path); // read only: the OS refuses the write
        const accepted = yield* write(f, enc("lost"));
        let kind: unknown = null;
        try {
          yield* f.syncData();
        } catch (e) {
          kind = e instanceof IoError ? e.message : String(e);
        }
        yield* f.syncData(); // the error was shown once
        return { accepted, kind };
      }),
    );
    expect(r.accepted).toBe(4);
    expect(String(r.kind)).toContain(`write to ${JSON.stringify(path)} failed`);
    expect(readFileSync(path, "utf8")).toBe("ro");
  });

  it("readDir of a file throws NotADirectory once, then ends, and holds no directory open", async () => {
    const path = fresh();
    writeFileSync(path, "x");
    const fds = openFds();
    const out = await run(
      asyncBlock(function* () {
        const entries = readDir(path);
        const seen: string[] = [];
        for (let i = 0; i < 3; i++) {
          try {
            const e = yield* entries.next();
            seen.push(typeof e === "object" ? "entry" : "done");
          } catch (e) {
            seen.push((e as IoError).kind);
          }
        }
        return seen;
      }),
    );
    expect(out).toEqual(["NotADirectory", "done", "done"]);
    expect(await fdsBackTo(fds)).toBe(fds);
  });
});

describe("sizes and offsets", () => {
  it("an empty file reads 0 at once, twice, and its metadata says 0", async () => {
    const path = fresh();
    writeFileSync(path, "");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const buf = new Uint8Array(4);
        return [yield* read(f, buf), yield* read(f, buf), (yield* f.metadata()).len];
      }),
    );
    expect(r).toEqual([0, 0, 0]);
    expect((await run(readFile(path))).length).toBe(0);
  });

  it("a write at a 1 TiB offset leaves a hole, and one near 2^53 is FileTooLarge at the flush", async () => {
    const path = fresh();
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.create(path);
        yield* f.seek(2 ** 40);
        yield* writeAll(f, enc("z"));
        const len = (yield* f.metadata()).len;
        yield* f.seek(Number.MAX_SAFE_INTEGER - 1);
        yield* write(f, enc("z")); // accepted: the failure shows at the flush
        try {
          yield* flush(f);
        } catch (e) {
          return { len, kind: (e as IoError).kind, message: (e as Error).message };
        }
        return { len, kind: null, message: "" };
      }),
    );
    expect(r.len).toBe(2 ** 40 + 1);
    expect(r.kind).toBe("FileTooLarge");
    expect(r.message).toContain(JSON.stringify(path));
  });

  it("a sparse file past 2 GiB: readFile refuses it with an IoError naming the path, a File reads its tail", async () => {
    const path = fresh("sparse");
    writeFileSync(path, "");
    const size = 2 ** 31 + 10;
    const r = await run(
      asyncBlock(function* () {
        {
          using f = yield* openOptions().write(true).open(path);
          yield* f.setLen(size);
          yield* f.seek(SeekFrom.end(-2));
          yield* writeAll(f, enc("!?"));
        }
        let message = "";
        try {
          yield* readFile(path);
        } catch (e) {
          message = e instanceof IoError ? e.message : `not an IoError: ${String(e)}`;
        }
        using f = yield* File.open(path);
        const at = yield* f.seek(SeekFrom.end(-4));
        return { message, at, tail: [...(yield* readToEnd(f))] };
      }),
    );
    expect(r.message).toContain(`readFile(${JSON.stringify(path)}) failed`);
    expect(r.at).toBe(size - 4);
    expect(r.tail).toEqual([0, 0, 0x21, 0x3f]);
  });

  it("setLen and seek refuse offsets JavaScript cannot hold exactly, before any I/O", async () => {
    const path = fresh();
    writeFileSync(path, "x");
    const file = await run(File.open(path));
    try {
      expect(() => file.setLen(2 ** 53)).toThrow(RangeError);
      expect(() => file.setLen(1.5)).toThrow(/size must be a whole number of bytes/);
      expect(() => file.seek(SeekFrom.current(Number.NaN))).toThrow(RangeError);
      expect(() => file.seek({ whence: "middle", offset: 0 } as never)).toThrow(TypeError);
      expect(() => file.setMaxBufSize(0)).toThrow(/setMaxBufSize\(size\): size/);
    } finally {
      file[Symbol.dispose]();
    }
  });
});

describe("paths and errors", () => {
  it("a file: URL works for File.open, writeFile, readFile, metadata and copyFile", async () => {
    const path = fresh("url");
    const url = pathToFileURL(path);
    const copyUrl = pathToFileURL(`${path}.copy`);
    const r = await run(
      asyncBlock(function* () {
        yield* writeFile(url, "from a URL");
        using f = yield* File.open(url);
        const text = dec(yield* readToEnd(f));
        const copied = yield* copyFile(url, copyUrl);
        return { text, path: f.path, len: (yield* metadata(url)).len, copied };
      }),
    );
    expect(r).toEqual({ text: "from a URL", path, len: 10, copied: 10 });
    expect(dec(await run(readFile(copyUrl)))).toBe("from a URL");
  });

  it("a Buffer, a number, null, an http: URL or a NUL byte is refused with a TypeError naming the argument", () => {
    for (const bad of [Buffer.from("/tmp/x"), 7, null, new URL("http://example.com/x"), "a\0b"]) {
      expect(() => File.open(bad as never)).toThrow(/File\.open\(path\): path must/);
      expect(() => readFile(bad as never)).toThrow(TypeError);
      expect(() => readDir(bad as never)).toThrow(/readDir\(path\): path/);
      expect(() => writeFile(bad as never, "")).toThrow(TypeError);
    }
    expect(() => writeFile(fresh(), 5 as never)).toThrow(/data must be a Uint8Array/);
  });

  it("a file: URL with a host or an encoded slash is refused with a TypeError naming the argument, as other bad paths are", () => {
    for (const bad of [new URL("file://remote/x"), new URL("file:///a%2Fb")]) {
      expect(() => readFile(bad)).toThrow(TypeError);
      expect(() => readFile(bad)).toThrow(/readFile\(path\): path/);
      expect(() => File.open(bad)).toThrow(/File\.open\(path\): path/);
    }
  });

  it("each file-system failure has its kind: NotFound, IsADirectory, NotADirectory, AlreadyExists, DirectoryNotEmpty", async () => {
    const base = fresh("errs");
    mkdirSync(join(base, "sub"), { recursive: true });
    writeFileSync(join(base, "sub", "inside"), "x");
    writeFileSync(join(base, "file"), "x");
    const kindOf = asyncFn(function* (f: FutureBase<unknown>) {
      try {
        yield* f;
        return "ok";
      } catch (e) {
        return e instanceof IoError ? e.kind : String(e);
      }
    });
    const kinds = await run(
      asyncBlock(function* () {
        return [
          yield* kindOf(readFile(join(base, "nope"))),
          yield* kindOf(readFile(join(base, "sub"))),
          yield* kindOf(readFile(join(base, "file", "below"))),
          yield* kindOf(File.createNew(join(base, "file"))),
          yield* kindOf(removeDirAll(join(base, "file"))),
          yield* kindOf(File.create(join(base, "sub"))),
          yield* kindOf(removeDir(join(base, "sub"))),
          yield* kindOf(createDirAll(join(base, "file"))),
          yield* kindOf(removeFile(join(base, "sub"))),
        ];
      }),
    );
    expect(kinds).toEqual([
      "NotFound",
      "IsADirectory",
      "NotADirectory",
      "AlreadyExists",
      "NotADirectory",
      "IsADirectory",
      "DirectoryNotEmpty",
      "AlreadyExists",
      "IsADirectory",
    ]);
  });

  it("copyFile of a file onto itself leaves it whole; writeFile of a Buffer view writes only the view", async () => {
    const path = fresh();
    writeFileSync(path, "hello");
    const copied = await run(copyFile(path, path));
    expect({ copied, text: readFileSync(path, "utf8") }).toEqual({ copied: 5, text: "hello" });
    const view = Buffer.from("0123456789").subarray(3, 6);
    await run(writeFile(path, view));
    expect(readFileSync(path, "utf8")).toBe("345");
  });

  it("readToString keeps a leading byte-order mark, as Rust's read_to_string does", async () => {
    // std::fs::read_to_string validates UTF-8 and keeps every byte: U+FEFF stays in the string,
    // so writing the text back gives the same file.
    const path = fresh("bom");
    writeFileSync(path, Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]));
    const text = await run(readToString(path));
    expect([...text].map((c) => c.codePointAt(0))).toEqual([0xfeff, 0x61]);
  });

  it("removeDirAll on a symbolic link to a directory removes the link and leaves the directory, as std's remove_dir_all", async () => {
    // std's docs: "This function does not follow symbolic links and it will simply remove the
    // symbolic link itself."
    const real = fresh("real");
    mkdirSync(real);
    writeFileSync(join(real, "kept"), "x");
    const link = fresh("link");
    symlinkSync(real, link);
    await run(removeDirAll(link));
    expect(readdirSync(dir)).not.toContain(link.slice(dir.length + 1));
    expect(readFileSync(join(real, "kept"), "utf8")).toBe("x");
  });
});

describe("the paused clock and shutdown with file operations in flight", () => {
  it("a task that wrote and finished, then main sleeps: the clock moves once the write settles (no hang)", async () => {
    const path = fresh();
    const rt = new Runtime({ clock: "paused" });
    const main = rt.spawn(
      asyncBlock(function* () {
        using f = yield* File.create(path);
        const writer = spawn(
          asyncBlock(function* () {
            return yield* write(f, new Uint8Array(2 << 20).fill(7)); // accepted, still in flight
          }),
        );
        const accepted = yield* writer; // the writer task is gone: its waker wakes nobody
        const start = Instant.now();
        yield* sleep(1000);
        return { accepted, slept: start.elapsed() };
      }),
    );
    // A guard, not a measurement: a hung runtime is shut down so the next tests start clean.
    let guard: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<"hung">((r) => {
      guard = setTimeout(() => r("hung"), 2000);
    });
    const outcome = await Promise.race([main, hung]);
    clearTimeout(guard);
    await rt.shutdown();
    expect(outcome).toEqual({ accepted: 2 << 20, slept: 1000 });
    expect(readFileSync(path).length).toBe(2 << 20);
  });

  it("a metadata in flight holds a 1 ms sleep back in a select: the metadata wins, no virtual time passes", async () => {
    const path = fresh();
    writeFileSync(path, "abc");
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const start = Instant.now();
        const s = yield* select(f.metadata(), sleep(1));
        return { index: s.index, elapsed: start.elapsed() };
      }),
      { clock: "paused" },
    );
    expect(r).toEqual({ index: 0, elapsed: 0 });
  });

  it("a runtime shut down while a task waits on syncAll: the task's finally runs, the File closes, counters read 0", async () => {
    const path = fresh();
    const rt = new Runtime({ clock: "paused" });
    const seen = { syncing: false, finallyRan: false };
    rt.spawn(
      asyncBlock(function* () {
        try {
          using f = yield* File.create(path);
          yield* write(f, new Uint8Array(1 << 21).fill(5));
          seen.syncing = true;
          yield* f.syncAll(); // behind the write, then the fsync: the shutdown lands here
        } finally {
          seen.finallyRan = true;
        }
      }),
    );
    for (let i = 0; i < 200 && !seen.syncing; i++) await new Promise((r) => setTimeout(r, 1));
    expect(seen.syncing).toBe(true);
    await rt.shutdown();
    expect(seen.finallyRan).toBe(true);
    const m = rt.metrics();
    expect({ tasks: m.liveTasks, bridges: m.pendingBridges, waits: m.ioWaits }).toEqual({
      tasks: 0,
      bridges: 0,
      waits: 0,
    });
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(readFileSync(path).length).toBe(1 << 21);
  });

  it("a runtime shut down while a task's File has a write in flight: no hang, the bytes land, counters read 0", async () => {
    const path = fresh();
    const big = new Uint8Array(1 << 21).fill(9);
    const rt = new Runtime({ clock: "paused" });
    const started = { wrote: false };
    rt.spawn(
      asyncBlock(function* () {
        using f = yield* File.create(path);
        yield* write(f, big);
        started.wrote = true;
        yield* sleep(1_000_000); // aborted here by the shutdown, with the write in flight
      }),
    );
    for (let i = 0; i < 200 && !started.wrote; i++) await new Promise((r) => setTimeout(r, 2));
    expect(started.wrote).toBe(true);
    await rt.shutdown();
    const m = rt.metrics();
    expect({ tasks: m.liveTasks, timers: m.liveTimers, bridges: m.pendingBridges }).toEqual({
      tasks: 0,
      timers: 0,
      bridges: 0,
    });
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
    expect(readFileSync(path).length).toBe(big.length);
  });
});
