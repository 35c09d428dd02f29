import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import { ready } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

describe("a JoinHandle's output is taken once", () => {
  it("awaited from native code after yield* took the output, it rejects instead of handing it out again", async () => {
    const rt = new Runtime();
    const guard = { label: "the only key" };
    const { handle, first } = await rt.spawn(
      asyncBlock(function* () {
        const h = spawn(ready(guard));
        yield* yieldNow();
        return { handle: h, first: yield* h };
      }),
    );
    expect(first).toBe(guard);
    const second = await Promise.resolve(handle).then(
      () => "resolved again",
      (e: unknown) => e,
    );
    expect(second).toBeInstanceOf(FutureStateError);
    expect(String(second)).toMatch(/awaited after yield\* took its output/);
    await rt.shutdown();
  });

  it("a native await may still be repeated, as a promise's may: each gets the same output", async () => {
    const rt = new Runtime();
    const h = rt.spawn(ready(7));
    expect(await h).toBe(7);
    expect(await h).toBe(7);
    await rt.shutdown();
  });
});
