/**
 * The rule of src/future/cancel.ts: a `finally` that itself awaits is never cut short. An aborted
 * task drives its cleanup to the end before its handle reports cancelled; a child dropped by a
 * combinator finishes its cleanup as a detached task.
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { race, select } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import type { Future } from "../src/future/future.js";
import { pending } from "../src/future/leaf.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { timeout } from "../src/time/timeout.js";
import { Countdown, flush, Gate, turns } from "./future-testkit.js";

describe("abort with a finally that awaits", () => {
  it("the cleanup is driven to its end before the handle reports cancelled", async () => {
    const work = new Gate("work");
    const closing = new Gate("closing");
    const log: string[] = [];
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* work;
        } finally {
          log.push("closing");
          yield* closing;
          log.push("closed");
        }
      }),
    );
    await flush();
    h.abort();
    // The finally started at once and is now parked on `closing`, with the task's real waker.
    expect(log).toEqual(["closing"]);
    expect(work.drops).toBe(1);
    await flush();
    expect(closing.parked).toBe(true);
    expect(h.isFinished()).toBe(false);
    expect(rt.metrics().liveTasks).toBe(1);
    closing.resolve("bye");
    const err = await h.then(
      () => null,
      (e: unknown) => e as JoinError,
    );
    expect(log).toEqual(["closing", "closed"]);
    expect(err?.isCancelled()).toBe(true);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("a second abort during the cleanup does not cut it short", async () => {
    const closing = new Gate("closing");
    const log: string[] = [];
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* new Gate("work");
        } finally {
          yield* closing;
          log.push("closed");
        }
      }),
    );
    await flush();
    h.abort();
    await flush();
    h.abort();
    expect(closing.drops).toBe(0);
    closing.resolve("x");
    await h.then(
      () => {},
      () => {},
    );
    expect(log).toEqual(["closed"]);
    await rt.shutdown();
  });

  it("a finally that throws while unwinding makes the task a panic", async () => {
    const boom = new Error("cleanup failed");
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* new Gate("work");
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the case under test.
          throw boom;
        }
      }),
    );
    h.then(
      () => {},
      () => {},
    );
    await flush();
    h.abort();
    const err = await h.then(
      () => null,
      (e: unknown) => e as JoinError,
    );
    expect(err?.isPanic()).toBe(true);
    expect(err?.cause).toBe(boom);
    await rt.shutdown();
  });
});

describe("a combinator dropping a child whose finally awaits", () => {
  it("the race returns at once and the loser's cleanup finishes as a detached task", async () => {
    const closing = new Gate("closing");
    const log: string[] = [];
    const rt = new Runtime();
    const loser = asyncBlock(function* () {
      try {
        yield* new Gate("never");
      } finally {
        log.push("loser closing");
        yield* closing;
        log.push("loser closed");
      }
    });
    const h = rt.spawn(
      asyncBlock(function* () {
        const fast = new Gate<string>("fast");
        const r = race(loser, fast);
        // Resolve the fast branch from a sibling task.
        spawn(
          asyncBlock(function* () {
            fast.resolve("coffee");
          }),
        );
        const v = yield* r;
        log.push(`race returned ${v}`);
        return v;
      }),
    );
    expect(await h).toBe("coffee");
    expect(log).toEqual(["loser closing", "race returned coffee"]);
    // The cleanup is a live task of its own until `closing` is resolved.
    expect(rt.metrics().liveTasks).toBe(1);
    await flush();
    expect(closing.parked).toBe(true);
    closing.resolve("done");
    await turns(2);
    expect(log).toEqual(["loser closing", "race returned coffee", "loser closed"]);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("run waits for a detached cleanup to finish before it settles", async () => {
    const log: string[] = [];
    const v = await run(
      asyncBlock(function* () {
        const loser = asyncBlock(function* () {
          try {
            yield* new Gate("never");
          } finally {
            for (let i = 0; i < 3; i++) yield* yieldNow();
            log.push("cleanup finished");
          }
        });
        // Pending once, so the loser is polled (and enters its try) before the first is ready.
        const r = yield* select(new Countdown(1, "first"), loser);
        r[Symbol.dispose](); // drop the loser: its cleanup awaits
        log.push("main done");
        return r.value;
      }),
    );
    expect(v).toBe("first");
    expect(log).toEqual(["main done", "cleanup finished"]);
  });
});

describe("polling by a second task", () => {
  /** Spawn `shared` twice, the second time after the first task polled it; the second task's cause. */
  function spawnTwice(shared: Future<string>, gate: Gate) {
    return run(
      asyncBlock(function* () {
        const a = spawn(shared);
        yield* yieldNow();
        const b = spawn(shared);
        let cause: unknown;
        try {
          yield* b;
        } catch (e) {
          cause = (e as JoinError).cause;
        }
        gate.resolve("ok");
        return [yield* a, cause];
      }),
    );
  }

  it("a second task polling an async fn another task polls panics with FutureStateError", async () => {
    const gate = new Gate();
    // A named block keeps its coroutine (its label is not on its generator function): the
    // coroutine itself refuses the second task.
    const shared = asyncBlock(function* serveTable() {
      return yield* gate;
    });
    const out = await spawnTwice(shared, gate);
    expect(out[0]).toBe("ok");
    expect(out[1]).toBeInstanceOf(FutureStateError);
    expect(String((out[1] as Error).message)).toMatch(/'serveTable' was polled by a second task/);
  });

  it("spawning an async fn that a task already drives panics the second task with FutureStateError", async () => {
    const gate = new Gate();
    // Unnamed: the first task adopts the body, and the coroutine left behind refuses every poll.
    const shared = asyncBlock(function* () {
      return yield* gate;
    });
    const out = await spawnTwice(shared, gate);
    expect(out[0]).toBe("ok");
    expect(out[1]).toBeInstanceOf(FutureStateError);
    expect(String((out[1] as Error).message)).toMatch(/was polled after it was spawned as a task/);
  });
});

