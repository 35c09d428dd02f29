/**
 * Streams when something throws. A future that drives a stream (`fold`, `collect`, `forEach`,
 * `forEachConcurrent`) is finished by the error, so it first releases everything it owns: the
 * stream is disposed, the futures still in flight are dropped (their `finally` blocks run), and the
 * runtime's metrics read zero live timers and waiters afterwards. Adapters that can go on after an
 * error (`buffered`, `bufferUnordered`, `andThen`) hand it out in place of its item and go on.
 */
import { EventEmitter } from "node:events";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DONE,
  type Future,
  fromAsyncIterable,
  fromEvent,
  iter,
  mpsc,
  type PENDING,
  Runtime,
  race,
  run,
  type StreamBase,
  sleep,
} from "../src/index.js";
import { Counter, Gate } from "./future-testkit.js";

/** A future that sleeps `ms` on the runtime's clock, then gives `v`. */
function okAfter<T>(ms: number, v: T): Future<T> {
  return asyncBlock(function* () {
    yield* sleep(ms);
    return v;
  });
}

/** A future that sleeps `ms`, then throws an error with `message`. */
function failAfter(ms: number, message: string): Future<never> {
  return asyncBlock(function* () {
    yield* sleep(ms);
    throw new Error(message);
  });
}

/** Spawn `body` on a paused-clock runtime and await it; an error it throws becomes "threw: …". */
async function outcomeOf<T>(
  body: () => Generator<typeof PENDING, T, unknown>,
): Promise<{ rt: Runtime; out: T | string }> {
  const rt = new Runtime({ clock: "paused" });
  const main = asyncBlock(function* () {
    try {
      return yield* asyncBlock(body);
    } catch (e) {
      return `threw: ${(e as Error).message}`;
    }
  });
  return { rt, out: await rt.spawn(main) };
}

/** Read `s` to its end with `next()`, recording each item or `err:<message>`, then "DONE". */
function* drain<T>(s: StreamBase<T>, max = 50): Generator<typeof PENDING, unknown[], unknown> {
  const log: unknown[] = [];
  for (let i = 0; i < max; i++) {
    try {
      const v = yield* s.next();
      if (v === DONE) {
        log.push("DONE");
        break;
      }
      log.push(v);
    } catch (e) {
      log.push(`err:${(e as Error).message}`);
    }
  }
  s[Symbol.dispose]();
  return log;
}

