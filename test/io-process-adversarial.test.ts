/**
 * The second, adversarial suite for child processes (src/io/process): children that exit while we
 * still write, that flood both pipes, that close their stdout early, kills that race exits, waits
 * dropped mid-way, Childs disposed under a waiter or left in an aborted task, and bad input. The
 * child program is always this Node (`process.execPath -e …`), so nothing depends on shell tools.
 *
 * Time runs on the paused clock; an outside process is watched in real time only where nothing
 * else can tell (has the kernel reaped it?), and never with an assertion on how long it took.
 */
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Future,
  FutureStateError,
  fromPromise,
  JoinError,
  join,
  joinAll,
  pollFn,
  Runtime,
  select,
  sleep,
  spawn,
  yieldNow,
} from "../src/index.js";
import {
  type Child,
  Command,
  type ExitStatus,
  flush,
  IoError,
  read,
  readToEnd,
  shutdown,
  writeAll,
} from "../src/node.js";

const NODE = process.execPath;
/** The repository: where the child programs that use Brigade import it from. */
const ROOT = resolve(import.meta.dirname, "..");

/** `node -e code -- ...args`: `process.argv[1]` is the first of `args` inside the child. */
function node(code: string, ...args: string[]): Command {
  return new Command(NODE).args(["-e", code, "--", ...args]);
}

/** Byte `i` of what the flooding children write to stdout (251 is prime: chunks never align). */
const outByte = (i: number) => i % 251;
/** Byte `i` of what they write to stderr. */
const errByte = (i: number) => (i * 3) % 253;

/** The child's side of {@link outByte} and {@link errByte}, as source text. */
const PATTERNS =
  "const out=(n)=>{const b=Buffer.alloc(n);for(let i=0;i<n;i++)b[i]=i%251;return b};" +
  "const err=(n)=>{const b=Buffer.alloc(n);for(let i=0;i<n;i++)b[i]=(i*3)%253;return b};";

/** Where the first byte that differs from `byte(i)` is, or -1 when all of `got` matches. */
function firstMismatch(got: Uint8Array, byte: (i: number) => number): number {
  for (let i = 0; i < got.length; i++) if (got[i] !== byte(i)) return i;
  return -1;
}

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

/** Whether process `pid` is gone from the process table (killed and reaped, not a zombie). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as { code?: string }).code === "ESRCH";
  }
}

/** Poll (in real time: an outside process) until `pid` is reaped, or give up after a while. */
async function reaped(pid: number): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if (gone(pid)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return gone(pid);
}

/**
 * A future of the moment `path` holds something (the child wrote it: made, then written, so
 * existing is not enough), in real time.
 */
function fileAppears(path: string): Future<void> {
  return fromPromise(async () => {
    for (let i = 0; i < 4000 && !(existsSync(path) && statSync(path).size > 0); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
  });
}

/**
 * `fut`'s output, or `"hung"` after `ms` of real time: a bound for a wait on an outside process,
 * never a measure of it (the paused clock would jump past any timer while the process runs).
 */
function orHung<T>(fut: Future<T>, ms = 15_000): Future<T | "hung"> {
  return asyncBlock(function* () {
    using sel = yield* select(
      fut,
      fromPromise(() => new Promise<"hung">((r) => setTimeout(() => r("hung"), ms))),
    );
    return sel.index === 0 ? sel.value : "hung";
  });
}

const scratch = mkdtempSync(joinPath(tmpdir(), "brigade-proc-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Processes a test leaves running on purpose (orphans): killed when the file ends. */
const strays: number[] = [];
afterAll(() => {
  for (const pid of strays) if (!gone(pid)) process.kill(pid, "SIGKILL");
});

/** A child that runs until killed, reading nothing. */
const FOREVER = "setInterval(() => {}, 1e6)";

describe("a child that exits while we still write to its stdin", () => {
  it("the child exits without reading; megabytes written to its stdin afterwards fail with a BrokenPipe IoError at a write or the flush, and shutdown fails the same way", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const child = node("").stdin("piped").spawn();
        // Taken out, so that wait() does not close it.
        const stdin = child.stdin as NonNullable<typeof child.stdin>;
        child.stdin = null;
        using _child = child;
        using _stdin = stdin;
        const status = yield* child.wait();
        let failure: unknown = null;
        try {
          for (let i = 0; i < 64; i++) yield* writeAll(stdin, new Uint8Array(64 * 1024));
          yield* flush(stdin);
        } catch (e) {
          failure = e;
        }
        let again: unknown = null;
        try {
          yield* shutdown(stdin);
        } catch (e) {
          again = e;
        }
        return { status: status.success(), failure, again };
      }),
    );
    expect(seen.status).toBe(true);
    expect(seen.failure).toBeInstanceOf(IoError);
    expect((seen.failure as IoError).kind).toBe("BrokenPipe");
    expect(seen.again).toBeInstanceOf(IoError);
    expect((seen.again as IoError).kind).toBe("BrokenPipe");
  });

  it("a writeAll parks on a full pipe, the child is killed, and the parked writeAll wakes with a BrokenPipe IoError; ioWaits reads 0 after", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        using child = node(FOREVER).stdin("piped").spawn();
        const stdin = child.stdin as NonNullable<typeof child.stdin>;
        const big = new Uint8Array(8 * 1024 * 1024);
        const writing = writeAll(stdin, big);
        // Keep polling the writeAll until it has to wait for room (nobody reads the pipe).
        let parked = false;
        for (let i = 0; i < 1000 && !parked; i++) {
          const sel = yield* select.biased(yieldNow(), borrow(writing));
          parked = sel.index === 0 && rt.metrics().ioWaits === 1;
        }
        child.startKill();
        let failure: unknown = null;
        try {
          yield* writing;
        } catch (e) {
          failure = e;
        }
        writing[Symbol.dispose]();
        const status = yield* child.wait();
        return { parked, failure, signal: status.signal, ioWaits: rt.metrics().ioWaits };
      }),
    );
    expect(seen.parked).toBe(true);
    expect(seen.failure).toBeInstanceOf(IoError);
    expect((seen.failure as IoError).kind).toBe("BrokenPipe");
    expect(seen.signal).toBe("SIGKILL");
    expect(seen.ioWaits).toBe(0);
  });

  it("wait() closes stdin while bytes written are still in flight: the child still reads every byte, then the end", async () => {
    const total = 3 * 1024 * 1024 + 17;
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(
          "let n=0;process.stdin.on('data',(c)=>{n+=c.length});process.stdin.on('end',()=>process.stdout.write(String(n)))",
        )
          .stdin("piped")
          .stdout("piped")
          .spawn();
        const out = child.stdout as NonNullable<typeof child.stdout>;
        // Accepted, not yet flushed: much of it is still in Node's buffer when wait() closes stdin.
        yield* writeAll(child.stdin as NonNullable<typeof child.stdin>, new Uint8Array(total));
        const [counted, status] = yield* join(readToEnd(out), child.wait());
        return { counted: new TextDecoder().decode(counted), ok: status.success() };
      }),
    );
    expect(seen).toEqual({ counted: String(total), ok: true });
  });
});

