import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import { Barrier, type BarrierWaitResult } from "../src/sync/barrier.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

describe("Barrier", () => {
  it("releases everyone when the n-th arrives; only the last to arrive is the leader; then a new round starts", () => {
    const b = new Barrier(3);
    const p1 = new MockTask(b.wait());
    const p2 = new MockTask(b.wait());
    expect(p1.poll()).toBe(PENDING);
    expect(p2.poll()).toBe(PENDING);
    expect(b.arrived()).toBe(2);
    expect((new MockTask(b.wait()).poll() as BarrierWaitResult).isLeader).toBe(true);
    expect(p1.wakes + p2.wakes).toBe(2);
    expect((p1.poll() as BarrierWaitResult).isLeader).toBe(false);
    expect((p2.poll() as BarrierWaitResult).isLeader).toBe(false);
    expect(b.arrived()).toBe(0);
    expect(new MockTask(b.wait()).poll()).toBe(PENDING);
  });

  it("a waiter disposed before the round completes withdraws its arrival", () => {
    const b = new Barrier(2);
    const p1 = new MockTask(b.wait());
    p1.poll();
    p1.future[Symbol.dispose]();
    expect(b.arrived()).toBe(0);
    expect(new MockTask(b.wait()).poll()).toBe(PENDING);
  });

  it("n must be an integer of at least 1", () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(0)).toThrow(/n must be at least 1, got 0/);
    expect(() => new Barrier(2.5)).toThrow(TypeError);
    expect((new MockTask(new Barrier(1).wait()).poll() as BarrierWaitResult).isLeader).toBe(true);
  });

  it("with tasks on a seeded runtime, each round has exactly one leader and nobody passes early", async () => {
    for (let seed = 0; seed < 20; seed++) {
      const rt = new Runtime({ seed });
      const b = new Barrier(4);
      let leaders = 0;
      let arrivedRound = 0;
      let early = 0;
      const hs = [0, 1, 2, 3].map((i) =>
        rt.spawn(
          asyncBlock(function* () {
            for (let y = 0; y < i; y++) yield* yieldNow();
            arrivedRound++;
            const { isLeader } = yield* b.wait();
            if (arrivedRound < 4) early++;
            if (isLeader) leaders++;
          }),
        ),
      );
      for (const h of hs) await h;
      expect(leaders).toBe(1);
      expect(early).toBe(0);
      await rt.shutdown();
      expect(rt.metrics().liveWaiters).toBe(0);
    }
  });
});
