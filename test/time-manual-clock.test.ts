/**
 * `clock: "manual"`: a paused clock that never moves by itself. A paused clock auto-advances when
 * the runtime is idle, which is right when the whole test runs inside the runtime, and wrong when
 * native code the runtime cannot see drives it (an HTTP client awaiting a server's task): between
 * two requests the runtime is idle, and a periodic task's timers would race ahead. On the manual
 * clock only `time.advance(ms)` moves time.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DeadlockError,
  fromPromise,
  interval,
  Runtime,
  run,
  sleep,
  spawn,
  TimeoutError,
  time,
  timeout,
  yieldNow,
} from "../src/index.js";

const realMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the manual clock", () => {
  it("stands still while native code awaits, even with a periodic task, and moves exactly as far as advanced", async () => {
    const rt = new Runtime({ clock: "manual" });
    let ticks = 0;
    rt.spawn(
      asyncBlock(function* () {
        const every = interval(1000);
        for (;;) {
          yield* every.tick();
          ticks++;
        }
      }),
      { name: "heartbeat" },
    );
    await realMs(30); // a native await: the runtime is idle meanwhile
    expect(rt.now()).toBe(0);
    expect(ticks).toBe(1); // the first tick is at once
    await rt.spawn(time.advance(3000));
    expect(rt.now()).toBe(3000);
    expect(ticks).toBe(4); // 1000, 2000 and 3000
    await realMs(10);
    expect(ticks).toBe(4);
    await rt.shutdown();
    expect(rt.metrics().liveTimers).toBe(0);
  });

  it("the same program on the paused clock races ahead while native code awaits (why the manual clock exists)", async () => {
    const rt = new Runtime({ clock: "paused" });
    rt.spawn(
      asyncBlock(function* () {
        const every = interval(1000);
        for (;;) yield* every.tick();
      }),
    );
    await realMs(30);
    expect(rt.now()).toBeGreaterThan(1000);
    await rt.shutdown();
  });

  it("a timeout over a promise that never settles fires when the manual clock is advanced past it", async () => {
    const rt = new Runtime({ clock: "manual" });
    const hung = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* timeout(
            1000,
            fromPromise(() => new Promise<never>(() => {})),
          );
          return "settled";
        } catch (e) {
          return e instanceof TimeoutError ? "timed out" : "other error";
        }
      }),
    );
    await realMs(10);
    expect(hung.isFinished()).toBe(false);
    await rt.spawn(time.advance(999));
    expect(hung.isFinished()).toBe(false);
    await rt.spawn(time.advance(1));
    expect(await hung).toBe("timed out");
    await rt.shutdown();
    expect(rt.metrics().liveTimers).toBe(0);
  });

  it("inside run(), main advances it itself, and time.isPaused() is true", async () => {
    const out = await run(
      asyncBlock(function* () {
        const cook = spawn(
          asyncBlock(function* () {
            yield* sleep(3000);
            return "soup";
          }),
        );
        yield* yieldNow(); // the cook starts: its sleep counts from 0
        yield* time.advance(2999);
        const early = cook.isFinished();
        yield* time.advance(1);
        return { paused: time.isPaused(), early, dish: yield* cook, at: Runtime.current().now() };
      }),
      { clock: "manual" },
    );
    expect(out).toEqual({ paused: true, early: false, dish: "soup", at: 3000 });
  });

  it("run()'s main waiting on a timer that nobody advances is a deadlock, and the report says the clock is manual", async () => {
    const err = await run(
      asyncBlock(function* main() {
        yield* sleep(1000);
      }),
      { clock: "manual" },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain(
      "main → main → sleep until t=1000 ms\nTimers are pending",
    );
    expect((err as Error).message).toMatch(
      /Timers are pending, but the clock is manual \(\{ clock: 'manual' \}\): only time\.advance\(ms\) moves it, and no task is left to call it\.$/,
    );
  });

  it("an unknown clock lists the three kinds", () => {
    expect(() => new Runtime({ clock: "fake" as never })).toThrow(/'real', 'paused', 'manual'/);
  });

  it("shutdown moves a manual clock by itself: a cleanup that sleeps runs to its end in virtual time", async () => {
    const rt = new Runtime({ clock: "manual" });
    const log: string[] = [];
    rt.spawn(
      asyncBlock(function* () {
        try {
          yield* sleep(60_000);
        } finally {
          yield* sleep(200); // the table is cleared, politely
          log.push(`cleared at ${rt.now()}`);
        }
      }),
    );
    await rt.spawn(time.advance(100));
    await rt.shutdown();
    expect(log).toEqual(["cleared at 300"]);
    expect(rt.metrics().liveTimers).toBe(0);
  });

  it("a manual clock resumed, then paused again, is manual again: native awaits do not move it", async () => {
    const rt = new Runtime({ clock: "manual" });
    await rt.spawn(
      asyncBlock(function* () {
        time.resume();
        time.pause();
      }),
    );
    rt.spawn(
      asyncBlock(function* () {
        for (;;) yield* sleep(1000);
      }),
    );
    const at = rt.now();
    await realMs(20);
    expect(rt.now()).toBe(at);
    await rt.shutdown();
  });
});
