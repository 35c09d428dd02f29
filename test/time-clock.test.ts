import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { fromPromise } from "../src/future/from-promise.js";
import { Waker } from "../src/future/waker.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { time } from "../src/time/control.js";
import { Instant } from "../src/time/instant.js";
import { type Sleep, sleep } from "../src/time/sleep.js";
import { flush } from "./future-testkit.js";

const HOUR = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("time.advance", () => {
  it("fires every timer due, in deadline order, and the woken tasks run before advance returns", async () => {
    const log = await run(
      asyncBlock(function* () {
        const log: string[] = [];
        for (const [name, ms] of [
          ["soup", 300],
          ["bread", 100],
          ["wine", 200],
          ["cake", 900],
        ] as const) {
          spawn(
            asyncBlock(function* () {
              yield* sleep(ms);
              log.push(`${name} at ${ms}`);
            }),
          );
        }
        yield* yieldNow(); // the four register
        yield* time.advance(300);
        log.push("advance returned");
        yield* time.advance(600);
        log.push("advance returned");
        return log;
      }),
      { clock: "paused" },
    );
    expect(log).toEqual([
      "bread at 100",
      "wine at 200",
      "soup at 300",
      "advance returned",
      "cake at 900",
      "advance returned",
    ]);
  });

  it("throws on a real clock, and rejects negative, infinite and non-number durations", async () => {
    await run(
      asyncBlock(function* () {
        expect(time.isPaused()).toBe(false);
        const advance = time.advance(10);
        expect(() => advance.poll(new Context(Waker.noop()))).toThrow(/the clock is not paused/);
        yield* yieldNow();
      }),
    );
    expect(() => time.advance(-1)).toThrow("time.advance(ms): ms must not be negative, got -1");
    expect(() => time.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => time.advance("1" as unknown as number)).toThrow(TypeError);
  });

  it("time.pause and time.resume throw outside a runtime", () => {
    expect(() => time.pause()).toThrow(
      "time.pause() must be used by a task inside a Brigade runtime",
    );
    expect(() => time.resume()).toThrow(/inside a Brigade runtime/);
  });
});

describe("pause and resume", () => {
  it("pausing a real clock makes a day's sleep take no real time; resuming carries on from the paused time", async () => {
    const realStart = performance.now();
    const out = await run(
      asyncBlock(function* () {
        time.pause();
        expect(() => time.pause()).toThrow("time.pause(): the clock is already paused");
        const t0 = Instant.now();
        yield* sleep(24 * HOUR);
        const slept = t0.elapsed();
        time.resume();
        expect(() => time.resume()).toThrow("time.resume(): the clock is not paused");
        const afterResume = t0.elapsed();
        yield* sleep(2);
        return { slept, afterResume, later: t0.elapsed(), paused: time.isPaused() };
      }),
    );
    expect(out.slept).toBe(24 * HOUR);
    // The clock resumed from the paused time (not from the real time, which is far behind it).
    expect(out.afterResume).toBeGreaterThanOrEqual(24 * HOUR);
    expect(out.later).toBeGreaterThanOrEqual(24 * HOUR + 2);
    expect(out.paused).toBe(false);
    // Not a timing assertion: a real day's sleep would simply never get here.
    expect(performance.now() - realStart).toBeLessThan(HOUR);
  });
});

describe("auto-advance", () => {
  it("does not jump while a bridged promise is pending, and jumps once it has settled", async () => {
    const out = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const sleeper = spawn(
          asyncBlock(function* () {
            yield* sleep(1000);
            return t0.elapsed();
          }),
        );
        // A real promise that takes a few real macrotask turns: auto-advance must wait for it.
        const answer = yield* fromPromise(async () => {
          for (let i = 0; i < 5; i++) await flush();
          return "from next door";
        });
        const whenAnswered = t0.elapsed();
        const sleeperDone = sleeper.isFinished();
        const sleptUntil = yield* sleeper;
        return { answer, whenAnswered, sleeperDone, sleptUntil };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({
      answer: "from next door",
      whenAnswered: 0,
      sleeperDone: false,
      sleptUntil: 1000,
    });
  });

  it("does not jump while some task is still runnable", async () => {
    const out = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const busy = spawn(
          asyncBlock(function* () {
            for (let i = 0; i < 200; i++) yield* yieldNow();
            return t0.elapsed();
          }),
        );
        yield* sleep(10);
        return { busyEndedAt: yield* busy, sleptUntil: t0.elapsed() };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ busyEndedAt: 0, sleptUntil: 10 });
  });
});

