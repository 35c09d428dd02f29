import { describe, expect, it } from "vitest";
import { ChannelClosedError, SendError } from "../src/channel/errors.js";
import * as oneshot from "../src/channel/oneshot.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { resetBudget } from "../src/task/budget.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

function probe() {
  let wakes = 0;
  const cx = new Context(Waker.from(() => wakes++));
  return {
    cx,
    woken: () => {
      const w = wakes > 0;
      wakes = 0;
      return w;
    },
  };
}

describe("oneshot", () => {
  it("the receiver waits, is woken by send, and gets the value once", () => {
    const [tx, rx] = oneshot.channel<string>();
    const p = probe();
    resetBudget();
    expect(rx.poll(p.cx)).toBe(PENDING);
    tx.send("table 3");
    expect(p.woken()).toBe(true);
    expect(rx.poll(p.cx)).toBe("table 3");
    expect(() => rx.poll(p.cx)).toThrow(FutureStateError);
  });

  it("undefined is a fine value for a oneshot (a done signal)", async () => {
    const [tx, rx] = oneshot.channel<void>();
    tx.send();
    await expect(run(rx)).resolves.toBeUndefined();
  });

  it("a sender closed without sending makes the receiver throw ChannelClosedError", () => {
    const [tx, rx] = oneshot.channel<number>();
    const p = probe();
    expect(rx.poll(p.cx)).toBe(PENDING);
    tx[Symbol.dispose]();
    expect(p.woken()).toBe(true);
    expect(() => rx.poll(p.cx)).toThrow(ChannelClosedError);
  });

  it("send after the receiver is dropped fails with a SendError holding the value; sending twice fails too", () => {
    const [tx, rx] = oneshot.channel<{ n: number }>();
    rx[Symbol.dispose]();
    expect(tx.isClosed()).toBe(true);
    const v = { n: 1 };
    try {
      tx.send(v);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SendError);
      expect((e as SendError<{ n: number }>).value).toBe(v);
    }
    const [tx2] = oneshot.channel<number>();
    tx2.send(1);
    expect(() => tx2.send(2)).toThrow(/already sent/);
  });

  it("tryRecv: undefined before the value, the value after, ChannelClosedError once the sender closed", () => {
    const [tx, rx] = oneshot.channel<number>();
    expect(rx.tryRecv()).toBeUndefined();
    tx.send(4);
    expect(rx.hasValue()).toBe(true);
    expect(rx.tryRecv()).toBe(4);
    const [tx2, rx2] = oneshot.channel<number>();
    tx2.close();
    expect(() => rx2.tryRecv()).toThrow(ChannelClosedError);
  });

  it("a task parked on a receiver that is aborted leaves no live waiter; the sender then sees it closed", async () => {
    const rt = new Runtime();
    const [tx, rx] = oneshot.channel<number>();
    const h = rt.spawn(rx);
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(1);
    h.abort();
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(0);
    expect(tx.isClosed()).toBe(true);
    await rt.shutdown();
  });

  it("between tasks: a spawned task answers through the oneshot", async () => {
    const v = await run(
      asyncBlock(function* () {
        const [tx, rx] = oneshot.channel<number>();
        spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            tx.send(42);
          }),
        );
        return yield* rx;
      }),
    );
    expect(v).toBe(42);
  });
});