describe("a child that floods its stdout and stderr", () => {
  it("output() of a child writing 3 MiB to stdout and 3 MiB to stderr, interleaved in 64 KiB pieces, collects every byte of both in order", async () => {
    const size = 3 * 1024 * 1024;
    const out = await onRuntime(() =>
      node(
        `${PATTERNS}const n=+process.argv[1];const o=out(n),e=err(n);` +
          "for(let i=0;i<n;i+=65536){process.stdout.write(o.subarray(i,i+65536));process.stderr.write(e.subarray(i,i+65536))}",
        String(size),
      ).output(),
    );
    expect(out.status.success()).toBe(true);
    expect(out.stdout.length).toBe(size);
    expect(out.stderr.length).toBe(size);
    expect(firstMismatch(out.stdout, outByte)).toBe(-1);
    expect(firstMismatch(out.stderr, errByte)).toBe(-1);
  });

  it("reading only stdout while the child fills its stderr pipe stalls (the child blocks, as with tokio): the stdout read loses to a timer, and reading stderr too lets both finish", async () => {
    const size = 2 * 1024 * 1024;
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(
          `${PATTERNS}process.stderr.write(err(+process.argv[1]));process.stdout.write('done')`,
          String(size),
        )
          .stdout("piped")
          .stderr("piped")
          .spawn();
        const out = child.stdout as NonNullable<typeof child.stdout>;
        const err = child.stderr as NonNullable<typeof child.stderr>;
        const buf = new Uint8Array(16);
        // The child writes "done" only after 2 MiB of stderr, which can never fit in the pipe and
        // Node's buffer while nobody reads them: the stdout read cannot be ready.
        let stalled: number;
        {
          using sel = yield* select(read(out, buf), sleep(5_000));
          stalled = sel.index;
        }
        const [stdout, stderr, status] = yield* join(readToEnd(out), readToEnd(err), child.wait());
        return {
          stalled,
          stdout: new TextDecoder().decode(stdout),
          stderr: stderr.length,
          stderrOk: firstMismatch(stderr, errByte),
          ok: status.success(),
        };
      }),
    );
    expect(seen).toEqual({ stalled: 1, stdout: "done", stderr: size, stderrOk: -1, ok: true });
  });

  it("1-byte reads over 1 MiB of a child's stdout get every byte in order, then 0", async () => {
    const size = 1024 * 1024;
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(`${PATTERNS}process.stdout.write(out(+process.argv[1]))`, String(size))
          .stdout("piped")
          .spawn();
        const out = child.stdout as NonNullable<typeof child.stdout>;
        const got = new Uint8Array(size);
        const one = new Uint8Array(1);
        let n = 0;
        let mismatch = -1;
        for (;;) {
          const k = yield* read(out, one);
          if (k === 0) break;
          if (mismatch === -1 && (n >= size || one[0] !== outByte(n))) mismatch = n;
          if (n < size) got[n] = one[0] as number;
          n++;
        }
        yield* child.wait();
        return { n, mismatch };
      }),
    );
    expect(seen).toEqual({ n: size, mismatch: -1 });
  });

  it("random read sizes over a child's stdout (fast-check) always reassemble the exact bytes", async () => {
    const size = 384 * 1024;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 12 }),
        async (sizes) => {
          const got = await onRuntime(() =>
            asyncBlock(function* () {
              using child = node(
                `${PATTERNS}process.stdout.write(out(+process.argv[1]))`,
                String(size),
              )
                .stdout("piped")
                .spawn();
              const out = child.stdout as NonNullable<typeof child.stdout>;
              const parts: Uint8Array[] = [];
              for (let i = 0; ; i++) {
                const buf = new Uint8Array(sizes[i % sizes.length] as number);
                const n = yield* read(out, buf);
                if (n === 0) break;
                parts.push(buf.slice(0, n));
              }
              yield* child.wait();
              return Buffer.concat(parts);
            }),
          );
          expect(got.length).toBe(size);
          expect(firstMismatch(got, outByte)).toBe(-1);
        },
      ),
      { numRuns: 6 },
    );
  });

  it("a stdout read loses select after select to a paused-clock timer until the end, and no byte is lost", async () => {
    const size = 512 * 1024;
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        using child = node(
          // Slow and in pieces, so the reads really do lose to the timers in between.
          `${PATTERNS}const o=out(+process.argv[1]);let i=0;const t=setInterval(()=>{process.stdout.write(o.subarray(i,i+32768));i+=32768;if(i>=o.length){clearInterval(t)}},2)`,
          String(size),
        )
          .stdout("piped")
          .spawn();
        const out = child.stdout as NonNullable<typeof child.stdout>;
        const parts: Uint8Array[] = [];
        let timers = 0;
        for (;;) {
          const buf = new Uint8Array(4096);
          using sel = yield* select(read(out, buf), sleep(1));
          if (sel.index === 1) {
            timers++;
            continue;
          }
          if (sel.value === 0) break;
          parts.push(buf.slice(0, sel.value));
        }
        yield* child.wait();
        return { got: Buffer.concat(parts), timers, ioWaits: rt.metrics().ioWaits };
      }),
    );
    expect(seen.got.length).toBe(size);
    expect(firstMismatch(seen.got, outByte)).toBe(-1);
    expect(seen.timers).toBeGreaterThan(0);
    expect(seen.ioWaits).toBe(0);
  });
});

