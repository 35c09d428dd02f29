import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as broadcast from "../src/channel/broadcast.js";
import { RecvLaggedError } from "../src/channel/errors.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import { flush, Gate, MockTask } from "./future-testkit.js";

// A full collection on demand, to prove the channel lets go of what it no longer needs.
const require = createRequire(import.meta.url);
require("node:v8").setFlagsFromString("--expose_gc");
const gc = require("node:vm").runInNewContext("gc") as () => void;

/** Whether the object behind `ref` was collected, after the current job ends. */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  await flush();
  gc();
  return ref.deref() === undefined;
}

describe("broadcast hunt: what the board holds on to", () => {
  it("a message every receiver has read is released by the channel (tokio drops it once all have cloned it)", async () => {
    const [tx, rx1] = broadcast.channel<{ dish: string }>(4);
    const rx2 = tx.subscribe();
    const ref = ((): WeakRef<object> => {
      const m = { dish: "soup" };
      tx.send(m);
      return new WeakRef(m);
    })();
    expect(rx1.tryRecv()?.dish).toBe("soup");
    // One receiver has not read it yet: the board keeps it.
    expect(await collected(ref)).toBe(false);
    expect(rx2.tryRecv()?.dish).toBe("soup");
    expect(await collected(ref)).toBe(true);
    tx.close();
  });

  it("a receiver closed before reading gives up its claim: the message goes once the others read it", async () => {
    const [tx, rx1] = broadcast.channel<{ n: number }>(4);
    const rx2 = tx.subscribe();
    const refs = ((): WeakRef<object>[] => {
      const ms = [{ n: 1 }, { n: 2 }];
      for (const m of ms) tx.send(m);
      return ms.map((m) => new WeakRef(m));
    })();
    rx2.close();
    expect(await collected(refs[0]!)).toBe(false);
    expect(rx1.tryRecv()?.n).toBe(1);
    expect(await collected(refs[0]!)).toBe(true);
    expect(await collected(refs[1]!)).toBe(false);
    rx1[Symbol.dispose]();
    expect(await collected(refs[1]!)).toBe(true);
  });

  it("a message read through recv() in a task is released as well", async () => {
    const rt = new Runtime();
    const [tx, rx] = broadcast.channel<{ n: number }>(2);
    // The task keeps only a number, so the join handle holds no message; its last step completes
    // with a number, so the one step result every yield* shares (future.ts) holds none either.
    const h = rt.spawn(
      asyncBlock(function* () {
        const n = (yield* rx.recv())?.n;
        return yield* ready(n);
      }),
    );
    await flush();
    const ref = ((): WeakRef<object> => {
      const m = { n: 5 };
      tx.send(m);
      return new WeakRef(m);
    })();
    expect(await h).toBe(5);
    expect(await collected(ref)).toBe(true);
    await rt.shutdown();
  });
});

/** One step of the model test. */
type Op =
  | { kind: "send" }
  | { kind: "recv"; rx: number }
  | { kind: "subscribe" }
  | { kind: "close"; rx: number };

