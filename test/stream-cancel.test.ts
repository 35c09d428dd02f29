/**
 * Aborting a task that drives a stream: the futures the stream's consumers hold (a `forEach` step,
 * an `andThen` step, the futures in flight in `buffered`) are torn down with `[CANCEL]`, so a
 * `finally` that awaits is driven to its end by the aborted task before its handle reports
 * cancelled (the rule of src/future/cancel.ts), not left to finish later on its own.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, type Future, iter, Runtime, sleep } from "../src/index.js";

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
  ["forEach(f) with f returning a future", (step) => iter([1, 2]).forEach(step)],
  ["collect() over andThen(f)", (step) => iter([1, 2]).andThen(step).collect()],
  [
    "fold() over andThen(f)",
    (step) =>
      iter([1, 2])
        .andThen(step)
        .fold(0, (n) => n + 1),
  ],
  ["collect() over map(f).buffered(2)", (step) => iter([1, 2]).map(step).buffered(2).collect()],
  [
    "collect() over map(f).bufferUnordered(2)",
    (step) => iter([1, 2]).map(step).bufferUnordered(2).collect(),
  ],
  ["forEachConcurrent(2, f)", (step) => iter([1, 2]).forEachConcurrent(2, step)],
  [
    "collect() over andThen(f).map(g): the adapter between hands the step's cleanup on",
    (step) =>
      iter([1, 2])
        .andThen(step)
        .map((x) => x)
        .collect(),
  ],
];
// The same, each awaited with yield* inside an async fn rather than spawned as the task's future.
for (const [name, make] of [...pipelines]) {
  pipelines.push([
    `${name}, under a yield*`,
    (step) =>
      asyncBlock(function* consumer() {
        return yield* make(step);
      }),
  ]);
}

describe("aborting a task that drives a stream", () => {
  for (const [name, make] of pipelines) {
    it(`${name}: the step's awaiting finally finishes before the handle reports cancelled`, async () => {
      const rt = new Runtime({ clock: "paused" });
      const events: string[] = [];
      const h = rt.spawn(make(politeStep(events)));
      await new Promise((r) => setImmediate(r));
      expect(events).toEqual([]);
      h.abort();
      await expect(h).rejects.toThrow(/cancelled/);
      events.push("handle reported cancelled");
      // Every step that started cleaning up finished before the handle reported.
      const started = events.filter((e) => e === "cleanup started").length;
      expect(started).toBeGreaterThan(0);
      expect(events.filter((e) => e === "cleanup finished").length).toBe(started);
      expect(events.at(-1)).toBe("handle reported cancelled");
      expect(rt.metrics().liveTimers).toBe(0);
      expect(rt.metrics().liveTasks).toBe(0);
      await rt.shutdown();
    });
  }
});

describe("dropping a stream consumer", () => {
  it("takeUntil's stop signal goes with the stream when its consumer is dropped", async () => {
    const rt = new Runtime({ clock: "paused" });
    const before = rt.metrics().liveTimers;
    const h = rt.spawn(
      asyncBlock(function* () {
        yield* iter([1, 2, 3])
          .andThen((x) =>
            asyncBlock(function* () {
              yield* sleep(1_000_000);
              return x;
            }),
          )
          .takeUntil(sleep(60_000))
          .collect();
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveTimers).toBe(before + 2);
    h.abort();
    await expect(h).rejects.toThrow(/cancelled/);
    expect(rt.metrics().liveTimers).toBe(before);
    await rt.shutdown();
  });
});
