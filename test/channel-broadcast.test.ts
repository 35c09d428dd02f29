import { describe, expect, it } from "vitest";
import * as broadcast from "../src/channel/broadcast.js";
import { RecvLaggedError, type SendError } from "../src/channel/errors.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { resetBudget } from "../src/task/budget.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

function probe() {
  let wakes = 0;
  const cx = new Context(Waker.from(() => wakes++));
  return { cx, wakes: () => wakes };
}

describe("broadcast", () => {
  it("every receiver sees every message sent after it subscribed, in order", () => {
    const [tx, rx1] = broadcast.channel<number>(4);
    tx.send(1);
    const rx2 = tx.subscribe();
    tx.send(2);
    expect(tx.receiverCount()).toBe(2);
    expect([rx1.tryRecv(), rx1.tryRecv(), rx1.tryRecv()]).toEqual([1, 2, undefined]);
    expect([rx2.tryRecv(), rx2.tryRecv()]).toEqual([2, undefined]);
  });

  it("a send wakes every waiting receiver", () => {
    const [tx, rx1] = broadcast.channel<string>(2);
    const rx2 = tx.subscribe();
    const a = probe();
    const b = probe();
    resetBudget();
    expect(rx1.pollRecv(a.cx)).toBe(PENDING);
    expect(rx2.pollRecv(b.cx)).toBe(PENDING);
    tx.send("service!");
    expect(a.wakes()).toBe(1);
    expect(b.wakes()).toBe(1);
    expect(rx1.pollRecv(a.cx)).toBe("service!");
    expect(rx2.pollRecv(b.cx)).toBe("service!");
  });

  it("a lagging receiver gets RecvLaggedError with how many it missed, then continues from the oldest kept value", () => {
    const [tx, rx] = broadcast.channel<number>(3);
    for (let i = 1; i <= 7; i++) tx.send(i);
    // 7 sent, 3 kept (5, 6, 7): 4 missed.
    try {
      rx.tryRecv();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RecvLaggedError);
      expect((e as RecvLaggedError).skipped).toBe(4);
    }
    expect([rx.tryRecv(), rx.tryRecv(), rx.tryRecv(), rx.tryRecv()]).toEqual([5, 6, 7, undefined]);
  });

  it("lag through recv() in a task: the error, then the oldest kept message", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = broadcast.channel<number>(2);
        for (let i = 0; i < 5; i++) tx.send(i);
        tx.close();
        const seen: (number | string)[] = [];
        for (;;) {
          try {
            const m = yield* rx.recv();
            if (m === undefined) break;
            seen.push(m);
          } catch (e) {
            seen.push(`lagged ${(e as RecvLaggedError).skipped}`);
          }
        }
        return seen;
      }),
    );
    expect(out).toEqual(["lagged 3", 3, 4]);
  });

  it("send with no receivers fails with the value; closing the last sender ends receivers after what they have not read", () => {
    const [tx, rx] = broadcast.channel<number>(2);
    tx.send(1);
    tx.close();
    expect(rx.tryRecv()).toBe(1);
    const p = probe();
    expect(rx.pollRecv(p.cx)).toBeUndefined();
    const [tx2, rx2] = broadcast.channel<number>(2);
    rx2.close();
    try {
      tx2.send(9);
      expect.unreachable();
    } catch (e) {
      expect((e as SendError<number>).value).toBe(9);
    }
  });

  it("capacity 0 is a RangeError; undefined is not a message", () => {
    expect(() => broadcast.channel(0)).toThrow(/capacity must be at least 1, got 0/);
    const [tx] = broadcast.channel<number | undefined>(1);
    expect(() => tx.send(undefined)).toThrow(TypeError);
  });

  it("receivers in tasks each get all messages; aborted waiting receivers leave no live waiter", async () => {
    const rt = new Runtime({ seed: 7 });
    const [tx, rx] = broadcast.channel<number>(16);
    const listen = (r: broadcast.Receiver<number>) =>
      asyncBlock(function* () {
        using rr = r;
        const got: number[] = [];
        let m: number | undefined;
        while ((m = yield* rr.recv()) !== undefined) got.push(m);
        return got;
      });
    const a = rt.spawn(listen(rx));
    const b = rt.spawn(listen(tx.subscribe()));
    const idle = rt.spawn(listen(tx.subscribe()));
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(3);
    idle.abort();
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(2);
    expect(tx.receiverCount()).toBe(2);
    await rt
      .spawn(
        asyncBlock(function* () {
          for (let i = 0; i < 10; i++) {
            tx.send(i);
            yield* yieldNow();
          }
          tx.close();
        }),
      )
      .then(() => undefined);
    const all = Array.from({ length: 10 }, (_, i) => i);
    expect(await a).toEqual(all);
    expect(await b).toEqual(all);
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
    void spawn;
  });

  it("for await from native code: a lag rejects next() with RecvLaggedError, and iterating again goes on from the oldest kept", async () => {
    const [tx, rx] = broadcast.channel<number>(2);
    for (let i = 0; i < 5; i++) tx.send(i);
    tx.close();
    await expect(
      (async () => {
        for await (const _ of rx) {
          // never reached: the first step lags
        }
      })(),
    ).rejects.toBeInstanceOf(RecvLaggedError);
    const rest: number[] = [];
    for await (const m of rx) rest.push(m);
    expect(rest).toEqual([3, 4]);
  });
});

describe("broadcast receivers closing and re-waiting", () => {
  it("a task waits in recv(), another task closes the receiver: the recv is woken at once and returns undefined", async () => {
    const rt = new Runtime();
    const [tx, rx] = broadcast.channel<number>(4);
    const other = tx.subscribe();
    const h = rt.spawn(rx.recv());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(1);
    rx.close();
    expect(rt.metrics().liveWaiters).toBe(0);
    expect(await h).toBeUndefined();
    expect(tx.receiverCount()).toBe(1);
    // The closed receiver stays at its end; the others are untouched.
    expect(new MockTask(rx.recv()).poll()).toBeUndefined();
    tx.send(1);
    expect(other.tryRecv()).toBe(1);
    await rt.shutdown();
  });

  it("two recv() futures on one receiver (a select's leftover and a new one): dropping the older leaves the newer registered, and a send wakes it", () => {
    const [tx, rx] = broadcast.channel<number>(4);
    const older = new MockTask(rx.recv());
    const newer = new MockTask(rx.recv());
    expect(older.poll()).toBe(PENDING);
    expect(newer.poll()).toBe(PENDING);
    older.future[Symbol.dispose]();
    tx.send(1);
    expect(newer.isWoken()).toBe(true);
    expect(newer.poll()).toBe(1);
  });

  it("dropping the recv() that registered last does unregister it: the receiver no longer counts as a waiter", async () => {
    const rt = new Runtime();
    const [tx, rx] = broadcast.channel<number>(4);
    const h = rt.spawn(rx.recv());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(1);
    h.abort();
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(0);
    tx.send(2);
    expect(rx.tryRecv()).toBe(2);
    await rt.shutdown();
  });
});
