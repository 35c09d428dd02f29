/**
 * `rx.waitFor(predicate)`, tokio's `watch::Receiver::wait_for`: the current value is checked
 * first (even if seen), then each newer one; every checked value is marked seen; a closed sender
 * whose last value fails ends it with `ChannelClosedError`; a predicate that throws ends it with
 * that error; dropped while it waits, it leaves the board's line; closing its receiver wakes it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChannelClosedError } from "../src/channel/errors.js";
import * as watch from "../src/channel/watch.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { run } from "../src/runtime/runtime.js";
import { resetBudget } from "../src/task/budget.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

function probe() {
  let wakes = 0;
  const cx = new Context(Waker.from(() => wakes++));
  return { cx, wakes: () => wakes };
}

describe("watch rx.waitFor(predicate)", () => {
  it("a current value that satisfies it, though already seen, is returned at the first poll", () => {
    const [, rx] = watch.channel(7);
    expect(rx.hasChanged()).toBe(false);
    resetBudget();
    expect(rx.waitFor((v) => v > 5).poll(probe().cx)).toBe(7);
  });

  it("waits through values that fail, is woken by each send, returns the first that passes and marks it seen", () => {
    const [tx, rx] = watch.channel(0);
    const p = probe();
    const checked: number[] = [];
    const f = rx.waitFor((v) => {
      checked.push(v);
      return v >= 3;
    });
    resetBudget();
    expect(f.poll(p.cx)).toBe(PENDING);
    tx.send(1);
    expect(p.wakes()).toBe(1);
    expect(f.poll(p.cx)).toBe(PENDING);
    tx.send(2);
    tx.send(3); // the board shows only the latest: 2 is never checked
    expect(f.poll(p.cx)).toBe(3);
    expect(checked).toEqual([0, 1, 3]);
    expect(rx.hasChanged()).toBe(false);
    expect(() => f.poll(p.cx)).toThrow(FutureStateError);
  });

  it("a value that failed is marked seen: a changed() afterwards waits for the next send", () => {
    const [tx, rx] = watch.channel("closed");
    tx.send("preparing");
    const p = probe();
    const f = rx.waitFor((v) => v === "open");
    resetBudget();
    expect(f.poll(p.cx)).toBe(PENDING);
    f[Symbol.dispose]();
    expect(rx.changed().poll(p.cx)).toBe(PENDING);
  });

  it("the sender closed with a last value that fails: ChannelClosedError; with one that passes: the value", () => {
    const [tx, rx] = watch.channel(1);
    const rx2 = rx.clone();
    const p = probe();
    const fails = rx.waitFor((v) => v > 10);
    const passes = rx2.waitFor((v) => v > 10);
    resetBudget();
    expect(fails.poll(p.cx)).toBe(PENDING);
    tx.send(2);
    tx.close();
    expect(() => fails.poll(p.cx)).toThrow(ChannelClosedError);
    expect(() => fails.poll(p.cx)).toThrow(FutureStateError);
    const [tx3, rx3] = watch.channel(50);
    tx3.close();
    expect(rx3.waitFor((v) => v > 10).poll(p.cx)).toBe(50);
    expect(() => passes.poll(p.cx)).toThrow(/sender is closed and its last value does not satisfy/);
  });

  it("a predicate that throws ends the wait with its error and leaves the line", () => {
    const [tx, rx] = watch.channel(0);
    const p = probe();
    const f = rx.waitFor((v) => {
      if (v === 2) throw new Error("bad order");
      return false;
    });
    resetBudget();
    expect(f.poll(p.cx)).toBe(PENDING);
    tx.send(2);
    expect(() => f.poll(p.cx)).toThrow("bad order");
    tx.send(3);
    expect(p.wakes()).toBe(1); // woken by the send of 2 only: no longer in the line
  });

  it("dropped while it waits it leaves the line (a send wakes nobody); closing its receiver wakes it to a ChannelClosedError", () => {
    const [tx, rx] = watch.channel(0);
    const p = probe();
    const dropped = rx.waitFor(() => false);
    resetBudget();
    expect(dropped.poll(p.cx)).toBe(PENDING);
    dropped[Symbol.dispose]();
    tx.send(1);
    expect(p.wakes()).toBe(0);
    const q = probe();
    const waiting = rx.waitFor(() => false);
    expect(waiting.poll(q.cx)).toBe(PENDING);
    rx.close();
    expect(q.wakes()).toBe(1);
    expect(() => waiting.poll(q.cx)).toThrow(/this receiver was closed/);
    expect(() => rx.waitFor(() => true)).toThrow(TypeError);
  });

  it("bad input: a predicate that is not a function is a TypeError naming it", () => {
    const [, rx] = watch.channel(0);
    expect(() => rx.waitFor(5 as never)).toThrow(
      new TypeError(
        "rx.waitFor(predicate): predicate must be a function (value) => boolean, got number",
      ),
    );
  });

  it("in tasks: a waiter for a threshold gets the first published value at or past it, whatever the sequence of sends and yields", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 1000 }),
        async (values, threshold, seed) => {
          const got = await run(
            asyncBlock(function* () {
              const [tx, rx] = watch.channel(-1);
              const waiter = spawn(rx.waitFor((v) => v >= threshold));
              for (const v of values) {
                tx.send(v);
                if (v % 3 === 0) yield* yieldNow();
              }
              tx.close();
              try {
                return yield* waiter;
              } catch (e) {
                return (e as { cause?: unknown }).cause instanceof ChannelClosedError
                  ? "closed"
                  : e;
              }
            }),
            { seed, longPollThreshold: false },
          );
          if (got === "closed") {
            // Only if the last value fails: the waiter may have missed passing values in between.
            expect(values[values.length - 1]! < threshold).toBe(true);
          } else {
            expect(typeof got).toBe("number");
            expect(got as number).toBeGreaterThanOrEqual(threshold);
            expect(values).toContain(got);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
