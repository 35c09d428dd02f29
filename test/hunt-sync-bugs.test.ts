/**
 * Bug hunt in src/sync: each test pins a case found by comparing with tokio::sync, and failed
 * before its fix.
 */
import { describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Barrier } from "../src/sync/barrier.js";
import { AcquireError, ReleasedError } from "../src/sync/errors.js";
import { Notify } from "../src/sync/notify.js";
import { OnceCell } from "../src/sync/once-cell.js";
import { Semaphore, type SemaphorePermit } from "../src/sync/semaphore.js";
import { BUDGET, leaveBudget, pollProceed, resetBudget } from "../src/task/budget.js";
import { Instant, MockTask } from "./future-testkit.js";

/** Pending forever; its teardown throws (a `finally` that fails), counting its drops. */
class SpillsOnDrop extends FutureBase<number> implements Disposable {
  polls = 0;
  drops = 0;
  poll(_cx: Context): Poll<number> {
    this.polls++;
    return PENDING;
  }
  [Symbol.dispose](): void {
    this.drops++;
    throw new Error("spilled the stock while clearing up");
  }
}

/** Poll `task`'s future with the task's budget already spent (as the 129th leaf ready in a turn). */
function pollWithBudgetSpent<T>(task: MockTask<T>): Poll<T> {
  resetBudget();
  for (let i = 0; i < BUDGET; i++) pollProceed(task.cx);
  try {
    return task.future.poll(task.cx);
  } finally {
    leaveBudget();
  }
}

describe("OnceCell.getOrInit: a dropped initialiser whose teardown throws", () => {
  it("the initialiser is dropped, its teardown throws, and the next waiter still takes over and initialises", () => {
    const cell = new OnceCell<number>();
    const init = new SpillsOnDrop();
    const first = new MockTask(cell.getOrInit(() => init));
    expect(first.poll()).toBe(PENDING);
    const second = new MockTask(cell.getOrInit(() => new Instant(7)));
    expect(second.poll()).toBe(PENDING);

    expect(() => first.future[Symbol.dispose]()).toThrow("spilled the stock");
    expect(init.drops).toBe(1);
    // The job was handed on despite the throw: the waiter is woken and runs its own initialiser.
    expect(second.isWoken()).toBe(true);
    expect(second.poll()).toBe(7);
    expect(cell.get()).toBe(7);
    expect(cell.queue.length).toBe(0);
  });

  it("the initialiser is dropped, its teardown throws, with nobody waiting: the cell is empty again", () => {
    const cell = new OnceCell<number>();
    const first = new MockTask(cell.getOrInit(() => new SpillsOnDrop()));
    expect(first.poll()).toBe(PENDING);
    expect(() => first.future[Symbol.dispose]()).toThrow("spilled the stock");
    expect(cell.set(3)).toBe(true);
    expect(cell.get()).toBe(3);
  });
});

describe("Barrier.wait: the arrival that completes a round, polled with the budget spent", () => {
  it("one waits, the last arrives with its budget spent: the round completes on that first poll, and it learns it leads on the next", () => {
    const barrier = new Barrier(2);
    const a = new MockTask(barrier.wait());
    expect(a.poll()).toBe(PENDING);
    const b = new MockTask(barrier.wait());
    // The first poll counts the arrival (the documented rule), budget or not; the budget only
    // delays b's own completion.
    expect(pollWithBudgetSpent(b)).toBe(PENDING);
    expect(barrier.arrived()).toBe(0);
    expect(a.isWoken()).toBe(true);
    expect(b.isWoken()).toBe(true);
    expect(a.poll()).toEqual({ isLeader: false });
    expect(b.poll()).toEqual({ isLeader: true });
    expect(() => b.poll()).toThrow(/completed/);
  });

  it("a barrier of one in a loop still spends budget: the 129th round in one task poll yields", () => {
    const barrier = new Barrier(1);
    const t = new MockTask(barrier.wait());
    resetBudget();
    try {
      for (let i = 0; i < BUDGET; i++) {
        expect(barrier.wait().poll(t.cx)).toEqual({ isLeader: true });
      }
      expect(barrier.wait().poll(t.cx)).toBe(PENDING);
      expect(t.isWoken()).toBe(true);
    } finally {
      leaveBudget();
    }
  });

  it("the last arrival's budget is spent, then a third wait comes: the third starts the next round, not completes the first", () => {
    const barrier = new Barrier(2);
    const a = new MockTask(barrier.wait());
    expect(a.poll()).toBe(PENDING);
    const b = new MockTask(barrier.wait());
    const bFirst = pollWithBudgetSpent(b);
    const c = new MockTask(barrier.wait());
    expect(c.poll()).toBe(PENDING);
    // Round one was a and b; c waits alone in round two.
    expect(bFirst).toBe(PENDING);
    expect(barrier.arrived()).toBe(1);
    expect(c.isWoken()).toBe(false);
    expect(a.poll()).toEqual({ isLeader: false });
    expect(b.poll()).toEqual({ isLeader: true });
  });
});

