import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { pollProceed } from "../src/task/budget.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { time } from "../src/time/control.js";
import { Instant } from "../src/time/instant.js";
import { sleep } from "../src/time/sleep.js";
import { TimeoutError, timeout, timeoutAt } from "../src/time/timeout.js";
import { Gate } from "./future-testkit.js";

function paused<T>(body: () => Generator<any, T, any>): Promise<T> {
  return run(asyncBlock(body), { clock: "paused" });
}

function liveTimers(): number {
  return Runtime.current().metrics().liveTimers;
}

/** Always pending, and spends the whole task budget on every poll (a channel that is always busy). */
class BudgetHog extends FutureBase<string> {
  polls = 0;
  poll(cx: Context): Poll<string> {
    // Give up eventually so that a broken timeout fails the test instead of hanging it.
    if (++this.polls > 1000) return "the hog finished first";
    while (pollProceed(cx)) {
      // spend it all; the last call wakes the task
    }
    return PENDING;
  }
}

describe("timeout", () => {
  it("a future that finishes in time gives its value, and the timer is unregistered at once", async () => {
    const out = await paused(function* () {
      const v = yield* timeout(
        1000,
        asyncBlock(function* () {
          yield* sleep(300);
          return "soup";
        }),
      );
      return { v, timers: liveTimers() };
    });
    expect(out).toEqual({ v: "soup", timers: 0 });
  });

  it("a future still pending at the deadline is dropped and TimeoutError is thrown at exactly the deadline", async () => {
    const gate = new Gate("never");
    const out = await paused(function* () {
      const t0 = Instant.now();
      try {
        yield* timeout(500, gate);
        return "no error";
      } catch (e) {
        return { e, at: t0.elapsed(), timers: liveTimers() };
      }
    });
    expect(out).toMatchObject({ at: 500, timers: 0 });
    const e = (out as { e: unknown }).e;
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as Error).name).toBe("TimeoutError");
    expect((e as Error).message).toMatch(/timeout\(500\)/);
    expect(gate.drops).toBe(1);
  });

  it("when the inner future and the deadline are ready in the same tick, the inner future wins", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      const v = yield* timeout(
        100,
        asyncBlock(function* () {
          yield* sleep(100);
          return "just in time";
        }),
      );
      return { v, at: t0.elapsed() };
    });
    expect(out).toEqual({ v: "just in time", at: 100 });
  });

  it("in the same tick, a gate opened by a task woken before the timeout's task beats the deadline", async () => {
    const out = await paused(function* () {
      const gate = new Gate("order");
      const opener = spawn(
        asyncBlock(function* () {
          yield* sleep(100);
          gate.resolve("served");
        }),
      );
      yield* yieldNow(); // the opener registers its sleep first, so it fires first
      const v = yield* timeout(100, gate);
      yield* opener;
      return v;
    });
    expect(out).toBe("served");
  });

  it("in the same tick, a gate opened by a task woken after the timeout's task loses to the deadline", async () => {
    const out = await paused(function* () {
      const gate = new Gate("order");
      const guarded = spawn(timeout(100, gate)); // registers first, fires first
      yield* yieldNow();
      const opener = spawn(
        asyncBlock(function* () {
          yield* sleep(100);
          gate.resolve("served");
        }),
      );
      try {
        yield* guarded;
        return "served";
      } catch (e) {
        yield* opener;
        return (e as { cause?: unknown }).cause instanceof TimeoutError ? "timed out" : e;
      }
    });
    expect(out).toBe("timed out");
  });

  it("still fires when the inner future keeps spending the task's whole budget", async () => {
    const hog = new BudgetHog();
    const out = await paused(function* () {
      const mover = spawn(time.advance(10));
      try {
        const v = yield* timeout(10, hog);
        return v;
      } catch (e) {
        yield* mover;
        return e instanceof TimeoutError ? "timed out" : e;
      }
    });
    expect(out).toBe("timed out");
    expect(hog.polls).toBeLessThan(1000);
  });

  it("timeoutAt fires at its instant, and a deadline already passed times out a pending future at once", async () => {
    const out = await paused(function* () {
      const t0 = Instant.now();
      const errs: number[] = [];
      try {
        yield* timeoutAt(t0.add(750), new Gate());
      } catch (e) {
        if (e instanceof TimeoutError) errs.push(t0.elapsed());
      }
      try {
        yield* timeoutAt(t0, new Gate());
      } catch (e) {
        if (e instanceof TimeoutError) errs.push(t0.elapsed());
      }
      return errs;
    });
    expect(out).toEqual([750, 750]);
  });

  it("an inner future that is ready at once never registers a timer", async () => {
    await paused(function* () {
      const gate = new Gate<number>();
      gate.resolve(7);
      const t = timeout(1000, gate);
      expect(yield* t).toBe(7);
      expect(Runtime.current().metrics().liveTimers).toBe(0);
    });
  });

  it("an inner future that throws passes the error through and unregisters the timer", async () => {
    const out = await paused(function* () {
      const gate = new Gate();
      const failing = spawn(
        asyncBlock(function* () {
          yield* sleep(50);
          gate.reject(new Error("burnt"));
        }),
      );
      try {
        yield* timeout(1000, gate);
      } catch (e) {
        yield* failing;
        return { message: (e as Error).message, timers: liveTimers() };
      }
    });
    expect(out).toEqual({ message: "burnt", timers: 0 });
  });

  it("dropping a pending timeout drops the inner future and unregisters the timer", async () => {
    await paused(function* () {
      const gate = new Gate();
      const t = timeout(1000, gate);
      const handle = spawn(t);
      yield* yieldNow();
      expect(liveTimers()).toBe(1);
      handle.abort();
      yield* yieldNow();
      expect(gate.drops).toBe(1);
      expect(liveTimers()).toBe(0);
    });
  });

  it("the inner future's async finally still runs to its end after a timeout", async () => {
    const steps: string[] = [];
    await paused(function* () {
      try {
        yield* timeout(
          100,
          asyncBlock(function* () {
            try {
              yield* sleep(1000);
            } finally {
              steps.push("cleanup started");
              yield* sleep(50);
              steps.push("cleanup finished");
            }
          }),
        );
      } catch (e) {
        steps.push((e as Error).name);
      }
      yield* sleep(100);
    });
    expect(steps).toEqual(["cleanup started", "TimeoutError", "cleanup finished"]);
  });

  it("timeout(Infinity) never times out", async () => {
    const out = await paused(function* () {
      const v = yield* timeout(
        Number.POSITIVE_INFINITY,
        asyncBlock(function* () {
          yield* sleep(1000 * 86_400_000);
          return "a thousand days later";
        }),
      );
      return v;
    });
    expect(out).toBe("a thousand days later");
  });

  it("rejects bad arguments naming them", () => {
    expect(() => timeout(-1, new Gate())).toThrow(
      "timeout(ms, future): ms must not be negative, got -1",
    );
    expect(() => timeout("1" as unknown as number, new Gate())).toThrow(TypeError);
    expect(() => timeout(1, Promise.resolve(1) as never)).toThrow(
      /timeout\(ms, future\): future must be a future/,
    );
    expect(() => timeoutAt(5 as unknown as Instant, new Gate())).toThrow(TypeError);
  });
});
