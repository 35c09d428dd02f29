/**
 * TaskTracker at scale and at closing time: tokio's graceful-shutdown pattern (a CancellationToken
 * tells every handler to stop, the tracker says when the last has), a runtime shutting down with
 * tracked tasks alive, 100,000 finished tasks leaving nothing behind, and property tests that
 * `wait()` is ready exactly when a model of the tracker says (by hand, and in a seeded runtime over
 * random finish and abort orders).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { race } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import type { FutureBase } from "../src/future/future.js";
import { pending } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { Runtime } from "../src/runtime/runtime.js";
import { CancellationToken } from "../src/sync/cancellation-token.js";
import { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { TaskTracker, type TaskTrackerToken } from "../src/task/task-tracker.js";
import { yieldNow } from "../src/task/yield-now.js";
import { Instant } from "../src/time/instant.js";
import { sleep } from "../src/time/sleep.js";
import { flush, Gate, MockTask } from "./future-testkit.js";

/** Milliseconds of (paused) runtime time since `start`. */
const since = (start: Instant) => Instant.now().since(start);

/** An async fn that waits `ms`, and whose `finally` block itself waits `cleanupMs`. */
const slowToClear = asyncFn(function* slowToClear(log: string[], ms: number, cleanupMs: number) {
  try {
    yield* sleep(ms);
  } finally {
    yield* sleep(cleanupMs);
    log.push("cleared");
  }
});

/** Settle `p`: its error, or null if it resolved. */
const errorOf = (p: PromiseLike<unknown>) =>
  Promise.resolve(p).then(
    () => null,
    (e: unknown) => e,
  );

describe("graceful shutdown: CancellationToken + TaskTracker (tokio's pattern)", () => {
  it("every handler finishes its cleanup before wait() returns, and nothing is left in the runtime after", async () => {
    // A first poll on a noisy machine can pass the long-poll threshold (JIT, GC): not this test's subject.
    const rt = new Runtime({ clock: "paused", longPollThreshold: false });
    const tracker = new TaskTracker();
    const closing = new CancellationToken();
    const cleanedAt: number[] = [];
    const start = { at: null as Instant | null };

    const handler = asyncFn(function* handler(n: number, stop: CancellationToken) {
      try {
        for (;;) {
          const next = yield* race.named.biased({
            stop: stop.cancelled(),
            work: sleep(30 + (n % 5)),
          });
          if (next.key === "stop") return;
        }
      } finally {
        yield* sleep((n % 7) * 10); // closing the connection politely
        cleanedAt.push(since(start.at!));
      }
    });

    let waitedAt = -1;
    const watchersSaw: number[] = [];
    await rt.spawn(
      asyncBlock(function* main() {
        start.at = Instant.now();
        for (let n = 0; n < 200; n++) {
          tracker.spawn(handler(n, closing.childToken()), { name: `handler ${n}` });
        }
        // Others may wait on the same tracker.
        const watchers = [1, 2, 3].map(() =>
          spawn(
            asyncBlock(function* () {
              yield* tracker.wait();
              watchersSaw.push(cleanedAt.length);
            }),
          ),
        );
        yield* sleep(1000);
        closing.cancel();
        tracker.close();
        yield* tracker.wait();
        waitedAt = since(start.at);
        expect(cleanedAt).toHaveLength(200);
        for (const w of watchers) yield* w;
      }),
    );
    expect(waitedAt).toBe(1060); // the slowest cleanup: 6 × 10 ms after the closing call
    expect(Math.max(...cleanedAt)).toBe(1060);
    expect(watchersSaw).toEqual([200, 200, 200]);
    expect(tracker.size).toBe(0);
    const m = rt.metrics();
    expect(m.liveTasks).toBe(0);
    expect(m.liveWaiters).toBe(0);
    expect(m.liveTimers).toBe(0);
    await rt.shutdown();
  });
});

