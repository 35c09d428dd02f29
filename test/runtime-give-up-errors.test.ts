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
