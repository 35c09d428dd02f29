/**
 * OnceCell.take() between the initialiser's fill and the waiters' next poll. `fill` releases every
 * waiter; a waiter polled after a `take()` finds the cell empty again, and must ask again as a new
 * caller (one of them runs the initialiser, the others wait for it), not take it for the job a
 * failed initialiser hands on, which would let each run its own initialiser at once.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, OnceCell, run, spawn, yieldNow } from "../src/index.js";

describe("OnceCell.take between a fill and the waiters' polls", () => {
  it("the first caller fills the cell and takes the value at once; its two waiters then start one initialiser between them, not one each", async () => {
    const cell = new OnceCell<number>();
    let started = 0;
    let running = 0;
    let mostAtOnce = 0;
    const load = () =>
      asyncBlock(function* () {
        const n = ++started;
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        yield* yieldNow();
        yield* yieldNow();
        running--;
        return n;
      });
    const out = await run(
      asyncBlock(function* () {
        const first = spawn(
          asyncBlock(function* () {
            const v = yield* cell.getOrInit(load);
            cell.take(); // a use-once value: taken the moment it is made
            return v;
          }),
        );
        yield* yieldNow(); // first is initialising
        const b = spawn(cell.getOrInit(load));
        const c = spawn(cell.getOrInit(load));
        return { first: yield* first, b: yield* b, c: yield* c };
      }),
    );
    expect(out.first).toBe(1);
    expect(mostAtOnce).toBe(1);
    expect(started).toBe(2);
    expect(out.b).toBe(out.c);
  });
});