describe("broadcast hunt: the ring against a model", () => {
  it("sends, reads, lags, subscribes and closes in any order match a list of every message sent; the board holds a message only while an open receiver has yet to read it", () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.constant<Op>({ kind: "send" }) },
      { weight: 4, arbitrary: fc.nat(4).map<Op>((rx) => ({ kind: "recv", rx })) },
      { weight: 1, arbitrary: fc.constant<Op>({ kind: "subscribe" }) },
      { weight: 1, arbitrary: fc.nat(4).map<Op>((rx) => ({ kind: "close", rx })) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 80 }), (cap, ops) => {
        const [tx, first] = broadcast.channel<number>(cap);
        const rxs: { rx: broadcast.Receiver<number>; next: number; open: boolean }[] = [
          { rx: first, next: 0, open: true },
        ];
        let sent = 0;
        for (const o of ops) {
          const open = rxs.filter((r) => r.open);
          if (o.kind === "send") {
            if (open.length === 0) {
              expect(() => tx.send(sent)).toThrow(/no receivers/);
              continue;
            }
            expect(tx.send(sent)).toBe(open.length);
            sent++;
          } else if (o.kind === "subscribe") {
            rxs.push({ rx: tx.subscribe(), next: sent, open: true });
          } else {
            const r = rxs[o.rx % rxs.length]!;
            if (o.kind === "close") {
              r.rx.close();
              r.open = false;
            } else if (!r.open || r.next >= sent) {
              expect(r.rx.tryRecv()).toBeUndefined();
            } else if (r.next < sent - cap) {
              const skipped = sent - cap - r.next;
              r.next = sent - cap;
              const e = (() => {
                try {
                  r.rx.tryRecv();
                } catch (err) {
                  return err;
                }
              })();
              expect(e).toBeInstanceOf(RecvLaggedError);
              expect((e as RecvLaggedError).skipped).toBe(skipped);
            } else {
              expect(r.rx.tryRecv()).toBe(r.next++);
            }
            if (r.open) expect(r.rx.length).toBe(sent - r.next);
          }
          expect(tx.receiverCount()).toBe(rxs.filter((r) => r.open).length);
          // The board holds message k exactly while an open receiver has yet to read it.
          const board = (tx as unknown as { shared: { ring: unknown[] } }).shared.ring;
          for (let k = Math.max(0, sent - cap); k < sent; k++) {
            const wanted = rxs.some((r) => r.open && r.next <= k);
            expect(board[k % cap]).toBe(wanted ? k : undefined);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("broadcast hunt: dropping a recv() at every point", () => {
  it("a recv() that lost a select took nothing: the next recv() gets the message, and no waiter is left", async () => {
    const rt = new Runtime();
    const [tx, rx] = broadcast.channel<string>(4);
    const other = new Gate("bell");
    const h = rt.spawn(
      asyncBlock(function* () {
        using first = yield* select(other, rx.recv());
        return [first.index, yield* rx.recv()];
      }),
    );
    await flush();
    expect(rt.metrics().liveWaiters).toBe(1);
    other.resolve("rang");
    await flush();
    tx.send("86 the salmon");
    expect(await h).toEqual([0, "86 the salmon"]);
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("a recv() woken by a send and dropped before its next poll leaves the message for the next recv()", () => {
    const [tx, rx] = broadcast.channel<number>(2);
    const a = new MockTask(rx.recv());
    expect(a.poll()).toBe(PENDING);
    tx.send(1);
    expect(a.isWoken()).toBe(true);
    a.future[Symbol.dispose]();
    expect(new MockTask(rx.recv()).poll()).toBe(1);
  });
});

describe("broadcast hunt: each side sees the other go", () => {
  it("tx.closed() waits while a receiver is subscribed, is woken when the last one closes, and is ready at once after", () => {
    const [tx, rx] = broadcast.channel<number>(2);
    const late = tx.subscribe();
    const t = new MockTask(tx.closed());
    expect(t.poll()).toBe(PENDING);
    rx.close();
    expect(t.isWoken()).toBe(false);
    expect(tx.isClosed()).toBe(false);
    late[Symbol.dispose]();
    expect(t.isWoken()).toBe(true);
    expect(tx.isClosed()).toBe(true);
    expect(t.poll()).toBeUndefined();
    expect(new MockTask(tx.closed()).poll()).toBeUndefined();
  });

  it("a tx.closed() dropped while waiting leaves no live waiter", async () => {
    const rt = new Runtime();
    const [tx, rx] = broadcast.channel<number>(2);
    const h = rt.spawn(tx.closed());
    await flush();
    expect(rt.metrics().liveWaiters).toBe(1);
    h.abort();
    await flush();
    expect(rt.metrics().liveWaiters).toBe(0);
    rx.close();
    await rt.shutdown();
  });

  it("rx.isClosed() tells a drained, closed board from an empty, open one", () => {
    const [tx, rx] = broadcast.channel<number>(2);
    tx.send(1);
    tx.close();
    expect(rx.isClosed()).toBe(true);
    expect(rx.tryRecv()).toBe(1);
    expect(rx.tryRecv()).toBeUndefined();
    const [tx2, rx2] = broadcast.channel<number>(2);
    expect(rx2.tryRecv()).toBeUndefined();
    expect(rx2.isClosed()).toBe(false);
    rx2.close();
    expect(rx2.isClosed()).toBe(true);
    tx2.close();
  });
});