describe("many children, and children that die mid-output", () => {
  it("eight output() futures joined at once each collect their own child's bytes, no more, no less", async () => {
    const sizes = [0, 1, 4095, 65_536, 65_537, 200_000, 700_001, 1_500_000];
    const outs = await onRuntime(() =>
      joinAll(
        sizes.map((n) =>
          node(
            `${PATTERNS}process.stdout.write(out(${n}));process.stderr.write(String(${n}))`,
          ).output(),
        ),
      ),
    );
    outs.forEach((out, i) => {
      expect(out.status.success()).toBe(true);
      expect(out.stdout.length).toBe(sizes[i]);
      expect(firstMismatch(out.stdout, outByte)).toBe(-1);
      expect(new TextDecoder().decode(out.stderr)).toBe(String(sizes[i]));
    });
  });

  it("a child writes 300 KiB and then kills itself with SIGKILL: output() gives the bytes it wrote and the signal, not an error", async () => {
    const out = await onRuntime(() =>
      node(
        `${PATTERNS}process.stdout.write(out(300*1024), () => process.kill(process.pid, 'SIGKILL'))`,
      ).output(),
    );
    expect(out.status.signal).toBe("SIGKILL");
    expect(out.status.success()).toBe(false);
    expect(out.stdout.length).toBe(300 * 1024);
    expect(firstMismatch(out.stdout, outByte)).toBe(-1);
  });
});

describe("a child's stdout and its exit, in either order", () => {
  it("a child writes to stdout and exits; wait() first, then readToEnd(stdout) still gets every byte", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node("process.stdout.write('soup of the day')").stdout("piped").spawn();
        const status = yield* child.wait();
        const got = yield* readToEnd(child.stdout as NonNullable<typeof child.stdout>);
        return { ok: status.success(), got: new TextDecoder().decode(got) };
      }),
    );
    expect(seen).toEqual({ ok: true, got: "soup of the day" });
  });

  it("a child closes its stdout and keeps running: the read gets its bytes, then 0, while tryWait() is still undefined; kill() then reports SIGKILL", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(
          `process.stdout.write('bye', () => { require('fs').closeSync(1); ${FOREVER} })`,
        )
          .stdout("piped")
          .spawn();
        const got = yield* readToEnd(child.stdout as NonNullable<typeof child.stdout>);
        const still = child.tryWait();
        const pid = child.id;
        const status = yield* child.kill();
        return { got: new TextDecoder().decode(got), still, pid, signal: status.signal };
      }),
    );
    expect(seen.got).toBe("bye");
    expect(seen.still).toBeUndefined();
    expect(typeof seen.pid).toBe("number");
    expect(seen.signal).toBe("SIGKILL");
  });
});