describe("the host timer", () => {
  it("a thousand timers armed in one turn arm one host timer; re-armed only when the earliest deadline changes", async () => {
    const setSpy = vi.spyOn(globalThis, "setTimeout");
    const clearSpy = vi.spyOn(globalThis, "clearTimeout");
    const rt = new Runtime();
    const driver = rt.timeDriver;
    const sleeps: Sleep[] = [];
    const cx = new Context(Waker.noop());
    const armAll = (ms: number, n: number) =>
      asyncBlock(function* () {
        for (let i = 0; i < n; i++) {
          const s = sleep(ms);
          s.poll(cx);
          sleeps.push(s);
        }
        yield* yieldNow();
      });
    const hostCalls = () => setSpy.mock.calls.filter(([, delay]) => (delay ?? 0) >= 1000).length;

    await rt.spawn(armAll(10 * HOUR, 1000));
    expect(rt.metrics().liveTimers).toBe(1000);
    expect(driver.hostTimerArmed).toBe(true);
    expect(hostCalls()).toBe(1);

    await rt.spawn(armAll(20 * HOUR, 10)); // later than the earliest: no re-arm
    expect(hostCalls()).toBe(1);

    await rt.spawn(armAll(5 * HOUR, 1)); // earlier: re-armed once
    expect(hostCalls()).toBe(2);

    const cleared = clearSpy.mock.calls.length;
    for (const s of sleeps) s[Symbol.dispose](); // outside any turn
    await flush();
    expect(rt.metrics().liveTimers).toBe(0);
    expect(driver.hostTimerArmed).toBe(false);
    expect(clearSpy.mock.calls.length).toBe(cleared + 1);
    await rt.shutdown();
  });

  it("a paused runtime arms no host timer at all", async () => {
    const setSpy = vi.spyOn(globalThis, "setTimeout");
    await run(
      asyncBlock(function* () {
        yield* sleep(10 * HOUR);
      }),
      { clock: "paused" },
    );
    expect(setSpy.mock.calls.filter(([, delay]) => (delay ?? 0) >= 1000)).toEqual([]);
  });
});

describe("shutdown", () => {
  it("a runtime that ends leaves zero live timers and no host timer, even with a sleep nobody dropped", async () => {
    const rt = new Runtime();
    let leaked: Sleep | null = null;
    const sleeper = rt.spawn(sleep(HOUR));
    await rt.spawn(
      asyncBlock(function* () {
        leaked = sleep(2 * HOUR);
        leaked.poll(new Context(Waker.noop())); // registered, then kept past its task
        yield* yieldNow();
      }),
    );
    expect(rt.metrics().liveTimers).toBe(2);
    await rt.shutdown();
    expect(sleeper.isFinished()).toBe(true);
    expect(rt.metrics().liveTimers).toBe(0);
    expect(rt.timeDriver.hostTimerArmed).toBe(false);
    expect(() => leaked!.poll(new Context(Waker.noop()))).toThrow(/runtime shut down/);
  });

  it("a process whose runtime ended exits promptly although its tasks were sleeping for an hour", () => {
    const here = fileURLToPath(new URL(".", import.meta.url));
    const script = `
      import { run, spawn, sleep, asyncBlock, Context, Waker } from "../src/index.ts";
      let kept;
      await run(asyncBlock(function* () {
        spawn(sleep(3_600_000));                       // aborted at shutdown
        kept = sleep(7_200_000);
        kept.poll(new Context(Waker.noop()));          // leaked: never dropped
        yield* sleep(20);                              // a real 20 ms
      }));
      console.log("main done");
    `;
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: here,
        encoding: "utf8",
        timeout: 15_000,
      },
    );
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe("main done");
    // Killed by the 15 s limit would mean something kept the process alive.
    expect(child.signal).toBe(null);
    expect(child.status).toBe(0);
  });
});

describe("instrumentation", () => {
  it("reports a timer registered (by its task, for its deadline), cancelled, fired, and the wake it made", async () => {
    const events: RuntimeEvent[] = [];
    await run(
      asyncBlock(function* () {
        const loser = sleep(5000);
        loser.poll(new Context(Waker.noop()));
        loser[Symbol.dispose]();
        yield* sleep(3000);
      }),
      { clock: "paused", instrument: (e) => events.push(e) },
    );
    const timerEvents = events.filter((e) => e.kind.startsWith("timer") || e.kind === "wake");
    expect(timerEvents.map((e) => e.kind)).toEqual([
      "timer-register",
      "timer-cancel",
      "timer-register",
      "timer-fire",
      "wake",
    ]);
    const [reg1, cancel, reg2, fire, wake] = timerEvents as any[];
    // Polled by hand with a context of its own: no task registered it.
    expect(reg1).toMatchObject({ at: 0, deadline: 5000, task: null });
    expect(cancel.timer).toBe(reg1.timer);
    expect(reg2).toMatchObject({ at: 0, deadline: 3000, task: 1 });
    expect(reg2.timer).not.toBe(reg1.timer);
    expect(fire).toMatchObject({ at: 3000, timer: reg2.timer });
    expect(wake).toMatchObject({ at: 3000, task: 1, by: { kind: "timer", timer: reg2.timer } });
  });
});

describe("Instant.equals", () => {
  it("two instants read at the same paused time are equal though distinct objects; one a millisecond later is not", async () => {
    const [a, b, c] = await run(
      asyncBlock(function* () {
        const a = Instant.now();
        const b = Instant.now();
        yield* sleep(1);
        return [a, b, Instant.now()] as const;
      }),
      { clock: "paused" },
    );
    expect(a === b).toBe(false);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.add(1).equals(c)).toBe(true);
    expect(() => a.equals(5 as unknown as Instant)).toThrow(
      "instant.equals(other): other must be an Instant",
    );
  });
});
