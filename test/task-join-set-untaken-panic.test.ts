/**
 * A panic a JoinSet holds is the set's caller's to take; a set disposed or detached with one still
 * untaken reports it, as a dropped JoinHandle's panic is reported (found by the model-based hunt).
 * A `shutdown()` discards outcomes on purpose, panics too, and reports none.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { run } from "../src/runtime/runtime.js";
import { JoinSet } from "../src/task/join-set.js";
import { sleep } from "../src/time/sleep.js";

const burns = asyncFn(function* burns() {
  yield* sleep(1);
  throw new Error("the sauce burnt");
});

let printed: string[] = [];
beforeEach(() => {
  printed = [];
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    printed.push(String(a[0]));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("a JoinSet let go of with a member's panic untaken", () => {
  it("disposed after the member panicked at 1 ms: the panic is reported once, naming the member", async () => {
    await run(
      asyncBlock(function* () {
        const set = new JoinSet<void>();
        set.spawn(burns(), { name: "sauce" });
        yield* sleep(3);
        set[Symbol.dispose]();
        yield* sleep(1);
      }),
      { clock: "paused" },
    );
    const reports = printed.filter((l) => l.includes("the sauce burnt"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(
      /^brigade: task 'sauce' panicked, and its JoinSet let the outcome go untaken: Error: the sauce burnt/,
    );
  });

  it("detachAll() after the panic reports it the same way; a panic taken with joinNext() is not reported", async () => {
    await run(
      asyncBlock(function* () {
        const taken = new JoinSet<void>();
        taken.spawn(burns(), { name: "taken" });
        try {
          yield* taken.joinNext();
        } catch {}
        const left = new JoinSet<void>();
        left.spawn(burns(), { name: "left" });
        yield* sleep(3);
        left.detachAll();
        taken[Symbol.dispose]();
      }),
      { clock: "paused" },
    );
    expect(printed.filter((l) => l.includes("task 'left'"))).toHaveLength(1);
    expect(printed.filter((l) => l.includes("task 'taken'"))).toHaveLength(0);
  });

  it("shutdown() discards the panic and reports nothing", async () => {
    await run(
      asyncBlock(function* () {
        const set = new JoinSet<void>();
        set.spawn(burns(), { name: "sauce" });
        yield* sleep(3);
        yield* set.shutdown();
        set[Symbol.dispose]();
      }),
      { clock: "paused" },
    );
    expect(printed.filter((l) => l.includes("the sauce burnt"))).toHaveLength(0);
  });
});
