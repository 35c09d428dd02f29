import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { run } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import { sleep } from "../src/time/sleep.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";

describe("a TimeoutError says what the future was waiting on", () => {
  it("names the chain of the future it dropped, down to the leaf", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const fetchFlour = asyncFn(function* fetchFlour() {
      using _key = yield* pantry.lock();
    });
    const err = await run(
      asyncBlock(function* () {
        using _held = yield* pantry.lock();
        try {
          yield* timeout(50, fetchFlour());
          return null;
        } catch (e) {
          return e;
        }
      }),
      { clock: "paused" },
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(
      /^timeout\(50\): the deadline passed before the future finished \(it was waiting on: fetchFlour → mutex 'pantry'.*\)$/,
    );
  });

  it("a sleep that outlasts the limit is named with its deadline", async () => {
    const err = await run(
      asyncBlock(function* () {
        try {
          yield* timeout(10, sleep(1000));
          return null;
        } catch (e) {
          return e as Error;
        }
      }),
      { clock: "paused" },
    );
    expect(err?.message).toMatch(/it was waiting on: sleep/);
  });
});
