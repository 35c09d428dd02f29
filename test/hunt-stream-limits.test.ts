/**
 * The edges of the stream combinators' arguments: `forEachConcurrent`'s limit (`undefined` or
 * `Infinity` is no limit; 0, NaN, negatives and fractions are refused with a RangeError that says
 * how to ask for no limit, where futures-rs reads 0 as "no limit"), `buffered(1)` and
 * `bufferUnordered(1)` running one future at a time, the error for a stream item that is not a
 * future naming the method it came through, and `fromEvent` refusing an emitter it could add a
 * listener to but never take it off.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, type Future, fromEvent, iter, Runtime, sleep } from "../src/index.js";
import { Gate } from "./future-testkit.js";

/** A job that sleeps `ms` on the runtime's clock, counting how many jobs run at once. */
function counted(meter: { now: number; peak: number }, ms: number): Future<void> {
  return asyncBlock(function* () {
    meter.now++;
    meter.peak = Math.max(meter.peak, meter.now);
    try {
      yield* sleep(ms);
    } finally {
      meter.now--;
    }
  });
}

describe("forEachConcurrent(limit, f): the limit", () => {
  it("Infinity, like an omitted limit, starts every job at once; all finish, then the future completes", async () => {
    for (const limit of [Number.POSITIVE_INFINITY, undefined]) {
      const rt = new Runtime({ clock: "paused" });
      const meter = { now: 0, peak: 0 };
      await rt.spawn(
        iter([1, 2, 3, 4, 5, 6, 7]).forEachConcurrent(limit, () => counted(meter, 100)),
      );
      expect(meter).toEqual({ now: 0, peak: 7 });
      await rt.shutdown();
    }
  });

  it("1 runs the jobs one after another", async () => {
    const rt = new Runtime({ clock: "paused" });
    const meter = { now: 0, peak: 0 };
    await rt.spawn(iter([1, 2, 3, 4]).forEachConcurrent(1, () => counted(meter, 100)));
    expect(meter).toEqual({ now: 0, peak: 1 });
    await rt.shutdown();
  });

  it("0, NaN, -1, 1.5, null and '3' are refused with a RangeError naming the limit, the rule and how to ask for no limit", () => {
    for (const bad of [0, Number.NaN, -1, 1.5, null, "3"]) {
      expect(() => iter([1]).forEachConcurrent(bad as number, () => new Gate())).toThrow(
        new RangeError(
          `stream.forEachConcurrent(limit, f): limit must be an integer of at least 1 (undefined or Infinity for no limit), got ${String(bad)}`,
        ),
      );
    }
  });
});

describe("buffered(n) and bufferUnordered(n)", () => {
  it("buffered(1) and bufferUnordered(1) run one future at a time and give every output in order", async () => {
    for (const ordered of [true, false]) {
      const rt = new Runtime({ clock: "paused" });
      const meter = { now: 0, peak: 0 };
      const futures = iter([30, 10, 20]).map((ms) =>
        asyncBlock(function* () {
          yield* counted(meter, ms);
          return ms;
        }),
      );
      const out = await rt.spawn(
        (ordered ? futures.buffered(1) : futures.bufferUnordered(1)).collect(),
      );
      expect(out).toEqual([30, 10, 20]);
      expect(meter.peak).toBe(1);
      await rt.shutdown();
    }
  });

  it("an item that is not a future is refused with a TypeError naming the method it came through", async () => {
    const rt = new Runtime({ clock: "paused" });
    const items = () => iter([5 as unknown as Future<number>]);
    await expect(rt.spawn(items().bufferUnordered(2).collect())).rejects.toThrow(
      /TypeError: stream\.bufferUnordered\(n\): each item of the stream must be a future, got number/,
    );
    await expect(rt.spawn(items().buffered(2).collect())).rejects.toThrow(
      /TypeError: stream\.buffered\(n\): each item of the stream must be a future, got number/,
    );
    await rt.shutdown();
  });
});

describe("fromEvent(emitter, name)", () => {
  it("an emitter with addEventListener but no removeEventListener is refused at once, before a listener it could never remove is added", () => {
    let added = 0;
    const halfTarget = {
      addEventListener: () => {
        added++;
      },
    };
    expect(() => fromEvent(halfTarget as never, "click")).toThrow(
      /fromEvent\(emitter, name\): emitter must be an EventTarget \(addEventListener\/removeEventListener\)/,
    );
    expect(added).toBe(0);
  });

  it("an EventTarget: the listener added at the first poll is the one removed at dispose", async () => {
    const target = new EventTarget();
    const calls: string[] = [];
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    let listener: unknown = null;
    target.addEventListener = (name: string, fn: EventListenerOrEventListenerObject | null) => {
      calls.push(`add ${name}`);
      listener = fn;
      add(name, fn);
    };
    target.removeEventListener = (name: string, fn: EventListenerOrEventListenerObject | null) => {
      calls.push(`remove ${name}${fn === listener ? " (the same listener)" : ""}`);
      remove(name, fn);
    };
    const rt = new Runtime({ clock: "paused" });
    const clicks = fromEvent<Event>(target, "ping");
    const h = rt.spawn(clicks.take(1).collect());
    await new Promise((r) => setImmediate(r));
    target.dispatchEvent(new Event("ping"));
    const got = await h;
    expect(got.map((e) => e.type)).toEqual(["ping"]);
    expect(calls).toEqual(["add ping", "remove ping (the same listener)"]);
    await rt.shutdown();
  });
});