describe("a broadcast wake whose waker re-enters the primitive (WaitQueue.drain)", () => {
  it("notifyWaiters wakes a, whose waker drops b: c, behind b, is still notified and the line stays whole", () => {
    const bell = new Notify();
    const b = bell.notified();
    const a = bell.notified();
    // A hand-made executor that reacts to a's wake at once by dropping b (a select's loser).
    const aWaker = Waker.from(() => b[Symbol.dispose]());
    const c = new MockTask<void>(bell.notified());
    expect(a.poll(new Context(aWaker))).toBe(PENDING);
    expect(new MockTask<void>(b).poll()).toBe(PENDING);
    expect(c.poll()).toBe(PENDING);
    expect(bell.queue.length).toBe(3);

    bell.notifyWaiters();
    expect(c.isWoken()).toBe(true);
    expect(c.poll()).toBeUndefined();
    expect(bell.queue.length).toBe(0);
    expect(bell.queue.head).toBeNull();
    // A later notifyOne with nobody waiting is stored, not lost in a broken line.
    bell.notifyOne();
    expect(new MockTask<void>(bell.notified()).poll()).toBeUndefined();
  });

  it("the round completes and a follower's waker arrives again at once: that arrival waits for the next round", () => {
    const barrier = new Barrier(3);
    let again: MockTask<unknown> | null = null;
    const a = barrier.wait();
    const aWaker = Waker.from(() => {
      // The follower's executor polls a fresh wait() of the next round inside the wake.
      again = new MockTask(barrier.wait());
      expect(again.poll()).toBe(PENDING);
    });
    expect(a.poll(new Context(aWaker))).toBe(PENDING);
    const b = new MockTask(barrier.wait());
    expect(b.poll()).toBe(PENDING);
    const c = new MockTask(barrier.wait());
    expect(c.poll()).toEqual({ isLeader: true });

    expect(b.isWoken()).toBe(true);
    expect(again).not.toBeNull();
    // The next round has one arrival, which was not released with this one.
    expect(barrier.arrived()).toBe(1);
    expect(again!.isWoken()).toBe(false);
    expect(again!.poll()).toBe(PENDING);
  });

  it("close() fails a, whose waker drops b: c, behind b, is still failed and the semaphore's line is empty", () => {
    const sem = new Semaphore(0);
    const b = sem.acquire();
    const a = sem.acquire();
    const aWaker = Waker.from(() => b[Symbol.dispose]());
    expect(a.poll(new Context(aWaker))).toBe(PENDING);
    expect(new MockTask(b).poll()).toBe(PENDING);
    const c = new MockTask(sem.acquire());
    expect(c.poll()).toBe(PENDING);

    sem.close();
    expect(c.isWoken()).toBe(true);
    expect(() => c.poll()).toThrow(AcquireError);
    expect(sem.queue.length).toBe(0);
    expect(sem.queue.head).toBeNull();
    expect(sem.queue.tail).toBeNull();
  });
});

describe("Semaphore permits used out of turn", () => {
  it("forget() on an acquire that is still waiting throws a ReleasedError that says it was not acquired, and keeps its place in line", () => {
    const sem = new Semaphore(0);
    const waiting = new MockTask(sem.acquire());
    expect(waiting.poll()).toBe(PENDING);
    const permit = waiting.future as unknown as SemaphorePermit;
    expect(() => permit.forget()).toThrow(ReleasedError);
    expect(() => permit.forget()).toThrow(/before it was acquired/);
    sem.addPermits(1);
    expect(waiting.isWoken()).toBe(true);
    expect(waiting.poll()).toBe(permit);
    permit.forget();
    expect(() => permit.forget()).toThrow(/forgotten twice/);
    expect(() => permit.release()).toThrow(ReleasedError);
    expect(sem.availablePermits()).toBe(0);
  });
});
