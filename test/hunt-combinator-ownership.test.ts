/**
 * Bug hunt: a combinator owns its children and what they give. The values a join gathered but will
 * never hand over are disposed (as Rust drops a dropped `join!`'s outputs), a value already handed
 * over is never touched again, and the same future may not be given twice.
 */
import { describe, expect, it } from "vitest";
import { join, tryJoin } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { race, select, selectAll } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { drop, OWNED } from "../src/future/cancel.js";
import { FutureStateError } from "../src/future/errors.js";
import { ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { run } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import { sleep } from "../src/time/sleep.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";
import { Gate, MockTask } from "./future-testkit.js";

/** A value that holds something (a lock guard, a connection): counts its disposals. */
class Held implements Disposable {
  readonly [OWNED] = true;
  disposed = 0;
  constructor(readonly name: string) {}
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

/** A child that throws `message` after `ms` of paused time. */
const failAfter = asyncFn(function* (ms: number, message: string) {
  yield* sleep(ms);
  throw new Error(message);
});

/** A child whose `finally` throws when it is dropped while waiting on `gate`; logs the drop. */
const throwsWhenDropped = asyncFn(function* (gate: Gate<string>, log: string[], name: string) {
  try {
    return yield* gate;
  } finally {
    log.push(`${name} dropped`);
    // biome-ignore lint/correctness/noUnsafeFinally: the point of the test: a finally that throws.
    throw new Error(`${name}'s finally threw`);
  }
});

function paused<T>(body: () => Generator<any, T, any>): Promise<T> {
  return run(asyncBlock(body), { clock: "paused" });
}

describe("values a join will never hand over are disposed", () => {
  it("tryJoin: one child returns a held value, another throws: the value is disposed, then the error is thrown", () => {
    const held = new Held("guard");
    const first = new Gate<Held>("first");
    const second = new Gate<Held>("second");
    const t = new MockTask(tryJoin(first, second));
    expect(t.poll()).toBe(PENDING);
    first.resolve(held);
    expect(t.poll()).toBe(PENDING);
    expect(held.disposed).toBe(0);
    second.reject(new Error("second failed"));
    expect(() => t.poll()).toThrow("second failed");
    expect(held.disposed).toBe(1);
  });

  it("join: every child ends, one threw: the values of the others are disposed once, then the error is thrown", () => {
    const a = new Held("a");
    const b = new Held("b");
    const failing = new Gate<Held>("fails");
    const t = new MockTask(join(ready(a), failing, ready(b)));
    expect(t.poll()).toBe(PENDING);
    failing.reject(new Error("burnt"));
    expect(() => t.poll()).toThrow("burnt");
    expect([a.disposed, b.disposed]).toEqual([1, 1]);
    // Dropping the failed join afterwards touches nothing again.
    drop(t.future);
    expect([a.disposed, b.disposed]).toEqual([1, 1]);
  });

  it("join dropped while a child still runs: the finished child's value is disposed and the running child dropped", () => {
    const held = new Held("guard");
    const slow = new Gate<Held>("slow");
    const j = join(ready(held), slow);
    const t = new MockTask(j);
    expect(t.poll()).toBe(PENDING);
    j[Symbol.dispose]();
    expect(held.disposed).toBe(1);
    expect(slow.drops).toBe(1);
    j[Symbol.dispose]();
    expect(held.disposed).toBe(1);
  });

  it("a join that completed hands its values over: dropping it afterwards disposes none of them", () => {
    const held = new Held("guard");
    const j = join(ready(held), ready(2));
    const out = new MockTask(j).poll();
    expect(out).toEqual([held, 2]);
    j[Symbol.dispose]();
    expect(held.disposed).toBe(0);
  });

  it("joinAll: one child throws after another finished: the finished value is disposed; dropped half way, likewise", () => {
    const thrown = new Held("thrown");
    const failing = new Gate<Held>("failing");
    const t = new MockTask(joinAll([ready(thrown), failing]));
    expect(t.poll()).toBe(PENDING);
    failing.reject(new Error("dropped the tray"));
    expect(() => t.poll()).toThrow("dropped the tray");
    expect(thrown.disposed).toBe(1);

    const abandoned = new Held("abandoned");
    const slow = new Gate<Held>("slow");
    const all = joinAll([ready(abandoned), slow]);
    expect(new MockTask(all).poll()).toBe(PENDING);
    all[Symbol.dispose]();
    expect(abandoned.disposed).toBe(1);
    expect(slow.drops).toBe(1);
  });

  it("with a real lock: tryJoin, join, joinAll and a join cut short by timeout each release the guard a child took", async () => {
    const results = await paused(function* () {
      const mutex = new Mutex(undefined);
      const out: boolean[] = [];
      const lockedAfter = function* (body: () => Generator<any, unknown, any>) {
        try {
          yield* asyncBlock(body);
        } catch {
          // Each body fails on purpose.
        }
        out.push(mutex.isLocked());
      };
      yield* lockedAfter(function* () {
        yield* tryJoin(mutex.lock(), failAfter(5, "tryJoin child"));
      });
      yield* lockedAfter(function* () {
        yield* join(mutex.lock(), failAfter(5, "join child"));
      });
      yield* lockedAfter(function* () {
        yield* joinAll<unknown>([mutex.lock(), failAfter(5, "joinAll child")]);
      });
      yield* lockedAfter(function* () {
        yield* timeout(10, join(mutex.lock(), sleep(1000)));
      });
      return out;
    });
    expect(results).toEqual([false, false, false, false]);
  });
});

describe("select hands the rest over; once it completes, it is the caller's", () => {
  it("a lock won through select's rest stays held when the select's result is disposed", async () => {
    const states = await paused(function* () {
      const mutex = new Mutex(undefined);
      const seen: boolean[] = [];
      let guard: Disposable;
      {
        using first = yield* select.biased(ready("coffee"), mutex.lock());
        if (first.index !== 0) throw new Error("the ready branch polled first must win");
        guard = yield* first.rest;
        seen.push(mutex.isLocked());
      }
      // `first` was disposed at the end of its scope: the guard taken from its rest is ours.
      seen.push(mutex.isLocked());
      guard[Symbol.dispose]();
      seen.push(mutex.isLocked());
      return seen;
    });
    expect(states).toEqual([true, true, false]);
  });

  it("selectAll: a rest future that completed is left alone by the result's dispose, and polling it again names the rule", () => {
    const held = new Held("won later");
    const later = new Gate<Held>("later");
    const r = new MockTask(selectAll.biased([ready(new Held("first")), later])).poll();
    if (r === PENDING) throw new Error("expected ready");
    const rest = new MockTask(r.rest[0]! as never);
    expect(rest.poll()).toBe(PENDING);
    later.resolve(held);
    expect(rest.poll()).toBe(held);
    r[Symbol.dispose]();
    expect(later.drops).toBe(0);
    expect(held.disposed).toBe(0);
    expect(() => rest.poll()).toThrow(FutureStateError);
    expect(() => rest.poll()).toThrow(/rest of a select was polled after it completed/);
  });
});

describe("race when a loser's finally throws", () => {
  it("every loser is dropped exactly once in argument order, their errors are thrown together, and the winner's value is disposed", () => {
    const log: string[] = [];
    const prize = new Held("prize");
    const g1 = new Gate<string>("one");
    const g3 = new Gate<string>("three");
    const losers = [throwsWhenDropped(g1, log, "one"), throwsWhenDropped(g3, log, "three")];
    const winner = new Gate<Held>("winner");
    const r = race.biased(losers[0]!, winner, losers[1]!);
    const t = new MockTask(r);
    expect(t.poll()).toBe(PENDING);
    winner.resolve(prize);
    let thrown: unknown = null;
    try {
      t.poll();
    } catch (e) {
      thrown = e;
    }
    // Both finally blocks threw: both errors, in the order the losers were dropped.
    expect(thrown).toBeInstanceOf(AggregateError);
    expect((thrown as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      "one's finally threw",
      "three's finally threw",
    ]);
    expect(log).toEqual(["one dropped", "three dropped"]);
    expect(prize.disposed).toBe(1);
    expect(() => t.poll()).toThrow(FutureStateError);
    r[Symbol.dispose]();
    expect(log).toEqual(["one dropped", "three dropped"]);
  });

  it("with a real lock: the guard the winner took is released when the loser's finally throws", async () => {
    const out = await paused(function* () {
      const mutex = new Mutex(undefined);
      const loser = asyncBlock(function* () {
        try {
          yield* sleep(100);
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
          throw new Error("loser's finally");
        }
      });
      let message = "";
      try {
        yield* race(mutex.lock(), loser);
      } catch (e) {
        message = (e as Error).message;
      }
      return { message, locked: mutex.isLocked() };
    });
    expect(out).toEqual({ message: "loser's finally", locked: false });
  });
});

describe("the same future given twice", () => {
  it("join, tryJoin, select, race and selectAll name both positions in a FutureStateError, polling nothing", () => {
    const dish = new Gate<number>("dish");
    const other = new Gate<number>("other");
    expect(() => join(other, dish, dish)).toThrow(
      "join(...futures): argument 2 is the same future as argument 1",
    );
    expect(() => tryJoin(dish, other, dish)).toThrow(FutureStateError);
    expect(() => select(dish, dish)).toThrow(
      "select(a, b): argument 1 is the same future as argument 0",
    );
    expect(() => select.biased(dish, dish)).toThrow(FutureStateError);
    expect(() => race(dish, other, dish)).toThrow(
      "race(...futures): argument 2 is the same future as argument 0",
    );
    expect(() => selectAll([other, dish, dish])).toThrow(
      "selectAll(futures): argument 2 is the same future as argument 1",
    );
    expect(dish.polls + other.polls).toBe(0);
  });

  it("joinAll of up to 16 futures with one repeated names both items (where it used to deadlock); longer lists are not checked", () => {
    const many = Array.from({ length: 40 }, (_, i) => new Gate<number>(`g${i}`));
    expect(() => joinAll([...many.slice(0, 15), many[7]!])).toThrow(
      "joinAll(futures): item 15 is the same future as item 7",
    );
    // Past 16 the check would cost a hash per future: documented as not made.
    expect(() => joinAll([...many, many[7]!])).not.toThrow();
    expect(() => joinAll([many[0]!, many[0]!])).toThrow(FutureStateError);
    // Distinct futures, and no futures at all, are fine.
    const all = new MockTask(joinAll(many));
    expect(all.poll()).toBe(PENDING);
    expect(new MockTask(joinAll([])).poll()).toEqual([]);
  });

  it("in a runtime, joinAll([s, s]) throws at once instead of sleeping for ever", async () => {
    await expect(
      paused(function* () {
        const s = sleep(10);
        return yield* joinAll([s, s]);
      }),
    ).rejects.toThrow(FutureStateError);
  });
});

describe("timeout around a join", () => {
  it("the deadline drops the join: the finished child's value is disposed before TimeoutError reaches the caller", async () => {
    const held = new Held("plate");
    const out = await paused(function* () {
      try {
        yield* timeout(10, join(ready(held), sleep(1000)));
      } catch (e) {
        return { timedOut: e instanceof TimeoutError, disposed: held.disposed };
      }
      return null;
    });
    expect(out).toEqual({ timedOut: true, disposed: 1 });
  });
});

describe("tryJoin's early exit", () => {
  it("the third child throws: the others still running are dropped in argument order, each finally once, then the error is thrown", () => {
    const log: string[] = [];
    const waiting = asyncFn(function* (name: string) {
      try {
        yield* new Gate<string>(name);
      } finally {
        log.push(`${name} finally`);
      }
    });
    const failing = new Gate<string>("failing");
    const j = tryJoin(waiting("a"), waiting("b"), failing, waiting("d"));
    const t = new MockTask(j);
    expect(t.poll()).toBe(PENDING);
    expect(log).toEqual([]);
    failing.reject(new Error("out of basil"));
    expect(() => t.poll()).toThrow("out of basil");
    expect(log).toEqual(["a finally", "b finally", "d finally"]);
    j[Symbol.dispose]();
    expect(log).toEqual(["a finally", "b finally", "d finally"]);
  });
});

describe("polled again after it completed, each combinator throws a FutureStateError naming itself", () => {
  const cases: [string, () => { poll(cx: never): unknown }, RegExp][] = [
    ["join", () => join(ready(1)), /^join was polled after it completed/],
    ["tryJoin", () => tryJoin(ready(1)), /^tryJoin was polled after it completed/],
    ["joinAll", () => joinAll([ready(1)]), /^joinAll was polled after it completed/],
    ["select", () => select(ready(1), new Gate()), /^select was polled after it completed/],
    ["selectAll", () => selectAll([ready(1)]), /^selectAll was polled after it completed/],
    ["race", () => race(ready(1), new Gate()), /^race was polled after it completed/],
    ["race.biased", () => race.biased(ready(1)), /^race.biased was polled after it completed/],
  ];
  for (const [name, make, message] of cases) {
    it(`${name}: ready on its first poll, its second poll throws`, () => {
      const t = new MockTask(make() as never);
      expect(t.poll()).not.toBe(PENDING);
      expect(() => t.poll()).toThrow(FutureStateError);
      expect(() => t.poll()).toThrow(message);
    });
  }
});

describe("disposing a selectAll result when a rest's finally throws", () => {
  it("every rest after the throwing one is still dropped, once, and the error is thrown after them", () => {
    const log: string[] = [];
    const g1 = new Gate<string>("one");
    const last = new Gate<string>("last");
    const r = new MockTask(
      selectAll.biased<string>([ready("first"), throwsWhenDropped(g1, log, "one"), last]),
    ).poll();
    if (r === PENDING) throw new Error("expected ready");
    // The second child was never polled: its generator has not started, so give it a poll first.
    const started = new MockTask(r.rest[0]! as never);
    expect(started.poll()).toBe(PENDING);
    expect(() => r[Symbol.dispose]()).toThrow("one's finally threw");
    expect(log).toEqual(["one dropped"]);
    expect(last.drops).toBe(1);
    r[Symbol.dispose]();
    expect(last.drops).toBe(1);
    expect(log).toEqual(["one dropped"]);
  });
});
