/**
 * Tests written from a mutation run over TaskTracker (src/task/task-tracker*.ts): each pins down a
 * behaviour the rest of the suite let change unnoticed (the run's notes are in scratch/mutation/).
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { CANCEL, type Cancellable } from "../src/future/cancel.js";
import { Context } from "../src/future/context.js";
import { describeFuture } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { run } from "../src/runtime/runtime.js";
import { TaskTracker } from "../src/task/task-tracker.js";
import { sleep } from "../src/time/sleep.js";
import { Gate, Instant, MockTask } from "./future-testkit.js";

/** A context whose waker pushes `tag` to `log` when woken. */
function logging(log: string[], tag: string): Context {
  return new Context(Waker.from(() => log.push(tag)));
}

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("TaskTracker's line of waiting wait() futures", () => {
  it("two wait()s park, the later one is dropped, then the tracker closes empty: only the earlier is woken, once, and nothing throws", () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    const earlier = tracker.wait();
    const later = tracker.wait();
    expect(earlier.poll(logging(log, "earlier"))).toBe(PENDING);
    expect(later.poll(logging(log, "later"))).toBe(PENDING);
    later[Symbol.dispose]();
    expect(tracker.close()).toBe(true);
    expect(log).toEqual(["earlier"]);
    expect(earlier.poll(logging(log, "earlier"))).toBeUndefined();
  });

  it("the only parked wait() is dropped, then the tracker closes empty: close() returns true and throws nothing", () => {
    const tracker = new TaskTracker();
    const w = tracker.wait();
    expect(w.poll(logging([], "w"))).toBe(PENDING);
    w[Symbol.dispose]();
    expect(tracker.close()).toBe(true);
  });

  it("three wait()s park, the first two wakers throw, then the last task ends: every waiter is woken, and the first error is thrown after", () => {
    const tracker = new TaskTracker();
    const token = tracker.token();
    tracker.close();
    const first = new Error("first pager broke");
    const second = new Error("second pager broke");
    const log: string[] = [];
    const a = tracker.wait();
    const b = tracker.wait();
    const c = tracker.wait();
    a.poll(
      new Context(
        Waker.from(() => {
          log.push("a");
          throw first;
        }),
      ),
    );
    b.poll(
      new Context(
        Waker.from(() => {
          log.push("b");
          throw second;
        }),
      ),
    );
    c.poll(logging(log, "c"));
    expect(thrown(() => token[Symbol.dispose]())).toBe(first);
    expect(log).toEqual(["a", "b", "c"]);
    expect(tracker.size).toBe(0);
  });
});

describe("a wait() polled after it ended", () => {
  it("a wait() completes, is disposed, then polled again: the error says it completed", () => {
    const tracker = new TaskTracker();
    tracker.close();
    const w = tracker.wait();
    const cx = logging([], "w");
    expect(w.poll(cx)).toBeUndefined();
    w[Symbol.dispose]();
    const e = thrown(() => w.poll(cx));
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toBe(
      "TaskTracker.wait() future was polled after it completed: call wait() again",
    );
  });
});

describe("a tracked task's teardown that throws after an await", () => {
  it("a tracked task is aborted, its finally block awaits and then throws: the count ends, the tracker's wait() finishes, and the task's handle gives the cleanup's error", async () => {
    const out = await run(
      asyncBlock(function* () {
        const tracker = new TaskTracker();
        const handle = tracker.spawn(
          asyncBlock(function* () {
            try {
              yield* sleep(1000);
            } finally {
              yield* sleep(5);
              // biome-ignore lint/correctness/noUnsafeFinally: a teardown that fails is the case here.
              throw new Error("cleanup failed");
            }
          }),
          { name: "table" },
        );
        yield* sleep(1);
        handle.abort();
        tracker.close();
        const sizeWhileCleaning = tracker.size;
        yield* tracker.wait();
        let outcome = "no error";
        try {
          yield* handle;
        } catch (e) {
          outcome = String((e as { cause?: unknown }).cause);
        }
        return { sizeWhileCleaning, sizeAfter: tracker.size, outcome };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ sizeWhileCleaning: 1, sizeAfter: 0, outcome: "Error: cleanup failed" });
  });
});

describe("what a dump shows of a tracker's futures", () => {
  it("a tracked future is torn down while its finally awaits: the cleanup shows the rest it waits on, and nothing once it has finished", () => {
    const tracker = new TaskTracker();
    const cleared = new Gate<void>("cleared");
    const tracked = tracker.track(
      asyncBlock(function* () {
        try {
          yield* new Gate<void>("served");
        } finally {
          yield* cleared;
        }
      }),
    );
    expect(new MockTask(tracked).poll()).toBe(PENDING);
    const rest = (tracked as unknown as Cancellable)[CANCEL]();
    expect(describeFuture(rest).children).toHaveLength(1);
    cleared.resolve();
    expect(new MockTask(rest as never).poll()).toBeUndefined();
    expect(describeFuture(rest).children).toEqual([]);
  });

  it("a tracked future completes, and a wait() waits: neither shows a child", () => {
    const tracker = new TaskTracker();
    const tracked = tracker.track(new Instant(1));
    expect(new MockTask(tracked).poll()).toBe(1);
    expect(describeFuture(tracked).children).toEqual([]);
    expect(describeFuture(tracker.wait()).children).toEqual([]);
  });
});
