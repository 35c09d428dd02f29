import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { fromPromise } from "../src/future/from-promise.js";
import { pending } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";

afterEach(() => vi.restoreAllMocks());

describe("a cleanup given up on", () => {
  it("an outer finally that throws while the shutdown gives up on the cleanup is reported somewhere, not swallowed", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
      errors.push(a.map(String).join(" "));
    });
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          try {
            yield* pending();
          } finally {
            // awaits something that never settles: the shutdown will give up on it
            yield* fromPromise(() => new Promise<void>(() => {}));
          }
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
          throw new Error("flush failed while closing");
        }
      }),
      { name: "writer" },
    );
    await new Promise((r) => setImmediate(r));
    const shut = await rt.shutdown({ timeout: 10 }).then(
      () => "ok",
      (e: Error) => `${e.name}: ${e.message}`,
    );
    const outcome = await Promise.resolve(h).then(
      () => "value",
      (e: Error) => e.message,
    );
    const everything = [shut, outcome, ...errors].join("\n");
    expect(everything).toContain("flush failed while closing");
    expect(errors.join("\n")).toMatch(
      /task 'writer' was given up on while cleaning up, and a finally block threw as it was left: Error: flush failed while closing/,
    );
  });
});

describe("the cleanups of a dropped join, given up on after one of them had already failed", () => {
  it("a timeout drops joinAll(a, b); a's cleanup throws after 1 ms, b's never ends; the shutdown gives up: a's error is reported", async () => {
    const { joinAll } = await import("../src/combinator/join-all.js");
    const { timeout } = await import("../src/time/timeout.js");
    const { sleep } = await import("../src/time/sleep.js");
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
      errors.push(a.map(String).join(" "));
    });
    const rt = new Runtime();
    const a = asyncBlock(function* () {
      try {
        yield* pending();
      } finally {
        yield* sleep(1);
        // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
        throw new Error("a's cleanup failed");
      }
    });
    const b = asyncBlock(function* () {
      try {
        yield* pending();
      } finally {
        yield* fromPromise(() => new Promise<void>(() => {}));
      }
    });
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* timeout(5, joinAll([a, b]));
        } catch {
          // the TimeoutError: the join's cleanups go on as a detached task
        }
        return "timed out";
      }),
    );
    expect(await h).toBe("timed out");
    // a's cleanup has thrown by now (recorded in AllCleanups.errors, waiting for b).
    await new Promise((r) => setTimeout(r, 30));
    const shut = await rt.shutdown({ timeout: 10 }).then(
      () => "ok",
      (e: Error) => `${e.name}: ${e.message}`,
    );
    // Today: AllCleanups[Symbol.dispose] throws only what the disposals threw, not `this.errors`.
    expect([shut, ...errors].join("\n")).toContain("a's cleanup failed");
  });
});
