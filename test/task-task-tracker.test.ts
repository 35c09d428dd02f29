/**
 * TaskTracker (tokio-util's): what it counts and for how long, when `wait()` is ready, and who is
 * woken, pinned down with hand-polled futures; and its errors for bad input. The times at which a
 * tracked task stops counting in a runtime are in task-task-tracker-runtime.test.ts.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { CANCEL, type Cancellable } from "../src/future/cancel.js";
import { Context } from "../src/future/context.js";
import { describeFuture } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import type { FutureBase } from "../src/future/future.js";
import { pending, pollFn } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { TaskTracker as TaskTrackerFromIndex } from "../src/index.js";
import { run } from "../src/runtime/runtime.js";
import { RuntimeStateError } from "../src/task/runtime-state-error.js";
import { spawn } from "../src/task/spawn.js";
import { TaskTracker, TaskTrackerToken } from "../src/task/task-tracker.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { Gate, MockTask, Instant as ReadyNow } from "./future-testkit.js";

/** A context whose waker appends `tag` to `log` each time it is woken. */
function loggingContext(log: string[], tag: string): Context {
  return new Context(Waker.from(() => log.push(tag)));
}

describe("TaskTracker: counting", () => {
  it("counts a token from token() until its first dispose; a second dispose changes nothing", () => {
    const tracker = new TaskTracker();
    expect(tracker.isEmpty()).toBe(true);
    const a = tracker.token();
    const b = tracker.token();
    expect(a).toBeInstanceOf(TaskTrackerToken);
    expect(a.tracker).toBe(tracker);
    expect(tracker.size).toBe(2);
    a[Symbol.dispose]();
    a[Symbol.dispose]();
    expect(tracker.size).toBe(1);
    expect(tracker.isEmpty()).toBe(false);
    b[Symbol.dispose]();
    expect(tracker.size).toBe(0);
    expect(tracker.isEmpty()).toBe(true);
  });

  it("counts a tracked future from track() until the poll that completes it, and passes its value through", () => {
    const tracker = new TaskTracker();
    const gate = new Gate<string>();
    const task = new MockTask(tracker.track(gate));
    expect(tracker.size).toBe(1); // counted before any poll, as tokio's track_future
    expect(task.poll()).toBe(PENDING);
    expect(tracker.size).toBe(1);
    gate.resolve("soup");
    expect(task.poll()).toBe("soup");
    expect(tracker.size).toBe(0);
    expect(() => task.poll()).toThrow(/TaskTracker.track\(future\) was polled after it completed/);
    expect(tracker.size).toBe(0);
  });

  it("counts a tracked future that throws down in the poll that throws", () => {
    const tracker = new TaskTracker();
    const gate = new Gate<string>();
    const task = new MockTask(tracker.track(gate));
    expect(task.poll()).toBe(PENDING);
    gate.reject(new Error("burnt"));
    expect(() => task.poll()).toThrow("burnt");
    expect(tracker.size).toBe(0);
  });

  it("counts a tracked future dropped before its first poll down at the drop, dropping the future once", () => {
    const tracker = new TaskTracker();
    const inner = new ReadyNow(1);
    const tracked = tracker.track(inner);
    tracked[Symbol.dispose]();
    tracked[Symbol.dispose]();
    expect(inner.drops).toBe(1);
    expect(inner.polls).toBe(0);
    expect(tracker.size).toBe(0);
    expect(() => new MockTask(tracked).poll()).toThrow(/polled after it was dropped/);
  });

  it("torn down while its finally awaits, it counts until that finally ends (the rest driven by hand)", () => {
    const tracker = new TaskTracker();
    const log: string[] = [];
    const served = new Gate<void>("served");
    const cleared = new Gate<void>("cleared");
    const tracked = tracker.track(
      asyncBlock(function* () {
        try {
          yield* served;
        } finally {
          log.push("clearing");
          yield* cleared;
          log.push("cleared");
        }
      }),
    );
    expect(new MockTask(tracked).poll()).toBe(PENDING);
    const rest = (tracked as unknown as Cancellable)[CANCEL]();
    expect(rest).not.toBeNull();
    expect(describeFuture(rest).label).toBe("TaskTracker.track() (cleaning up)");
    expect(log).toEqual(["clearing"]);
    expect(tracker.size).toBe(1);
    const cleanup = new MockTask(rest as unknown as FutureBase<void>);
    expect(cleanup.poll()).toBe(PENDING);
    expect(tracker.size).toBe(1);
    cleared.resolve();
    expect(cleanup.poll()).toBeUndefined();
    expect(log).toEqual(["clearing", "cleared"]);
    expect(tracker.size).toBe(0);
    expect(() => cleanup.poll()).toThrow(/cleanup was polled after it finished/);
  });

  it("a rest of a teardown given up on (disposed) drops what its finally awaits and counts down once", () => {
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
    const rest = (tracked as unknown as Cancellable)[CANCEL]() as unknown as Disposable;
    expect(new MockTask(rest as unknown as FutureBase<void>).poll()).toBe(PENDING);
    rest[Symbol.dispose]();
    rest[Symbol.dispose]();
    expect(cleared.drops).toBe(1);
    expect(tracker.size).toBe(0);
  });

  it("dropped with no runtime to finish its awaiting finally, it stays counted: that finally never ends", () => {
    const tracker = new TaskTracker();
    const tracked = tracker.track(
      asyncBlock(function* () {
        try {
          yield* new Gate<void>("served");
        } finally {
          yield* pending(); // left at this await by a drop outside any runtime (cancel.ts, drop)
        }
      }),
    );
    expect(new MockTask(tracked).poll()).toBe(PENDING);
    tracked[Symbol.dispose]();
    expect(tracker.size).toBe(1);
  });

  it("a token is OWNED: a task's output whose handle was dropped is disposed, and counted down", async () => {
    const tracker = new TaskTracker();
    await run(
      asyncBlock(function* () {
        const h = spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            return tracker.token();
          }),
        );
        h[Symbol.dispose]();
        expect(tracker.size).toBe(0);
        yield* yieldNow();
        yield* yieldNow();
      }),
    );
    expect(tracker.size).toBe(0);
  });
});

