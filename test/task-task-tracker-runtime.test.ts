/**
 * TaskTracker in a runtime, on the paused clock: the times at which a tracked task stops counting
 * (at its end; when aborted or dropped, at the end of its cleanup), waits from many tasks, panics
 * in tracked tasks, and how a wait shows in task dumps and deadlock reports.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { race } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import { JoinSet } from "../src/task/join-set.js";
import { spawn } from "../src/task/spawn.js";
import { TaskTracker } from "../src/task/task-tracker.js";
import { yieldNow } from "../src/task/yield-now.js";
import { Instant } from "../src/time/instant.js";
import { sleep } from "../src/time/sleep.js";

/** Milliseconds of (paused) runtime time since `start`. */
const since = (start: Instant) => Instant.now().since(start);

/** An async fn that waits `ms`, and whose `finally` block itself waits `cleanupMs`. */
const slowToClear = asyncFn(function* slowToClear(log: string[], ms: number, cleanupMs: number) {
  try {
    yield* sleep(ms);
  } finally {
    log.push("clearing");
    yield* sleep(cleanupMs);
    log.push("cleared");
  }
});

describe("TaskTracker in a runtime (paused clock)", () => {
  it("spawn(): tasks are counted until they end, and wait() resumes when the last one does", async () => {
    const tracker = new TaskTracker();
    const seen: string[] = [];
    await run(
      asyncBlock(function* () {
        const start = Instant.now();
        for (const ms of [300, 100, 200]) {
          tracker.spawn(
            asyncBlock(function* () {
              yield* sleep(ms);
              seen.push(`done ${ms} at ${since(start)}`);
            }),
          );
        }
        expect(tracker.size).toBe(3);
        tracker.close();
        yield* tracker.wait();
        seen.push(`wait at ${since(start)}, size ${tracker.size}`);
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual([
      "done 100 at 100",
      "done 200 at 200",
      "done 300 at 300",
      "wait at 300, size 0",
    ]);
  });

  it("the handle of a tracked task gives its output, and many tasks can wait on one tracker", async () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const soup = tracker.spawn(
          asyncBlock(function* () {
            yield* sleep(50);
            return "soup";
          }),
          { name: "soup" },
        );
        expect(soup.name).toBe("soup");
        const waiters = [1, 2, 3].map((n) =>
          spawn(
            asyncBlock(function* () {
              yield* tracker.wait();
              log.push(`waiter ${n} at ${since(start)}`);
            }),
          ),
        );
        yield* sleep(10);
        tracker.close();
        expect(yield* soup).toBe("soup");
        for (const w of waiters) yield* w;
      }),
      { clock: "paused" },
    );
    expect(log).toEqual(["waiter 1 at 50", "waiter 2 at 50", "waiter 3 at 50"]);
  });

  it("a tracked future dropped by a race mid-wait stops counting at the drop", async () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const start = Instant.now();
        tracker.close();
        const waiter = spawn(
          asyncBlock(function* () {
            yield* tracker.wait();
            log.push(`wait at ${since(start)}`);
          }),
        );
        yield* race(tracker.track(sleep(1000)), sleep(10));
        log.push(`race over at ${since(start)}, size ${tracker.size}`);
        yield* waiter;
      }),
      { clock: "paused" },
    );
    expect(log).toEqual(["race over at 10, size 0", "wait at 10"]);
  });

  it("a tracked future dropped by a race while its finally awaits is counted until that finally ends", async () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const start = Instant.now();
        yield* race(tracker.track(slowToClear(log, 1000, 50)), sleep(10));
        log.push(`race over at ${since(start)}, size ${tracker.size}`);
        tracker.close();
        yield* tracker.wait();
        log.push(`wait at ${since(start)}, size ${tracker.size}`);
      }),
      { clock: "paused" },
    );
    expect(log).toEqual(["clearing", "race over at 10, size 1", "cleared", "wait at 60, size 0"]);
  });

  it("an aborted tracked task is counted until its cleanup has ended, and its handle reports cancelled", async () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const table = tracker.spawn(slowToClear(log, 1000, 50), { name: "table 1" });
        yield* sleep(10);
        table.abort();
        log.push(`aborted at ${since(start)}, size ${tracker.size}`);
        tracker.close();
        yield* tracker.wait();
        log.push(`wait at ${since(start)}`);
        try {
          yield* table;
        } catch (e) {
          log.push(
            `handle: ${e instanceof JoinError && e.isCancelled() ? "cancelled" : String(e)}`,
          );
        }
      }),
      { clock: "paused" },
    );
    expect(log).toEqual([
      "clearing",
      "aborted at 10, size 1",
      "cleared",
      "wait at 60",
      "handle: cancelled",
    ]);
  });

  it("a tracked async fn awaited with yield* in an aborted task counts until its finally has ended, in the task's last poll", async () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const outer = spawn(
          asyncBlock(function* () {
            yield* tracker.track(slowToClear(log, 1000, 30));
          }),
        );
        yield* sleep(10);
        outer.abort();
        tracker.close();
        yield* tracker.wait();
        log.push(`wait at ${since(start)}, outer finished: ${outer.isFinished()}`);
      }),
      { clock: "paused" },
    );
    expect(log).toEqual(["clearing", "cleared", "wait at 40, outer finished: true"]);
  });

  it("a tracked future in a JoinSet is counted by both (tokio's track_future example)", async () => {
    const tracker = new TaskTracker();
    await run(
      asyncBlock(function* () {
        using set = new JoinSet<number>();
        set.spawn(
          tracker.track(
            asyncBlock(function* () {
              yield* sleep(5);
              return 5;
            }),
          ),
        );
        expect(tracker.size).toBe(1);
        expect(yield* set.joinNext()).toBe(5);
        expect(tracker.size).toBe(0);
      }),
      { clock: "paused" },
    );
  });

  it("tasks spawned into a closed tracker are still tracked: a later wait() waits for them", async () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const start = Instant.now();
        tracker.close();
        tracker.spawn(sleep(20));
        yield* tracker.wait();
        log.push(`wait at ${since(start)}`);
      }),
      { clock: "paused" },
    );
    expect(log).toEqual(["wait at 20"]);
  });

  it("a loop of waits ready at once spends the budget and lets other tasks run", async () => {
    const rt = new Runtime({ clock: "paused" });
    const tracker = new TaskTracker();
    tracker.close();
    let otherRan = false;
    await rt.spawn(
      asyncBlock(function* () {
        spawn(
          asyncBlock(function* () {
            otherRan = true;
          }),
        );
        for (let i = 0; i < 1000; i++) yield* tracker.wait();
        expect(otherRan).toBe(true);
      }),
    );
    expect(rt.metrics().budgetForcedYields).toBeGreaterThan(0);
    await rt.shutdown();
  });
});

