/**
 * Bug hunt: a body that yields a plain value (a bare `yield` where `yield*` was meant) while it has
 * a `finally` that awaits. The bare yield is the bug to report: the poller gets its TypeError, not
 * the error of an await that could not run. An async fn awaited or polled by a combinator is
 * dropped as a race's loser is (its `finally` finished by a cleanup task); a task's own body ends
 * for good at once, without leaving a timer of its `finally` on the wheel.
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import type { Suspend } from "../src/future/future.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { sleep } from "../src/time/sleep.js";
import { MockTask } from "./future-testkit.js";

const BARE = /async fn 'careless' yielded 5: use yield\* to await a future/;

describe("a bare yield whose finally awaits", () => {
  it("a spawned body yields 5, its finally starts an await: the task panics with the bare-yield TypeError, and a cleanup task finishes the finally", async () => {
    const log: string[] = [];
    const careless = asyncFn(function* careless() {
      try {
        yield 5 as unknown as Suspend;
      } finally {
        log.push("finally started");
        yield* sleep(10);
        log.push("finally finished");
      }
    });
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const cause = await rt.spawn(careless()).then(
      () => null,
      (e: unknown) => (e as JoinError).cause,
    );
    expect(cause).toBeInstanceOf(TypeError);
    expect(String(cause)).toMatch(BARE);
    expect(log).toEqual(["finally started"]);
    await rt.shutdown();
    expect(log).toEqual(["finally started", "finally finished"]);
    expect(rt.metrics().liveTimers).toBe(0);
  });

  it("a spawned body yields 5 and its finally awaits a join whose child's finally awaits: both finish, and nothing is left on the wheel", async () => {
    const log: string[] = [];
    const slowToClean = asyncFn(function* slowToClean() {
      try {
        yield* sleep(1_000);
      } finally {
        log.push("child finally started");
        yield* sleep(1_000);
        log.push("child finally finished");
      }
    });
    const careless = asyncFn(function* careless() {
      try {
        yield 5 as unknown as Suspend;
      } finally {
        yield* join(slowToClean(), sleep(1_000));
      }
    });
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const cause = await rt.spawn(careless()).then(
      () => null,
      (e: unknown) => (e as JoinError).cause,
    );
    expect(String(cause)).toMatch(BARE);
    expect(log).toEqual([]);
    await rt.shutdown();
    expect(log).toEqual(["child finally started", "child finally finished"]);
    expect(rt.metrics().liveTimers).toBe(0);
  });

  it("an awaited async fn yields 5, its finally starts an await: the caller catches the TypeError at once, and a cleanup task finishes the finally", async () => {
    const log: string[] = [];
    const careless = asyncFn(function* careless() {
      try {
        yield 5 as unknown as Suspend;
      } finally {
        log.push("finally started");
        yield* sleep(10_000);
        log.push("finally finished");
      }
    });
    const rt = new Runtime({ clock: "paused" });
    const caught = await rt.spawn(
      asyncBlock(function* () {
        try {
          yield* careless();
          return null;
        } catch (e) {
          log.push("caller caught");
          return e;
        }
      }),
    );
    expect(caught).toBeInstanceOf(TypeError);
    expect(String(caught)).toMatch(BARE);
    await rt.shutdown(); // waits for the cleanup task, as for a race's loser
    expect(log).toEqual(["finally started", "caller caught", "finally finished"]);
    expect(rt.metrics().liveTimers).toBe(0);
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("an async fn polled by a join yields 5, its finally awaits: the join throws the TypeError and the finally still finishes", async () => {
    const log: string[] = [];
    const careless = asyncFn(function* careless() {
      try {
        yield 5 as unknown as Suspend;
      } finally {
        yield* sleep(10);
        log.push("finally finished");
      }
    });
    const rt = new Runtime({ clock: "paused" });
    const caught = await rt.spawn(
      asyncBlock(function* () {
        try {
          yield* join(careless(), sleep(1));
          return null;
        } catch (e) {
          return e;
        }
      }),
    );
    expect(String(caught)).toMatch(BARE);
    await rt.shutdown();
    expect(log).toEqual(["finally finished"]);
    expect(rt.metrics().liveTimers).toBe(0);
  });

  it("a finally that throws while the bare-yielding body ends does not hide the TypeError, and outer finally blocks still run", () => {
    const log: string[] = [];
    const t = new MockTask(
      asyncBlock(function* careless() {
        try {
          try {
            yield 5 as unknown as Suspend;
          } finally {
            log.push("inner finally");
            // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws is the case under test.
            throw new Error("inner finally failed");
          }
        } finally {
          log.push("outer finally");
        }
      }),
    );
    expect(() => t.poll()).toThrow(BARE);
    expect(log).toEqual(["inner finally", "outer finally"]);
  });

  it("a body function that returns an iterator that is not a generator is told so at its first poll", () => {
    const notGenerator = asyncFn(function notGenerator() {
      return [1, 2][Symbol.iterator]();
    } as never);
    const t = new MockTask(notGenerator() as never);
    expect(() => t.poll()).toThrow(
      new TypeError(
        "async fn 'notGenerator' must be a generator function (function* () { ... }), but it returned an iterator that is not a generator",
      ),
    );
  });
});
