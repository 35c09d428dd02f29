import { describe, expect, it } from "vitest";
import { ChannelClosedError } from "../src/channel/errors.js";
import * as watch from "../src/channel/watch.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime } from "../src/runtime/runtime.js";
import { resetBudget } from "../src/task/budget.js";
import { sleep } from "../src/time/sleep.js";
import { MockTask, turns } from "./future-testkit.js";

describe("watch hunt: closing a receiver", () => {
  it("rx.close() with two changed() waiting, the first pager throwing: the second is still woken, then the error is thrown", () => {
    const [tx, rx] = watch.channel("leek");
    const broken = new Context(
      Waker.from(() => {
        throw new Error("broken pager");
      }),
    );
    const first = rx.changed();
    const second = new MockTask(rx.changed());
    resetBudget();
    expect(first.poll(broken)).toBe(PENDING);
    expect(second.poll()).toBe(PENDING);
    expect(() => rx.close()).toThrow(/broken pager/);
    expect(second.isWoken()).toBe(true);
    expect(() => second.poll()).toThrow(ChannelClosedError);
    // Neither is left in line.
    expect(rx.shared.queue.length).toBe(0);
    expect(() => tx.send("tomato")).toThrow(/no receivers/);
  });
});

describe("watch hunt: the sender sees the receivers go", () => {
  it("tx.closed() waits while a receiver is open, is woken when the last of two closes, and is ready at once after", () => {
    const [tx, rx] = watch.channel(0);
    const rx2 = rx.clone();
    const t = new MockTask(tx.closed());
    expect(t.poll()).toBe(PENDING);
    expect(tx.isClosed()).toBe(false);
    rx.close();
    expect(t.isWoken()).toBe(false);
    rx2[Symbol.dispose]();
    expect(t.isWoken()).toBe(true);
    expect(tx.isClosed()).toBe(true);
    expect(t.poll()).toBeUndefined();
    expect(new MockTask(tx.closed()).poll()).toBeUndefined();
  });

  it("a producer racing its updates against tx.closed() stops when the watching task is aborted, and no waiter is left", async () => {
    const rt = new Runtime({ clock: "paused" });
    const [tx, rx] = watch.channel(0);
    const producer = rt.spawn(
      asyncBlock(function* () {
        let n = 0;
        using r = yield* select.biased(
          tx.closed(),
          asyncBlock(function* () {
            for (;;) {
              yield* sleep(10);
              tx.send(++n);
            }
          }),
        );
        return [r.index, tx.borrow() > 0];
      }),
    );
    const watcher = rt.spawn(
      asyncBlock(function* () {
        using board = rx; // the task owns the receiver: aborting it closes the receiver
        for (;;) yield* board.changed();
      }),
    );
    await turns(3);
    expect(rt.metrics().liveWaiters).toBe(2);
    watcher.abort();
    expect(await producer).toEqual([0, true]);
    expect(rt.metrics().liveWaiters).toBe(0);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });
});
