/**
 * Bug hunt: interval ticks against tokio's documented schedules, on the paused clock, and the
 * one-shot rule for a tick future.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { time } from "../src/time/control.js";
import { Instant } from "../src/time/instant.js";
import { type Interval, interval, MissedTickBehavior } from "../src/time/interval.js";
import { sleep } from "../src/time/sleep.js";

function paused<T>(body: () => Generator<any, T, any>): Promise<T> {
  return run(asyncBlock(body), { clock: "paused" });
}

/** `tick` of each of `n` ticks as "returned at / scheduled for", in ms since `t0`. */
function* take(bell: Interval, t0: Instant, n: number, out: string[]) {
  for (let i = 0; i < n; i++) {
    const at = yield* bell.tick();
    out.push(`${t0.elapsed()}/${at.since(t0)}`);
  }
}

describe("a tick future is one-shot", () => {
  it("polled again after it completed, a tick future throws FutureStateError instead of taking the next tick", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(10);
      const tick = bell.tick();
      const first = yield* tick;
      let error: unknown = null;
      try {
        yield* tick;
      } catch (e) {
        error = e;
      }
      // The schedule was not touched by the misuse: the next tick future gets the tick at 10.
      const next = yield* bell.tick();
      return { first: first.since(t0), error, next: next.since(t0), at: t0.elapsed() };
    });
    expect(out.first).toBe(0);
    expect(out.error).toBeInstanceOf(FutureStateError);
    expect((out.error as Error).message).toMatch(
      /interval\.tick\(\) was polled after it completed/,
    );
    expect(out.next).toBe(10);
    expect(out.at).toBe(10);
  });
});

describe("missed ticks after a 250 ms stall on a 100 ms interval (tick 2 taken at 350 ms)", () => {
  /** Ticks 0 and 1 on time, a stall until 350 ms, then five more ticks. */
  function stalled(behavior: MissedTickBehavior): Promise<string[]> {
    return paused(function* () {
      const t0 = Instant.now();
      using bell = interval(100);
      bell.setMissedTickBehavior(behavior);
      const out: string[] = [];
      yield* take(bell, t0, 2, out);
      yield* sleep(250);
      yield* take(bell, t0, 5, out);
      return out;
    });
  }

  it("Burst: the ticks of 200 and 300 come at once at 350, then 400 on the original schedule", async () => {
    expect(await stalled(MissedTickBehavior.Burst)).toEqual([
      "0/0",
      "100/100",
      "350/200",
      "350/300",
      "400/400",
      "500/500",
      "600/600",
    ]);
  });

  it("Delay: the tick of 200 comes at 350, then every 100 ms from there (450, 550, …)", async () => {
    expect(await stalled(MissedTickBehavior.Delay)).toEqual([
      "0/0",
      "100/100",
      "350/200",
      "450/450",
      "550/550",
      "650/650",
      "750/750",
    ]);
  });

  it("Skip: the tick of 200 comes at 350, the one of 300 is dropped, then 400, 500, … (tokio's now + period - (now - due) % period)", async () => {
    expect(await stalled(MissedTickBehavior.Skip)).toEqual([
      "0/0",
      "100/100",
      "350/200",
      "400/400",
      "500/500",
      "600/600",
      "700/700",
    ]);
  });

  it("Skip when the stall ends exactly on a tick of the schedule: that tick is the next one, a whole period after now", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(100);
      bell.setMissedTickBehavior(MissedTickBehavior.Skip);
      const seen: string[] = [];
      yield* take(bell, t0, 1, seen);
      yield* time.advance(300);
      yield* take(bell, t0, 3, seen);
      return seen;
    });
    // now 300, the late tick was due at 100: 300 + 100 - (200 % 100) = 400.
    expect(out).toEqual(["0/0", "300/100", "400/400", "500/500"]);
  });
});

describe("interval.reset", () => {
  it("reset 30 ms after a tick: the next tick is a whole period after the reset, and the rhythm continues from there", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      using bell = interval(100);
      const seen: string[] = [];
      yield* take(bell, t0, 1, seen);
      yield* sleep(30);
      bell.reset();
      yield* take(bell, t0, 3, seen);
      return seen;
    });
    expect(out).toEqual(["0/0", "130/130", "230/230", "330/330"]);
  });
});

describe("time.advance is one-shot too", () => {
  it("an advance future that completed throws FutureStateError naming it when polled again, and moved the clock once", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      const step = time.advance(250);
      yield* step;
      let error: unknown = null;
      try {
        yield* step;
      } catch (e) {
        error = e;
      }
      return { at: t0.elapsed(), error };
    });
    expect(out.at).toBe(250);
    expect(out.error).toBeInstanceOf(FutureStateError);
    expect((out.error as Error).message).toBe("time.advance(250) was polled after it completed");
  });
});

describe("a disposed interval", () => {
  it("a tick taken or a reset after dispose is a FutureStateError that names the interval, not its inner sleep", async () => {
    const out = await paused(function* () {
      const bell = interval(100);
      yield* bell.tick();
      bell[Symbol.dispose]();
      bell[Symbol.dispose]();
      const errors: string[] = [];
      try {
        yield* bell.tick();
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
      try {
        bell.reset();
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
      return errors;
    });
    expect(out).toEqual([
      "FutureStateError: interval(100): a tick of it was polled after it was disposed",
      "FutureStateError: interval(100): it was reset after it was disposed",
    ]);
  });
});

describe("an interval belongs to the runtime it was made in", () => {
  it("ticked by a task of a runtime whose clock is 50 ms ahead, its schedule follows its own clock: Skip and Delay see no missed tick", async () => {
    for (const behavior of [MissedTickBehavior.Skip, MissedTickBehavior.Delay]) {
      const home = new Runtime({ clock: "paused" });
      const made = await home.spawn(
        asyncBlock(function* () {
          const bell = interval(10);
          bell.setMissedTickBehavior(behavior);
          return { bell, t0: Instant.now() };
        }),
      );
      // Real time passes; home's paused clock stands still, a runtime made now starts ahead of it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const away = new Runtime({ clock: "paused" });
      const scheduled = await away.spawn(
        asyncBlock(function* () {
          const out: number[] = [];
          for (let i = 0; i < 3; i++) out.push((yield* made.bell.tick()).since(made.t0));
          return out;
        }),
      );
      // On home's clock no tick was late: 0, 10, 20 (not 0, 60, 70 from away's clock).
      expect({ behavior, scheduled }).toEqual({ behavior, scheduled: [0, 10, 20] });
      made.bell[Symbol.dispose]();
      await away.shutdown();
      await home.shutdown();
    }
  });
});