describe("TaskTracker: wait(), close() and reopen()", () => {
  it("wait() before close() stays pending, however empty the tracker is", () => {
    const tracker = new TaskTracker();
    const task = new MockTask(tracker.wait());
    expect(task.poll()).toBe(PENDING);
    expect(task.poll()).toBe(PENDING);
    expect(task.isWoken()).toBe(false);
    expect(tracker.isClosed()).toBe(false);
  });

  it("close() with nothing tracked makes a new wait() ready at once, and wakes one already parked", () => {
    const tracker = new TaskTracker();
    const parked = new MockTask(tracker.wait());
    expect(parked.poll()).toBe(PENDING);
    expect(tracker.close()).toBe(true);
    expect(tracker.close()).toBe(false); // already closed
    expect(tracker.isClosed()).toBe(true);
    expect(parked.isWoken()).toBe(true);
    expect(parked.poll()).toBeUndefined();
    expect(new MockTask(tracker.wait()).poll()).toBeUndefined();
  });

  it("close() with tasks tracked wakes nobody; the last one ending wakes every waiter exactly once", () => {
    const tracker = new TaskTracker();
    const a = tracker.token();
    const b = tracker.token();
    const log: string[] = [];
    const waits = ["w1", "w2", "w3"].map((tag) => {
      const f = tracker.wait();
      const cx = loggingContext(log, tag);
      expect(f.poll(cx)).toBe(PENDING);
      return { f, cx };
    });
    tracker.close();
    expect(log).toEqual([]);
    a[Symbol.dispose]();
    expect(log).toEqual([]);
    b[Symbol.dispose]();
    expect(log).toEqual(["w1", "w2", "w3"]);
    // Nothing further wakes them again: a token made and disposed now is a new generation.
    for (const { f, cx } of waits) expect(f.poll(cx)).toBeUndefined();
    tracker.token()[Symbol.dispose]();
    expect(log).toEqual(["w1", "w2", "w3"]);
    expect(() => waits[0]!.f.poll(waits[0]!.cx)).toThrow(FutureStateError);
  });

  it("a waiter polled again while parked keeps one place in line, woken through its newest waker", () => {
    const tracker = new TaskTracker();
    const token = tracker.token();
    const log: string[] = [];
    const f = tracker.wait();
    expect(f.poll(loggingContext(log, "old"))).toBe(PENDING);
    expect(f.poll(loggingContext(log, "new"))).toBe(PENDING);
    tracker.close();
    token[Symbol.dispose]();
    expect(log).toEqual(["new"]);
  });

  it("a wait() that saw the tracker closed and empty stays ready after a spawn or a reopen (tokio's rule)", () => {
    const tracker = new TaskTracker();
    tracker.close();
    const madeWhileClosedAndEmpty = tracker.wait();
    const token = tracker.token(); // tracked again before the wait is polled
    expect(new MockTask(madeWhileClosedAndEmpty).poll()).toBeUndefined();

    const parked = new MockTask(tracker.wait());
    expect(parked.poll()).toBe(PENDING);
    token[Symbol.dispose](); // closed and empty: parked is woken...
    expect(tracker.reopen()).toBe(true); // ...and reopening before it runs takes nothing back
    expect(tracker.reopen()).toBe(false);
    expect(parked.isWoken()).toBe(true);
    expect(parked.poll()).toBeUndefined();
  });

  it("after reopen(), a new wait() waits for the next close(), as tokio's does", () => {
    const tracker = new TaskTracker();
    tracker.close();
    expect(new MockTask(tracker.wait()).poll()).toBeUndefined();
    tracker.reopen();
    const again = new MockTask(tracker.wait());
    expect(again.poll()).toBe(PENDING);
    const token = tracker.token();
    tracker.close();
    expect(again.isWoken()).toBe(false);
    expect(again.poll()).toBe(PENDING);
    token[Symbol.dispose]();
    expect(again.isWoken()).toBe(true);
    expect(again.poll()).toBeUndefined();
  });

  it("a wait() dropped while parked leaves the line: the others are woken, it is not", () => {
    const tracker = new TaskTracker();
    const token = tracker.token();
    const log: string[] = [];
    const keep = tracker.wait();
    const leave = tracker.wait();
    const last = tracker.wait();
    const cxs = ["keep", "leave", "last"].map((t) => loggingContext(log, t));
    expect(keep.poll(cxs[0]!)).toBe(PENDING);
    expect(leave.poll(cxs[1]!)).toBe(PENDING);
    expect(last.poll(cxs[2]!)).toBe(PENDING);
    leave[Symbol.dispose]();
    leave[Symbol.dispose]();
    tracker.close();
    token[Symbol.dispose]();
    expect(log.sort()).toEqual(["keep", "last"]);
    expect(() => leave.poll(cxs[1]!)).toThrow(
      /TaskTracker.wait\(\) future was polled after it was dropped/,
    );
  });

  it("a waker that drops another parked wait while the tracker wakes them does not stop the rest", () => {
    const tracker = new TaskTracker();
    const token = tracker.token();
    const log: string[] = [];
    const second = tracker.wait();
    const first = tracker.wait();
    expect(
      first.poll(
        new Context(
          Waker.from(() => {
            log.push("first");
            second[Symbol.dispose]();
          }),
        ),
      ),
    ).toBe(PENDING);
    expect(second.poll(loggingContext(log, "second"))).toBe(PENDING);
    tracker.close();
    token[Symbol.dispose]();
    // Both had left the line before the first was woken: the second's pager rang, its drop was a no-op.
    expect(log).toEqual(["first", "second"]);
  });

  it("a tracked future that throws while a waiter's waker throws too: the future's own error comes out, and the count is down", () => {
    const tracker = new TaskTracker();
    const tracked = tracker.track(
      pollFn(() => {
        throw new Error("the soup burned");
      }),
    );
    tracker.close();
    const w = tracker.wait();
    expect(
      w.poll(
        new Context(
          Waker.from(() => {
            throw new Error("a broken pager");
          }),
        ),
      ),
    ).toBe(PENDING);
    expect(() => tracked.poll(loggingContext([], "t"))).toThrow("the soup burned");
    expect(tracker.size).toBe(0);
  });

  it("wait() describes itself with the tracker's count and whether it is closed", () => {
    const tracker = new TaskTracker();
    const token = tracker.token();
    const w = tracker.wait();
    expect(describeFuture(w).label).toBe("TaskTracker.wait() (1 tracked, not closed)");
    tracker.close();
    expect(describeFuture(w).label).toBe("TaskTracker.wait() (1 tracked, closed)");
    token[Symbol.dispose]();
    const tracked = tracker.track(sleep(10));
    expect(describeFuture(tracked)).toMatchObject({
      label: "TaskTracker.track()",
      children: [{ label: expect.stringContaining("sleep") }],
    });
    tracked[Symbol.dispose]();
  });
});