describe("a finally that awaits, under a yield*", () => {
  it("an aborted task never resumes its body after an inner async fn's awaiting finally ends", async () => {
    const log: string[] = [];
    const inner = asyncFn(function* inner() {
      try {
        yield* pending();
      } finally {
        log.push("inner finally began");
        yield* sleep(5);
        log.push("inner finally ended");
      }
    });
    const outer = asyncFn(function* outer() {
      try {
        for (let round = 1; round <= 3; round++) {
          log.push(`round ${round}`);
          yield* inner();
          log.push("after inner: must not happen");
        }
      } finally {
        log.push("outer finally began");
        yield* sleep(5);
        log.push("outer finally ended");
      }
    });
    const outcome = await run(
      asyncBlock(function* () {
        const h = spawn(outer(), { name: "server" });
        yield* sleep(1);
        h.abort();
        try {
          yield* h;
        } catch (e) {
          return (e as JoinError).isCancelled() ? "cancelled" : "other";
        }
        return "value";
      }),
      { clock: "paused" },
    );
    expect(outcome).toBe("cancelled");
    expect(log).toEqual([
      "round 1",
      "inner finally began",
      "inner finally ended",
      "outer finally began",
      "outer finally ended",
    ]);
  });

  it("a task aborted while awaiting a race, join, select's rest or timeout reports cancelled only after its children's finally blocks", async () => {
    const child = (log: string[], name: string) =>
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          yield* sleep(100);
          log.push(`${name} cleaned up`);
        }
      });
    const shapes: [string, (log: string[]) => Future<unknown>][] = [
      ["race", (log) => race(child(log, "a"), child(log, "b"))],
      ["join", (log) => join(child(log, "a"), child(log, "b"))],
      ["joinAll", (log) => joinAll([child(log, "a"), child(log, "b")])],
      ["timeout", (log) => timeout(10_000, child(log, "a"))],
      [
        "select's rest",
        (log) =>
          asyncBlock(function* () {
            const first = yield* select(sleep(1), child(log, "a"));
            yield* first.rest;
          }),
      ],
    ];
    for (const [name, shape] of shapes) {
      const log: string[] = [];
      await run(
        asyncBlock(function* () {
          const h = spawn(shape(log), { name });
          yield* sleep(10);
          h.abort();
          try {
            yield* h;
          } catch (e) {
            log.push(`handle: ${(e as JoinError).isCancelled() ? "cancelled" : "other"}`);
          }
        }),
        { clock: "paused" },
      );
      // Every child's cleanup first (a lost race's loser is dropped when the race ends, not here).
      expect({ name, last: log.at(-1) }).toEqual({ name, last: "handle: cancelled" });
      expect({ name, cleaned: log.filter((l) => l.endsWith("cleaned up")).length }).toEqual({
        name,
        cleaned: name === "race" || name === "join" || name === "joinAll" ? 2 : 1,
      });
    }
  });

  it("a finally that throws while an inner async fn is torn down never lands in the outer catch: the task panics with it after the outer finally", async () => {
    for (const awaiting of [false, true]) {
      const log: string[] = [];
      const inner = asyncFn(function* inner() {
        try {
          yield* pending();
        } finally {
          if (awaiting) yield* sleep(5);
          // biome-ignore lint/correctness/noUnsafeFinally: the throw during teardown is the case under test
          throw new Error("the inner finally threw");
        }
      });
      const outer = asyncFn(function* outer() {
        try {
          yield* inner();
        } catch (e) {
          log.push(`outer caught ${(e as Error).message}`);
        } finally {
          log.push("outer finally");
        }
        log.push("after the try: must not happen");
      });
      const outcome = await run(
        asyncBlock(function* () {
          const h = spawn(outer(), { name: "server" });
          yield* sleep(1);
          h.abort();
          try {
            yield* h;
            return "value";
          } catch (e) {
            const j = e as JoinError;
            return j.isPanic() ? `panic: ${(j.cause as Error).message}` : "cancelled";
          }
        }),
        { clock: "paused" },
      );
      expect({ awaiting, outcome, log }).toEqual({
        awaiting,
        outcome: "panic: the inner finally threw",
        log: ["outer finally"],
      });
    }
  });
});
