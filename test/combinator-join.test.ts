import { describe, expect, it } from "vitest";
import { join, tryJoin } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import { ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Countdown, Failing, Gate, Instant, MockTask } from "./future-testkit.js";

describe("join", () => {
  it("creating a join polls nothing; it is ready only when every child is, with values in order", () => {
    const a = new Gate<number>("a");
    const b = new Gate<string>("b");
    const j = join(a, b, ready(true));
    expect(a.polls + b.polls).toBe(0);
    const t = new MockTask(j);
    expect(t.poll()).toBe(PENDING);
    b.resolve("two");
    expect(t.poll()).toBe(PENDING);
    a.resolve(1);
    const out: [number, string, boolean] = t.poll() as [number, string, boolean];
    expect(out).toEqual([1, "two", true]);
  });

  it("a finished child is not polled again", () => {
    const a = new Instant(1);
    const b = new Gate<number>();
    const t = new MockTask(join(a, b));
    t.poll();
    t.poll();
    b.resolve(2);
    expect(t.poll()).toEqual([1, 2]);
    expect(a.polls).toBe(1);
    expect(b.polls).toBe(3);
  });

  it("waits for every child after one throws, then throws the first error", () => {
    const boom = new Error("first");
    const slow = new Gate<number>();
    const t = new MockTask(join(new Failing(boom), slow));
    expect(t.poll()).toBe(PENDING);
    expect(slow.drops).toBe(0);
    slow.resolve(5);
    expect(() => t.poll()).toThrow(boom);
    expect(slow.drops).toBe(0);
  });

  it("several errors make an AggregateError with each, in the order they were thrown", () => {
    const e1 = new Error("one");
    const e2 = new Error("two");
    const t = new MockTask(join(new Failing(e1), new Failing(e2)));
    let caught: unknown;
    try {
      t.poll();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AggregateError);
    expect((caught as AggregateError).errors).toEqual([e1, e2]);
  });

  it("each poll starts from the next child in turn (fair), so every child is polled first once", () => {
    const order: string[] = [];
    const spy = (name: string) =>
      asyncBlock(function* () {
        for (;;) {
          order.push(name);
          yield* new Countdown(1, 0); // pending once per poll round
        }
      });
    const t = new MockTask(join(spy("a"), spy("b"), spy("c")));
    for (let i = 0; i < 3; i++) t.poll();
    // First poll: a b c; second starts at b; third at c.
    expect(order.slice(0, 3)).toEqual(["a", "b", "c"]);
    expect(order.slice(3, 6)).toEqual(["b", "c", "a"]);
    expect(order.slice(6, 9)).toEqual(["c", "a", "b"]);
  });

  it("polling after completion throws FutureStateError", () => {
    const t = new MockTask(join(ready(1)));
    expect(t.poll()).toEqual([1]);
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("disposing a join drops every unfinished child and runs their finally blocks", () => {
    const log: string[] = [];
    const g = new Gate();
    const child = asyncBlock(function* () {
      try {
        yield* g;
      } finally {
        log.push("finally");
      }
    });
    const done = new Instant(1);
    const j = join(child, done);
    new MockTask(j).poll();
    j[Symbol.dispose]();
    expect(g.drops).toBe(1);
    expect(log).toEqual(["finally"]);
    expect(done.drops).toBe(0); // finished children were already released
  });

  it("rejects arguments that are not futures", () => {
    expect(() => join(ready(1), Promise.resolve(2) as never)).toThrow(
      /join\(\.\.\.futures\): argument 1 must be a future/,
    );
  });
});

describe("tryJoin", () => {
  it("the first error drops the other children at once and is thrown", () => {
    const log: string[] = [];
    const slow = new Gate();
    const cleanup = asyncFn(function* () {
      try {
        yield* slow;
      } finally {
        log.push("slow dropped");
      }
    });
    const fail = new Gate();
    const t = new MockTask(tryJoin(cleanup(), fail));
    expect(t.poll()).toBe(PENDING);
    const boom = new Error("no eggs");
    fail.reject(boom);
    expect(() => t.poll()).toThrow(boom);
    expect(slow.drops).toBe(1);
    expect(log).toEqual(["slow dropped"]);
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("with no error it is join", () => {
    const t = new MockTask(tryJoin(ready(1), new Instant("x")));
    expect(t.poll()).toEqual([1, "x"]);
  });
});

describe("joinAll", () => {
  it("polls every child on its first poll, then only the children woken since", () => {
    const gates = Array.from({ length: 5 }, (_, i) => new Gate<number>(`g${i}`));
    const t = new MockTask(joinAll(gates));
    expect(gates.map((g) => g.polls).reduce((a, b) => a + b)).toBe(0);
    expect(t.poll()).toBe(PENDING);
    expect(gates.map((g) => g.polls)).toEqual([1, 1, 1, 1, 1]);
    gates[3]!.resolve(3);
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(PENDING);
    expect(gates.map((g) => g.polls)).toEqual([1, 1, 1, 2, 1]);
    // A poll with nothing woken polls no child.
    expect(t.poll()).toBe(PENDING);
    expect(gates.map((g) => g.polls)).toEqual([1, 1, 1, 2, 1]);
    for (const [i, g] of gates.entries()) if (i !== 3) g.resolve(i);
    expect(t.poll()).toEqual([0, 1, 2, 3, 4]);
    expect(gates.map((g) => g.polls)).toEqual([2, 2, 2, 2, 2]);
  });

  it("a child woken twice before the next poll is polled once", () => {
    const g = new Gate<number>();
    const other = new Gate<number>();
    const t = new MockTask(joinAll([g, other]));
    t.poll();
    const w = g.waker!;
    w.wake();
    w.wake();
    expect(t.poll()).toBe(PENDING);
    expect(g.polls).toBe(2);
    expect(other.polls).toBe(1);
  });

  it("a child that wakes itself during a poll is polled again on the next poll, not this one", () => {
    const c = new Countdown(3, "done");
    const t = new MockTask(joinAll([c]));
    expect(t.poll()).toBe(PENDING);
    expect(c.polls).toBe(1);
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(PENDING);
    expect(c.polls).toBe(2);
    t.poll();
    expect(t.poll()).toEqual(["done"]);
    expect(c.polls).toBe(4);
  });

  it("every child finishes before the first error is thrown", () => {
    const boom = new Error("boom");
    const g = new Gate<number>();
    const t = new MockTask(joinAll<number>([new Failing(boom), g]));
    expect(t.poll()).toBe(PENDING);
    g.resolve(1);
    expect(() => t.poll()).toThrow(boom);
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("an empty joinAll is ready at once with an empty array", () => {
    expect(new MockTask(joinAll([])).poll()).toEqual([]);
  });

  it("disposing it drops the unfinished children only", () => {
    const a = new Gate<number>();
    const b = new Gate<number>();
    const j = joinAll([a, b]);
    const t = new MockTask(j);
    t.poll();
    a.resolve(1);
    t.poll();
    j[Symbol.dispose]();
    expect(a.drops).toBe(0);
    expect(b.drops).toBe(1);
  });

  it("rejects what is not an iterable of futures", () => {
    expect(() => joinAll(5 as never)).toThrow(/joinAll\(futures\): futures must be an iterable/);
    expect(() => joinAll([ready(1), 2 as never])).toThrow(/item 1 must be a future/);
  });
});
