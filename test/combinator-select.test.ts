import { describe, expect, it } from "vitest";
import { race, select, selectAll } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import type { Future } from "../src/future/future.js";
import { ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { run } from "../src/runtime/runtime.js";
import { Countdown, Failing, Gate, Instant, MockTask } from "./future-testkit.js";

describe("select", () => {
  it("returns the winner's index and value, and the loser still pending and usable afterwards", () => {
    const coffee = new Gate<string>("coffee");
    const cocktail = new Gate<string>("cocktail");
    const t = new MockTask(select(coffee, cocktail));
    expect(t.poll()).toBe(PENDING);
    coffee.resolve("espresso");
    const first = t.poll();
    if (first === PENDING) throw new Error("expected ready");
    expect(first.index).toBe(0);
    expect(first.value).toBe("espresso");
    expect(cocktail.drops).toBe(0);
    // Finish the cocktail from `rest`, with another poller even.
    const later = new MockTask(first.rest as Future<string> as never);
    expect(later.poll()).toBe(PENDING);
    cocktail.resolve("negroni");
    expect(later.isWoken()).toBe(true);
    expect(later.poll()).toBe("negroni");
  });

  it("disposing the result drops the rest (using first = yield* select(...))", () => {
    const slow = new Gate<number>();
    const t = new MockTask(select(ready(1), slow));
    const r = t.poll();
    if (r === PENDING) throw new Error("expected ready");
    expect(r.index).toBe(0);
    r[Symbol.dispose]();
    expect(slow.drops).toBe(1);
    expect(() => new MockTask(r.rest as never).poll()).toThrow(
      /rest of a select was polled after it was dropped/,
    );
  });

  it("a child that throws wins: the error is thrown and the other child is dropped", () => {
    const boom = new Error("spilled");
    const other = new Gate();
    const t = new MockTask(select(other, new Failing(boom)));
    expect(() => t.poll()).toThrow(boom);
    expect(other.drops).toBe(1);
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("is fair: the branch polled first rotates from poll to poll", () => {
    const order: string[] = [];
    const spy = (name: string) =>
      asyncBlock(function* () {
        for (;;) {
          order.push(name);
          yield* new Countdown(1, 0); // pending once per poll round
        }
      });
    const t = new MockTask(select(spy("a"), spy("b")));
    t.poll();
    t.poll();
    t.poll();
    expect(order).toEqual(["a", "b", "b", "a", "a", "b"]);
  });

  it("a fresh select in a loop, both branches always ready, does not favour its first branch", async () => {
    const wins = [0, 0];
    const seeded: number[][] = [];
    for (const seed of [undefined, 7, 7]) {
      const picks: number[] = [];
      await run(
        asyncBlock(function* () {
          for (let i = 0; i < 400; i++) {
            const first = yield* select(ready("a"), ready("b"));
            picks.push(first.index);
            wins[first.index]!++;
          }
        }),
        seed === undefined ? {} : { seed },
      );
      if (seed !== undefined) seeded.push(picks);
    }
    // 1,200 fair coin flips: each side wins far more than a quarter of them.
    expect(wins[0]).toBeGreaterThan(300);
    expect(wins[1]).toBeGreaterThan(300);
    // The same seed, the same picks.
    expect(seeded[0]).toEqual(seeded[1]);
  });

  it("select.biased always polls its first branch first", () => {
    const order: string[] = [];
    const spy = (name: string) =>
      asyncBlock(function* () {
        for (;;) {
          order.push(name);
          yield* new Countdown(1, 0); // pending once per poll round
        }
      });
    const t = new MockTask(select.biased(spy("a"), spy("b")));
    t.poll();
    t.poll();
    t.poll();
    expect(order).toEqual(["a", "b", "a", "b", "a", "b"]);
  });

  it("rejects a non-future argument", () => {
    expect(() => select(ready(1), 2 as never)).toThrow(
      /select\(a, b\): argument 1 must be a future/,
    );
  });
});

describe("selectAll", () => {
  it("returns the winner's index and value, and the others in their order, still usable", () => {
    const gs = [new Gate<number>("0"), new Gate<number>("1"), new Gate<number>("2")];
    const t = new MockTask(selectAll(gs));
    expect(t.poll()).toBe(PENDING);
    gs[1]!.resolve(11);
    const r = t.poll();
    if (r === PENDING) throw new Error("expected ready");
    expect(r.index).toBe(1);
    expect(r.value).toBe(11);
    expect(r.rest).toHaveLength(2);
    const again = new MockTask(selectAll(r.rest) as never);
    expect(again.poll()).toBe(PENDING);
    gs[2]!.resolve(22);
    const r2 = again.poll() as { index: number; value: number };
    expect(r2.index).toBe(1); // gs[2] is the second of the rest
    expect(r2.value).toBe(22);
    expect(gs[0]!.drops).toBe(0);
  });

  it("selectAll.biased polls in order; the plain form rotates its starting child", () => {
    const order: number[] = [];
    const spy = (i: number) =>
      asyncBlock(function* () {
        for (;;) {
          order.push(i);
          yield* new Countdown(1, 0); // pending once per poll round
        }
      });
    const fair = new MockTask(selectAll([spy(0), spy(1), spy(2)]));
    fair.poll();
    fair.poll();
    expect(order).toEqual([0, 1, 2, 1, 2, 0]);
    order.length = 0;
    const biased = new MockTask(selectAll.biased([spy(0), spy(1), spy(2)]));
    biased.poll();
    biased.poll();
    expect(order).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it("an empty list is a RangeError", () => {
    expect(() => selectAll([])).toThrow(RangeError);
    expect(() => selectAll([])).toThrow(/selectAll\(futures\) needs at least 1 future, got 0/);
  });
});

describe("race", () => {
  it("returns the first value and drops every loser at once (their finally blocks run)", () => {
    const log: string[] = [];
    const slow = new Gate();
    const loser = asyncBlock(function* () {
      try {
        return yield* slow;
      } finally {
        log.push("loser dropped");
      }
    });
    const other = new Gate();
    const fast = new Gate();
    const t = new MockTask(race(loser, fast, other));
    expect(t.poll()).toBe(PENDING);
    fast.resolve("fast");
    expect(t.poll()).toBe("fast");
    expect(log).toEqual(["loser dropped"]);
    expect(slow.drops).toBe(1);
    expect(other.drops).toBe(1);
    expect(fast.drops).toBe(0);
  });

  it("race.biased lets the first ready argument win; a fair race rotates", () => {
    const a = new Instant("a");
    const b = new Instant("b");
    expect(new MockTask(race.biased(a, b)).poll()).toBe("a");
    expect(b.drops).toBe(1);
    expect(b.polls).toBe(0);
  });

  it("disposing a pending race drops every child", () => {
    const gs = [new Gate(), new Gate()];
    const r = race(...gs);
    new MockTask(r).poll();
    r[Symbol.dispose]();
    expect(gs.map((g) => g.drops)).toEqual([1, 1]);
  });

  it("race() with no futures is a RangeError", () => {
    expect(() => race()).toThrow(/race\(\.\.\.futures\) needs at least 1 future/);
  });
});
