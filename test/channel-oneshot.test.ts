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
import { sleep } from "../src/time/sleep.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";
import { MockTask } from "./future-testkit.js";

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

describe("oneshot close and rx.recv()", () => {
  it("a value sent before rx.close() is still received, by tryRecv and by polling; a later send is refused", () => {
    const [tx, rx] = oneshot.channel<string>();
    tx.send("will receive");
    rx.close();
    expect(tx.isClosed()).toBe(true);
    expect(rx.tryRecv()).toBe("will receive");
    const [tx2, rx2] = oneshot.channel<string>();
    tx2.send("polled");
    rx2.close();
    expect(new MockTask(rx2).poll()).toBe("polled");
  });

  it("rx.close() before any send: tryRecv and a poll throw ChannelClosedError, and send hands the value back", () => {
    const [tx, rx] = oneshot.channel<number>();
    rx.close();
    expect(() => rx.tryRecv()).toThrow(ChannelClosedError);
    expect(() => new MockTask(rx).poll()).toThrow(ChannelClosedError);
    expect(() => new MockTask(rx.recv()).poll()).toThrow(ChannelClosedError);
    try {
      tx.send(5);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SendError);
      expect((e as SendError<number>).value).toBe(5);
    }
  });

  it("disposing the receiver after a send throws the value away: it closes as received-never", () => {
    const [tx, rx] = oneshot.channel<number>();
    tx.send(1);
    rx[Symbol.dispose]();
    expect(() => rx.tryRecv()).toThrow(ChannelClosedError);
  });

  it("a task waits in rx.recv(), another closes the receiver: the wait ends with ChannelClosedError and no live waiter", async () => {
    const rt = new Runtime();
    const [tx, rx] = oneshot.channel<number>();
    const h = rt.spawn(rx.recv());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(1);
    rx.close();
    expect(rt.metrics().liveWaiters).toBe(0);
    const err = await h.then(
      () => null,
      (e: unknown) => (e as Error).cause,
    );
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect(tx.isClosed()).toBe(true);
    await rt.shutdown();
  });

  it("timeout(rx.recv()) in a loop: each timeout drops only the recv(), and the answer sent after two timeouts is received", async () => {
    const rt = new Runtime({ clock: "paused" });
    const ticks: number[] = [];
    const answer = await rt.spawn(
      asyncBlock(function* () {
        const [tx, rx] = oneshot.channel<string>();
        spawn(
          asyncBlock(function* () {
            yield* sleep(25);
            tx.send("answer");
          }),
        );
        for (let i = 0; ; i++) {
          try {
            return yield* timeout(10, rx.recv());
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            ticks.push(i);
          }
        }
      }),
    );
    expect(answer).toBe("answer");
    expect(ticks).toEqual([0, 1]);
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("two recv() futures: dropping the older leaves the newer registered, and send wakes it with the value", () => {
    const [tx, rx] = oneshot.channel<number>();
    const older = new MockTask(rx.recv());
    const newer = new MockTask(rx.recv());
    expect(older.poll()).toBe(PENDING);
    expect(newer.poll()).toBe(PENDING);
    older.future[Symbol.dispose]();
    expect(tx.isClosed()).toBe(false);
    tx.send(3);
    expect(newer.isWoken()).toBe(true);
    expect(newer.poll()).toBe(3);
    expect(() => newer.poll()).toThrow(FutureStateError);
  });

  it("a dropped recv() that was waiting leaves no live waiter and the receiver still gets the value", async () => {
    const rt = new Runtime();
    const [tx, rx] = oneshot.channel<number>();
    const h = rt.spawn(rx.recv());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(1);
    h.abort();
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(0);
    expect(tx.isClosed()).toBe(false);
    tx.send(8);
    expect(rx.tryRecv()).toBe(8);
    await rt.shutdown();
  });
});