describe("the runtime shuts down with tracked tasks alive", () => {
  it("shutdown aborts them; each counts until its cleanup has ended, and a parked wait() leaves", async () => {
    const rt = new Runtime({ clock: "paused" });
    const tracker = new TaskTracker();
    const log: string[] = [];
    const handles: JoinHandle<void>[] = [];
    let waiter: JoinHandle<void> | null = null;
    rt.spawn(
      asyncBlock(function* () {
        for (let i = 1; i <= 3; i++) handles.push(tracker.spawn(slowToClear(log, 60_000, i * 10)));
        waiter = spawn(tracker.wait()); // never closed: only the shutdown ends it
        yield* pending();
      }),
    );
    await flush();
    expect(tracker.size).toBe(3);
    expect(rt.metrics().liveWaiters).toBe(1);
    await rt.shutdown();
    expect(log).toEqual(["cleared", "cleared", "cleared"]);
    expect(tracker.size).toBe(0);
    expect(tracker.isClosed()).toBe(false); // the runtime does not close a tracker
    for (const h of [...handles, waiter!]) {
      const e = await errorOf(h);
      expect(e instanceof JoinError && e.isCancelled()).toBe(true);
    }
    const m = rt.metrics();
    expect(m.liveTasks).toBe(0);
    expect(m.liveWaiters).toBe(0);
    expect(m.liveTimers).toBe(0);
  });

  it("a tracked task whose cleanup the shutdown gives up on is counted down when it is left", async () => {
    const rt = new Runtime({ clock: "paused" });
    const tracker = new TaskTracker();
    const stuck = asyncFn(function* stuck() {
      try {
        yield* pending();
      } finally {
        yield* pending(); // a cleanup nothing can ever finish
      }
    });
    rt.spawn(
      asyncBlock(function* () {
        tracker.spawn(stuck(), { name: "stuck" });
        yield* pending();
      }),
    );
    await flush();
    expect(tracker.size).toBe(1);
    const e = await errorOf(rt.shutdown());
    expect(e).toBeInstanceOf(DeadlockError);
    expect((e as DeadlockError).message).toContain("stuck → TaskTracker.track() (cleaning up)");
    expect(tracker.size).toBe(0);
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("a tracked future spawned on a runtime that has shut down is cancelled before it runs, and not counted", async () => {
    const rt = new Runtime({ clock: "paused" });
    await rt.shutdown();
    const tracker = new TaskTracker();
    const gate = new Gate<number>();
    const e = await errorOf(rt.spawn(tracker.track(gate)));
    expect(e instanceof JoinError && e.isCancelled()).toBe(true);
    expect(gate.polls).toBe(0);
    expect(gate.drops).toBe(1);
    expect(tracker.size).toBe(0);
  });
});

describe("nothing is kept about a finished task", () => {
  it("100,000 tasks spawned and finished: the tracker's state is its counters, and the heap stays flat", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const rt = new Runtime({ longPollThreshold: false });
    const tracker = new TaskTracker();
    const round = (n: number) =>
      rt.spawn(
        asyncBlock(function* () {
          for (let i = 0; i < n; i++) tracker.spawn(yieldNow());
          tracker.close();
          yield* tracker.wait();
          tracker.reopen();
        }),
      );
    const shape = () =>
      Object.entries(tracker).map(([k, v]) => [
        k,
        Array.isArray(v) ? `array of ${v.length}` : typeof v,
      ]);
    await round(10_000); // warm up: compiled code, the run queue's ring at its size
    const before = shape();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let r = 0; r < 10; r++) await round(10_000);
    gc();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    expect(shape()).toEqual(before);
    expect(shape()).toContainEqual(["parked", "array of 0"]);
    expect(tracker.size).toBe(0);
    // A kept record per task, even 16 bytes, would be 1.6 MB.
    expect(grown).toBeLessThan(1_000_000);
    expect(rt.metrics().spawnedTotal).toBe(110_000 + 11);
    await rt.shutdown();
  });
});

/** What can happen to a tracker, for the model. */
type Op =
  | { kind: "token" }
  | { kind: "track" }
  | { kind: "end"; pick: number; drop: boolean }
  | { kind: "close" }
  | { kind: "reopen" }
  | { kind: "wait" }
  | { kind: "poll"; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: "token" } as const),
  fc.constant({ kind: "track" } as const),
  fc.record({ kind: fc.constant("end" as const), pick: fc.nat(), drop: fc.boolean() }),
  fc.constant({ kind: "close" } as const),
  fc.constant({ kind: "reopen" } as const),
  fc.constant({ kind: "wait" } as const),
  fc.record({ kind: fc.constant("poll" as const), pick: fc.nat() }),
);

