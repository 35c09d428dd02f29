import { describe, expect, it } from "vitest";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { Instant } from "../src/time/instant.js";
import { type Interval, interval, intervalAt, MissedTickBehavior } from "../src/time/interval.js";
import { sleep } from "../src/time/sleep.js";

function paused<T>(body: () => Generator<any, T, any>): Promise<T> {
  return run(asyncBlock(body), { clock: "paused" });
}

/** Take `n` ticks; record [virtual time the tick returned, the instant it was scheduled for]. */
function* ticks(bell: Interval, t0: Instant, n: number, out: [number, number][]) {
  for (let i = 0; i < n; i++) {
    const scheduled = yield* bell.tick();
    out.push([t0.elapsed(), scheduled.since(t0)]);
  }
}

describe("interval", () => {
  it("ticks at once, then every period, each tick returning the instant it was scheduled for", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(50);
      const seen: [number, number][] = [];
      yield* ticks(bell, t0, 4, seen);
      return seen;
    });
    expect(out).toEqual([
      [0, 0],
      [50, 50],
      [100, 100],
      [150, 150],
    ]);
  });

  it("a fractional period keeps its rhythm: 60 ticks of 1000/60 ms end at 1000 ms, not 1020", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(1000 / 60);
      const seen: [number, number][] = [];
      yield* ticks(bell, t0, 61, seen);
      return seen;
    });
    const [firedAt, scheduledFor] = out[60]!;
    expect(scheduledFor).toBeCloseTo(1000, 6);
    expect(firedAt).toBeLessThan(1001);
    // Each tick fires at its deadline rounded up to the whole millisecond, never early.
    for (const [fired, scheduled] of out) {
      expect(fired).toBeGreaterThanOrEqual(scheduled - 1e-9);
      expect(fired - scheduled).toBeLessThan(1);
    }
  });

  it("an interval made outside any runtime starts its rhythm at its first tick, on the runtime's clock", async () => {
    const rt = new Runtime({ clock: "paused" });
    // Move the paused clock far from the host's first.
    await rt.spawn(
      asyncBlock(function* () {
        yield* sleep(50_000);
      }),
    );
    const bell = interval(100);
    const seen = await rt.spawn(
      asyncBlock(function* (): Generator<any, [number, number][], any> {
        const t0 = Instant.now();
        const out: [number, number][] = [];
        yield* ticks(bell, t0, 3, out);
        return out;
      }),
    );
    expect(seen).toEqual([
      [0, 0],
      [100, 100],
      [200, 200],
    ]);
    bell[Symbol.dispose]();
    await rt.shutdown();
  });

  // tokio's MissedTickBehavior::Burst example (as corrected by tokio PR #4713: the first tick
  // is taken before the 200 ms of work).
  it("Burst: after 200 ms of work on a 50 ms interval, four ticks come at once, then the rhythm resumes at 250", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(50);
      const seen: [number, number][] = [];
      yield* ticks(bell, t0, 1, seen);
      yield* sleep(200); // task_that_takes_200_millis
      yield* ticks(bell, t0, 5, seen);
      return seen;
    });
    expect(out).toEqual([
      [0, 0],
      [200, 50],
      [200, 100],
      [200, 150],
      [200, 200],
      [250, 250],
    ]);
  });

  // tokio's MissedTickBehavior::Delay example.
  it("Delay: after more than 50 ms of work, the late tick is immediate and the next is 50 ms after it", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(50);
      bell.setMissedTickBehavior(MissedTickBehavior.Delay);
      const seen: [number, number][] = [];
      yield* sleep(60); // task_that_takes_more_than_50_millis
      yield* ticks(bell, t0, 3, seen);
      return seen;
    });
    expect(out).toEqual([
      [60, 0],
      [110, 110],
      [160, 160],
    ]);
  });

  // tokio's MissedTickBehavior::Skip example.
  it("Skip: after 75 ms of work, the late tick is immediate and the next is at 100, the next multiple of the period", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(50);
      bell.setMissedTickBehavior(MissedTickBehavior.Skip);
      const seen: [number, number][] = [];
      yield* sleep(75); // task_that_takes_75_millis
      yield* ticks(bell, t0, 3, seen);
      return seen;
    });
    expect(out).toEqual([
      [75, 0],
      [100, 100],
      [150, 150],
    ]);
  });

  it("a tick late by no more than 5 ms does not count as missed: Delay keeps the original rhythm", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(50);
      bell.setMissedTickBehavior(MissedTickBehavior.Delay);
      const seen: [number, number][] = [];
      yield* ticks(bell, t0, 1, seen);
      yield* sleep(55);
      yield* ticks(bell, t0, 2, seen);
      return seen;
    });
    expect(out).toEqual([
      [0, 0],
      [55, 50],
      [100, 100],
    ]);
  });

  it("a pending tick dropped by select consumes no tick (cancel-safe)", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(100);
      yield* bell.tick(); // 0
      const first = yield* select(bell.tick(), sleep(30));
      first[Symbol.dispose]();
      const next = yield* bell.tick();
      return { winner: first.index, next: next.since(t0), at: t0.elapsed() };
    });
    expect(out).toEqual({ winner: 1, next: 100, at: 100 });
  });

  it("intervalAt starts at its instant; reset restarts the rhythm from now", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = intervalAt(t0.add(500), 100);
      const seen: [number, number][] = [];
      yield* ticks(bell, t0, 2, seen);
      yield* sleep(30);
      bell.reset();
      yield* ticks(bell, t0, 1, seen);
      return seen;
    });
    expect(out).toEqual([
      [500, 500],
      [600, 600],
      [730, 730],
    ]);
  });

  it("disposing an interval unregisters its timer", async () => {
    const timers = await paused(function* () {
      const bell = interval(100);
      yield* bell.tick();
      const t = select(bell.tick(), sleep(10));
      const first = yield* t;
      first[Symbol.dispose]();
      const registered = Runtime.current().metrics().liveTimers;
      bell[Symbol.dispose]();
      return [registered, Runtime.current().metrics().liveTimers];
    });
    expect(timers).toEqual([1, 0]);
  });

  it("rejects a zero, negative or non-number period and an unknown behaviour", () => {
    expect(() => interval(0)).toThrow("interval(ms): ms must be greater than 0, got 0");
    expect(() => interval(-5)).toThrow(RangeError);
    expect(() => interval("5" as unknown as number)).toThrow(TypeError);
    expect(() => interval(5).setMissedTickBehavior("later" as MissedTickBehavior)).toThrow(
      /MissedTickBehavior.Burst, .Delay or .Skip/,
    );
    expect(interval(5).missedTickBehavior()).toBe(MissedTickBehavior.Burst);
  });
});
