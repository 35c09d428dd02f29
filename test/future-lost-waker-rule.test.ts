/**
 * docs/extending.md, rule 1 of `poll`: a leaf that returns PENDING without reading cx.waker is
 * reported (a lost-waker warning, and a deadlock report saying nothing can wake the task) when it
 * is polled with its task's own context and nothing else polled in that turn kept the waker:
 * awaited directly, the last one pending in a `join`, in a `select` or `race` of such leaves.
 * (Not inside `joinAll`, whose children have contexts of their own, as the rule says.)
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DeadlockError,
  FutureBase,
  join,
  PENDING,
  type Poll,
  race,
  run,
  select,
  sleep,
} from "../src/index.js";

/** Never keeps the pager. */
class Forgetful extends FutureBase<void> {
  polls = 0;
  poll(_cx: Context): Poll<void> {
    this.polls++;
    return PENDING;
  }
}

const shapes = {
  "awaited directly": (leaf: Forgetful) => leaf,
  "in join, beside a sleep that ends": (leaf: Forgetful) => join(leaf, sleep(5)),
  "in select, beside another like it": (leaf: Forgetful) => select(leaf, new Forgetful()),
  "in race, beside a pending sibling": (leaf: Forgetful) => race(leaf, new Forgetful()),
};

describe("docs/extending.md, rule 1: a lost waker is reported", () => {
  for (const [how, wrap] of Object.entries(shapes)) {
    it(`a leaf that never reads cx.waker, ${how}: a lost-waker warning, and the deadlock report says nothing can wake main`, async () => {
      const leaf = new Forgetful();
      const warnings: string[] = [];
      const error = await run(
        asyncBlock(function* main() {
          yield* wrap(leaf);
        }),
        { onWarning: (w) => warnings.push(w.kind), clock: "paused" },
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DeadlockError);
      expect(leaf.polls).toBeGreaterThanOrEqual(1);
      expect(warnings[0]).toBe("lost-waker");
      expect((error as DeadlockError).message).toMatch(/a lost waker/);
    });
  }
});
