/**
 * The "clock-held" warning: a paused clock that a bridged promise holds still while timers wait.
 * The hang it explains: a `fromPromise` whose promise waits for a timer of the same runtime (a
 * Promise API built on Brigade, called back from Brigade) never settles, because the paused clock
 * does not move while a bridge is in flight. After a second of real time the runtime says so, once
 * per stretch of stillness; a bridge that settles in time, or a clock moved by hand, stops the
 * watch. The watch's second is a host `setTimeout`, faked here (vitest's fake timers, only
 * `setTimeout`/`clearTimeout`: the runtime's own turns run on `setImmediate`, untouched).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  asyncBlock,
  fromPromise,
  Runtime,
  type RuntimeWarning,
  sleep,
  time,
} from "../src/index.js";
import { turns } from "./future-testkit.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a paused clock held by a bridge", () => {
  it("a fromPromise waiting on the runtime's own 100 ms sleep: nothing moves; after a second of real time one clock-held warning names the stuck time, the timers and the bridges, and says what to do", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    // A Promise API built on Brigade: its promise settles when a task of the same runtime sleeps.
    const sdkDelay = (ms: number) => Promise.resolve(rt.spawn(sleep(ms)));
    const caller = rt.spawn(
      asyncBlock(function* () {
        yield* fromPromise(() => sdkDelay(100));
        return "done";
      }),
    );
    await turns(8);
    expect(caller.isFinished()).toBe(false);
    expect(warnings).toEqual([]);
    vi.advanceTimersByTime(999);
    expect(warnings).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(warnings.map((w) => [w.kind, w.task])).toEqual([["clock-held", ""]]);
    expect(warnings[0]!.message).toMatch(
      /^the paused clock has stood at t=0 ms for a second of real time with 1 timer waiting: 1 bridged operation is in flight .* If one of them waits for this runtime's own timers .* it never settles: move the clock by hand \(clock: "manual" and time\.advance\)/,
    );
    // Still stuck: no second warning for the same stretch.
    await turns(8);
    vi.advanceTimersByTime(5000);
    expect(warnings).toHaveLength(1);
    // Moved by hand, the sleep rings, the promise settles, the caller finishes.
    await rt.spawn(time.advance(100));
    await turns(8);
    expect(caller.isFinished()).toBe(true);
    expect(await caller).toBe("done");
    await rt.shutdown();
  });

  it("a bridge that settles within the second (a promise answered on the next host turns) stops the watch: no warning, and the clock then moves to the timer", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    const out = rt.spawn(
      asyncBlock(function* () {
        const timer = rt.spawn(sleep(500));
        const v = yield* fromPromise(async () => {
          await turns(3);
          return 7;
        });
        yield* timer;
        return v;
      }),
    );
    await turns(20);
    expect(await out).toBe(7);
    vi.advanceTimersByTime(5000);
    expect(warnings).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    await rt.shutdown();
  });

  it("a bridge that settles while another holds the clock starts the second over: the warning comes a full second after the last one settled", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    let settle!: () => void;
    rt.spawn(
      asyncBlock(function* () {
        rt.spawn(sleep(100));
        rt.spawn(fromPromise(() => new Promise<void>((r) => (settle = r))));
        yield* fromPromise(() => new Promise<void>(() => {})); // holds the clock for good
      }),
    );
    await turns(8);
    vi.advanceTimersByTime(900);
    settle(); // progress: one of the two answered
    await turns(8);
    vi.advanceTimersByTime(999);
    expect(warnings).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(warnings.map((w) => w.kind)).toEqual(["clock-held"]);
    expect(warnings[0]!.message).toContain("1 bridged operation is in flight");
    await rt.shutdown();
  });

  it("a runtime shut down while held leaves no watch timer behind and never warns", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    rt.spawn(
      asyncBlock(function* () {
        rt.spawn(sleep(100));
        yield* fromPromise(() => new Promise<void>(() => {}));
      }),
    );
    await turns(8);
    expect(vi.getTimerCount()).toBe(1);
    await rt.shutdown();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(warnings).toEqual([]);
  });

  it("with nothing but a bridge (no timer waiting) there is nothing to be held from: no watch, no warning", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    rt.spawn(
      asyncBlock(function* () {
        yield* fromPromise(() => new Promise<void>(() => {}));
      }),
    );
    await turns(8);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(warnings).toEqual([]);
    await rt.shutdown();
  });
});
