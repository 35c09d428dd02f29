import { describe, expect, it } from "vitest";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { Notify } from "../src/sync/notify.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

describe("Notify", () => {
  it("notifyOne with nobody waiting stores one permit: the next notified() is ready, the one after waits", () => {
    const n = new Notify();
    n.notifyOne();
    n.notifyOne();
    expect(new MockTask(n.notified()).poll()).toBeUndefined();
    expect(new MockTask(n.notified()).poll()).toBe(PENDING);
  });

  it("notifyOne wakes waiters one at a time, first come first served", () => {
    const n = new Notify();
    const a = new MockTask(n.notified());
    const b = new MockTask(n.notified());
    a.poll();
    b.poll();
    n.notifyOne();
    expect(a.isWoken()).toBe(true);
    expect(b.isWoken()).toBe(false);
    expect(a.poll()).toBeUndefined();
    expect(b.poll()).toBe(PENDING);
  });

  it("notifyWaiters wakes everyone waiting, and futures created before it even if not yet polled, and stores nothing", () => {
    const n = new Notify();
    const a = new MockTask(n.notified());
    a.poll();
    const early = new MockTask(n.notified());
    n.notifyWaiters();
    expect(a.poll()).toBeUndefined();
    expect(early.poll()).toBeUndefined();
    expect(new MockTask(n.notified()).poll()).toBe(PENDING);
  });

  it("a waiter disposed after notifyOne chose it passes the notification on to the next waiter", () => {
    const n = new Notify();
    const a = new MockTask(n.notified());
    const b = new MockTask(n.notified());
    a.poll();
    b.poll();
    n.notifyOne();
    a.future[Symbol.dispose]();
    expect(b.isWoken()).toBe(true);
    expect(b.poll()).toBeUndefined();
  });

  it("a waiter disposed after notifyOne chose it, with nobody behind, leaves the permit stored", () => {
    const n = new Notify();
    const a = new MockTask(n.notified());
    a.poll();
    n.notifyOne();
    a.future[Symbol.dispose]();
    expect(new MockTask(n.notified()).poll()).toBeUndefined();
  });

  it("a waiter disposed while queued takes nothing: the next notifyOne goes to the one behind it", () => {
    const n = new Notify();
    const a = new MockTask(n.notified());
    const b = new MockTask(n.notified());
    a.poll();
    b.poll();
    a.future[Symbol.dispose]();
    n.notifyOne();
    expect(b.poll()).toBeUndefined();
  });

  it("a select that drops a waiting notified() leaves no live waiter", async () => {
    const rt = new Runtime();
    const n = new Notify();
    const waiters = await rt.spawn(
      asyncBlock(function* () {
        using r = yield* select(n.notified(), yieldNow());
        expect(r.index).toBe(1);
        return Runtime.current().metrics().liveWaiters;
      }),
    );
    expect(waiters).toBe(1);
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });

  it("in a runtime, a task parked on notified() runs after notifyOne from another task", async () => {
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const n = new Notify();
        const h = spawn(
          asyncBlock(function* () {
            yield* n.notified();
            log.push("woken");
          }),
        );
        yield* yieldNow();
        log.push("notify");
        n.notifyOne();
        yield* h;
      }),
    );
    expect(log).toEqual(["notify", "woken"]);
  });
});

describe("notifyWaiters with a waker that throws", () => {
  it("every waiter is still notified, and the first error is thrown once all are", () => {
    const bell = new Notify();
    const broken = bell.notified();
    expect(
      broken.poll(
        new Context(
          Waker.from(() => {
            throw new Error("a broken pager");
          }),
        ),
      ),
    ).toBe(PENDING);
    const fine = new MockTask(bell.notified());
    expect(fine.poll()).toBe(PENDING);
    expect(() => bell.notifyWaiters()).toThrow("a broken pager");
    expect(fine.wakes).toBe(1);
    expect(fine.poll()).toBeUndefined();
  });
});
