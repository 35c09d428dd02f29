/**
 * `filter` and `takeWhile` with a type guard narrow the items' type, as `Array.prototype.filter`
 * does. The assignments below are checked by `npm run typecheck`, which covers test/: without the
 * guard overloads they do not compile.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, run } from "../src/index.js";
import { iter } from "../src/stream/index.js";

type Event = { kind: "order"; dish: string } | { kind: "close" };
const isOrder = (e: Event): e is Extract<Event, { kind: "order" }> => e.kind === "order";

describe("type guards narrow a stream's items", () => {
  it("filter with a guard yields the orders only, typed as orders", async () => {
    const events: Event[] = [
      { kind: "order", dish: "soup" },
      { kind: "close" },
      { kind: "order", dish: "tea" },
    ];
    const dishes = await run(
      asyncBlock(function* () {
        const orders = yield* iter(events).filter(isOrder).collect();
        return orders.map((o) => o.dish); // `dish` exists only on the narrowed type
      }),
    );
    expect(dishes).toEqual(["soup", "tea"]);
  });

  it("takeWhile with a guard yields the leading numbers, typed as numbers, and stops at the string", async () => {
    const sum = await run(
      asyncBlock(function* () {
        const numbers: number[] = yield* iter<number | string>([1, 2, "stop", 3])
          .takeWhile((x): x is number => typeof x === "number")
          .collect();
        return numbers.reduce((a, b) => a + b, 0);
      }),
    );
    expect(sum).toBe(3);
  });
});
