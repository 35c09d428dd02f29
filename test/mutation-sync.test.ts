/**
 * Tests written from a mutation run over the waiter queue and the permits under every sync
 * primitive (src/sync/waiter.ts, permits.ts, queued-wait.ts): each pins down a behaviour that the
 * rest of the suite let change unnoticed (the run's notes are in scratch/mutation/).
 */
import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { DESCRIBE, type Describable } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime } from "../src/runtime/runtime.js";
import { Barrier } from "../src/sync/barrier.js";
import { AcquireError } from "../src/sync/errors.js";
import { Notify } from "../src/sync/notify.js";
import { Semaphore, type SemaphorePermit } from "../src/sync/semaphore.js";
import { pollProceed } from "../src/task/budget.js";
import { flush, Gate, MockTask } from "./future-testkit.js";

/**
 * Polls `inner` after spending the whole cooperative budget of the poll, as a task does that has
 * already taken 128 ready things in this turn.
 */
class Starved<T> extends FutureBase<T> {
  constructor(readonly inner: FutureBase<T>) {
    super();
  }
  poll(cx: Context): Poll<T> {
    while (pollProceed(cx)) {}
    return this.inner.poll(cx);
  }
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

describe("the cooperative budget on the permits and waiter paths", () => {
  it("a task takes and gives back a free permit 300 times: it is cut short, and the other task runs before it is done", async () => {
    const rt = new Runtime();
    const sem = new Semaphore(1);
    let taken = 0;
    let takenWhenOtherRan = -1;
    const looper = rt.spawn(
      asyncBlock(function* () {
        for (let i = 0; i < 300; i++) {
          const p = yield* sem.acquire();
          p.release();
          taken++;
        }
      }),
    );
    const other = rt.spawn(
      asyncBlock(function* () {
        takenWhenOtherRan = taken;
      }),
    );
    await looper;
    await other;
    expect(takenWhenOtherRan).toBeGreaterThan(0);
    expect(takenWhenOtherRan).toBeLessThan(300);
    expect(rt.metrics().budgetForcedYields).toBeGreaterThan(0);
    await rt.shutdown();
  });

  it("a waiter is granted a permit, then polled with its budget spent: pending and woken, and the permit comes on the next poll", () => {
    const sem = new Semaphore(0);
    const acquire = sem.acquire();
    expect(new MockTask(acquire).poll()).toBe(PENDING);
    sem.addPermits(1);
    const starved = new MockTask(new Starved(acquire));
    expect(starved.poll()).toBe(PENDING);
    expect(starved.isWoken()).toBe(true);
    expect(sem.availablePermits()).toBe(0);
    const permit = new MockTask(acquire).poll() as SemaphorePermit;
    expect(permit.permits).toBe(1);
  });

  it("a notified() is granted by notifyOne, then polled with its budget spent: pending and woken, and it completes on the next poll", () => {
    const notify = new Notify();
    const notified = notify.notified();
    expect(new MockTask(notified).poll()).toBe(PENDING);
    notify.notifyOne();
    const starved = new MockTask(new Starved(notified));
    expect(starved.poll()).toBe(PENDING);
    expect(starved.isWoken()).toBe(true);
    expect(new MockTask(notified).poll()).toBeUndefined();
  });

  it("a notified() finds a stored permit with its budget spent: it leaves the permit, takes it on the next poll, and a later notified() waits", () => {
    const notify = new Notify();
    notify.notifyOne();
    const first = notify.notified();
    expect(new MockTask(new Starved(first)).poll()).toBe(PENDING);
    expect(new MockTask(first).poll()).toBeUndefined();
    expect(new MockTask(notify.notified()).poll()).toBe(PENDING);
  });

  it("the last barrier arrival comes with its budget spent twice: the round completes at once, but it learns that it leads only on a poll with budget", () => {
    const barrier = new Barrier(2);
    const follower = new MockTask(barrier.wait());
    expect(follower.poll()).toBe(PENDING);
    const last = barrier.wait();
    expect(new MockTask(new Starved(last)).poll()).toBe(PENDING);
    expect(follower.isWoken()).toBe(true);
    expect(new MockTask(new Starved(last)).poll()).toBe(PENDING);
    expect(new MockTask(last).poll()).toEqual({ isLeader: true });
    expect(follower.poll()).toEqual({ isLeader: false });
  });
});

describe("a waiter failed by a close, then dropped", () => {
  it("a send waits on a full channel, its handle closes, the send is dropped unpolled: the channel keeps its capacity of 1", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("a");
    const other = tx.clone();
    const send = new MockTask(other.send("b"));
    expect(send.poll()).toBe(PENDING);
    other.close();
    send.future[Symbol.dispose]();
    expect(rx.tryRecv()).toBe("a");
    expect(tx.capacity()).toBe(1);
    tx.trySend("c");
    expect(() => tx.trySend("d")).toThrow(/full/);
  });

  it("an acquire waits on an empty semaphore, it is closed, the acquire is dropped unpolled: still no permit", () => {
    const sem = new Semaphore(0);
    const acquire = new MockTask(sem.acquire());
    expect(acquire.poll()).toBe(PENDING);
    sem.close();
    acquire.future[Symbol.dispose]();
    expect(sem.availablePermits()).toBe(0);
  });
});

