/**
 * Bug hunt: a `finally` block that yields a bare value (a `yield` where `yield*` was meant) while
 * its async fn is torn down. The slip must neither reach the outer body's `catch` (a cancelled task
 * running its own code again) nor pass for a suspension nobody will wake (a task that never ends):
 * the task ends panicked with the TypeError, and every other `finally` still runs to its end. The
 * same holds for a child's `finally` or a leaf's dispose that throws at once as it is dropped.
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { FutureBase, type Suspend } from "../src/future/future.js";
import { pending } from "../src/future/leaf.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

const BARE =
  /async fn '(inner|outer)' yielded 5 in a finally block while it was torn down: use yield\*/;

/** Abort `handle` once it is parked, and say how it ended. */
function abortAndSettle(rt: Runtime, handle: JoinHandle<unknown>): PromiseLike<string> {
  return rt.spawn(
    asyncBlock(function* () {
      yield* yieldNow();
      handle.abort();
      try {
        return `finished with ${String(yield* handle)}`;
      } catch (e) {
        const j = e as JoinError;
        return j.isCancelled() ? "cancelled" : `panicked: ${String(j.cause)}`;
      }
    }),
  );
}

describe("a bare yield in a finally during teardown", () => {
  it("an inner async fn's finally awaits then yields 5; the outer's catch never runs and the task panics with the TypeError", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const inner = asyncFn(function* inner() {
      try {
        yield* pending();
      } finally {
        log.push("inner finally");
        yield* sleep(1);
        yield 5 as unknown as Suspend;
        log.push("inner finally after the bare yield");
      }
    });
    const task = rt.spawn(
      asyncBlock(function* outer() {
        try {
          yield* inner();
        } catch {
          log.push("outer catch (a cancelled task resumed)");
          return "resumed";
        } finally {
          log.push("outer finally");
          yield* sleep(1);
          log.push("outer finally finished");
        }
      }),
    );
    const outcome = await abortAndSettle(rt, task);
    expect(outcome).toMatch(/^panicked: TypeError/);
    expect(outcome).toMatch(BARE);
    expect(log).toEqual(["inner finally", "outer finally", "outer finally finished"]);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("a task's own finally awaits then yields 5: the task ends panicked instead of waiting for ever", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const task = rt.spawn(
      asyncBlock(function* outer() {
        try {
          try {
            yield* pending();
          } finally {
            log.push("inner block");
            yield* sleep(1);
            yield 5 as unknown as Suspend;
            log.push("inner block after the bare yield");
          }
        } finally {
          log.push("outer block");
          yield* sleep(1);
          log.push("outer block finished");
        }
      }),
    );
    const outcome = await abortAndSettle(rt, task);
    expect(outcome).toMatch(BARE);
    expect(log).toEqual(["inner block", "outer block", "outer block finished"]);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("a finally yields 5 as the teardown starts: the task ends panicked with the TypeError, not cancelled as if nothing happened", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const task = rt.spawn(
      asyncBlock(function* outer() {
        try {
          yield* pending();
        } finally {
          log.push("finally");
          yield 5 as unknown as Suspend;
          log.push("finally after the bare yield");
        }
      }),
    );
    expect(await abortAndSettle(rt, task)).toMatch(BARE);
    expect(log).toEqual(["finally"]);
    await rt.shutdown();
  });

  it("an inner async fn's finally yields 5 as the teardown starts: the outer finally still runs, and the task panics with the TypeError", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const inner = asyncFn(function* inner() {
      try {
        yield* pending();
      } finally {
        yield 5 as unknown as Suspend;
        log.push("inner finally after the bare yield");
      }
    });
    const task = rt.spawn(
      asyncBlock(function* outer() {
        try {
          yield* inner();
        } finally {
          log.push("outer finally");
        }
      }),
    );
    expect(await abortAndSettle(rt, task)).toMatch(BARE);
    expect(log).toEqual(["outer finally"]);
    await rt.shutdown();
  });
});

/** A leaf whose dispose throws (a driver that fails to close). */
class FailsToClose extends FutureBase<void> implements Disposable {
  poll(cx: Context): Poll<void> {
    void cx.waker; // parked on purpose until dropped
    return PENDING;
  }
  [Symbol.dispose](): void {
    throw new Error("failed to close");
  }
}

describe("a drop that throws at once while an async fn is torn down under yield*", () => {
  it("a join child's finally throws as the task is aborted: the outer catch never runs, and the task panics with that error", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const grumpy = asyncFn(function* grumpy() {
      try {
        yield* pending();
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws is the case under test.
        throw new Error("grumpy finally");
      }
    });
    const task = rt.spawn(
      asyncBlock(function* outer() {
        try {
          yield* join(grumpy(), sleep(1000));
        } catch {
          log.push("outer catch (a cancelled task resumed)");
          yield* sleep(1);
          return "resumed";
        } finally {
          log.push("outer finally");
        }
      }),
    );
    expect(await abortAndSettle(rt, task)).toBe("panicked: Error: grumpy finally");
    expect(log).toEqual(["outer finally"]);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("an awaited leaf's dispose throws as the task is aborted: the outer catch never runs, and the task panics with that error", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const task = rt.spawn(
      asyncBlock(function* outer() {
        try {
          yield* new FailsToClose();
        } catch {
          log.push("outer catch (a cancelled task resumed)");
          return "resumed";
        } finally {
          log.push("outer finally");
        }
      }),
    );
    expect(await abortAndSettle(rt, task)).toBe("panicked: Error: failed to close");
    expect(log).toEqual(["outer finally"]);
    await rt.shutdown();
  });
});

describe("a torn-down combinator awaited again", () => {
  it("a finally awaits the join its body was torn down in: it throws a FutureStateError instead of handing over undefined", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const task = rt.spawn(
      asyncBlock(function* outer() {
        const both = join(pending(), sleep(100));
        try {
          yield* both;
        } finally {
          const again: unknown = yield* both;
          log.push(`finally got ${String(again)}`);
        }
      }),
    );
    expect(await abortAndSettle(rt, task)).toBe(
      "panicked: FutureStateError: join was polled after it was dropped: a future that has completed or been dropped must not be polled again",
    );
    expect(log).toEqual([]);
    await rt.shutdown();
  });
});
