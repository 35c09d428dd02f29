/**
 * Bug hunt: a sleep awaited across runtimes when the runtime it belongs to shuts down.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import { Runtime } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import { type Sleep, sleep } from "../src/time/sleep.js";
import { timeout } from "../src/time/timeout.js";
import { MockTask, PENDING } from "./future-testkit.js";

describe("the runtime a sleep belongs to shuts down while another runtime's task awaits it", () => {
  it("the awaiting task is woken, and its poll throws a FutureStateError saying the runtime shut down", async () => {
    const home = new Runtime({ clock: "paused" });
    const away = new Runtime({ clock: "paused" });
    let made!: Sleep;
    await home.spawn(
      asyncBlock(function* () {
        made = sleep(60_000);
      }),
    );
    let polls = 0;
    const waiter = away.spawn(
      asyncBlock(function* () {
        polls++;
        yield* made;
        return "rang";
      }),
    );
    // The away task registers the sleep on home's wheel.
    await away.spawn(asyncBlock(function* () {}));
    expect(home.metrics().liveTimers).toBe(1);
    // Await the task's outcome before the shutdown, so its failure is observed, not reported.
    const settled = (async () => {
      try {
        await waiter;
        return null;
      } catch (e) {
        return e;
      }
    })();
    await home.shutdown();
    expect(home.metrics().liveTimers).toBe(0);
    const failure = await settled;
    // Woken once by the shutdown, polled once more: the sleep says why it cannot ring.
    expect(polls).toBe(1);
    expect(failure).toBeInstanceOf(JoinError);
    const cause = (failure as JoinError).cause;
    expect(cause).toBeInstanceOf(FutureStateError);
    expect((cause as Error).message).toBe("a sleep was polled after its runtime shut down");
    await away.shutdown();
  });

  it("a hand-polled timeout whose timer was on the closed runtime is woken once, and its next poll throws", async () => {
    const home = new Runtime({ clock: "paused" });
    let guarded!: ReturnType<typeof timeout<string>>;
    await home.spawn(
      asyncBlock(function* () {
        guarded = timeout(
          60_000,
          asyncBlock(function* () {
            yield* sleep(120_000);
            return "late";
          }),
        );
      }),
    );
    const t = new MockTask(guarded);
    // Polled by hand outside any runtime: the inner sleep needs a runtime, so drive it in home.
    await home.spawn(
      asyncBlock(function* () {
        expect(t.poll()).toBe(PENDING);
      }),
    );
    expect(t.isWoken()).toBe(false);
    await home.shutdown();
    expect(t.isWoken()).toBe(true);
    expect(() => t.poll()).toThrow(FutureStateError);
  });
});
