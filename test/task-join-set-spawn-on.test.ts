/**
 * `JoinSet.spawnOn(future, rt)` (tokio's `spawn_on`): native code, outside any task, feeds a set
 * on a long-lived runtime; a task (or native code through `rt.spawn`) takes the outputs.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  DONE,
  JoinSet,
  Runtime,
  RuntimeStateError,
  sleep,
} from "../src/index.js";

const cook = asyncFn(function* cook(dish: string, ms: number) {
  yield* sleep(ms);
  return dish;
});

describe("JoinSet.spawnOn", () => {
  it("native code spawns members on a runtime; a task on it takes their outputs in finishing order", async () => {
    const rt = new Runtime({ clock: "paused" });
    const set = new JoinSet<string>();
    set.spawnOn(cook("stew", 300), rt, { name: "stew" });
    set.spawnOn(cook("salad", 100), rt);
    expect(set.size).toBe(2);
    const got = await rt.spawn(
      asyncBlock(function* () {
        const out: string[] = [];
        for (let r = yield* set.joinNext(); r !== DONE; r = yield* set.joinNext()) out.push(r);
        return out;
      }),
    );
    expect(got).toEqual(["salad", "stew"]);
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("spawn outside a task says to use spawnOn; spawnOn with something that is not a runtime is a TypeError; a disposed set refuses both", () => {
    const set = new JoinSet<string>();
    expect(() => set.spawn(cook("soup", 1))).toThrow(
      new RuntimeStateError(
        "JoinSet.spawn() was called outside a Brigade runtime: call it from inside a task, or use set.spawnOn(future, rt)",
      ),
    );
    expect(() => set.spawnOn(cook("soup", 1), {} as never)).toThrow(
      new TypeError("JoinSet.spawnOn(future, runtime): runtime must be a Runtime, got object"),
    );
    set[Symbol.dispose]();
    const rt = new Runtime();
    expect(() => set.spawnOn(cook("soup", 1), rt)).toThrow(
      /^JoinSet\.spawnOn\(\) was called on a disposed JoinSet/,
    );
    expect(() => set.spawn(cook("soup", 1))).toThrow(
      /^JoinSet\.spawn\(\) was called on a disposed JoinSet/,
    );
  });

  it("disposing the set aborts the members spawned on the runtime, and their cleanups run", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    const set = new JoinSet<void>();
    set.spawnOn(
      asyncBlock(function* () {
        try {
          yield* sleep(60_000);
        } finally {
          log.push("cleared");
        }
      }),
      rt,
    );
    await rt.spawn(sleep(1));
    set[Symbol.dispose]();
    await rt.shutdown();
    expect(log).toEqual(["cleared"]);
    expect(rt.metrics().liveTasks).toBe(0);
  });
});