describe("TaskTracker: bad input", () => {
  it("spawn() and track() of something that is not a future throw a TypeError naming the argument, counting nothing", async () => {
    const tracker = new TaskTracker();
    expect(() => tracker.track(null as never)).toThrow(
      new TypeError("TaskTracker.track(future): future must be a future, got null"),
    );
    expect(() => tracker.track(Promise.resolve(1) as never)).toThrow(
      /\(a Promise: wrap it with fromPromise/,
    );
    await run(
      asyncBlock(function* () {
        expect(() => tracker.spawn((() => 1) as never)).toThrow(
          /^TaskTracker\.spawn\(future\): future must be a future, got function \(a function: call it/,
        );
        expect(() => tracker.spawn(42 as never)).toThrow(TypeError);
      }),
    );
    expect(tracker.size).toBe(0);
  });

  it("spawn() outside a runtime throws a RuntimeStateError and counts nothing", () => {
    const tracker = new TaskTracker();
    expect(() => tracker.spawn(sleep(1))).toThrow(RuntimeStateError);
    expect(() => tracker.spawn(sleep(1))).toThrow(
      /TaskTracker\.spawn\(\) was called outside a Brigade runtime/,
    );
    expect(tracker.size).toBe(0);
  });

  it("spawn() with bad options throws the spawn's TypeError, counts nothing and leaves the future undropped", async () => {
    const tracker = new TaskTracker();
    const gate = new Gate<void>();
    await run(
      asyncBlock(function* () {
        expect(() => tracker.spawn(gate, { name: 7 } as never)).toThrow(
          /options\.name must be a string/,
        );
        expect(() => tracker.spawn(gate, { nmae: "x" } as never)).toThrow(TypeError);
      }),
    );
    expect(tracker.size).toBe(0);
    expect(gate.drops).toBe(0);
    expect(gate.polls).toBe(0);
  });

  it("is exported from the package's index", () => {
    expect(TaskTrackerFromIndex).toBe(TaskTracker);
  });
});
