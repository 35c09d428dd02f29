import { describe, expect, it } from "vitest";
import { joinAll } from "../src/combinator/join-all.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { DESCRIBE, type Description } from "../src/future/describe.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { run } from "../src/runtime/runtime.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";

/** A future that never finishes, counting its polls, drops and describes. */
class Stuck extends FutureBase<number> implements Disposable {
  polls = 0;
  drops = 0;
  describes = 0;
  constructor(private readonly describeThrows = false) {
    super();
  }
  poll(_cx: Context): Poll<number> {
    this.polls++;
    return PENDING;
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
  [DESCRIBE](): Description {
    this.describes++;
    if (this.describeThrows) throw new Error("describe broke");
    return { label: "stuck", children: [] };
  }
}

describe("timeout's message built from the dropped future's await chain", () => {
  it("a future whose DESCRIBE throws: the deadline passes, the future is dropped, and a TimeoutError is thrown", async () => {
    const f = new Stuck(true);
    const err = await run(
      asyncBlock(function* () {
        try {
          yield* timeout(10, f);
          return null;
        } catch (e) {
          return e;
        }
      }),
      { clock: "paused" },
    );
    // Today: the DESCRIBE error comes out instead, and the inner future is never dropped.
    expect(f.drops).toBe(1);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("a join of joins (8 x 8 x 8 x 8 leaves) under a timeout: the message describes one chain, not all 4096", async () => {
    const kids: Stuck[] = [];
    const level = (d: number): FutureBase<unknown> => {
      if (d === 0) {
        const k = new Stuck();
        kids.push(k);
        return k;
      }
      return joinAll(Array.from({ length: 8 }, () => level(d - 1)));
    };
    const tree = level(4);
    const err = await run(
      asyncBlock(function* () {
        try {
          yield* timeout(10, tree);
          return null;
        } catch (e) {
          return e;
        }
      }),
      { clock: "paused" },
    );
    expect(err).toBeInstanceOf(TimeoutError);
    const described = kids.reduce((n, k) => n + k.describes, 0);
    // Only the first chain is used ([0]); today every child is described and every chain built.
    expect(described).toBeLessThan(10);
  });
});
