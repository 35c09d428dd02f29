/**
 * debounce and the task's budget: an upstream's `PENDING` with the budget spent is not always a
 * budget cut. The last item of a burst may spend the last unit, and the upstream's next poll is
 * then a true `PENDING` that woke nobody: the quiet period's sleep must still be polled (so a timer
 * wakes the task), or the last item of the burst would be held for ever. A cut is told apart by
 * the budget's count of forced yields.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, Instant, mpsc, receiverStream, run, spawn } from "../src/index.js";
import { BUDGET } from "../src/task/budget.js";

const PAUSED = { clock: "paused" as const };

describe("debounce when the burst's last item spends the task's last unit of budget", () => {
  // Failed before its fix (found here): timed.ts:175 returns PENDING without polling the sleep; nothing wakes the task.
  it("a burst of exactly BUDGET items is sent, the channel stays open, a task reads: it gets the last item 10 ms later", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<number>();
        for (let i = 0; i < BUDGET; i++) tx.send(i);
        using s = receiverStream(rx).debounce(10);
        // A fresh task: its first poll has the whole budget, and the drain spends all of it.
        const v = yield* spawn(s.next(), { name: "reader" });
        const at = start.elapsed();
        tx.close();
        return { v, at };
      }),
      PAUSED,
    );
    expect(out).toEqual({ v: BUDGET - 1, at: 10 });
  });

  it("a burst of BUDGET - 1 items (the control): the last item comes out 10 ms later", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<number>();
        for (let i = 0; i < BUDGET - 1; i++) tx.send(i);
        using s = receiverStream(rx).debounce(10);
        const v = yield* spawn(s.next(), { name: "reader" });
        const at = start.elapsed();
        tx.close();
        return { v, at };
      }),
      PAUSED,
    );
    expect(out).toEqual({ v: BUDGET - 2, at: 10 });
  });
});
