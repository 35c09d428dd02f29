/**
 * A `next()` that completes by throwing (an adapter hands out an error in place of an item) leaves
 * no wait behind either: a merge that parked one side and then got the error from the other must
 * not keep that side's wait in the first task's name, or a reader in another task is refused.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, DelayQueue, Instant, mpsc, receiverStream, run, spawn } from "../src/index.js";

const PAUSED = { clock: "paused" as const };

describe("a next() that throws leaves no wait behind", () => {
  // Failed before its fix (found here): stream.ts:243 runs the claim-and-withdraw only when pollNext returns; when
  // it throws, the queue's waker stays in the first task's name and delay-queue.ts's
  // refuseSecondReader refuses the second task.
  it("merge of a queue and a channel: the first task reads an item, then a next() that parks the queue and throws the channel side's error; a second task reads while the first awaits it: not refused, it gets the queue's value at 50 ms", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<string>();
        tx.send("c1");
        tx.send("bad");
        const q = new DelayQueue<string>();
        q.insert("soup", 50);
        const side = receiverStream(rx).map((x) => {
          if (x === "bad") throw new Error("bad order");
          return x;
        });
        using s = q.map((e) => e.value).merge(side);
        const first = yield* s.next(); // the channel side first: "c1"
        let error = "";
        try {
          yield* s.next(); // the queue side first (it parks), then the channel side throws
        } catch (e) {
          error = (e as Error).message;
        }
        const v = yield* spawn(s.next(), { name: "second" });
        tx.close();
        return { first, error, v, at: start.elapsed() };
      }),
      PAUSED,
    );
    expect(out).toEqual({ first: "c1", error: "bad order", v: "soup", at: 50 });
  });

  it("the same without the throw (the control): the second next() parks the queue and gets the channel's item; the second task is not refused", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<string>();
        tx.send("c1");
        tx.send("c2");
        const q = new DelayQueue<string>();
        q.insert("soup", 50);
        using s = q.map((e) => e.value).merge(receiverStream(rx));
        const first = [yield* s.next(), yield* s.next()];
        const v = yield* spawn(s.next(), { name: "second" });
        tx.close();
        return { first, v, at: start.elapsed() };
      }),
      PAUSED,
    );
    expect(out).toEqual({ first: ["c1", "c2"], v: "soup", at: 50 });
  });
});