describe("wait() is ready exactly when the model says", () => {
  it("by hand: any sequence of tokens, tracked futures, ends, closes, reopens, waits and polls", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const tracker = new TaskTracker();
        // The model: a count, a closed flag, and how many times it became closed and empty.
        let count = 0;
        let closed = false;
        let generation = 0;
        const reached = () => {
          if (closed && count === 0) generation++;
        };
        const live: (
          | { token: TaskTrackerToken }
          | { gate: Gate<number>; tracked: FutureBase<number> & Disposable; task: MockTask<number> }
        )[] = [];
        const waits: {
          task: MockTask<void>;
          readyFromStart: boolean;
          generation: number;
          done: boolean;
          parked: boolean;
        }[] = [];
        for (const o of ops) {
          switch (o.kind) {
            case "token":
              live.push({ token: tracker.token() });
              count++;
              break;
            case "track": {
              const gate = new Gate<number>();
              const tracked = tracker.track(gate);
              const task = new MockTask(tracked);
              expect(task.poll()).toBe(PENDING);
              live.push({ gate, tracked, task });
              count++;
              break;
            }
            case "end": {
              if (live.length === 0) break;
              const [item] = live.splice(o.pick % live.length, 1);
              if ("token" in item!) item.token[Symbol.dispose]();
              else if (o.drop) item.tracked[Symbol.dispose]();
              else {
                item.gate.resolve(7);
                expect(item.task.poll()).toBe(7);
              }
              count--;
              reached();
              break;
            }
            case "close":
              expect(tracker.close()).toBe(!closed);
              if (!closed) {
                closed = true;
                reached();
              }
              break;
            case "reopen":
              expect(tracker.reopen()).toBe(closed);
              closed = false;
              break;
            case "wait":
              waits.push({
                task: new MockTask(tracker.wait()),
                readyFromStart: closed && count === 0,
                generation,
                done: false,
                parked: false,
              });
              break;
            case "poll": {
              if (waits.length === 0) break;
              const w = waits[o.pick % waits.length]!;
              if (w.done) break;
              const ready = w.readyFromStart || w.generation !== generation;
              const r = w.task.poll();
              expect(r).toBe(ready ? undefined : PENDING);
              w.done = ready;
              w.parked = !ready;
              break;
            }
          }
          expect(tracker.size).toBe(count);
          expect(tracker.isClosed()).toBe(closed);
          // A parked wait is woken once the tracker became closed and empty, and only then.
          for (const w of waits) {
            if (!w.parked) continue;
            const due = w.generation !== generation;
            expect(w.task.wakes).toBe(due ? 1 : 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("in a seeded runtime: tasks that end or are aborted in random orders, cleanups that await", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          // Sleeps are even and aborts odd milliseconds: no abort ties with the end of a sleep,
          // whose order the seed would decide.
          fc.record({
            ms: fc.integer({ min: 1, max: 50 }).map((n) => n * 2),
            cleanupMs: fc.integer({ min: 0, max: 25 }).map((n) => n * 2),
            abortAt: fc.option(
              fc.integer({ min: 0, max: 60 }).map((n) => n * 2 + 1),
              { nil: null },
            ),
          }),
          { maxLength: 12 },
        ),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (tasks, closeAt, seed) => {
          const rt = new Runtime({ clock: "paused", seed });
          const tracker = new TaskTracker();
          const log: string[] = [];
          const waitedAt = await rt.spawn(
            asyncBlock(function* () {
              const start = Instant.now();
              const handles = tasks.map((t) => tracker.spawn(slowToClear(log, t.ms, t.cleanupMs)));
              // Aborts and the close happen in time order, from tasks of their own.
              tasks.forEach((t, i) => {
                if (t.abortAt === null) return;
                spawn(
                  asyncBlock(function* () {
                    yield* sleep(t.abortAt!);
                    handles[i]!.abort();
                  }),
                );
              });
              yield* sleep(closeAt);
              tracker.close();
              yield* tracker.wait();
              return since(start);
            }),
          );
          // An abort during the sleep tears the body down: its finally runs whole, from then. An
          // abort while that finally already awaits stops it there (docs/cancellation.md): the
          // task ends at the abort, without "cleared". A later abort finds the task finished.
          const ends = tasks.map((t) => {
            const a = t.abortAt;
            if (a !== null && a < t.ms) return a + t.cleanupMs;
            if (a !== null && a < t.ms + t.cleanupMs) return a;
            return t.ms + t.cleanupMs;
          });
          const cutShort = tasks.filter(
            (t) => t.abortAt !== null && t.abortAt > t.ms && t.abortAt < t.ms + t.cleanupMs,
          );
          expect(waitedAt).toBe(Math.max(closeAt, ...ends));
          expect(log).toHaveLength(tasks.length - cutShort.length);
          expect(tracker.size).toBe(0);
          await rt.shutdown();
          expect(rt.metrics().liveWaiters).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
