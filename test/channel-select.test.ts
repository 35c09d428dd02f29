import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main, pass } from "../examples/select-channels.js";
import * as mpsc from "../src/channel/mpsc.js";
import { select, selectAll } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

describe("select over channels", () => {
  it("the example serves every ticket from both rails, each rail in order", async () => {
    const { two, many } = await main();
    expect(two.filter((t) => t.startsWith("dining"))).toEqual([
      "dining: soup",
      "dining: steak",
      "dining: tart",
    ]);
    expect(two.filter((t) => t.startsWith("bar"))).toEqual(["bar: negroni", "bar: spritz"]);
    expect(many).toHaveLength(9);
    for (let i = 0; i < 3; i++) {
      expect(many.filter((t) => t.startsWith(`rail ${i}:`))).toEqual([
        `rail ${i}: a${i}`,
        `rail ${i}: b${i}`,
        `rail ${i}: c${i}`,
      ]);
    }
  });

  it("under seeded schedules, select over two recv()s in a loop loses and duplicates nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 15 }),
        async (seed, cap, n) => {
          const served = await run(
            asyncBlock(function* () {
              const [atx, a] = mpsc.channel<string>(cap);
              const [btx, b] = mpsc.channel<string>(cap);
              const produce = (tx: mpsc.Sender<string>, tag: string) =>
                asyncBlock(function* () {
                  using t = tx;
                  for (let i = 0; i < n; i++) {
                    if (i % 2 === 0) yield* yieldNow();
                    yield* t.send(`${tag}${i}`);
                  }
                });
              spawn(produce(atx, "a"));
              spawn(produce(btx, "b"));
              return yield* pass(a, b);
            }),
            { seed },
          );
          const expected = [
            ...Array.from({ length: n }, (_, i) => `dining: a${i}`),
            ...Array.from({ length: n }, (_, i) => `bar: b${i}`),
          ];
          expect([...served].sort()).toEqual([...expected].sort());
          expect(served.filter((s) => s.startsWith("dining"))).toEqual(expected.slice(0, n));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a recv() that loses a select to a ready message on the other channel keeps its own message for the next recv", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [atx, a] = mpsc.channel<number>(1);
        const [btx, b] = mpsc.channel<number>(1);
        atx.trySend(1);
        btx.trySend(2);
        btx.close();
        const out: (number | undefined)[] = [];
        {
          using r = yield* select.biased(a.recv(), b.recv());
          out.push(r.value);
        }
        // b's recv() lost (and was dropped): its message is still there.
        {
          using r = yield* selectAll.biased([b.recv(), a.recv()]);
          out.push(r.value);
        }
        out.push(yield* b.recv());
        return out;
      }),
    );
    expect(got).toEqual([1, 2, undefined]);
  });
});
