/**
 * `rt.closed()`: the promise of a long-lived runtime's end, however it comes. Native code that
 * feeds a runtime (a server's request handlers) learns from it that the runtime ended itself, and
 * stops sending work that would only be cancelled.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, JoinError, Runtime, sleep } from "../src/index.js";

const settledYet = async (p: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((r) => setImmediate(r));
  return settled;
};

describe("rt.closed()", () => {
  it("starts nothing: tasks run on, and it resolves once shutdown() has ended them", async () => {
    const rt = new Runtime({ clock: "paused" });
    const done = rt.spawn(
      asyncBlock(function* () {
        yield* sleep(100);
        return "soup";
      }),
    );
    const closed = rt.closed();
    expect(await done).toBe("soup");
    expect(await settledYet(closed)).toBe(false);
    await rt.shutdown();
    await expect(closed).resolves.toBeUndefined();
    await expect(rt.closed()).resolves.toBeUndefined(); // asked again after the end
  });

  it("rejects with the panic that ended the runtime under unhandledPanic: 'shutdown', after which spawns are cancelled", async () => {
    const rt = new Runtime({ unhandledPanic: "shutdown" });
    const closed = rt.closed();
    rt.spawn(
      asyncBlock(function* () {
        yield* sleep(1);
        throw new Error("the oven caught fire");
      }),
      { name: "oven" },
    );
    const err = await closed.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).cause).toEqual(new Error("the oven caught fire"));
    const late = rt.spawn(
      asyncBlock(function* () {
        return 1;
      }),
    );
    const lateErr = await Promise.resolve(late).catch((e: unknown) => e);
    expect((lateErr as JoinError).isCancelled()).toBe(true);
    expect(rt.metrics().liveTasks).toBe(0);
  });
});