describe("closing a semaphore while a pager throws", () => {
  it("two acquires wait, the first with a broken pager; close() throws that very error after failing both", () => {
    const sem = new Semaphore(0);
    const broken = new Error("a broken pager");
    const first = sem.acquire();
    first.poll(
      new Context(
        Waker.from(() => {
          throw broken;
        }),
      ),
    );
    const second = new MockTask(sem.acquire());
    expect(second.poll()).toBe(PENDING);
    expect(thrown(() => sem.close())).toBe(broken);
    expect(second.isWoken()).toBe(true);
    expect(() => second.poll()).toThrow(AcquireError);
  });
});

describe("a permits future polled again when it is done", () => {
  it("an acquire is dropped before its first poll: a poll throws FutureStateError 'was dropped' and takes no permit", () => {
    const sem = new Semaphore(1);
    const acquire = sem.acquire();
    acquire[Symbol.dispose]();
    const e = thrown(() => new MockTask(acquire).poll());
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toBe(
      "sem.acquire(1) was polled after it was dropped: a future must not be polled again once it is done",
    );
    expect(sem.availablePermits()).toBe(1);
  });

  it("an acquire completes, then a second poll throws FutureStateError 'completed'", () => {
    const sem = new Semaphore(1);
    const task = new MockTask(sem.acquire());
    expect(task.poll()).not.toBe(PENDING);
    expect(() => task.poll()).toThrow(
      "sem.acquire(1) was polled after it completed: a future must not be polled again once it is done",
    );
  });

  it("an acquire fails on a closed semaphore, then a second poll throws FutureStateError 'failed'", () => {
    const sem = new Semaphore(1);
    sem.close();
    const task = new MockTask(sem.acquire(1));
    expect(() => task.poll()).toThrow(AcquireError);
    expect(() => task.poll()).toThrow(
      "sem.acquire(1) was polled after it failed: a future must not be polled again once it is done",
    );
  });

  it("a notified() is dropped before its first poll while a permit is stored: a poll throws 'was dropped', and the permit is left for the next", () => {
    const notify = new Notify();
    notify.notifyOne();
    const dropped = notify.notified();
    dropped[Symbol.dispose]();
    const e = thrown(() => new MockTask(dropped).poll());
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toBe("notify.notified() was polled after it was dropped");
    expect(new MockTask(notify.notified()).poll()).toBeUndefined();
  });

  it("a notified() completes and is then disposed: a poll still says it completed", () => {
    const notify = new Notify();
    notify.notifyOne();
    const task = new MockTask(notify.notified());
    expect(task.poll()).toBeUndefined();
    task.future[Symbol.dispose]();
    expect(() => task.poll()).toThrow("notify.notified() was polled after it completed");
  });
});

describe("what a waiting acquire tells dumps", () => {
  it("an acquire of 2 waits on a semaphore: it is described by its call", () => {
    const sem = new Semaphore(1);
    const acquire = sem.acquire(2);
    expect(new MockTask(acquire).poll()).toBe(PENDING);
    expect((acquire as unknown as Describable)[DESCRIBE]()).toEqual({
      label: "sem.acquire(2), 1 permit free",
      children: [],
    });
  });
});

describe("the one-waiter slot counts its waiter once", () => {
  it("a recv parked in a select is polled again after a spurious wake: one live waiter while it waits, none once the message came", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<string>(1);
    const gate = new Gate<string>();
    const h = rt.spawn(select(rx.recv(), gate));
    await flush();
    expect(rt.metrics().liveWaiters).toBe(1);
    gate.wake();
    await flush();
    expect(gate.polls).toBe(2);
    expect(rt.metrics().liveWaiters).toBe(1);
    tx.trySend("soup");
    const first = await h;
    expect(first.index).toBe(0);
    expect(first.value).toBe("soup");
    first[Symbol.dispose]();
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });
});
