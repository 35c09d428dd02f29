import { describe, expect, it } from "vitest";
import { ChannelClosedError, SendError } from "../src/channel/errors.js";
import * as watch from "../src/channel/watch.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { resetBudget } from "../src/task/budget.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

function probe() {
  let wakes = 0;
  const cx = new Context(Waker.from(() => wakes++));
  return { cx, wakes: () => wakes };
}

describe("watch", () => {
  it("a receiver sees only the latest value: three sends while it was away are one change", () => {
    const [tx, rx] = watch.channel("leek");
    expect(rx.hasChanged()).toBe(false);
    tx.send("tomato");
    tx.send("pea");
    tx.send("onion");
    expect(rx.hasChanged()).toBe(true);
    const p = probe();
    resetBudget();
    expect(rx.changed().poll(p.cx)).toBeUndefined();
    expect(rx.borrow()).toBe("onion");
    expect(rx.changed().poll(p.cx)).toBe(PENDING);
  });

  it("changed() waits, and is woken by send; borrowAndUpdate marks the value seen", () => {
    const [tx, rx] = watch.channel(0);
    const p = probe();
    const c = rx.changed();
    expect(c.poll(p.cx)).toBe(PENDING);
    tx.send(1);
    expect(p.wakes()).toBe(1);
    tx.send(2);
    expect(rx.borrowAndUpdate()).toBe(2);
    expect(rx.hasChanged()).toBe(false);
  });

  it("sendModify changes in place and notifies; sendIfModified notifies only when told", () => {
    const [tx, rx] = watch.channel({ specials: ["soup"] });
    tx.sendModify((b) => {
      b.specials.push("pie");
    });
    expect(rx.hasChanged()).toBe(true);
    expect(rx.borrowAndUpdate().specials).toEqual(["soup", "pie"]);
    expect(tx.sendIfModified(() => false)).toBe(false);
    expect(rx.hasChanged()).toBe(false);
    expect(() => tx.sendModify(5 as unknown as () => void)).toThrow(TypeError);
  });

  it("send with no receivers fails with the value; sendReplace works anyway", () => {
    const [tx, rx] = watch.channel(1);
    rx.close();
    try {
      tx.send(2);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SendError);
      expect((e as SendError<number>).value).toBe(2);
    }
    expect(tx.sendReplace(3)).toBe(1);
    expect(tx.borrow()).toBe(3);
  });

  it("after the sender closes, changed() returns the unseen change first, then throws ChannelClosedError", () => {
    const [tx, rx] = watch.channel("a");
    tx.send("b");
    tx.close();
    const p = probe();
    expect(rx.changed().poll(p.cx)).toBeUndefined();
    expect(() => rx.changed().poll(p.cx)).toThrow(ChannelClosedError);
    expect(rx.borrow()).toBe("b");
  });

  it("a task following the board sees increasing values and ends when the sender closes", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const [tx, rx] = watch.channel(0);
        const h = spawn(
          asyncBlock(function* () {
            const out: number[] = [];
            for (;;) {
              try {
                yield* rx.changed();
              } catch {
                return out;
              }
              out.push(rx.borrow());
            }
          }),
        );
        for (let i = 1; i <= 20; i++) {
          tx.send(i);
          if (i % 3 === 0) yield* yieldNow();
        }
        tx.close();
        return yield* h;
      }),
      { seed: 11 },
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(20);
    expect(seen[seen.length - 1]).toBe(20);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  });

  it("an aborted task waiting on changed() leaves no live waiter", async () => {
    const rt = new Runtime();
    const [, rx] = watch.channel(0);
    const h = rt.spawn(rx.changed());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(1);
    h.abort();
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });
});

describe("watch receiver close", () => {
  it("a task waits in changed(), another task closes that receiver: it is woken at once and fails with ChannelClosedError; another receiver's changed() keeps waiting", async () => {
    const rt = new Runtime();
    const [tx, rx] = watch.channel(0);
    const other = tx.subscribe();
    const mine = rt.spawn(rx.changed());
    const theirs = rt.spawn(other.changed());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(2);
    rx.close();
    expect(rt.metrics().liveWaiters).toBe(1);
    const err = await mine.then(
      () => null,
      (e: unknown) => (e as Error).cause,
    );
    expect(err).toBeInstanceOf(ChannelClosedError);
    tx.send(1);
    await theirs;
    expect(other.borrow()).toBe(1);
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("a changed() made before its receiver closed fails with ChannelClosedError even when a newer value is there", () => {
    const [tx, rx] = watch.channel("leek");
    const keep = tx.subscribe();
    const c = rx.changed();
    tx.send("tomato");
    rx.close();
    const p = probe();
    resetBudget();
    expect(() => c.poll(p.cx)).toThrow(ChannelClosedError);
    expect(keep.hasChanged()).toBe(true);
  });
});
