/**
 * Dropping files and file futures: a `File` disposed at every point of a run of writes loses no
 * byte it accepted and writes none it did not; disposed at every point of a run of reads, it never
 * touches the caller's buffer again; either way its handle closes (`fsMetrics().openFiles` back to
 * 0) and the runtime's `pendingBridges` and `ioWaits` read 0. Also: a dropped `File.open` closes
 * the file it opened for nobody; the paused clock never jumps past a file operation in flight; a
 * second task waiting on a file is refused.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import {
  asyncBlock,
  Instant,
  JoinError,
  Runtime,
  run,
  select,
  sleep,
  spawn,
  yieldNow,
} from "../src/index.js";
import {
  File,
  flush,
  fsMetrics,
  IoError,
  openOptions,
  read,
  readDir,
  readFile,
  readToEnd,
  write,
  writeAll,
} from "../src/node.js";
import { resetBudget } from "../src/task/budget.js";

let dir = "";
let n = 0;
const fresh = (name = "f") => join(dir, `${name}-${n++}`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "brigade-fs-drop-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Wait (boundedly) until every file and directory handle Brigade opened has closed. */
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

const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 0xff);

/**
 * The process's open file descriptors, as the OS counts them (Linux), to check `fsMetrics`
 * against: a counter that went down while the descriptor stayed open would show here.
 */
function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/**
 * The process's open descriptors once they are back to `n`, or after 2 s of real time: a
 * descriptor Node or the test runner opens for its own reasons under load closes again, a leaked
 * one does not.
 */
async function fdsBackTo(n: number): Promise<number> {
  for (let i = 0; i < 400 && openFds() !== n; i++) await new Promise((r) => setTimeout(r, 5));
  return openFds();
}

describe("a File disposed at every point", () => {
  it("of a run of writes loses no accepted byte, writes no other, and closes its handle", async () => {
    const fdsBefore = openFds();
    let points = 0;
    for (let point = 0; ; point++) {
      const path = fresh("w");
      const file = await run(File.create(path));
      file.setMaxBufSize(300);
      const { cx, state, woken } = byHand();
      let accepted = 0;
      let step = 0;
      let disposed = false;
      while (accepted < data.length) {
        if (step++ === point) {
          file[Symbol.dispose]();
          disposed = true;
          break;
        }
        resetBudget();
        const r = file.pollWrite(cx, data.subarray(accepted));
        if (r !== PENDING) {
          accepted += r;
          continue;
        }
        // Parked behind the write in flight: a point of its own, before the wake.
        if (step++ === point) {
          file[Symbol.dispose]();
          expect(state.wakes).toBe(1); // the parked poll is told at once
          disposed = true;
          break;
        }
        expect(await woken()).toBe(true);
      }
      if (!disposed) {
        resetBudget();
        while (file.pollFlush(cx) === PENDING) expect(await woken()).toBe(true);
        file[Symbol.dispose]();
      }
      expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
      expect([...readFileSync(path)]).toEqual([...data.subarray(0, accepted)]);
      if (!disposed) {
        points = point;
        break;
      }
    }
    // 1000 bytes in writes of 300: four accepted writes, and three waits behind one in flight,
    // each with a point before its wake and one after: ten points, then the run completes.
    expect(points).toBe(10);
    expect(await fdsBackTo(fdsBefore)).toBe(fdsBefore);
  });

  it("of a run of reads never writes into the caller's buffer after the drop, and closes", async () => {
    const path = fresh("r");
    writeFileSync(path, data);
    const fdsBefore = openFds();
    let points = 0;
    for (let point = 0; ; point++) {
      const file = await run(File.open(path));
      file.setMaxBufSize(300);
      const { cx, woken } = byHand();
      const buf = new Uint8Array(200);
      const got: number[] = [];
      let step = 0;
      let disposed = false;
      for (;;) {
        if (step++ === point) {
          const before = [...buf];
          file[Symbol.dispose]();
          disposed = true;
          expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
          expect([...buf]).toEqual(before);
          resetBudget();
          expect(() => file.pollRead(cx, buf)).toThrow(/the File was disposed/);
          break;
        }
        resetBudget();
        const r = file.pollRead(cx, buf);
        if (r === PENDING) {
          expect(await woken()).toBe(true);
          continue;
        }
        if (r === 0) break;
        got.push(...buf.subarray(0, r));
      }
      expect(got).toEqual([...data.subarray(0, got.length)]);
      if (!disposed) {
        file[Symbol.dispose]();
        expect(got.length).toBe(data.length);
        points = point;
        break;
      }
    }
    // Four reads from the disk (300 each, then the end) and the copies out of the read-ahead.
    expect(points).toBeGreaterThan(8);
    expect(await fdsBackTo(fdsBefore)).toBe(fdsBefore);
  });

  it("in a task aborted mid-write, the disk holds exactly the accepted bytes and the runtime's counters read 0", async () => {
    const big = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 13) & 0xff);
    for (const stopAfter of [0, 1, 4096, 20_000, 50_000]) {
      const path = fresh("abort");
      const rt = new Runtime();
      let accepted = 0;
      const metrics = await rt.spawn(
        asyncBlock(function* () {
          const writer = spawn(
            asyncBlock(function* () {
              using f = yield* File.create(path);
              f.setMaxBufSize(1024);
              while (accepted < big.length) accepted += yield* write(f, big.subarray(accepted));
              yield* flush(f);
            }),
          );
          while (accepted < stopAfter) yield* yieldNow();
          writer.abort();
          try {
            yield* writer;
          } catch (e) {
            expect(e).toBeInstanceOf(JoinError);
          }
          return rt.metrics();
        }),
      );
      expect(metrics.pendingBridges).toBe(0);
      expect(metrics.ioWaits).toBe(0);
      await rt.shutdown();
      expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
      expect(accepted).toBeGreaterThanOrEqual(Math.min(stopAfter, big.length));
      // Aborted before its first poll, the writer never created the file.
      const onDisk = existsSync(path) ? [...readFileSync(path)] : [];
      expect(onDisk).toEqual([...big.subarray(0, accepted)]);
    }
  });
});

