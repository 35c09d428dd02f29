/**
 * abort() at every point of a task's life, as a model (tokio's JoinHandle/AbortHandle contract):
 * before its first poll, from inside its own poll, while it waits, twice, while its cleanup awaits,
 * after it finished, and from a task of another runtime; its outcome taken natively or by
 * `yield*`. Whatever the point: the body's `finally` runs at most once (exactly once if the body
 * started), the handle reports the value if and only if the task finished before the abort, and
 * the runtime's counters come back to zero.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { flush, Gate } from "./future-testkit.js";

const POINTS = [
  "before-first-poll",
  "inside-own-poll",
  "while-waiting",
  "twice-while-waiting",
  "during-cleanup",
  "after-finish",
  "from-another-runtime",
] as const;
type Point = (typeof POINTS)[number];

/** How the outcome is taken: `await handle`, or `yield* handle` in a task of the same runtime. */
type Taker = "native" | "yield";

interface Outcome {
  value?: number;
  error?: JoinError;
}

async function take(rt: Runtime, h: JoinHandle<number>, taker: Taker): Promise<Outcome> {
  if (taker === "yield") {
    return rt.spawn(
      asyncBlock(function* () {
        try {
          const value: number = yield* h;
          return { value } as Outcome;
        } catch (e) {
          return { error: e as JoinError } as Outcome;
        }
      }),
    );
  }
  try {
    return { value: await h };
  } catch (e) {
    return { error: e as JoinError };
  }
}

async function scenario(point: Point, cleanupAwaits: boolean, taker: Taker): Promise<void> {
  const rt = new Runtime();
  const other = new Runtime();
  const work = new Gate<number>("work");
  const closing = new Gate<number>("closing");
  let started = 0;
  let finallies = 0;
  let h: JoinHandle<number> | null = null;
  h = rt.spawn(
    asyncBlock(function* () {
      started++;
      try {
        if (point === "inside-own-poll") h!.abort();
        return yield* work;
      } finally {
        finallies++;
        if (cleanupAwaits) yield* closing;
      }
    }),
  );
  const handle = h;
  if (point === "before-first-poll") handle.abort();
  await flush();
  switch (point) {
    case "while-waiting":
      handle.abort();
      break;
    case "twice-while-waiting":
      handle.abort();
      handle.abort();
      break;
    case "during-cleanup":
      handle.abort();
      await flush();
      handle.abort();
      break;
    case "after-finish":
      // The finally's own wait is over before it starts: the task finishes in this turn.
      closing.resolve(0);
      work.resolve(7);
      await flush();
      expect(handle.isFinished()).toBe(true);
      handle.abort();
      break;
    case "from-another-runtime":
      await other.spawn(
        asyncBlock(function* () {
          handle.abort();
        }),
      );
      break;
    default:
      break;
  }
  closing.resolve(0);
  const out = await take(rt, handle, taker);
  await flush();

  const finishedFirst = point === "after-finish";
  const bodyRan = point !== "before-first-poll";
  expect(started).toBe(bodyRan ? 1 : 0);
  expect(finallies).toBe(bodyRan ? 1 : 0);
  if (finishedFirst) {
    expect(out).toEqual({ value: 7 });
  } else {
    expect(out.error?.isCancelled()).toBe(true);
    expect(out.error?.taskId).toBe(handle.id);
  }
  expect(handle.isFinished()).toBe(true);
  // The gate the body waited on was let go with the body.
  expect(work.parked).toBe(false);
  const m = rt.metrics();
  expect(m.liveTasks).toBe(0);
  expect(m.queueDepth).toBe(0);
  expect(m.liveWaiters).toBe(0);
  expect(m.liveTimers).toBe(0);
  expect(m.spawnedTotal).toBe(taker === "yield" ? 2 : 1);
  await rt.shutdown();
  await other.shutdown();
  expect(other.metrics().liveTasks).toBe(0);
}

describe("abort() at every point of a task's life", () => {
  it("the finally runs once if the body started, the handle reports the value only if the task finished first, and every counter is back to zero", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...POINTS),
        fc.boolean(),
        fc.constantFrom<Taker>("native", "yield"),
        async (point, cleanupAwaits, taker) => {
          await scenario(point, cleanupAwaits, taker);
        },
      ),
      { numRuns: 80 },
    );
  });

  for (const point of POINTS) {
    it(`${point}, with a finally that awaits, taken by yield*: the same rules hold`, async () => {
      await scenario(point, true, "yield");
    });
  }
});
