/**
 * `race.named`: tokio's `select!` with named branches of different types. The winner's key and
 * value come back typed together, every loser is dropped, and a biased race polls in key order.
 */
import { describe, expect, it } from "vitest";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { sleep } from "../src/time/sleep.js";
import { Countdown, Failing, Gate, Instant, MockTask } from "./future-testkit.js";

describe("race.named", () => {
  it("the branch that finishes first wins with its key and value; the losers are dropped once", () => {
    const message = new Gate<{ dish: string }>("message");
    const tick = new Gate<number>("tick");
    const t = new MockTask(race.named({ message, tick }));
    expect(t.poll()).toBe(PENDING);
    tick.resolve(7);
    const w = t.poll();
    expect(w).toEqual({ key: "tick", value: 7 });
    expect(message.drops).toBe(1);
    expect(tick.drops).toBe(0);
  });

  it("switching on the key narrows the value to that branch's type", async () => {
    const out = await run(
      asyncBlock(function* () {
        const w = yield* race.named({ slow: sleep(50), order: new Countdown(2, { dish: "soup" }) });
        switch (w.key) {
          case "order":
            return `order: ${w.value.dish}`; // `dish` only exists on the order branch's type
          case "slow":
            return "timed out";
        }
      }),
      { clock: "paused" },
    );
    expect(out).toBe("order: soup");
  });

  it("biased: when every branch is ready at once, the first key wins, every time", () => {
    for (let i = 0; i < 8; i++) {
      const shutdown = new Instant("stop");
      const job = new Instant(42);
      const w = new MockTask(race.named.biased({ shutdown, job })).poll();
      expect(w).toEqual({ key: "shutdown", value: "stop" });
      expect(job.drops).toBe(1);
    }
  });

  it("fair: when every branch is ready at once, each key wins some of the time over many races", async () => {
    const wins = await run(
      asyncBlock(function* () {
        const seen = new Set<string>();
        for (let i = 0; i < 64; i++) {
          const w = yield* race.named({ a: new Instant(1), b: new Instant(2), c: new Instant(3) });
          seen.add(w.key);
        }
        return [...seen].sort();
      }),
      { seed: 7 },
    );
    expect(wins).toEqual(["a", "b", "c"]);
  });

  it("a branch that throws fails the race and drops the others", () => {
    const other = new Gate("other");
    const t = new MockTask(race.named.biased({ other, broken: new Failing(new Error("burnt")) }));
    expect(() => t.poll()).toThrow("burnt");
    expect(other.drops).toBe(1);
  });

  it("disposing the race while it waits drops every branch: the sleep's timer leaves the wheel", async () => {
    const [before, after, nap] = await run(
      asyncBlock(function* () {
        const never = new Gate<string>("never");
        const r = race.named({ nap: sleep(1000), never });
        const t = new MockTask(r);
        expect(t.poll()).toBe(PENDING);
        const before = Runtime.current().metrics().liveTimers;
        r[Symbol.dispose]();
        return [before, Runtime.current().metrics().liveTimers, never.drops];
      }),
      { clock: "paused" },
    );
    expect([before, after, nap]).toEqual([1, 0, 1]);
  });

  it("bad input: not an object, no branches, a branch that is not a future, one future in two branches", () => {
    expect(() => race.named(null as never)).toThrow(
      "race.named(branches): branches must be an object of futures, one per branch ({ name: future }), got null",
    );
    expect(() => race.named([new Gate()] as never)).toThrow(TypeError);
    expect(() => race.named({})).toThrow(
      new RangeError("race.named(branches) needs at least 1 branch that is not undefined, got 0"),
    );
    expect(() => race.named({ soup: 5 as never })).toThrow("race.named(branches): branches.soup");
    const g = new Gate();
    expect(() => race.named.biased({ first: g, again: g })).toThrow(FutureStateError);
    expect(() => race.named.biased({ first: g, again: g })).toThrow(
      "race.named.biased(branches): branches.again is the same future as branches.first",
    );
  });
});

describe("race.named with a branch switched off", () => {
  it("a branch given as undefined is left out (tokio's `, if cond`): the other branches race, and its key never wins", async () => {
    const out = await run(
      asyncBlock(function* () {
        const off: ReturnType<typeof sleep> | undefined = undefined;
        const w = yield* race.named({ early: off, late: sleep(20) });
        const w2 = yield* race.named.biased({ first: undefined, second: sleep(5) });
        return [w.key, w2.key];
      }),
      { clock: "paused" },
    );
    expect(out).toEqual(["late", "second"]);
  });

  it("every branch undefined is a RangeError that says so", () => {
    expect(() => race.named({ a: undefined, b: undefined })).toThrow(
      new RangeError("race.named(branches) needs at least 1 branch that is not undefined, got 0"),
    );
  });
});