describe("dropped file futures", () => {
  it("a File.open dropped before the file is open closes the file once it opens", async () => {
    const path = fresh();
    writeFileSync(path, "x");
    const { cx } = byHand();
    const opening = File.open(path);
    expect(opening.poll(cx)).toBe(PENDING);
    opening[Symbol.dispose]();
    // Give the open time to finish: it happens, then the File it made is closed for nobody.
    await new Promise((r) => setTimeout(r, 20));
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
  });

  it("a readFile dropped by a select's timer is no longer counted by the runtime", async () => {
    const path = fresh();
    writeFileSync(path, new Uint8Array(1 << 20));
    const rt = new Runtime();
    const after = await rt.spawn(
      asyncBlock(function* () {
        const reading = readFile(path);
        const { cx } = byHand();
        expect(reading.poll(cx)).toBe(PENDING);
        const during = rt.metrics().pendingBridges;
        reading[Symbol.dispose]();
        return { during, after: rt.metrics().pendingBridges };
      }),
    );
    await rt.shutdown();
    expect(after).toEqual({ during: 1, after: 0 });
  });

  it("a readDir stream disposed mid-listing closes its directory", async () => {
    const sub = fresh("dir");
    mkdirSync(sub);
    for (let i = 0; i < 5; i++) writeFileSync(join(sub, `e${i}`), "");
    const first = await run(
      asyncBlock(function* () {
        using entries = readDir(sub);
        const e = yield* entries.next();
        expect(fsMetrics().openDirs).toBe(1);
        return e;
      }),
    );
    expect(typeof (first as { name: string }).name).toBe("string");
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
  });
});

describe("file I/O and the paused clock", () => {
  it("a 16 MB readFile beats a 10 s sleep in a select, and no virtual time passes", async () => {
    const path = fresh();
    writeFileSync(path, new Uint8Array(16 << 20));
    const r = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const s = yield* select(readFile(path), sleep(10_000));
        return { index: s.index, elapsed: start.elapsed() };
      }),
      { clock: "paused" },
    );
    expect(r).toEqual({ index: 0, elapsed: 0 });
  });

  it("a File read in flight holds the clock: readToEnd beats a 1 s sleep", async () => {
    const path = fresh();
    writeFileSync(path, new Uint8Array(4 << 20).fill(1));
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        f.setMaxBufSize(64 * 1024); // many reads, one after the other
        const s = yield* select(readToEnd(f), sleep(1000));
        return s.index === 0 ? s.value.length : -1;
      }),
      { clock: "paused" },
    );
    expect(r).toBe(4 << 20);
  });

  it("a buffered write followed by a long sleep: the sleep still ends, at its deadline", async () => {
    const path = fresh();
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.create(path);
        const start = Instant.now();
        yield* write(f, new Uint8Array(1 << 20)); // accepted at once, written while we sleep
        yield* sleep(60_000);
        yield* flush(f);
        return start.elapsed();
      }),
      { clock: "paused" },
    );
    expect(r).toBe(60_000);
    expect(readFileSync(path).length).toBe(1 << 20);
  });
});

describe("one user at a time", () => {
  it("a second task reading while the first task's read is in flight is refused, naming both", async () => {
    const path = fresh();
    writeFileSync(path, data);
    const r = await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        const a = spawn(read(f, new Uint8Array(10)), { name: "first reader" });
        const b = spawn(read(f, new Uint8Array(10)), { name: "second reader" });
        let refused: unknown = null;
        try {
          yield* b; // awaited first, so its panic is observed, not reported as unhandled
        } catch (e) {
          refused = e;
        }
        return { got: yield* a, refused };
      }),
    );
    expect(r.got).toBe(10);
    expect(r.refused).toBeInstanceOf(JoinError);
    expect(String((r.refused as JoinError).cause ?? r.refused)).toMatch(
      /second reader.*this File is already waited on by task 'first reader'/s,
    );
  });

  it("the same task may chain operations: a write then a read, waiting behind it", async () => {
    const path = fresh();
    const text = await run(
      asyncBlock(function* () {
        using f = yield* openOptions().read(true).write(true).create(true).open(path);
        yield* writeAll(f, new TextEncoder().encode("hello"));
        yield* f.seek(0);
        return new TextDecoder().decode(yield* readToEnd(f));
      }),
    );
    expect(text).toBe("hello");
  });

  it("an operation on a disposed File fails with an IoError naming the path", async () => {
    const path = fresh();
    writeFileSync(path, "x");
    const err = await run(
      asyncBlock(function* () {
        const f = yield* File.open(path);
        f[Symbol.dispose]();
        try {
          yield* f.metadata();
        } catch (e) {
          return e;
        }
        return null;
      }),
    );
    expect(err).toBeInstanceOf(IoError);
    expect((err as Error).message).toContain(`on ${JSON.stringify(path)}: the File was disposed`);
  });
});
