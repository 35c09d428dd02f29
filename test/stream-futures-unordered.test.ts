/**
 * FuturesUnordered: polls only woken children, yields instead of spinning on children that wake
 * themselves (futures-rs #2047, #2387), ends when empty, and drops its children when disposed.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DONE,
  FutureBase,
  FuturesUnordered,
  PENDING,
  type Poll,
  run,
  sleep,
} from "../src/index.js";
import { Gate, Instant, MockTask } from "./future-testkit.js";

/** Polls the set's next item through a mock task. */
function nextOf<T>(set: FuturesUnordered<T>): MockTask<T | typeof DONE> {
  return new MockTask(
    new (class extends FutureBase<T | typeof DONE> {
      poll(cx: Context): Poll<T | typeof DONE> {
        return set.pollNext(cx);
      }
    })(),
  );
}

/** A child that is never ready and wakes itself on every poll (a task that keeps yielding). */
class Spinner extends FutureBase<never> {
  polls = 0;
  poll(cx: Context): Poll<never> {
    this.polls++;
    cx.waker.wake();
    return PENDING;
  }
}

describe("FuturesUnordered", () => {
  it("after the first poll, a wake of one child out of 10,000 polls that child alone", () => {
    const set = new FuturesUnordered<string>();
    const gates = Array.from({ length: 10_000 }, (_, i) => new Gate<string>(`g${i}`));
    for (const g of gates) set.push(g);
    const task = nextOf(set);
    expect(task.poll()).toBe(PENDING);
    expect(gates.every((g) => g.polls === 1)).toBe(true);
    gates[4242]!.resolve("dish 4242");
    expect(task.isWoken()).toBe(true);
    expect(task.poll()).toBe("dish 4242");
    expect(gates[4242]!.polls).toBe(2);
    expect(gates.filter((g) => g.polls !== 1).length).toBe(1);
    expect(set.length).toBe(9_999);
  });

  it("children that wake themselves are polled once per poll, and the set wakes its task and returns PENDING", () => {
    const set = new FuturesUnordered<never>();
    const spinners = [new Spinner(), new Spinner(), new Spinner()];
    for (const s of spinners) set.push(s);
    const task = nextOf(set);
    expect(task.poll()).toBe(PENDING);
    expect(spinners.map((s) => s.polls)).toEqual([1, 1, 1]);
    expect(task.isWoken()).toBe(true);
    expect(task.poll()).toBe(PENDING);
    expect(spinners.map((s) => s.polls)).toEqual([2, 2, 2]);
  });

  it("an empty set says DONE, and pushing a future makes it produce again", () => {
    const set = new FuturesUnordered<number>();
    const task = nextOf(set);
    expect(task.poll()).toBe(DONE);
    set.push(new Instant(5));
    expect(set.isEmpty()).toBe(false);
    expect(task.poll()).toBe(5);
    expect(task.poll()).toBe(DONE);
  });

  it("a child that throws is removed, its error comes out of pollNext, and the others go on", () => {
    const set = new FuturesUnordered<string>();
    const ok = new Gate<string>("ok");
    const bad = new Gate<string>("bad");
    set.push(ok);
    set.push(bad);
    const task = nextOf(set);
    expect(task.poll()).toBe(PENDING);
    bad.reject(new Error("burnt"));
    expect(() => task.poll()).toThrow("burnt");
    expect(set.length).toBe(1);
    ok.resolve("plated");
    expect(task.poll()).toBe("plated");
    expect(task.poll()).toBe(DONE);
  });

  it("disposing the set drops every child still cooking, once", () => {
    const set = new FuturesUnordered<string>();
    const gates = [new Gate<string>(), new Gate<string>(), new Gate<string>()];
    for (const g of gates) set.push(g);
    const task = nextOf(set);
    expect(task.poll()).toBe(PENDING);
    gates[1]!.resolve("done");
    expect(task.poll()).toBe("done");
    set[Symbol.dispose]();
    set[Symbol.dispose]();
    expect(gates.map((g) => g.drops)).toEqual([1, 0, 1]);
    expect(set.length).toBe(0);
  });

  it("in a runtime, outputs come in completion order, not push order", async () => {
    const order = await run(
      asyncBlock(function* () {
        const set = new FuturesUnordered<string>();
        for (const [dish, ms] of [
          ["pasta", 30],
          ["salad", 10],
          ["soup", 20],
        ] as const) {
          set.push(
            asyncBlock(function* () {
              yield* sleep(ms);
              return dish;
            }),
          );
        }
        return yield* set.collect();
      }),
      { clock: "paused" },
    );
    expect(order).toEqual(["salad", "soup", "pasta"]);
  });

  it("a non-future pushed is refused with a TypeError naming the argument", () => {
    const set = new FuturesUnordered<number>();
    expect(() => set.push(Promise.resolve(1) as never)).toThrow(
      /FuturesUnordered\.push\(future\): future must be a future.*fromPromise/,
    );
  });
});