describe("kill and exit racing", () => {
  it("kill() sent at once to a child that exits at once, ten times: each resolves with exit code 0 or SIGKILL, and none throws", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const statuses: string[] = [];
        for (let i = 0; i < 10; i++) {
          using child = node("").stdin("null").spawn();
          statuses.push(String(yield* child.kill()));
        }
        return statuses;
      }),
    );
    for (const s of seen) expect(["exit status: 0", "signal: 9 (SIGKILL)"]).toContain(s);
  });

  it("a child exits, then kill(), kill() again and startKill() on it give the same status, send nothing and throw nothing", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node("process.exitCode = 3").spawn();
        const first = yield* child.wait();
        const second = yield* child.kill();
        const third = yield* child.kill();
        child.startKill("SIGTERM");
        return { first, second, third, id: child.id, tried: child.tryWait() };
      }),
    );
    expect(seen.first.code).toBe(3);
    expect(seen.second).toBe(seen.first);
    expect(seen.third).toBe(seen.first);
    expect(seen.tried).toBe(seen.first);
    expect(seen.id).toBeUndefined();
  });

  it("startKill('SIGTERM') to a running child, then wait(): the status names SIGTERM and is not a success", async () => {
    const status = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(FOREVER).spawn();
        child.startKill("SIGTERM");
        return yield* child.wait();
      }),
    );
    expect(status.signal).toBe("SIGTERM");
    expect(status.code).toBeNull();
    expect(status.success()).toBe(false);
    expect(String(status)).toBe("signal: 15 (SIGTERM)");
  });
});

describe("wait() dropped, and the Child disposed under a waiter", () => {
  it("a wait() loses a select to a timer five times: ioWaits reads 1 while each is held and 0 after it is dropped; the sixth wait() gets the SIGTERM status", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        using child = node(FOREVER).stdin("null").spawn();
        const during: number[] = [];
        const after: number[] = [];
        for (let i = 0; i < 5; i++) {
          {
            using sel = yield* select(child.wait(), sleep(100));
            during.push(sel.index, rt.metrics().ioWaits);
          }
          after.push(rt.metrics().ioWaits);
        }
        child.startKill("SIGTERM");
        const status = yield* child.wait();
        return { during, after, signal: status.signal, end: rt.metrics().ioWaits };
      }),
    );
    expect(seen.during).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(seen.after).toEqual([0, 0, 0, 0, 0]);
    expect(seen.signal).toBe("SIGTERM");
    expect(seen.end).toBe(0);
  });

  it("a wait() dropped before its first poll, and one woken by the exit but dropped before it was polled again, leave ioWaits at 0 and the status intact", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        // Exits once its stdin ends: not before the first poll of a wait(), which closes it.
        using child = node(
          "process.stdin.resume();process.stdin.on('end',()=>{process.exitCode=5})",
        )
          .stdin("piped")
          .spawn();
        child.wait()[Symbol.dispose]();
        const early = rt.metrics().ioWaits;
        const w = child.wait();
        const sel = yield* select.biased(borrow(w), yieldNow());
        const parked = [sel.index, rt.metrics().ioWaits];
        // Wait for the exit without polling w: the exit wakes the task, not w's poll.
        while (child.tryWait() === undefined) {
          yield* fromPromise(() => new Promise((r) => setTimeout(r, 5)));
        }
        const woken = rt.metrics().ioWaits;
        w[Symbol.dispose]();
        const status = yield* child.wait();
        return { early, parked, woken, code: status.code, end: rt.metrics().ioWaits };
      }),
    );
    expect(seen).toEqual({ early: 0, parked: [1, 1], woken: 0, code: 5, end: 0 });
  });

  it("a kill() dropped before its first poll sends nothing: the child runs on, and a later SIGTERM is what ends it", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(FOREVER).spawn();
        child.kill()[Symbol.dispose]();
        yield* fromPromise(() => new Promise((r) => setTimeout(r, 20)));
        const running = child.tryWait() === undefined;
        child.startKill("SIGTERM");
        return { running, signal: (yield* child.wait()).signal };
      }),
    );
    expect(seen).toEqual({ running: true, signal: "SIGTERM" });
  });

  it("kill() on a Child already disposed (without killOnDrop) throws NotConnected naming kill() and sends no signal: the orphan runs on", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const child = node(FOREVER).spawn();
        const pid = child.id as number;
        child[Symbol.dispose]();
        let thrown: unknown = null;
        try {
          yield* child.kill();
        } catch (e) {
          thrown = e;
        }
        yield* fromPromise(() => new Promise((r) => setTimeout(r, 20)));
        return { pid, thrown };
      }),
    );
    strays.push(seen.pid);
    expect(gone(seen.pid)).toBe(false);
    expect(seen.thrown).toBeInstanceOf(IoError);
    expect((seen.thrown as IoError).kind).toBe("NotConnected");
    expect((seen.thrown as IoError).message).toMatch(/kill\(\)/);
  });

  it("another task's wait() is parked when the Child is disposed: that wait throws a NotConnected IoError, killOnDrop killed the process, and ioWaits reads 0", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const child = node(FOREVER).killOnDrop(true).spawn();
        const pid = child.id as number;
        const waiter = spawn(
          asyncBlock(function* () {
            try {
              yield* child.wait();
              return "returned";
            } catch (e) {
              return e;
            }
          }),
        );
        yield* yieldNow();
        const parked = rt.metrics().ioWaits;
        child[Symbol.dispose]();
        const outcome = yield* waiter;
        return { pid, parked, outcome, ioWaits: rt.metrics().ioWaits };
      }),
    );
    expect(seen.parked).toBe(1);
    expect(seen.outcome).toBeInstanceOf(IoError);
    expect((seen.outcome as IoError).kind).toBe("NotConnected");
    expect(seen.ioWaits).toBe(0);
    expect(await reaped(seen.pid)).toBe(true);
  });

  it("a second task's wait() while the first task's is parked is refused with a FutureStateError; the first still gets the status", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(FOREVER).spawn();
        const first = spawn(child.wait());
        yield* yieldNow();
        const second = spawn(child.wait());
        let refused: unknown = null;
        try {
          yield* second;
        } catch (e) {
          refused = e;
        }
        child.startKill("SIGTERM");
        const status: ExitStatus = yield* first;
        return { refused, signal: status.signal };
      }),
    );
    expect(seen.refused).toBeInstanceOf(JoinError);
    expect((seen.refused as JoinError).cause).toBeInstanceOf(FutureStateError);
    expect(seen.signal).toBe("SIGTERM");
  });
});

