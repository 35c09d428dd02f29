import { describe, expect, it } from "vitest";
import { ChannelClosedError } from "../src/channel/errors.js";
import * as oneshot from "../src/channel/oneshot.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import { flush, Gate, MockTask } from "./future-testkit.js";

describe("oneshot hunt: after the value was taken", () => {
  it("tryRecv takes the value, then a second tryRecv throws ChannelClosedError instead of reporting 'not yet'", () => {
    const [tx, rx] = oneshot.channel<string>();
    tx.send("table 3");
    expect(rx.tryRecv()).toBe("table 3");
    expect(() => rx.tryRecv()).toThrow(ChannelClosedError);
    expect(() => rx.tryRecv()).toThrow(/already received/);
  });

  it("a poll takes the value, then tryRecv throws ChannelClosedError", () => {
    const [tx, rx] = oneshot.channel<number>();
    const t = new MockTask(rx);
    expect(t.poll()).toBe(PENDING);
    tx.send(7);
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(7);
    expect(() => rx.tryRecv()).toThrow(ChannelClosedError);
  });
});

describe("oneshot hunt: tx.closed()", () => {
  it("tx.closed() waits while the receiver is open, is woken by rx.close(), and is ready at once after", () => {
    const [tx, rx] = oneshot.channel<string>();
    const t = new MockTask(tx.closed());
    expect(t.poll()).toBe(PENDING);
    expect(t.isWoken()).toBe(false);
    rx.close();
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBeUndefined();
    expect(new MockTask(tx.closed()).poll()).toBeUndefined();
  });

  it("a task racing its work against tx.closed() stops when the receiver's task is aborted, and leaves no live waiter", async () => {
    const rt = new Runtime();
    const [tx, rx] = oneshot.channel<string>();
    const work = new Gate("soup");
    const producer = rt.spawn(
      asyncBlock(function* () {
        using r = yield* select.biased(tx.closed(), work);
        return r.index === 0 ? "diner left" : "served";
      }),
    );
    const diner = rt.spawn(rx);
    await flush();
    // The diner's receiver and the producer's closed() both wait.
    expect(rt.metrics().liveWaiters).toBe(2);
    diner.abort();
    expect(await producer).toBe("diner left");
    expect(work.drops).toBe(1);
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("tx.closed() dropped while waiting leaves the line: rx.close() afterwards wakes nobody and no waiter stays counted", async () => {
    const rt = new Runtime();
    const [tx, rx] = oneshot.channel<number>();
    const waiting = rt.spawn(tx.closed());
    await flush();
    expect(rt.metrics().liveWaiters).toBe(1);
    waiting.abort();
    await flush();
    expect(rt.metrics().liveWaiters).toBe(0);
    rx.close();
    expect(tx.isClosed()).toBe(true);
    await rt.shutdown();
  });

  it("a value sent and received does not make tx.closed() ready; disposing the receiver then does", () => {
    const [tx, rx] = oneshot.channel<number>();
    const t = new MockTask(tx.closed());
    expect(t.poll()).toBe(PENDING);
    tx.send(1);
    expect(rx.tryRecv()).toBe(1);
    expect(t.isWoken()).toBe(false);
    rx[Symbol.dispose]();
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBeUndefined();
  });
});

describe("oneshot hunt: dropping a recv() at every point", () => {
  it("a recv() woken by the send and dropped before its next poll leaves the value for the next recv()", () => {
    const [tx, rx] = oneshot.channel<string>();
    const first = new MockTask(rx.recv());
    expect(first.poll()).toBe(PENDING);
    tx.send("the roast");
    expect(first.isWoken()).toBe(true);
    first.future[Symbol.dispose]();
    expect(tx.isClosed()).toBe(false);
    expect(new MockTask(rx.recv()).poll()).toBe("the roast");
  });

  it("a recv() dropped before its first poll does not take back the waker of the recv() polled after it", () => {
    const [tx, rx] = oneshot.channel<number>();
    const never = rx.recv();
    const waiting = new MockTask(rx.recv());
    expect(waiting.poll()).toBe(PENDING);
    never[Symbol.dispose]();
    tx.send(3);
    expect(waiting.isWoken()).toBe(true);
    expect(waiting.poll()).toBe(3);
  });
});
