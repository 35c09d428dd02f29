import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { JoinSet } from "../src/task/join-set.js";
import { yieldNow } from "../src/task/yield-now.js";

const waitForever = () =>
  asyncBlock(function* () {
    yield* pending();
  });

/** The message of the JoinError a settled handle rejects with. */
const messageOf = (p: PromiseLike<unknown>): Promise<string> =>
  Promise.resolve(p).then(
    () => "no error",
    (e: JoinError) => `${e.isCancelled() ? "cancelled" : "other"}: ${e.message}`,
  );

describe("a cancelled task's JoinError says who cancelled it", () => {
  it("abort() on its handle", async () => {
    const rt = new Runtime();
    const h = rt.spawn(waitForever(), { name: "soup" });
    h.abort();
    expect(await messageOf(h)).toBe(
      "cancelled: task 'soup' was cancelled: abort() was called on its handle",
    );
    await rt.shutdown();
  });

  it("the runtime shutting down, and a spawn while it shuts down", async () => {
    const rt = new Runtime();
    const h = rt.spawn(waitForever(), { name: "stew" });
    await new Promise((r) => setImmediate(r));
    const closing = rt.shutdown();
    const late = rt.spawn(waitForever(), { name: "late" });
    await closing;
    expect(await messageOf(h)).toBe("cancelled: task 'stew' was cancelled: the runtime shut down");
    expect(await messageOf(late)).toBe(
      "cancelled: task 'late' was cancelled: it was spawned while the runtime shut down",
    );
  });

  it("its signal, with the signal's reason kept as the cause", async () => {
    const rt = new Runtime();
    const ac = new AbortController();
    const h = rt.spawn(waitForever(), { name: "tart", signal: ac.signal });
    ac.abort(new Error("client went away"));
    const e = await Promise.resolve(h).then(
      () => null,
      (err: JoinError) => err,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).toBe("task 'tart' was cancelled: its AbortSignal was aborted");
    expect((e!.cause as Error).message).toBe("client went away");
    await rt.shutdown();
  });

  it("abortAll() of its JoinSet", async () => {
    const got = await run(
      asyncBlock(function* () {
        const set = new JoinSet<void>();
        set.spawn(waitForever(), { name: "pie" });
        yield* yieldNow();
        set.abortAll();
        try {
          yield* set.joinNext();
          return "no error";
        } catch (e) {
          return (e as JoinError).message;
        }
      }),
    );
    expect(got).toBe("task 'pie' was cancelled: its JoinSet's abortAll() was called");
  });
});
