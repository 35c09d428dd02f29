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

  it("yield* twice on one handle: the second throws a FutureStateError that names the task and says to keep the value", async () => {
    const rt = new Runtime();
    const second = await rt.spawn(
      asyncBlock(function* () {
        const h = spawn(ready(3), { name: "soup" });
        yield* h;
        try {
          yield* h;
          return "handed out again";
        } catch (e) {
          return e;
        }
      }),
    );
    expect(second).toBeInstanceOf(FutureStateError);
    expect((second as Error).message).toBe(
      "JoinHandle of task 'soup' was polled after it completed: its output is handed out once (keep the value, or check isFinished() before awaiting)",
    );
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
