/**
 * From a review: 037da43 made an interval read its own runtime's clock (the sleep's driver), because a
 * deadline computed on another runtime's clock means another moment on the home wheel. The stream
 * timers (timed.ts:43, TimedAdapter.restart) still compute `nowMs() + ms`, the clock of whichever
 * runtime polls, and put that on the wheel of the runtime the sleep belongs to.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, Instant, iter, Runtime } from "../src/index.js";

describe("a throttle made in one runtime and pulled from another", () => {
  it("rests 10 ms between items on its own runtime's clock, not 10 ms after the other runtime's now", async () => {
    const home = new Runtime({ clock: "paused" });
    const made = await home.spawn(
      asyncBlock(function* () {
        const s = iter([1, 2, 3]).throttle(10);
        const first = yield* s.next(); // the sleep is made here, on home's wheel
        return { s, first, t0: Instant.now() };
      }),
    );
    expect(made.first).toBe(1);
    // Real time passes; home's paused clock stands still, a runtime made now starts ahead of it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const away = new Runtime({ clock: "paused" });
    const items = await away.spawn(
      asyncBlock(function* () {
        return [yield* made.s.next(), yield* made.s.next()];
      }),
    );
    expect(items).toEqual([2, 3]);
    const homeElapsed = await home.spawn(
      asyncBlock(function* () {
        return made.t0.elapsed();
      }),
    );
    // Items 2 and 3 were due at home's 10 and 20 ms. With away's clock the second rest ended 10 ms
    // after away's now (50+ ms ahead), so home's clock was carried past 60 ms.
    expect(homeElapsed).toBe(20);
    await away.shutdown();
    await home.shutdown();
  });
});
