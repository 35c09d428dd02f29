/**
 * Tearing down streams that own more than one thing, or a future: `merge` and `zip` (two sides)
 * and `once` (one future). An aborted task drives the cleanup of what they own to its end before
 * its handle reports cancelled, as it does through every other adapter (src/future/cancel.ts), and
 * a side whose teardown throws does not keep the other side from being released.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DONE,
  type Future,
  fromAsyncIterable,
  iter,
  once,
  PENDING,
  Runtime,
  StreamBase,
  type StreamPoll,
  sleep,
} from "../src/index.js";
import { Counter, Gate, MockTask } from "./future-testkit.js";

/** A step that waits for ever; its `finally` awaits (closing something politely), then logs. */
function politeStep(events: string[]): () => Future<void> {
  return () =>
    asyncBlock(function* () {
      try {
        yield* sleep(1_000_000);
      } finally {
        events.push("cleanup started");
        yield* sleep(10);
        events.push("cleanup finished");
      }
    });
}

const pipelines: [string, (step: () => Future<void>) => Future<unknown>][] = [
  [
    "merge: collect() over a.andThen(f).merge(b)",
    (step) => iter([1]).andThen(step).merge(iter<void>([])).collect(),
  ],
  [
    "merge: collect() over b.merge(a.andThen(f))",
    (step) =>
      iter<void>([])
        .merge(iter([1]).andThen(step))
        .collect(),
  ],
  [
    "zip: collect() over a.andThen(f).zip(b)",
    (step) =>
      iter([1])
        .andThen(step)
        .zip(iter([1]))
        .collect(),
  ],
  [
    "zip: collect() over b.zip(a.andThen(f))",
    (step) =>
      iter([1])
        .zip(iter([1]).andThen(step))
        .collect(),
  ],
  ["once: collect() over once(future)", (step) => once(step()).collect()],
  [
    "once: forEach() over once(future).map(g)",
    (step) =>
      once(step())
        .map((x) => x)
        .forEach(() => {}),
  ],
];

describe("aborting a task that drives merge, zip or once", () => {
  for (const [name, make] of pipelines) {
    it(`${name}: the cleanup starts, finishes, and only then does the handle report cancelled`, async () => {
      const rt = new Runtime({ clock: "paused" });
      const events: string[] = [];
      const h = rt.spawn(make(politeStep(events)));
      await new Promise((r) => setImmediate(r));
      expect(events).toEqual([]);
      h.abort();
      await expect(h).rejects.toThrow(/cancelled/);
      events.push("handle reported cancelled");
      expect(events).toEqual(["cleanup started", "cleanup finished", "handle reported cancelled"]);
      expect(rt.metrics().liveTimers).toBe(0);
      expect(rt.metrics().liveTasks).toBe(0);
      await rt.shutdown();
    });
  }
});

/** A stream that never ends and whose dispose throws (a `finally` that fails on the way out). */
class BadDispose extends StreamBase<number> {
  drops = 0;
  pollNext(_cx: Context): StreamPoll<number> {
    return 7;
  }
  override [Symbol.dispose](): void {
    this.drops++;
    throw new Error("dispose failed");
  }
}

/** Poll `s` once through a mock task. */
function pollOnce<T>(s: StreamBase<T>): StreamPoll<T> {
  return new MockTask(
    new (class extends Gate<StreamPoll<T>> {
      override poll(cx: Context): StreamPoll<T> {
        return s.pollNext(cx);
      }
    })(),
  ).poll();
}

describe("disposing merge or zip when one side's teardown throws", () => {
  for (const [name, make] of [
    ["zip", (a: StreamBase<number>, b: StreamBase<number>): StreamBase<unknown> => a.zip(b)],
    ["merge", (a: StreamBase<number>, b: StreamBase<number>): StreamBase<unknown> => a.merge(b)],
  ] as const) {
    it(`${name}: the first side's dispose throws, the second side is disposed anyway, then the error is thrown`, () => {
      const bad = new BadDispose();
      const other = new Counter(3);
      const s = make(bad, other);
      expect(() => s[Symbol.dispose]()).toThrow("dispose failed");
      expect(bad.drops).toBe(1);
      expect(other.drops).toBe(1);
      // Disposed for good: a second dispose releases nothing twice, a poll finds the end.
      s[Symbol.dispose]();
      expect([bad.drops, other.drops]).toEqual([1, 1]);
      expect(pollOnce(s)).toBe(DONE);
    });
  }

  it("fromAsyncIterable: an iterator whose return() throws synchronously is let go quietly, and zip disposes its other side", () => {
    let returns = 0;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.resolve({ done: false, value: 1 }),
        return: () => {
          returns++;
          throw new Error("return() failed");
        },
      }),
    };
    const other = new Counter(3);
    const s = fromAsyncIterable(iterable).zip(other);
    // The first poll asks the iterator for an item (in flight), then takes one from the counter.
    expect(pollOnce(s)).toBe(PENDING);
    expect(() => s[Symbol.dispose]()).not.toThrow();
    expect(returns).toBe(1);
    expect(other.drops).toBe(1);
    s[Symbol.dispose]();
    expect(returns).toBe(1);
  });
});
