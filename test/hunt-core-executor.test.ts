/**
 * Bug hunt in the executor: turns chained by wakes that come through microtasks (another runtime's
 * task, an already-resolved promise) each leave the run queue empty, so the "slice spent, hop to a
 * macrotask" rule never fired and Node's timers waited until the chain ended. tokio's
 * current-thread scheduler parks on its driver whenever its queue empties; here the event loop must
 * get its turn the same way.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { fromPromise } from "../src/future/from-promise.js";
import { pollFn } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import type { Waker } from "../src/future/waker.js";
import { Runtime } from "../src/runtime/runtime.js";

/** Enough round trips to take far longer than a slice (1 ms) on any machine. */
const LIMIT = 200_000;

/**
 * Two runtimes play ping-pong: each side counts a round, holds the thread for `holdMs`, pages the
 * other side and waits to be paged back, until `limit` rounds. Returns how many rounds had been
 * played when a `setTimeout(0)` set at the start fired, and the runtimes' event-loop yields.
 */
async function pingPongAcrossRuntimes(
  holdMs: number,
  limit: number,
): Promise<{ roundsWhenTheTimerFired: number; eventLoopYields: number }> {
  const a = new Runtime({ longPollThreshold: false });
  const b = new Runtime({ longPollThreshold: false });
  const wakers: (Waker | null)[] = [null, null];
  let rounds = 0;
  const player = (me: number) =>
    pollFn((cx: Context) => {
      if (rounds >= limit) return "tired";
      rounds++;
      const until = performance.now() + holdMs;
      while (holdMs > 0 && performance.now() < until) {}
      wakers[me] = cx.waker;
      const other = wakers[1 - me];
      wakers[1 - me] = null;
      other?.wake();
      return PENDING;
    });
  const ha = a.spawn(player(0));
  const hb = b.spawn(player(1));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const roundsWhenTheTimerFired = rounds;
  const eventLoopYields = a.metrics().eventLoopYields + b.metrics().eventLoopYields;
  ha.abort();
  hb.abort();
  await Promise.all([a.shutdown(), b.shutdown()]);
  expect(a.metrics().liveTasks + b.metrics().liveTasks).toBe(0);
  return { roundsWhenTheTimerFired, eventLoopYields };
}

describe("turns chained through microtasks do not starve Node's timers", () => {
  it("two runtimes whose tasks wake each other back and forth: a setTimeout fires while they still play", async () => {
    const { roundsWhenTheTimerFired, eventLoopYields } = await pingPongAcrossRuntimes(0, LIMIT);
    // The game was still on when the timer fired: the runtimes let the event loop in.
    expect(roundsWhenTheTimerFired).toBeGreaterThan(0);
    expect(roundsWhenTheTimerFired).toBeLessThan(LIMIT);
    expect(eventLoopYields).toBeGreaterThan(0);
  });

  it("two runtimes whose tasks wake each other, each poll holding the thread for longer than a slice: a setTimeout fires while they still play", async () => {
    // Each runtime alone sees a gap as long as a slice before each of its turns (the other
    // runtime's poll), as if the event loop had had its chance: the slice is the thread's.
    const limit = 1_500;
    const { roundsWhenTheTimerFired, eventLoopYields } = await pingPongAcrossRuntimes(1.5, limit);
    expect(roundsWhenTheTimerFired).toBeGreaterThan(0);
    expect(roundsWhenTheTimerFired).toBeLessThan(limit);
    expect(eventLoopYields).toBeGreaterThan(0);
  });

  it("a task that awaits an already-resolved promise in a loop: a setTimeout fires before the loop ends", async () => {
    const rt = new Runtime({ longPollThreshold: false });
    let laps = 0;
    const h = rt.spawn(
      asyncBlock(function* () {
        while (laps < LIMIT) {
          laps++;
          yield* fromPromise(() => Promise.resolve(laps));
        }
        return laps;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(laps).toBeGreaterThan(0);
    expect(laps).toBeLessThan(LIMIT);
    expect(rt.metrics().eventLoopYields).toBeGreaterThan(0);
    h.abort();
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
    expect(rt.metrics().pendingBridges).toBe(0);
  });

  it("a long poll is not a chain of turns: a wake straight after it still runs its task within microtasks", async () => {
    // The slice is the thread's: let the event loop turn, so the earlier tests' chains have ended it.
    await new Promise((resolve) => setImmediate(resolve));
    const rt = new Runtime({ longPollThreshold: false });
    let waker: Waker | null = null;
    let polls = 0;
    const h = rt.spawn(
      pollFn((cx: Context) => {
        polls++;
        if (polls === 2) return "woken";
        // Hold the thread for longer than a slice in this one poll.
        const until = performance.now() + 3;
        while (performance.now() < until) {}
        waker = cx.waker;
        return PENDING;
      }),
    );
    for (let i = 0; i < 5 && polls === 0; i++) await Promise.resolve();
    expect(polls).toBe(1);
    (waker as Waker | null)?.wake();
    for (let i = 0; i < 5 && !h.isFinished(); i++) await Promise.resolve();
    expect(h.isFinished()).toBe(true);
    expect(rt.metrics().eventLoopYields).toBe(0);
    await rt.shutdown();
  });

  it("a wake after the event loop has had its turn still runs its task within microtasks", async () => {
    const rt = new Runtime({ longPollThreshold: false });
    let laps = 0;
    const chain = rt.spawn(
      asyncBlock(function* () {
        while (laps < 5_000) {
          laps++;
          yield* fromPromise(() => Promise.resolve(laps));
        }
      }),
    );
    await chain;
    // The chain has ended and the event loop has turned since: a new wake is not held back.
    await new Promise((resolve) => setTimeout(resolve, 2));
    let waker: Waker | null = null;
    let polls = 0;
    const h = rt.spawn(
      pollFn((cx: Context) => {
        polls++;
        if (polls === 2) return "woken";
        waker = cx.waker;
        return PENDING;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(polls).toBe(1);
    (waker as Waker | null)?.wake();
    for (let i = 0; i < 5 && !h.isFinished(); i++) await Promise.resolve();
    expect(h.isFinished()).toBe(true);
    await rt.shutdown();
  });

  it("a task woken only from setImmediate callbacks (the loop turns between every wake) never has its turn put off to a macrotask", async () => {
    const rt = new Runtime();
    const nextMacrotask = () => fromPromise(() => new Promise<void>((r) => setImmediate(r)));
    await rt.spawn(
      asyncBlock(function* () {
        for (let i = 0; i < 3000; i++) yield* nextMacrotask();
      }),
    );
    // Every turn followed an event-loop turn: there was never a chain of microtask turns to break.
    expect(rt.metrics().eventLoopYields).toBe(0);
    await rt.shutdown();
  });
});
