/**
 * DelayQueue at its edges: an OWNED value still waiting when the runtime shuts down is disposed;
 * an insert after the shutdown is refused, naming the call, and leaves the queue usable; two tasks
 * waiting on one queue (the second is refused: one reader at a time); a deadline too far for the
 * wheel (an Instant at Infinity, or 1e300 ms), which would spin the paused clock's auto-advance
 * without end, is refused. Those last run in a child process, so a spin fails the test instead of
 * hanging it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DelayQueue,
  DONE,
  Instant,
  join,
  OWNED,
  Runtime,
  run,
  select,
  sleep,
  spawn,
} from "../src/index.js";

const PAUSED = { clock: "paused" as const };
const ROOT = joinPath(import.meta.dirname, "..");

function owned(name: string, log: string[]) {
  return {
    name,
    [OWNED]: true as const,
    [Symbol.dispose]() {
      log.push(name);
    },
  };
}

describe("DelayQueue and its runtime's shutdown", () => {
  it("a runtime shuts down with an OWNED value waiting on the wheel; the queue is disposed after: the value has been disposed once", async () => {
    const disposed: string[] = [];
    const rt = new Runtime(PAUSED);
    const q = await rt.spawn(
      asyncBlock(function* () {
        const q = new DelayQueue<ReturnType<typeof owned>>();
        q.insert(owned("waiting", disposed), 60_000);
        q.insert(owned("due", disposed), 0);
        return q;
      }),
    );
    await rt.shutdown();
    q[Symbol.dispose]();
    // Before the fix: ["due"] — the waiting one was abandoned by the wheel and dropped without dispose.
    expect(disposed.sort()).toEqual(["due", "waiting"]);
  });

  it("an insert after the queue's runtime shut down is refused with an error naming queue.insert, and the queue stays empty so clear() still works", async () => {
    const rt = new Runtime(PAUSED);
    const q = await rt.spawn(
      asyncBlock(function* () {
        const q = new DelayQueue<string>();
        q.remove(q.insert("bound", 10)); // binds the queue to rt, leaves it empty
        return q;
      }),
    );
    await rt.shutdown();
    // Before the fix: FutureStateError "a timer was polled after its runtime shut down", the value counted
    // anyway (length 1, not on the wheel), and clear() then throws a TypeError from the wheel.
    expect(() => q.insert("late", 100)).toThrow(/queue\.insert/);
    expect(q.length).toBe(0);
    expect(() => q.clear()).not.toThrow();
  });
});

describe("DelayQueue read by two tasks", () => {
  it("two tasks wait on one queue's next(); the values come due at 10 and 20 ms: each task gets one, or the second wait is refused, and none sleeps on past a due value", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        q.insert("first", 10);
        q.insert("second", 20);
        const reader = (name: string) =>
          spawn(
            asyncBlock(function* () {
              try {
                const e = yield* q.next();
                return e === DONE ? `${name}: DONE` : `${name}: ${e.value}`;
              } catch {
                return `${name}: refused`;
              }
            }),
            { name },
          );
        const a = reader("a");
        const b = reader("b");
        const r = yield* select(join(a, b), sleep(1000));
        // Were b's wait to overwrite a's waker, b would get "first" at 10, "second" would come due
        // at 20 with no waker kept, and a would sleep until the 1000 ms sleep won.
        return r.index === 0
          ? r.value
          : `a still waiting at ${start.elapsed()} ms, ${q.length} due`;
      }),
      PAUSED,
    );
    expect(out).toEqual(["a: first", "b: refused"]);
  });
});

describe("DelayQueue deadlines too far for the wheel", () => {
  const script = (insert: string) => `
    import { asyncBlock, DelayQueue, DONE, Instant, run } from ${JSON.stringify(joinPath(ROOT, "src/index.ts"))};
    // A host timer: fires only if the event loop is free.
    setTimeout(() => { console.log("event loop free"); process.exit(0); }, 300);
    try {
      await run(asyncBlock(function* () {
        using q = new DelayQueue();
        ${insert};
        yield* q.next();
      }), { clock: "paused" });
    } catch (e) {
      console.log("run rejected: " + e.message);
    }
  `;

  function runChild(code: string): { status: number | null; stdout: string } {
    const dir = mkdtempSync(joinPath(tmpdir(), "brigade-r14-"));
    const file = joinPath(dir, "far.mts");
    writeFileSync(file, code);
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", file], {
        cwd: ROOT,
        timeout: 8000,
        encoding: "utf8",
      });
      return { status: r.status, stdout: r.stdout };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("a task waits on a queue whose only value is due at Instant Infinity on the paused clock: the event loop stays free (a host timer fires) or the insert is refused", () => {
    const r = runChild(script(`q.insertAt("never", Instant.now().add(Infinity))`));
    // Before the fix: the auto-advance jumps the clock one wheel rotation at a time for ever, synchronously;
    // the child is killed by the timeout (status null) with nothing printed.
    expect(r.stdout).toMatch(/event loop free|run rejected: .*insertAt/);
  }, 15_000);

  it("a task waits on a queue whose only value is due in 1e300 ms on the paused clock: the event loop stays free (a host timer fires) or the insert is refused", () => {
    const r = runChild(script(`q.insert("far", 1e300)`));
    expect(r.stdout).toMatch(/event loop free|run rejected: .*insert/);
  }, 15_000);
});

describe("DelayQueue: a next() dropped while it waits", () => {
  it("a next() that lost a select is dropped; another task's next() is not refused, and gets the value when it comes due", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        q.insert("soup", 50);
        {
          using lost = yield* select(q.next(), sleep(10));
          expect(lost.index).toBe(1);
        }
        const other = spawn(q.next(), { name: "other" });
        const e = yield* other;
        return e === DONE ? "DONE" : `${e.value}@${start.elapsed()}`;
      }),
      PAUSED,
    );
    expect(out).toBe("soup@50");
  });

  it("a dump of a task waiting on a queue names the queue, its values waiting and due", async () => {
    const rt = new Runtime(PAUSED);
    const q = await rt.spawn(
      asyncBlock(function* () {
        const q = new DelayQueue<string>();
        q.insert("a", 1000);
        q.insert("b", 2000);
        return q;
      }),
    );
    rt.spawn(q.next(), { name: "expirer" });
    await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(rt.dump())).toContain("DelayQueue, 2 values waiting");
    q[Symbol.dispose]();
    await rt.shutdown();
  });
});