describe("a Child left in an aborted task, or in a dropped status()", () => {
  it("a task holding a killOnDrop Child with `using` is aborted while it waits: the process is killed and reaped", async () => {
    const pid = await onRuntime((rt) =>
      asyncBlock(function* () {
        let pid = -1;
        const task = spawn(
          asyncBlock(function* () {
            using child = node(FOREVER).killOnDrop(true).spawn();
            pid = child.id as number;
            return yield* child.wait();
          }),
        );
        yield* yieldNow();
        task.abort();
        try {
          yield* task;
        } catch {
          // cancelled, as asked
        }
        expect(rt.metrics().ioWaits).toBe(0);
        return pid;
      }),
    );
    expect(pid).toBeGreaterThan(0);
    expect(await reaped(pid)).toBe(true);
  });

  it("a task holding a Child without killOnDrop is aborted: the process runs on as an orphan", async () => {
    const pid = await onRuntime(() =>
      asyncBlock(function* () {
        let pid = -1;
        const task = spawn(
          asyncBlock(function* () {
            using child = node(FOREVER).spawn();
            pid = child.id as number;
            return yield* child.wait();
          }),
        );
        yield* yieldNow();
        task.abort();
        try {
          yield* task;
        } catch {
          // cancelled, as asked
        }
        return pid;
      }),
    );
    strays.push(pid);
    expect(gone(pid)).toBe(false);
    process.kill(pid, "SIGKILL");
    expect(await reaped(pid)).toBe(true);
  });

  it("status() of a killOnDrop command loses a select once the child has started: the process is killed and reaped", async () => {
    const file = joinPath(scratch, "status-pid");
    await onRuntime(() =>
      asyncBlock(function* () {
        using sel = yield* select(
          node(
            `require('fs').writeFileSync(process.argv[1], String(process.pid)); ${FOREVER}`,
            file,
          )
            .killOnDrop(true)
            .status(),
          fileAppears(file),
        );
        expect(sel.index).toBe(1);
      }),
    );
    const pid = Number(readFileSync(file, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(await reaped(pid)).toBe(true);
  });

  it("status() of a command with stdout and stderr piped (nobody can read them) whose child writes 1 MiB to each: status() completes, as tokio's closes the pipes it holds, instead of hanging", async () => {
    const status = await onRuntime(() =>
      orHung(
        node(`${PATTERNS}process.stdout.write(out(1<<20));process.stderr.write(err(1<<20))`)
          .stdout("piped")
          .stderr("piped")
          .killOnDrop(true)
          .status(),
        8_000,
      ),
    );
    expect(status).not.toBe("hung");
  }, 20_000);

  it("the Child is disposed without killOnDrop after its stdout was taken out: the child reads the end of its stdin, and the taken stdout still reads all it wrote", async () => {
    const got = await onRuntime(() =>
      asyncBlock(function* () {
        const child = node(
          "process.stdout.write('a');process.stdin.resume();process.stdin.on('end',()=>process.stdout.write('b'))",
        )
          .stdin("piped")
          .stdout("piped")
          .spawn();
        const out = child.stdout as NonNullable<typeof child.stdout>;
        child.stdout = null;
        using _out = out;
        child[Symbol.dispose]();
        return new TextDecoder().decode(yield* readToEnd(out));
      }),
    );
    expect(got).toBe("ab");
  });
});

describe("what the child sees: arguments, environment, working directory", () => {
  const SHOW =
    "console.log(JSON.stringify({argv:process.argv.slice(1),env:process.env,cwd:process.cwd()}))";

  function shown(cmd: Command) {
    return onRuntime(() =>
      asyncBlock(function* () {
        const out = yield* cmd.output();
        return {
          ok: out.status.success(),
          ...(JSON.parse(new TextDecoder().decode(out.stdout)) as {
            argv: string[];
            env: Record<string, string>;
            cwd: string;
          }),
        };
      }),
    );
  }

  it("arguments reach the child as given: empty, with spaces, quotes, a leading dash, a dollar and non-ASCII, with no shell in between", async () => {
    const args = ["", "a b", `"q'`, "-x", "$HOME", "crème brûlée 🍲", "*"];
    const seen = await shown(node(SHOW, ...args));
    expect(seen.ok).toBe(true);
    expect(seen.argv).toEqual(args);
  });

  it("env sets, envRemove removes an inherited variable, and currentDir moves the child", async () => {
    process.env.BRIGADE_ADV_INHERITED = "kept";
    process.env.BRIGADE_ADV_REMOVED = "gone";
    try {
      const dir = realpathSync(scratch);
      const seen = await shown(
        node(SHOW).env("BRIGADE_ADV_SET", "a=b c").envRemove("BRIGADE_ADV_REMOVED").currentDir(dir),
      );
      expect(seen.env.BRIGADE_ADV_SET).toBe("a=b c");
      expect(seen.env.BRIGADE_ADV_INHERITED).toBe("kept");
      expect(seen.env).not.toHaveProperty("BRIGADE_ADV_REMOVED");
      expect(seen.cwd).toBe(dir);
    } finally {
      delete process.env.BRIGADE_ADV_INHERITED;
      delete process.env.BRIGADE_ADV_REMOVED;
    }
  });

  it("envClear, before and after env(), leaves the child only the variables set; a later env() overrides an earlier one", async () => {
    process.env.BRIGADE_ADV_INHERITED = "kept";
    try {
      const seen = await shown(
        node(SHOW).env("ONE", "1").envClear().env("TWO", "2").env("ONE", "uno").envRemove("X"),
      );
      expect(seen.env).toEqual({ ONE: "uno", TWO: "2" });
    } finally {
      delete process.env.BRIGADE_ADV_INHERITED;
    }
  });

  it("a Command spawned twice starts two processes; an argument added after the first spawn reaches only the second", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const cmd = node("console.log(JSON.stringify(process.argv.slice(1)))", "first")
          .stdout("piped")
          .stdin("null");
        using a = cmd.spawn();
        cmd.arg("added");
        using b = cmd.spawn();
        const ids = [a.id, b.id];
        const [outA, outB] = yield* join(
          readToEnd(a.stdout as NonNullable<typeof a.stdout>),
          readToEnd(b.stdout as NonNullable<typeof b.stdout>),
        );
        yield* join(a.wait(), b.wait());
        return {
          ids,
          a: JSON.parse(new TextDecoder().decode(outA)),
          b: JSON.parse(new TextDecoder().decode(outB)),
        };
      }),
    );
    expect(seen.ids[0]).not.toBe(seen.ids[1]);
    expect(seen.a).toEqual(["first"]);
    expect(seen.b).toEqual(["first", "added"]);
  });

  it("a working directory that does not exist: wait() throws a NotFound IoError that says so, and output() the same", async () => {
    const missing = joinPath(scratch, "no-such-dir");
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const errors: unknown[] = [];
        using child = node("").currentDir(missing).spawn();
        try {
          yield* child.wait();
        } catch (e) {
          errors.push(e);
        }
        try {
          yield* node("").currentDir(missing).output();
        } catch (e) {
          errors.push(e);
        }
        return errors;
      }),
    );
    expect(seen).toHaveLength(2);
    for (const e of seen) {
      expect(e).toBeInstanceOf(IoError);
      expect((e as IoError).kind).toBe("NotFound");
      expect((e as IoError).message).toMatch(/working directory/);
    }
  });
});

