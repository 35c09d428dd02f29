/**
 * From a review: select/selectAll wrap each loser in a RestHandle, and a RestHandle handed back to a
 * new selectAll is wrapped again (select.ts finish(): `new RestHandle(c)` for any c). The
 * futures-rs idiom `loop { let (v, _, rest) = select_all(fs).await; fs = rest; fs.push(next) }`
 * then nests one wrapper per turn around a long-lived future: each poll of it walks every layer,
 * and past a few thousand turns the poll overflows the stack.
 */
import { describe, expect, it } from "vitest";
import { selectAll } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Future } from "../src/future/future.js";
import { ready } from "../src/future/leaf.js";
import { run } from "../src/runtime/runtime.js";
import { Gate } from "./future-testkit.js";

describe("a selectAll loop keeps a long-lived future across many turns", () => {
  it("20,000 turns, each won by a fresh ready future, the long-lived one waiting throughout: the loop finishes", async () => {
    const turns = await run(
      asyncBlock(function* () {
        let fs: Future<number>[] = [new Gate<number>("shutdown"), ready(0)];
        let n = 0;
        for (; n < 20_000; n++) {
          const { rest } = yield* selectAll.biased(fs);
          fs = [...rest, ready(n + 1)];
        }
        return n;
      }),
      { onWarning: () => {} }, // one long poll by design: 20,000 ready turns in a row
    );
    expect(turns).toBe(20_000);
  });
});
