/**
 * Go's `time.After` made once before a loop and selected on in every pass does not carry over: a
 * race drops the sleep that lost, and racing it again says so, and says what to do instead.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, FutureStateError, race, run, sleep, yieldNow } from "../src/index.js";

describe("a sleep raced again after losing a race", () => {
  it("throws a FutureStateError that points to a new sleepUntil(deadline) each pass", async () => {
    const error = await run(
      asyncBlock(function* main() {
        const deadline = sleep(1000);
        yield* race(deadline, yieldNow()); // the yield wins; the sleep is dropped
        yield* race(deadline, yieldNow());
      }),
      { clock: "paused" },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FutureStateError);
    expect((error as Error).message).toBe(
      "a sleep was polled after it was dropped (a race or select drops the branches that lose: for a deadline kept across a loop's passes, race a new sleepUntil(deadline) each pass)",
    );
  });
});