describe("a program that cannot start", () => {
  it("spawn of a missing program: id is undefined, then wait(), kill() and tryWait() throw the same NotFound IoError; startKill and dispose are quiet", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        const child = new Command(joinPath(scratch, "no-such-program")).spawn();
        const id = child.id;
        const errors: unknown[] = [];
        try {
          yield* child.wait();
        } catch (e) {
          errors.push(e);
        }
        try {
          yield* child.kill();
        } catch (e) {
          errors.push(e);
        }
        for (const f of [() => child.tryWait(), () => child.startKill()]) {
          try {
            f();
          } catch (e) {
            errors.push(e);
          }
        }
        child[Symbol.dispose]();
        child[Symbol.dispose]();
        return { id, errors };
      }),
    );
    expect(seen.id).toBeUndefined();
    expect(seen.errors).toHaveLength(3);
    for (const e of seen.errors) {
      expect(e).toBe(seen.errors[0]);
      expect((e as IoError).kind).toBe("NotFound");
    }
  });

  it("output() of a missing program with stdin piped and stdout, stderr piped rejects with the NotFound IoError, not an end of stream or a pipe error", async () => {
    const err = await onRuntime(() =>
      asyncBlock(function* () {
        try {
          yield* new Command(joinPath(scratch, "missing")).stdin("piped").output();
          return null;
        } catch (e) {
          return e;
        }
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("NotFound");
  });
});

describe("this program's stdin() seen from a child that uses it", () => {
  /** A Brigade program run by a child Node (through tsx): reads 5 bytes through `stdin()`. */
  const STDIN_PROGRAM = [
    `import { asyncBlock, run } from ${JSON.stringify(joinPath(ROOT, "src/index.ts"))};`,
    `import { read, stdin } from ${JSON.stringify(joinPath(ROOT, "src/node.ts"))};`,
    "await run(asyncBlock(function* () {",
    "  const buf = new Uint8Array(5);",
    "  let n;",
    "  { using input = stdin(); n = yield* read(input, buf); }",
    "  process.stdout.write(Buffer.from(buf.subarray(0, n)));",
    "  process.stdout.write('|');",
    "}));",
    "if (process.argv[2] === 'rest') process.stdin.pipe(process.stdout);",
  ].join("\n");

  function stdinProgram(...args: string[]): Child {
    const file = joinPath(scratch, "stdin-program.mts");
    writeFileSync(file, STDIN_PROGRAM);
    return new Command(NODE)
      .args(["--import", "tsx", file, ...args])
      .currentDir(ROOT)
      .stdin("piped")
      .stdout("piped")
      .killOnDrop(true)
      .spawn();
  }

  it("the program reads through stdin(), lets the handle go and returns: it exits although its stdin pipe is still open", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = stdinProgram();
        const input = child.stdin as NonNullable<typeof child.stdin>;
        child.stdin = null; // kept open: wait() must not close it
        using _input = input;
        yield* writeAll(input, new TextEncoder().encode("hello world"));
        const [out, status] = yield* join(
          readToEnd(child.stdout as NonNullable<typeof child.stdout>),
          orHung(child.wait()),
        );
        return { out: new TextDecoder().decode(out), status: String(status) };
      }),
    );
    expect(seen).toEqual({ out: "hello|", status: "exit status: 0" });
  }, 30_000);

  it("the program reads 5 bytes through stdin(), lets the handle go, then pipes process.stdin on: the rest of the chunk is not lost", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = stdinProgram("rest");
        const input = child.stdin as NonNullable<typeof child.stdin>;
        yield* writeAll(input, new TextEncoder().encode("hello world"));
        yield* shutdown(input);
        const [out, status] = yield* join(
          readToEnd(child.stdout as NonNullable<typeof child.stdout>),
          orHung(child.wait()),
        );
        return { out: new TextDecoder().decode(out), status: String(status) };
      }),
    );
    expect(seen).toEqual({ out: "hello| world", status: "exit status: 0" });
  }, 30_000);
});