describe("TaskTracker: panics", () => {
  let printed: string[] = [];
  beforeEach(() => {
    printed = [];
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
      printed.push(String(a[0]));
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("a tracked task that panics with its handle dropped is reported as unobserved, and counted down", async () => {
    const tracker = new TaskTracker();
    await run(
      asyncBlock(function* () {
        const h = tracker.spawn(
          asyncBlock(function* () {
            yield* sleep(5);
            throw new Error("the sauce burnt");
          }),
          { name: "sauce" },
        );
        h[Symbol.dispose]();
        tracker.close();
        yield* tracker.wait();
        expect(tracker.size).toBe(0);
        yield* yieldNow();
      }),
      { clock: "paused" },
    );
    const reports = printed.filter((l) => l.includes("the sauce burnt"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/task 'sauce'/);
  });

  it("a tracked task that panics with its handle awaited is not reported; the handle throws the panic", async () => {
    const tracker = new TaskTracker();
    await run(
      asyncBlock(function* () {
        const h = tracker.spawn(
          asyncBlock(function* () {
            yield* sleep(5);
            throw new Error("the sauce burnt");
          }),
        );
        tracker.close();
        yield* tracker.wait();
        const e = yield* asyncBlock(function* () {
          try {
            yield* h;
            return null;
          } catch (err) {
            return err;
          }
        });
        expect(e instanceof JoinError && e.isPanic()).toBe(true);
      }),
      { clock: "paused" },
    );
    expect(printed.filter((l) => l.includes("the sauce burnt"))).toEqual([]);
  });
});

describe("TaskTracker and deadlock reports", () => {
  it("main waiting on a tracker nobody closes is reported as asleep, naming the wait", async () => {
    const tracker = new TaskTracker();
    const outcome = await run(
      asyncBlock(function* main() {
        tracker.spawn(sleep(5));
        yield* tracker.wait();
      }),
      { clock: "paused" },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(DeadlockError);
    expect((outcome as DeadlockError).message).toContain(
      "main → TaskTracker.wait() (0 tracked, not closed: wait() waits for close())",
    );
    expect(tracker.size).toBe(0);
  });

  it("a task dump shows a task parked in wait(), and a tracked task's await tree through the tracker", async () => {
    const rt = new Runtime({ clock: "paused" });
    const tracker = new TaskTracker();
    let dump = "";
    await rt.spawn(
      asyncBlock(function* () {
        tracker.spawn(
          asyncFn(function* serveTable() {
            yield* sleep(100);
          })(),
          { name: "table 1" },
        );
        const porter = spawn(
          asyncBlock(function* porter() {
            yield* tracker.wait();
          }),
          { name: "porter" },
        );
        yield* sleep(10);
        dump = String(rt.dump());
        tracker.close();
        yield* porter;
      }),
    );
    expect(dump).toMatch(
      /'table 1' \(idle\)\n└─ TaskTracker\.track\(\)\n {3}└─ serveTable\n {6}└─ sleep/,
    );
    expect(dump).toMatch(
      /'porter' \(idle\)\n└─ porter\n {3}└─ TaskTracker\.wait\(\) \(1 tracked, not closed/,
    );
    await rt.shutdown();
  });
});
