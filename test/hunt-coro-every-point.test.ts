/**
 * Bug hunt: an async fn holding a lock guard (`using guard = yield* pantry.lock()`), whose nested
 * `finally` blocks await (a sleep, a `join`, a `race` whose loser's `finally` awaits too), aborted
 * at every point of its life in turn. Whatever the point: the handle reports cancelled only after
 * every `finally` the task awaits has finished, each `finally` the teardown started finishes once,
 * the lock is free, and once the runtime has shut down no timer, waiter, bridge or task is left.
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { fromPromise } from "../src/future/from-promise.js";
import { Runtime } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import type { JoinError } from "../src/task/join-error.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

/** The milliseconds of paused time the dinner takes when nothing aborts it. */
const DINNER_MS = 40;

function dinner(log: string[], pantry: Mutex<number>) {
  const garnish = asyncFn(function* garnish() {
    try {
      yield* sleep(5);
      return "parsley";
    } finally {
      log.push("garnish: finally");
      yield* sleep(2);
      log.push("garnish: finally done");
    }
  });
  const sauce = asyncFn(function* sauce() {
    using shelf = yield* pantry.lock();
    try {
      yield* yieldNow();
      yield* fromPromise(() => Promise.resolve());
      yield* sleep(10);
      shelf.value++;
      return "sauce";
    } finally {
      log.push("sauce: finally");
      yield* join(sleep(1), garnish());
      log.push("sauce: finally done");
    }
  });
  return asyncFn(function* serve() {
    try {
      const [s] = yield* join(sauce(), sleep(3));
      const g = yield* race(garnish(), sleep(100));
      yield* sleep(10);
      return `${s} with ${g}`;
    } finally {
      log.push("serve: finally");
      yield* race(sleep(1), garnish());
      log.push("serve: finally done");
    }
  })();
}

/**
 * Each `finally` of `who` that started in `log` finished in it (one started before `log` begins,
 * a race loser's finished by its own cleanup task, may finish in it too).
 */
function balanced(log: string[], who: readonly string[]): boolean {
  for (const w of who) {
    let open = 0;
    for (const l of log) {
      if (l === `${w}: finally`) open++;
      else if (l === `${w}: finally done` && open > 0) open--;
    }
    if (open !== 0) return false;
  }
  return true;
}

/**
 * What happened from the abort on. A `finally` already running on the way out of a body that was
 * finishing normally is torn down at its `yield*` like any other code (as Rust drops cleanup code
 * that sits after an `.await`); the blocks the teardown itself starts are never cut short.
 */
function teardown(log: string[]): string[] {
  const at = log.indexOf("abort");
  return at < 0 ? [] : log.slice(at);
}

/**
 * The `finally` blocks the task awaits itself. A `race` loser's (the garnish in serve's `finally`)
 * is finished by a cleanup task of its own (docs/cancellation.md), so only shutdown waits for it.
 */
const AWAITED = ["serve", "sauce"] as const;
const ALL = ["serve", "sauce", "garnish"] as const;

describe("an async fn aborted at every point of its life", () => {
  it.each(Array.from({ length: DINNER_MS + 2 }, (_, ms) => ms))(
    "aborted at %i ms: every finally finishes before the handle reports, the lock is free, nothing is left",
    async (ms) => {
      const log: string[] = [];
      const pantry = new Mutex(0);
      const rt = new Runtime({ clock: "paused" });
      const task = rt.spawn(dinner(log, pantry));
      const outcome = await rt.spawn(
        asyncBlock(function* () {
          yield* sleep(ms);
          log.push("abort");
          task.abort();
          try {
            return `served ${yield* task}`;
          } catch (e) {
            log.push("handle: cancelled");
            return (e as JoinError).isCancelled() ? "cancelled" : `panicked: ${String(e)}`;
          }
        }),
      );
      expect(outcome === "cancelled" || outcome === "served sauce with parsley").toBe(true);
      if (outcome === "cancelled") {
        // The handle hears after every finally the task awaits itself has finished.
        const handle = log.indexOf("handle: cancelled");
        const last = log.findLastIndex((l) => l.startsWith("serve") || l.startsWith("sauce"));
        expect(handle).toBeGreaterThan(last);
      }
      expect(balanced(teardown(log), AWAITED)).toBe(true);
      expect(pantry.tryLock()).not.toBeNull();
      await rt.shutdown();
      expect(balanced(teardown(log), ALL)).toBe(true);
      const m = rt.metrics();
      expect([m.liveTasks, m.liveTimers, m.liveWaiters, m.pendingBridges]).toEqual([0, 0, 0, 0]);
    },
  );
});