describe("a Brigade program that lets a Child go", () => {
  it("the program spawns a child without killOnDrop, disposes it and returns: the program exits, and the orphan still runs", async () => {
    const file = joinPath(scratch, "orphan-program.mts");
    writeFileSync(
      file,
      [
        `import { asyncBlock, run } from ${JSON.stringify(joinPath(ROOT, "src/index.ts"))};`,
        `import { Command } from ${JSON.stringify(joinPath(ROOT, "src/node.ts"))};`,
        "await run(asyncBlock(function* () {",
        `  using child = new Command(process.execPath).args(["-e", ${JSON.stringify(FOREVER)}]).stdin("null").stdout("null").stderr("null").spawn();`,
        "  process.stdout.write(String(child.id));",
        "}));",
      ].join("\n"),
    );
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using program = new Command(NODE)
          .args(["--import", "tsx", file])
          .currentDir(ROOT)
          .stdout("piped")
          .killOnDrop(true)
          .spawn();
        const [out, status] = yield* join(
          readToEnd(program.stdout as NonNullable<typeof program.stdout>),
          orHung(program.wait()),
        );
        return { orphan: Number(new TextDecoder().decode(out)), status: String(status) };
      }),
    );
    strays.push(seen.orphan);
    expect(seen.status).toBe("exit status: 0");
    expect(seen.orphan).toBeGreaterThan(0);
    expect(gone(seen.orphan)).toBe(false);
  }, 30_000);
});

