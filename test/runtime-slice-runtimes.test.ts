/**
 * The event loop's slice is the thread's, but the hop it calls for is only for the runtimes whose
 * turns spent it: a runtime woken from timers (macrotasks: the loop has just turned) goes on at
 * once while two others starve the loop between themselves and hop (found by review).
 */
import { expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { pollFn } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import type { Waker } from "../src/future/waker.js";
import { Runtime } from "../src/runtime/runtime.js";
import { sleep } from "../src/time/sleep.js";

/** Runtimes A and B play ping-pong through microtasks until `stop()`; returns their hops. */
function pingPong() {
  const a = new Runtime({ longPollThreshold: false });
  const b = new Runtime({ longPollThreshold: false });
  const wakers: (Waker | null)[] = [null, null];
  let stopped = false;
  const player = (me: number) =>
    pollFn((cx: Context) => {
      if (stopped) return "tired";
      wakers[me] = cx.waker;
      const other = wakers[1 - me];
      wakers[1 - me] = null;
      other?.wake();
      return PENDING;
    });
  const ha = a.spawn(player(0));
  const hb = b.spawn(player(1));
  return {
    async stop(): Promise<number> {
      stopped = true;
      const hops = a.metrics().eventLoopYields + b.metrics().eventLoopYields;
      ha.abort();
      hb.abort();
      await Promise.all([a.shutdown(), b.shutdown()]);
      return hops;
    },
  };
}

it("a third runtime woken only by setTimeout callbacks never hops while two others ping-pong through microtasks", async () => {
  const game = pingPong();
  const c = new Runtime({ longPollThreshold: false });
  let ticks = 0;
  const ticker = pollFn((cx: Context) => {
    if (++ticks > 30) return "done";
    const w = cx.waker;
    setTimeout(() => w.wake(), 0);
    return PENDING;
  });
  await c.spawn(ticker);
  const abHops = await game.stop();
  expect(abHops).toBeGreaterThan(0); // the ping-pong starved the loop, and hopped
  expect(c.metrics().eventLoopYields).toBe(0);
  await c.shutdown();
});

it("a third runtime whose task sleeps 1 ms thirty times never hops while two others ping-pong", async () => {
  const game = pingPong();
  const c = new Runtime({ longPollThreshold: false });
  await c.spawn(
    asyncBlock(function* () {
      for (let i = 0; i < 30; i++) yield* sleep(1);
    }),
  );
  const abHops = await game.stop();
  expect(abHops).toBeGreaterThan(0);
  expect(c.metrics().eventLoopYields).toBe(0);
  await c.shutdown();
});
