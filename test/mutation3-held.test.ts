/**
 * Tests written from a mutation run over the clock-held watch (src/time/held-watch.ts and the
 * driver's reportHeld / autoAdvance lines): each pins down a behaviour the rest of the suite let
 * change unnoticed (the run's notes are in scratch/mutation/NOTES.md). The watch's second is a host
 * `setTimeout`, faked here (only `setTimeout`/`clearTimeout`: the runtime's turns run on
 * `setImmediate`). A task woken from plain code (a `Notify` outside any runtime) is how the tests
 * make the runtime turn without a bridge settling or the clock moving.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  asyncBlock,
  fromPromise,
  Notify,
  Runtime,
  type RuntimeWarning,
  race,
  sleep,
  time,
} from "../src/index.js";
import { turns } from "./future-testkit.js";

/** A bridge that never settles: the paused clock is held while it is in flight. */
const never = () => fromPromise(() => new Promise<void>(() => {}));

/** A paused runtime held by one bridge, with one 100 ms sleep waiting, and a task woken by `bell`. */
function heldRuntime(warnings: RuntimeWarning[], bell: Notify, log: string[]): Runtime {
  const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
  rt.spawn(never());
  rt.spawn(sleep(100));
  rt.spawn(
    asyncBlock(function* () {
      for (;;) {
        yield* bell.notified();
        log.push("rang");
      }
    }),
  );
  return rt;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the clock-held warning's message", () => {
  it("two sleeps wait while two bridges are in flight: the warning counts 2 timers and 2 bridged operations", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    rt.spawn(never());
    rt.spawn(never());
    rt.spawn(sleep(100));
    rt.spawn(sleep(200));
    await turns(8);
    vi.advanceTimersByTime(1000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(
      "with 2 timers waiting: 2 bridged operations are in flight",
    );
    await rt.shutdown();
  });
});

describe("the held watch across turns that move nothing", () => {
  it("a task woken from outside half-way through the second waits again: the warning still comes at the first second's end, and only once", async () => {
    const warnings: RuntimeWarning[] = [];
    const bell = new Notify();
    const log: string[] = [];
    const rt = heldRuntime(warnings, bell, log);
    await turns(8);
    vi.advanceTimersByTime(500);
    bell.notifyOne();
    await turns(8);
    expect(log).toEqual(["rang"]);
    vi.advanceTimersByTime(500);
    expect(warnings.map((w) => w.kind)).toEqual(["clock-held"]);
    vi.advanceTimersByTime(5000);
    expect(warnings).toHaveLength(1);
    await rt.shutdown();
  });

  it("after the warning, a task woken from outside waits again: no second warning for the same stretch of stillness", async () => {
    const warnings: RuntimeWarning[] = [];
    const bell = new Notify();
    const log: string[] = [];
    const rt = heldRuntime(warnings, bell, log);
    await turns(8);
    vi.advanceTimersByTime(1000);
    expect(warnings).toHaveLength(1);
    bell.notifyOne();
    await turns(8);
    expect(log).toEqual(["rang"]);
    vi.advanceTimersByTime(5000);
    expect(warnings).toHaveLength(1);
    await rt.shutdown();
  });

  it("a task made runnable from outside just as the second ends: no warning then (the runtime is not idle); once it waits again, a fresh second ends in the warning", async () => {
    const warnings: RuntimeWarning[] = [];
    const bell = new Notify();
    const log: string[] = [];
    const rt = heldRuntime(warnings, bell, log);
    await turns(8);
    vi.advanceTimersByTime(999);
    bell.notifyOne(); // queued: its turn has not run yet
    vi.advanceTimersByTime(1);
    expect(warnings).toEqual([]);
    await turns(8);
    expect(log).toEqual(["rang"]);
    vi.advanceTimersByTime(999);
    expect(warnings).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(warnings.map((w) => w.kind)).toEqual(["clock-held"]);
    await rt.shutdown();
  });

  it("a task woken from outside drops the only sleep (it raced the bell): with no timer waiting, the second ends with no warning", async () => {
    const warnings: RuntimeWarning[] = [];
    const bell = new Notify();
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    rt.spawn(never());
    const racer = rt.spawn(race(sleep(100), bell.notified()));
    await turns(8);
    expect(vi.getTimerCount()).toBe(1); // the watch
    bell.notifyOne();
    await racer;
    expect(rt.metrics().liveTimers).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(warnings).toEqual([]);
    await rt.shutdown();
  });

  it("a second ends with no warning because no timer waited; later a timer waits again while the bridge holds: a fresh second ends in the warning", async () => {
    const warnings: RuntimeWarning[] = [];
    const bell = new Notify();
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    rt.spawn(never());
    rt.spawn(
      asyncBlock(function* () {
        yield* race(sleep(100), bell.notified()); // the bell wins: the sleep is dropped
        yield* bell.notified();
        yield* sleep(100);
      }),
    );
    await turns(8);
    bell.notifyOne();
    await turns(8);
    expect(rt.metrics().liveTimers).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(warnings).toEqual([]);
    bell.notifyOne();
    await turns(8);
    expect(rt.metrics().liveTimers).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(warnings.map((w) => w.kind)).toEqual(["clock-held"]);
    await rt.shutdown();
  });

  it("a task woken from outside resumes the clock: the second ends with no warning (a running clock is not held)", async () => {
    const warnings: RuntimeWarning[] = [];
    const bell = new Notify();
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    rt.spawn(never());
    rt.spawn(sleep(60_000));
    const resumer = rt.spawn(
      asyncBlock(function* () {
        yield* bell.notified();
        time.resume();
      }),
    );
    await turns(8);
    bell.notifyOne();
    await resumer;
    vi.advanceTimersByTime(1000);
    expect(warnings).toEqual([]);
    await rt.shutdown();
  });
});