describe("a program that is there but may not run", () => {
  it("an argument list too long for the system: spawn() itself throws an IoError naming the command, and no Child is made", () => {
    let thrown: unknown = null;
    try {
      node("", "x".repeat(4 * 1024 * 1024)).spawn();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(IoError);
    expect((thrown as IoError).message).toMatch(/E2BIG/);
  });

  it("a file without execute permission: wait() throws a PermissionDenied IoError", async () => {
    const file = joinPath(scratch, "not-executable");
    writeFileSync(file, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const err = await onRuntime(() =>
      asyncBlock(function* () {
        using child = new Command(file).spawn();
        try {
          yield* child.wait();
          return null;
        } catch (e) {
          return e;
        }
      }),
    );
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("PermissionDenied");
    expect((err as IoError).message).toMatch(/not-executable/);
  });
});

describe("bad input gets a typed error that names the argument", () => {
  const bad: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    [
      "a program that is not a string",
      () => new Command(42 as unknown as string),
      TypeError,
      /program/,
    ],
    ["an empty program", () => new Command(""), RangeError, /program/],
    ["a NUL in the program", () => new Command("no\0de"), RangeError, /program.*NUL/],
    ["a NUL in an argument", () => new Command(NODE).arg("a\0b"), RangeError, /arg.*NUL/],
    [
      "a NUL inside args()",
      () => new Command(NODE).args(["ok", "b\0"]),
      RangeError,
      /args\[1\].*NUL/,
    ],
    [
      "a string given to args()",
      () => new Command(NODE).args("-v" as unknown as string[]),
      TypeError,
      /args/,
    ],
    [
      "a number in args()",
      () => new Command(NODE).args([1 as unknown as string]),
      TypeError,
      /args\[0\]/,
    ],
    ["an env key with '='", () => new Command(NODE).env("A=B", "c"), RangeError, /key/],
    ["an empty env key", () => new Command(NODE).env("", "c"), RangeError, /key/],
    ["a NUL in an env value", () => new Command(NODE).env("A", "c\0"), RangeError, /value.*NUL/],
    [
      "an env value that is a number",
      () => new Command(NODE).env("A", 1 as unknown as string),
      TypeError,
      /value/,
    ],
    [
      "envs() of null",
      () => new Command(NODE).envs(null as unknown as Record<string, string>),
      TypeError,
      /vars/,
    ],
    [
      "envs() of a pair with a number",
      () => new Command(NODE).envs([["A", 1 as unknown as string]]),
      TypeError,
      /value of A/,
    ],
    ["a NUL in currentDir", () => new Command(NODE).currentDir("/tmp\0"), RangeError, /dir.*NUL/],
    [
      "stdin('pipe')",
      () => new Command(NODE).stdin("pipe" as "piped"),
      TypeError,
      /stdin\(cfg\).*"pipe"/,
    ],
    [
      "stdout(true)",
      () => new Command(NODE).stdout(true as unknown as "piped"),
      TypeError,
      /stdout\(cfg\)/,
    ],
    [
      "killOnDrop('yes')",
      () => new Command(NODE).killOnDrop("yes" as unknown as boolean),
      TypeError,
      /kill must be a boolean/,
    ],
  ];
  for (const [what, call, type, message] of bad) {
    it(`${what}: a ${type.name} naming the argument`, () => {
      let thrown: unknown = null;
      try {
        call();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(type);
      expect((thrown as Error).message).toMatch(message);
    });
  }

  it("startKill with a name that is not a signal, or a number, is a TypeError naming signal, and the child runs on", async () => {
    const seen = await onRuntime(() =>
      asyncBlock(function* () {
        using child = node(FOREVER).spawn();
        const errors: unknown[] = [];
        for (const s of ["SIGNOPE", 9, "sigterm"]) {
          try {
            child.startKill(s as NodeJS.Signals);
          } catch (e) {
            errors.push(e);
          }
        }
        const running = child.tryWait() === undefined;
        const status = yield* child.kill();
        return { errors, running, signal: status.signal };
      }),
    );
    expect(seen.errors).toHaveLength(3);
    for (const e of seen.errors) {
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/startKill\(signal\)/);
    }
    expect(seen.running).toBe(true);
    expect(seen.signal).toBe("SIGKILL");
  });
});

/**
 * A future that polls `inner` without owning it: dropping it (a select's loser) leaves `inner`
 * alive to be polled again, as `&mut fut` does in a Rust `select!` loop.
 */
function borrow<T>(inner: Future<T>): Future<T> {
  return pollFn((cx) => inner.poll(cx));
}
