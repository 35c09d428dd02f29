/**
 * Hunt: do tokio-console's columns (`rt.taskStats()`) and the long-poll warning tell the truth?
 * The host clock is replaced by a hand-moved one (`performance.now` is what Brigade times polls
 * with), so every duration below is exact and no test depends on the machine's speed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RuntimeEvent } from "../src/index.js";
import { asyncBlock, Notify, PENDING, pollFn, Runtime } from "../src/index.js";
import { traceEvents } from "../src/runtime/trace.js";

/** The host clock, moved only by the test. */
let hostMs = 1000;
const advanceHost = (ms: number): void => {
  hostMs += ms;
};

beforeEach(() => {
  hostMs = 1000;
  vi.spyOn(performance, "now").mockImplementation(() => hostMs);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Let the runtime's turns (microtasks and macrotasks) run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("taskStats while the task is still waiting", () => {
  it("a task parked since its last poll counts the wait so far as idle time, as tokio-console does", async () => {
    const rt = new Runtime({ instrument: () => {}, clock: "paused", onWarning: () => {} });
    const bell = new Notify();
    rt.spawn(
      asyncBlock(function* waiter() {
        yield* bell.notified();
      }),
      { name: "waiter" },
    );
    await settle(); // polled once: parked on the notify
    advanceHost(50);
    const row = rt.taskStats().find((t) => t.name === "waiter")!;
    expect(row.polls).toBe(1);
    expect(row.idleMs).toBe(50);
    bell.notifyOne();
    await settle();
    await rt.shutdown();
  });

  it("a task woken but not yet polled counts the wait for the executor so far as scheduled time", async () => {
    const rt = new Runtime({ instrument: () => {}, clock: "paused", onWarning: () => {} });
    const bell = new Notify();
    let wokenOutsideTurn = false;
    rt.spawn(
      asyncBlock(function* waiter() {
        yield* bell.notified();
        wokenOutsideTurn = true;
      }),
      { name: "waiter" },
    );
    await settle();
    bell.notifyOne(); // wakes it; its poll comes in a later turn
    advanceHost(7);
    const row = rt.taskStats().find((t) => t.name === "waiter")!;
    expect(wokenOutsideTurn).toBe(false);
    expect(row.scheduledMs).toBe(7);
    expect(row.idleMs).toBe(0);
    await settle();
    await rt.shutdown();
  });
});

describe("taskStats of a task that ended without a last poll", () => {
  it("a task parked for 30 ms and then aborted keeps those 30 ms as idle time", async () => {
    const rt = new Runtime({ instrument: () => {}, clock: "paused", onWarning: () => {} });
    const h = rt.spawn(
      asyncBlock(function* parked() {
        yield* new Notify().notified(); // nobody will ring
      }),
      { name: "parked" },
    );
    await settle();
    advanceHost(30);
    h.abort();
    await settle();
    advanceHost(100); // after the end: no longer counted
    const row = rt.taskStats().find((t) => t.name === "parked")!;
    expect(row).toMatchObject({ done: true, polls: 1, idleMs: 30, scheduledMs: 0 });
    await rt.shutdown();
  });
});

describe("a wake during the task's own poll", () => {
  it("a task that wakes itself mid-poll is scheduled from the end of that poll, not from the wake: busy and scheduled never overlap", async () => {
    const rt = new Runtime({ instrument: () => {}, clock: "paused", onWarning: () => {} });
    /** Rings its own pager first, then works 10 ms before returning pending. */
    const wakeThenWork = () => {
      let woke = false;
      return pollFn((cx) => {
        if (woke) return undefined;
        woke = true;
        cx.waker.wake();
        advanceHost(10);
        return PENDING;
      });
    };
    const h = rt.spawn(
      asyncBlock(function* yielder() {
        for (let i = 0; i < 3; i++) yield* wakeThenWork();
      }),
      { name: "yielder" },
    );
    await h;
    const row = rt.taskStats().find((t) => t.name === "yielder")!;
    expect(row).toMatchObject({ polls: 4, selfWakes: 3 });
    expect(row.busyMs).toBe(30);
    // Nothing passes between a poll's end and the next poll's start.
    expect(row.scheduledMs).toBe(0);
    await rt.shutdown();
  });
});

describe("the listeners' own time", () => {
  it("a listener slow on poll-start is not counted as the task's busy time, nor reported as a long poll", async () => {
    const warnings: string[] = [];
    const rt = new Runtime({
      clock: "paused",
      longPollThreshold: 10,
      onWarning: (w) => warnings.push(w.message),
    });
    const events: RuntimeEvent[] = [];
    rt.instrument((e) => {
      events.push(e);
      if (e.kind === "poll-start") advanceHost(25); // a slow listener: a console, a file
    });
    await rt.spawn(
      asyncBlock(function* quick() {
        advanceHost(1); // the poll itself takes 1 ms
      }),
      { name: "quick" },
    );
    const row = rt.taskStats().find((t) => t.name === "quick")!;
    expect(row.busyMs).toBe(1);
    expect(warnings).toEqual([]);
    // The trace's slice is the poll itself: it ends where the poll ended.
    const end = events.find((e) => e.kind === "poll-end")!;
    const slice = traceEvents(events).traceEvents.find((e) => e.ph === "X" && e.cat === "poll")!;
    const origin = events[0]!.wall;
    expect(slice).toMatchObject({ dur: 1000, ts: (end.wall - origin) * 1000 - 1000 });
    await rt.shutdown();
  });
});