describe("a future that drives a stream releases what it owns when it fails", () => {
  it("forEachConcurrent: one job throws, then the other jobs are dropped (finally runs), the stream is disposed, and no timer or waiter stays live", async () => {
    const source = new Counter(10);
    const finals: number[] = [];
    const [_tx, rx] = mpsc.channel<number>(1);
    const { rt, out } = await outcomeOf(function* () {
      yield* source.forEachConcurrent(3, (i) =>
        asyncBlock(function* () {
          try {
            if (i === 0) yield* sleep(1_000_000); // parked on a timer
            if (i === 1) yield* rx.recv(); // parked in a channel's waiter queue
            yield* sleep(5);
            throw new Error(`job ${i} failed`);
          } finally {
            finals.push(i);
          }
        }),
      );
      return "finished";
    });
    expect(out).toBe("threw: job 2 failed");
    expect(finals.sort()).toEqual([0, 1, 2]);
    expect(source.drops).toBe(1);
    expect(source.i).toBe(3); // no item was taken after the failure
    expect(rt.metrics().liveTimers).toBe(0);
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("forEachConcurrent: a sibling whose finally awaits is finished as a detached task after the failure", async () => {
    const events: string[] = [];
    const { rt, out } = await outcomeOf(function* () {
      try {
        yield* iter([0, 1]).forEachConcurrent(2, (i) =>
          asyncBlock(function* () {
            if (i === 1) {
              yield* sleep(1);
              throw new Error("job 1 failed");
            }
            try {
              yield* sleep(1_000_000);
            } finally {
              events.push("cleanup started");
              yield* sleep(10); // closing something politely
              events.push("cleanup finished");
            }
          }),
        );
      } catch (e) {
        events.push(`caught ${(e as Error).message}`);
      }
      return "done";
    });
    expect(out).toBe("done");
    expect(events.slice(0, 2)).toEqual(["cleanup started", "caught job 1 failed"]);
    await rt.shutdown();
    expect(events).toEqual(["cleanup started", "caught job 1 failed", "cleanup finished"]);
    expect(rt.metrics().liveTimers).toBe(0);
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("forEachConcurrent: a sibling's finally that throws while dropped does not hide the job's error, and the stream is still disposed", async () => {
    const source = new Counter(10);
    const { rt, out } = await outcomeOf(function* () {
      yield* source.forEachConcurrent(2, (i) =>
        asyncBlock(function* () {
          if (i === 1) {
            yield* sleep(1);
            throw new Error("job 1 failed");
          }
          try {
            yield* sleep(1_000_000);
          } finally {
            // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws is the case under test
            throw new Error("finally of job 0 broke");
          }
        }),
      );
    });
    expect(out).toBe("threw: job 1 failed");
    expect(source.drops).toBe(1);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("forEachConcurrent: f throwing on an item disposes the stream and drops the jobs already started", async () => {
    const source = new Counter(10);
    const jobs: Gate[] = [];
    const { rt, out } = await outcomeOf(function* () {
      yield* source.forEachConcurrent(5, (i) => {
        if (i === 2) throw new Error("no job for 2");
        const g = new Gate(`job ${i}`);
        jobs.push(g);
        return g;
      });
    });
    expect(out).toBe("threw: no job for 2");
    expect(jobs.map((g) => g.drops)).toEqual([1, 1]);
    expect(source.drops).toBe(1);
    await rt.shutdown();
  });

  it("collect over buffered(3): one future fails, then the other two are dropped and no timer stays live", async () => {
    const finals: number[] = [];
    const job = (i: number) =>
      asyncBlock(function* () {
        try {
          yield* sleep(i === 1 ? 5 : 1_000_000);
          if (i === 1) throw new Error("job 1 failed");
          return i;
        } finally {
          finals.push(i);
        }
      });
    const { rt, out } = await outcomeOf(function* () {
      return yield* iter([0, 1, 2]).map(job).buffered(3).collect();
    });
    expect(out).toBe("threw: job 1 failed");
    expect(finals).toEqual([1, 0, 2]);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("fold: f throws on an item, then the stream is disposed before the error is thrown", async () => {
    const source = new Counter(10);
    let dropsWhenCaught = -1;
    const { rt, out } = await outcomeOf(function* () {
      try {
        return yield* source.fold(0, (acc, x) => {
          if (x === 3) throw new Error("bad item 3");
          return acc + x;
        });
      } catch (e) {
        dropsWhenCaught = source.drops;
        throw e;
      }
    });
    expect(out).toBe("threw: bad item 3");
    expect(dropsWhenCaught).toBe(1);
    await rt.shutdown();
  });

  it("forEach over fromEvent: f throws, then the listener is removed from the emitter", async () => {
    const emitter = new EventEmitter();
    const rt = new Runtime();
    const h = rt.spawn(
      fromEvent<number>(emitter, "order").forEach(() => {
        throw new Error("handler failed");
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(emitter.listenerCount("order")).toBe(1);
    emitter.emit("order", 1);
    await expect(h).rejects.toThrow("handler failed");
    expect(emitter.listenerCount("order")).toBe(0);
    await rt.shutdown();
  });

  it("forEach: the future f returned throws, then the stream is disposed", async () => {
    const source = new Counter(10);
    const { rt, out } = await outcomeOf(function* () {
      // biome-ignore lint/suspicious/useIterableCallbackReturn: a stream's forEach waits for the future f returns
      yield* source.forEach((i) => (i === 1 ? failAfter(3, "step 1 failed") : okAfter(1, i)));
    });
    expect(out).toBe("threw: step 1 failed");
    expect(source.drops).toBe(1);
    expect(source.i).toBe(2);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("forEach: dropped while a step waits, the step is dropped (its finally runs) and the stream disposed", async () => {
    const source = new Counter(10);
    let stepFinally = false;
    const { rt, out } = await outcomeOf(function* () {
      // biome-ignore lint/suspicious/useIterableCallbackReturn: a stream's forEach waits for the future f returns
      const fe = source.forEach(() =>
        asyncBlock(function* () {
          try {
            yield* sleep(1_000_000);
          } finally {
            stepFinally = true;
          }
        }),
      );
      return yield* race(sleep(5), fe);
    });
    expect(out).toBeUndefined();
    expect(stepFinally).toBe(true);
    expect(source.drops).toBe(1);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("forEach(f) with an async f is refused with a TypeError naming f and fromPromise, after one item, and the stream disposed", async () => {
    const source = new Counter(3);
    const started: number[] = [];
    const { rt, out } = await outcomeOf(function* () {
      yield* source.forEach(async (i) => {
        started.push(i);
        throw new Error("rejected inside the promise"); // must not surface as unhandled
      });
    });
    expect(out).toMatch(/^threw: stream\.forEach\(f\): f returned a Promise/);
    expect(out).toMatch(/fromPromise/);
    expect(started).toEqual([0]);
    expect(source.drops).toBe(1);
    await rt.shutdown();
  });
});

describe("buffered(n) and bufferUnordered(n) when a future fails", () => {
  it("buffered: a failure is thrown in its position, after the outputs before it, and the later items follow", async () => {
    const { rt, out } = await outcomeOf(function* () {
      const s = iter([
        okAfter(50, 0),
        failAfter(10, "boom 1"),
        okAfter(5, 2),
        okAfter(5, 3),
      ]).buffered(4);
      return yield* drain(s);
    });
    expect(out).toEqual([0, "err:boom 1", 2, 3, "DONE"]);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("buffered(2): after the first future fails, every later item still comes, then DONE", async () => {
    const { rt, out } = await outcomeOf(function* () {
      const s = iter([failAfter(1, "boom"), okAfter(1, 1), okAfter(1, 2), okAfter(1, 3)]).buffered(
        2,
      );
      return yield* drain(s);
    });
    expect(out).toEqual(["err:boom", 1, 2, 3, "DONE"]);
    await rt.shutdown();
  });

  it("bufferUnordered: a failure is thrown as it arrives and the stream goes on with the rest", async () => {
    const { rt, out } = await outcomeOf(function* () {
      const s = iter([okAfter(30, 0), failAfter(10, "boom 1"), okAfter(20, 2), okAfter(1, 3)]);
      return yield* drain(s.bufferUnordered(3));
    });
    expect(out).toEqual(["err:boom 1", 3, 2, 0, "DONE"]);
    await rt.shutdown();
  });

  const jobsArb = fc.array(fc.record({ ms: fc.integer({ min: 0, max: 6 }), fails: fc.boolean() }), {
    maxLength: 12,
  });

  it("buffered(n) gives each output or error in its input position, whatever the delays (property)", async () => {
    await fc.assert(
      fc.asyncProperty(jobsArb, fc.integer({ min: 1, max: 4 }), async (jobs, n) => {
        const log = await run(
          asyncBlock(function* () {
            const futures = jobs.map((j, i) =>
              j.fails ? failAfter(j.ms, `e${i}`) : okAfter(j.ms, i),
            );
            return yield* drain(iter(futures).buffered(n));
          }),
          { clock: "paused" },
        );
        expect(log).toEqual([...jobs.map((j, i) => (j.fails ? `err:e${i}` : i)), "DONE"]);
      }),
      { numRuns: 60 },
    );
  });

  it("bufferUnordered(n) gives every output and every error exactly once, then DONE (property)", async () => {
    await fc.assert(
      fc.asyncProperty(jobsArb, fc.integer({ min: 1, max: 4 }), async (jobs, n) => {
        const log = await run(
          asyncBlock(function* () {
            const futures = jobs.map((j, i) =>
              j.fails ? failAfter(j.ms, `e${i}`) : okAfter(j.ms, i),
            );
            return yield* drain(iter(futures).bufferUnordered(n));
          }),
          { clock: "paused" },
        );
        expect(log[log.length - 1]).toBe("DONE");
        const key = (x: unknown) => String(x);
        expect(log.slice(0, -1).map(key).sort()).toEqual(
          jobs.map((j, i) => (j.fails ? `err:e${i}` : String(i))).sort(),
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe("andThen when a step fails", () => {
  it("the step's error is that item's; the next poll goes on with the next item, not the dead step", async () => {
    const { rt, out } = await outcomeOf(function* () {
      const s = iter([1, 2, 3]).andThen((x) =>
        x === 1 ? failAfter(1, "step 1 failed") : okAfter(1, x),
      );
      return yield* drain(s);
    });
    expect(out).toEqual(["err:step 1 failed", 2, 3, "DONE"]);
    await rt.shutdown();
  });
});

describe("fromAsyncIterable over a broken iterator", () => {
  it("next() resolving to a non-object fails the stream with a TypeError, closes the bridge, then ends", async () => {
    const bad = {
      [Symbol.asyncIterator]: () => ({ next: async () => undefined }),
    } as unknown as AsyncIterable<number>;
    const { rt, out } = await outcomeOf(function* () {
      return yield* drain(fromAsyncIterable(bad));
    });
    expect(out).toEqual([
      "err:fromAsyncIterable(iterable): the iterator's next() must resolve to an object, got undefined",
      "DONE",
    ]);
    expect(rt.metrics().pendingBridges).toBe(0);
    await rt.shutdown();
  });

  it("a result whose done getter throws fails the stream with that error", async () => {
    const bad = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({
          get done(): boolean {
            throw new Error("done getter broke");
          },
        }),
      }),
    } as unknown as AsyncIterable<number>;
    const { rt, out } = await outcomeOf(function* () {
      return yield* drain(fromAsyncIterable(bad));
    });
    expect(out).toEqual(["err:done getter broke", "DONE"]);
    expect(rt.metrics().pendingBridges).toBe(0);
    await rt.shutdown();
  });
});
