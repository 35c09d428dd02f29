/**
 * Adversarial tests of the streams new this session: `DelayQueue`, `stream.debounce(ms)` and a
 * bounded `fromEvent`, under adapters, with `next()` futures dropped mid-wait (the loser of a
 * `select`) and read again from another task, on the paused clock and over seeded schedules. Each
 * checks that no item or wake is lost, no second reader is refused falsely, and no timer or waiter
 * is left behind (`rt.metrics()`).
 */
import { EventEmitter } from "node:events";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DeadlockError,
  type DelayKey,
  DelayQueue,
  DONE,
  type Expired,
  fromEvent,
  Instant,
  join,
  mpsc,
  OWNED,
  pending,
  Runtime,
  ready,
  receiverStream,
  run,
  type StreamBase,
  select,
  sleep,
  spawn,
  streamPollFn,
  yieldNow,
} from "../src/index.js";

const PAUSED = { clock: "paused" as const };

/** A value that records its disposal, to prove who let it go (and how often). */
function owned(name: string, log: string[]) {
  return {
    name,
    [OWNED]: true as const,
    [Symbol.dispose]() {
      log.push(name);
    },
  };
}

/** The adapters each DelayQueue test runs through; each hands out the value's string. */
const ADAPTERS: [string, (q: DelayQueue<string>) => StreamBase<unknown>][] = [
  ["map", (q) => q.map((e) => e.value)],
  ["filter", (q) => q.filter(() => true).map((e) => e.value)],
  ["take", (q) => q.take(5).map((e) => e.value)],
  ["takeUntil", (q) => q.takeUntil(pending()).map((e) => e.value)],
  ["chunks", (q) => q.map((e) => e.value).chunks(2)],
  ["bufferUnordered", (q) => q.map((e) => ready(e.value)).bufferUnordered(2)],
  ["debounce", (q) => q.map((e) => e.value).debounce(5)],
];

describe("DelayQueue under adapters, with a next() dropped mid-wait", () => {
  for (const [name, adapt] of ADAPTERS) {
    it(`${name}: a next() loses a select at 10 ms and is dropped; another task reads at once, is not refused, and gets the value at 50 ms; no timer is left`, async () => {
      const out = await run(
        asyncBlock(function* () {
          const rt = Runtime.current();
          const start = Instant.now();
          const q = new DelayQueue<string>();
          q.insert("soup", 50);
          const s = adapt(q);
          {
            using lost = yield* select(s.next(), sleep(10));
            expect(lost.index).toBe(1);
          }
          // The reader that dropped its next() is still alive (it awaits the other): a wait left
          // registered in its name would refuse the other task.
          const v = yield* spawn(s.next(), { name: "other" });
          const at = start.elapsed();
          s[Symbol.dispose]();
          return { v, at, timers: rt.metrics().liveTimers, waiters: rt.metrics().liveWaiters };
        }),
        PAUSED,
      );
      const want = name === "chunks" ? ["soup"] : "soup";
      expect(out).toEqual({ v: want, at: 50, timers: 0, waiters: 0 });
    });
  }

  it("merge with an open channel: a next() loses a select and is dropped; another task reads and gets the queue's value at 50 ms; the channel's waiter and the timers are gone after dispose", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<string>();
        const q = new DelayQueue<string>();
        q.insert("soup", 50);
        const s = q.map((e) => e.value).merge(receiverStream(rx));
        {
          using lost = yield* select(s.next(), sleep(10));
          expect(lost.index).toBe(1);
        }
        const v = yield* spawn(s.next(), { name: "other" });
        const at = start.elapsed();
        s[Symbol.dispose]();
        tx.close();
        return { v, at, timers: rt.metrics().liveTimers, waiters: rt.metrics().liveWaiters };
      }),
      PAUSED,
    );
    expect(out).toEqual({ v: "soup", at: 50, timers: 0, waiters: 0 });
  });

  // Failed before its fix (found here): a poll that parks the queue and then gets its item from the other side
  // leaves the queue's waker in the first task's name (delay-queue.ts:307-313; nothing takes it
  // back when the next() at stream.ts:243 is ready), so one-reader.ts:76 refuses the second task.
  it("merge with a channel: the first task reads two channel items (one read parks the queue on the way), then a second task reads while the first awaits it: not refused, it gets the queue's value at 50 ms", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<string>();
        tx.send("c1");
        tx.send("c2");
        const q = new DelayQueue<string>();
        q.insert("soup", 50);
        using s = q.map((e) => e.value).merge(receiverStream(rx));
        const first = [yield* s.next(), yield* s.next()];
        const v = yield* spawn(s.next(), { name: "second" });
        tx.close();
        return { first, v, at: start.elapsed() };
      }),
      PAUSED,
    );
    expect(out).toEqual({ first: ["c1", "c2"], v: "soup", at: 50 });
  });

  // Failed before its fix (found here): the same stale wait, left by debounce's drain loop (timed.ts:170-172).
  it("debounce over a queue: the first task's read completes (the drain loop left the queue parked in its name), then a second task reads while the first awaits it: not refused, it gets the next value", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const q = new DelayQueue<string>();
        q.insert("a", 10);
        q.insert("b", 100);
        using s = q.map((e) => e.value).debounce(20);
        const first = yield* s.next();
        const firstAt = start.elapsed();
        const v = yield* spawn(s.next(), { name: "second" });
        return { first, firstAt, v, at: start.elapsed() };
      }),
      PAUSED,
    );
    // "a" at 10, quiet until 30; "b" at 100 empties the queue: DONE, so "b" goes out at once.
    expect(out).toEqual({ first: "a", firstAt: 30, v: "b", at: 100 });
  });

  it("for random seeds, delays and patience, reads that alternate between tasks and time out (dropping their next()) lose no value and keep deadline order, through each adapter", async () => {
    const kinds = ["map", "filter", "take", "takeUntil", "bufferUnordered"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...kinds),
        async (seed, delays, patience, kind) => {
          const out = await run(
            asyncBlock(function* () {
              const rt = Runtime.current();
              const q = new DelayQueue<number>();
              for (const [i, d] of delays.entries()) q.insert(i, d);
              const s: StreamBase<unknown> =
                kind === "map"
                  ? q.map((e) => e.value)
                  : kind === "filter"
                    ? q.filter(() => true).map((e) => e.value)
                    : kind === "take"
                      ? q.take(1000).map((e) => e.value)
                      : kind === "takeUntil"
                        ? q.takeUntil(pending()).map((e) => e.value)
                        : q.map((e) => ready(e.value)).bufferUnordered(3);
              const got: unknown[] = [];
              let timeouts = 0;
              for (let round = 0; ; round++) {
                const wait = patience[round % patience.length]!;
                const r = yield* spawn(
                  asyncBlock(function* () {
                    using sel = yield* select(s.next(), sleep(wait));
                    return sel.index === 0 ? { v: sel.value } : null;
                  }),
                  { name: `reader ${round % 2}` },
                );
                if (r === null) timeouts++;
                else if (r.v === DONE) break;
                else got.push(r.v);
                if (round > 10_000) throw new Error("no progress");
              }
              s[Symbol.dispose]();
              return { got, timers: rt.metrics().liveTimers, timeouts };
            }),
            { clock: "paused", seed },
          );
          const order = delays
            .map((d, i) => [d, i] as const)
            .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          expect(out.got).toEqual(order.map(([, i]) => i));
          expect(out.timers).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe("DelayQueue: changes from another task while the reader waits", () => {
  it("for random seeds, another task resets and removes values while readers in alternating tasks time out and retry: each value is handed out once at its final deadline or removed once, and no timer is left", async () => {
    const opArb = fc.record({
      at: fc.integer({ min: 0, max: 120 }),
      remove: fc.boolean(),
      idx: fc.nat(),
      ms: fc.integer({ min: 0, max: 100 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 8 }),
        fc.array(opArb, { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 4 }),
        async (seed, delays, ops, patience) => {
          const out = await run(
            asyncBlock(function* () {
              const rt = Runtime.current();
              const start = Instant.now();
              const q = new DelayQueue<number>();
              const keys: DelayKey[] = delays.map((d, i) => q.insert(i, d));
              // Never touched, and due after any value (the ops end by 120 ms and move a value at most
              // 100 ms on): the queue cannot empty, and end the stream, before the meddling is over.
              q.insert(-1, 250);
              const removed: number[] = [];
              const meddler = spawn(
                asyncBlock(function* () {
                  for (const op of [...ops].sort((a, b) => a.at - b.at)) {
                    const wait = op.at - start.elapsed();
                    if (wait > 0) yield* sleep(wait);
                    const key = keys[op.idx % keys.length]!;
                    if (op.remove) {
                      const r = q.tryRemove(key);
                      if (r !== undefined) removed.push(r.value);
                    } else {
                      try {
                        q.reset(key, op.ms);
                      } catch (e) {
                        // Handed out or removed already: the only refusal allowed.
                        if (!(e instanceof RangeError)) throw e;
                      }
                    }
                  }
                }),
                { name: "meddler" },
              );
              const s = q.map((e) => e);
              const handed: { v: number; at: number; due: number }[] = [];
              for (let round = 0; round < 100_000; round++) {
                const wait = patience[round % patience.length]!;
                const r = yield* spawn(
                  asyncBlock(function* () {
                    using sel = yield* select(s.next(), sleep(wait));
                    return sel.index === 0 ? { e: sel.value } : null;
                  }),
                  { name: `reader ${round % 2}` },
                );
                if (r === null) continue;
                if (r.e === DONE) break;
                const e = r.e as Expired<number>;
                handed.push({ v: e.value, at: start.elapsed(), due: e.deadline.ms - start.ms });
              }
              yield* meddler;
              s[Symbol.dispose]();
              return { handed, removed, timers: rt.metrics().liveTimers };
            }),
            { clock: "paused", seed },
          );
          const values = [...out.handed.map((h) => h.v), ...out.removed].sort((a, b) => a - b);
          expect(values).toEqual([-1, ...delays.map((_, i) => i)]);
          for (const h of out.handed) expect(h.at).toBe(Math.ceil(h.due));
          expect(out.handed.at(-1)?.v).toBe(-1);
          expect(out.timers).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("another task resets the waiting value from 100 ms to 300 ms at 10 ms: the reader wakes at 300, not at 100", async () => {
    const at = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        const k = q.insert("a", 100);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            q.reset(k, 290);
          }),
        );
        const e = yield* q.map((x) => x.value).next();
        return `${String(e)}@${start.elapsed()}`;
      }),
      PAUSED,
    );
    expect(at).toBe("a@300");
  });

  it("another task resets the waiting value from 500 ms to 20 ms at 10 ms: the reader wakes at 30", async () => {
    const at = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        const k = q.insert("a", 500);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            q.reset(k, 20);
          }),
        );
        const e = yield* q.next();
        return `${e === DONE ? "DONE" : e.value}@${start.elapsed()}`;
      }),
      PAUSED,
    );
    expect(at).toBe("a@30");
  });

  it("another task inserts a value due at 30 while the reader waits on one due at 100: the reader wakes at 30 for the new one, then gets the old one at 100", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        q.insert("old", 100);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            q.insert("new", 20);
          }),
        );
        const s = q.map((e) => e.value);
        const seen: string[] = [];
        for (let x = yield* s.next(); x !== DONE; x = yield* s.next()) {
          seen.push(`${x}@${start.elapsed()}`);
        }
        return seen;
      }),
      PAUSED,
    );
    expect(out).toEqual(["new@30", "old@100"]);
  });

  it("another task removes the first of two waiting values: the reader gets the second at its own time", async () => {
    const at = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        const k = q.insert("a", 50);
        q.insert("b", 80);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            q.remove(k);
          }),
        );
        const e = yield* q.next();
        return `${e === DONE ? "DONE" : e.value}@${start.elapsed()}`;
      }),
      PAUSED,
    );
    expect(at).toBe("b@80");
  });

  // Failed before its fix (found here): clear() (delay-queue.ts:271) does not wake the parked reader, as dispose does.
  it("another task clears the queue at 10 ms while the reader waits on a value due at 100: the reader is woken and sees DONE at 10", async () => {
    const at = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        q.insert("a", 100);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            q.clear();
          }),
        );
        const e = yield* q.next();
        return `${e === DONE ? "DONE" : e.value}@${start.elapsed()}`;
      }),
      PAUSED,
    );
    expect(at).toBe("DONE@10");
  });

  // Failed before its fix (found here): remove() empties the queue through unlink() and wakes nobody either.
  it("another task removes the only waiting value at 10 ms while the reader waits through map: the reader is woken and sees DONE at 10", async () => {
    const at = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        const k = q.insert("a", 100);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            q.remove(k);
          }),
        );
        const e = yield* q.map((x) => x.value).next();
        return `${String(e === DONE ? "DONE" : e)}@${start.elapsed()}`;
      }),
      PAUSED,
    );
    expect(at).toBe("DONE@10");
  });

  it("another task disposes the queue while the reader waits: the reader sees DONE, and no timer is left", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const q = new DelayQueue<string>();
        q.insert("a", 100);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            q[Symbol.dispose]();
          }),
        );
        const e = yield* q.next();
        return { e, timers: rt.metrics().liveTimers };
      }),
      PAUSED,
    );
    expect(out).toEqual({ e: DONE, timers: 0 });
  });
});

describe("DelayQueue: order and iteration", () => {
  it("three thousand values with one deadline come out in insertion order, for a short delay and one past the wheel's first level", async () => {
    for (const delay of [100, 70_000]) {
      const out = await run(
        asyncBlock(function* () {
          using q = new DelayQueue<number>();
          for (let i = 0; i < 3000; i++) q.insert(i, delay);
          return yield* q.map((e) => e.value).collect();
        }),
        PAUSED,
      );
      expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    }
  });

  it("values with deadlines interleaved (every third one earlier) come out by deadline, ties in insertion order", async () => {
    const out = await run(
      asyncBlock(function* () {
        using q = new DelayQueue<number>();
        for (let i = 0; i < 900; i++) q.insert(i, i % 3 === 0 ? 5 : 4000);
        return yield* q.map((e) => e.value).collect();
      }),
      PAUSED,
    );
    const want = [
      ...Array.from({ length: 900 }, (_, i) => i).filter((i) => i % 3 === 0),
      ...Array.from({ length: 900 }, (_, i) => i).filter((i) => i % 3 !== 0),
    ];
    expect(out).toEqual(want);
  });

  it("a value inserted with no delay while expired values are being handed out comes after them", async () => {
    const out = await run(
      asyncBlock(function* () {
        using q = new DelayQueue<string>();
        q.insert("a", 10);
        q.insert("b", 10);
        q.insert("c", 10);
        return yield* q
          .map((e) => e.value)
          .inspect((v) => {
            if (v === "a") q.insert("late", 0);
          })
          .collect();
      }),
      PAUSED,
    );
    expect(out).toEqual(["a", "b", "c", "late"]);
  });
});

describe("DelayQueue: waiting, deadlock reports and dumps", () => {
  it("a next() on an empty queue is DONE at once: the program ends without a wait or a DeadlockError, and the clock has not moved", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        const e = yield* q.next();
        return { e, at: start.elapsed() };
      }),
      PAUSED,
    );
    expect(out).toEqual({ e: DONE, at: 0 });
  });

  it("a task waiting on a queue whose one value is due in a million ms is not a deadlock: the paused clock jumps there", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using q = new DelayQueue<string>();
        q.insert("far", 1_000_000);
        const e = yield* q.next();
        return `${e === DONE ? "DONE" : e.value}@${start.elapsed()}`;
      }),
      PAUSED,
    );
    expect(out).toBe("far@1000000");
  });

  it("a task waiting through map on a queue with values: the dump shows map over the queue and its count", async () => {
    const rt = new Runtime(PAUSED);
    const q = await rt.spawn(
      asyncBlock(function* () {
        const q = new DelayQueue<string>();
        q.insert("a", 1000);
        q.insert("b", 2000);
        return q;
      }),
    );
    rt.spawn(q.map((e) => e.value).next(), { name: "expirer" });
    await new Promise((r) => setImmediate(r));
    const dump = JSON.stringify(rt.dump());
    expect(dump).toContain("expirer");
    expect(dump).toContain("map");
    expect(dump).toContain("DelayQueue, 2 values waiting");
    q[Symbol.dispose]();
    await rt.shutdown();
  });

  // Failed before its fix (found here): the clear() above; the reader is reported as a deadlock instead.
  it("a task whose queue was emptied by clear() while it waited, on a runtime with nothing else to do, is not reported as a deadlock", async () => {
    const err = await run(
      asyncBlock(function* () {
        using q = new DelayQueue<string>();
        q.insert("a", 100);
        const h = spawn(q.next(), { name: "reader" });
        yield* sleep(10);
        q.clear();
        return yield* h;
      }),
      PAUSED,
    ).then(
      (v) => v,
      (e: unknown) => e,
    );
    expect(err instanceof DeadlockError ? `DeadlockError: ${err.message}` : err).toBe(DONE);
  });
});

describe("debounce over the new sources", () => {
  it("over a DelayQueue: values at 10 and 20 then 300 with debounce(50): 20 goes out at 70; 300 empties the queue, so it goes out at once and the stream ends", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const start = Instant.now();
        const q = new DelayQueue<number>();
        for (const d of [10, 20, 300]) q.insert(d, d);
        const s = q.map((e) => e.value).debounce(50);
        const seen: string[] = [];
        for (let x = yield* s.next(); x !== DONE; x = yield* s.next()) {
          seen.push(`${x}@${start.elapsed()}`);
        }
        return { seen, timers: rt.metrics().liveTimers };
      }),
      PAUSED,
    );
    expect(out).toEqual({ seen: ["20@70", "300@300"], timers: 0 });
  });

  it("over a bounded fromEvent (capacity 2): a burst of five at 10 keeps 4 and 5 (three dropped), 6 at 60 replaces 5, and 6 goes out at 160", async () => {
    const em = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const start = Instant.now();
        const ev = fromEvent<number>(em, "x", { capacity: 2 });
        const s = ev.debounce(100);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            for (let i = 1; i <= 5; i++) em.emit("x", i);
            yield* sleep(50);
            em.emit("x", 6);
          }),
        );
        const v = yield* s.next();
        const at = start.elapsed();
        const dropped = ev.droppedEvents;
        s[Symbol.dispose]();
        return {
          v,
          at,
          dropped,
          timers: rt.metrics().liveTimers,
          listeners: em.listenerCount("x"),
        };
      }),
      PAUSED,
    );
    expect(out).toEqual({ v: 6, at: 160, dropped: 3, timers: 0, listeners: 0 });
  });

  it("over a channel with five thousand items ready: the drain loop is cut by the budget, so another task runs while the items are taken, and the last item goes out after the quiet", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const [tx, rx] = mpsc.unboundedChannel<number>();
        for (let i = 0; i < 5000; i++) tx.send(i);
        let pulled = 0;
        const seen: number[] = [];
        const ticker = spawn(
          asyncBlock(function* () {
            for (let k = 0; k < 10; k++) {
              seen.push(pulled);
              yield* yieldNow();
            }
          }),
        );
        using s = receiverStream(rx)
          .inspect(() => {
            pulled++;
          })
          .debounce(10);
        const first = yield* s.next();
        yield* ticker;
        return {
          first,
          midway: seen.some((p) => p > 0 && p < 5000),
          forced: rt.metrics().budgetForcedYields,
        };
      }),
      PAUSED,
    );
    expect(out.first).toBe(4999);
    expect(out.midway).toBe(true);
    expect(out.forced).toBeGreaterThan(0);
  });

  it("over a DelayQueue with five thousand values due at once: the drain loop is cut by the budget, so another task runs while they are taken; the last goes out once the queue is empty", async () => {
    const out = await run(
      asyncBlock(function* () {
        const q = new DelayQueue<number>();
        for (let i = 0; i < 5000; i++) q.insert(i, 0);
        let pulled = 0;
        const seen: number[] = [];
        const ticker = spawn(
          asyncBlock(function* () {
            for (let k = 0; k < 10; k++) {
              seen.push(pulled);
              yield* yieldNow();
            }
          }),
        );
        using s = q
          .map((e) => e.value)
          .inspect(() => {
            pulled++;
          })
          .debounce(10);
        const first = yield* s.next();
        const after = yield* s.next();
        yield* ticker;
        return { first, after, midway: seen.some((p) => p > 0 && p < 5000) };
      }),
      PAUSED,
    );
    expect(out).toEqual({ first: 4999, after: DONE, midway: true });
  });

  it("over a source that gives 1, throws, then ends: the error passes at once, then 1 goes out at once with the end, and no timer is left", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const start = Instant.now();
        let step = 0;
        const s = streamPollFn<number>(() => {
          step++;
          if (step === 1) return 1;
          if (step === 2) throw new Error("boom");
          return DONE;
        }).debounce(100);
        const seen: string[] = [];
        for (let i = 0; i < 3; i++) {
          try {
            const v = yield* s.next();
            seen.push(`${v === DONE ? "DONE" : v}@${start.elapsed()}`);
          } catch (e) {
            seen.push(`${(e as Error).message}@${start.elapsed()}`);
          }
        }
        return { seen, timers: rt.metrics().liveTimers };
      }),
      PAUSED,
    );
    expect(out).toEqual({ seen: ["boom@0", "1@0", "DONE@0"], timers: 0 });
  });

  it("a task consuming debounce with forEach is aborted while it holds an OWNED item: the replaced one and the held one are each disposed once, and no timer or waiter is left", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const log: string[] = [];
        const [tx, rx] = mpsc.unboundedChannel<ReturnType<typeof owned>>();
        tx.send(owned("a", log));
        tx.send(owned("b", log));
        const seen: string[] = [];
        const h = spawn(
          receiverStream(rx)
            .debounce(100)
            .forEach((x) => void seen.push(x.name)),
        );
        yield* sleep(10);
        h.abort();
        yield* sleep(1);
        return {
          log,
          seen,
          timers: rt.metrics().liveTimers,
          waiters: rt.metrics().liveWaiters,
          open: !tx.isClosed(),
        };
      }),
      PAUSED,
    );
    expect(out).toEqual({ log: ["a", "b"], seen: [], timers: 0, waiters: 0, open: false });
  });

  it("debounce(0): an item alone in its turn goes out at once; of two ready in one turn only the later goes out", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<string>();
        spawn(
          asyncBlock(function* () {
            tx.send("a");
            yield* sleep(10);
            tx.send("b");
            tx.send("c");
            yield* sleep(10);
            tx.send("d");
            yield* sleep(10);
            tx.close();
          }),
        );
        using s = receiverStream(rx).debounce(0);
        const seen: string[] = [];
        for (let x = yield* s.next(); x !== DONE; x = yield* s.next()) {
          seen.push(`${x}@${start.elapsed()}`);
        }
        return seen;
      }),
      PAUSED,
    );
    expect(out).toEqual(["a@0", "c@10", "d@20"]);
  });

  // Failed before its fix (found here): a drain cut short by the budget reads as "nothing more is ready"
  // (timed.ts:172), and with ms 0 the quiet is always over (timed.ts:183): every 128th item goes out.
  it("debounce(0) over a thousand items all ready at once: only the last goes out, though the budget cuts the drain short every 128 items", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        for (let i = 0; i < 1000; i++) tx.send(i);
        tx.close();
        using s = receiverStream(rx).debounce(0);
        const seen: unknown[] = [];
        for (let x = yield* s.next(); x !== DONE; x = yield* s.next()) seen.push(x);
        return seen;
      }),
      PAUSED,
    );
    expect(out).toEqual([999]);
  });

  // Failed before its fix (found here): the budget cut of timed.ts:172 again, with ms > 0: the held item goes out
  // though a newer one is ready.
  it("an item ready in the turn the quiet ends wins (the period starts over), even when a sibling in the same task spent the budget first: 'b' goes out at 100, not 'a' at 50", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<string>();
        const [busyTx, busyRx] = mpsc.unboundedChannel<number>();
        spawn(
          asyncBlock(function* () {
            yield* sleep(50);
            for (let i = 0; i < 300; i++) busyTx.send(i);
            tx.send("b");
            busyTx.close();
          }),
          { name: "feeder" },
        );
        // The feeder's timer goes on the wheel first, so at 50 it sends before the reader runs.
        yield* yieldNow();
        tx.send("a");
        using s = receiverStream(rx).debounce(50);
        // At 50 the join's turn starts with the busy collect, which spends the whole budget.
        const [first, busy] = yield* join(s.next(), receiverStream(busyRx).collect());
        return { first, at: start.elapsed(), busy: busy.length };
      }),
      PAUSED,
    );
    expect(out).toEqual({ first: "b", at: 100, busy: 300 });
  });

  it("a debounce next() that loses a select while it holds an item is dropped; another task reads and gets the item at the end of the quiet, counted from its arrival", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const start = Instant.now();
        const q = new DelayQueue<string>();
        q.insert("x", 0);
        q.insert("y", 1000);
        const s = q.map((e) => e.value).debounce(50);
        {
          using lost = yield* select(s.next(), sleep(10));
          expect(lost.index).toBe(1);
        }
        const v = yield* spawn(s.next(), { name: "other" });
        const at = start.elapsed();
        const w = yield* s.next();
        const wAt = start.elapsed();
        const end = yield* s.next();
        return { v, at, w, wAt, end, timers: rt.metrics().liveTimers };
      }),
      PAUSED,
    );
    expect(out).toEqual({ v: "x", at: 50, w: "y", wAt: 1000, end: DONE, timers: 0 });
  });
  it("over a channel: a debounce next() dropped while it holds an item takes the channel's waiter back at once (the quiet's timer stays, for the item held); another task gets the item at 50 ms", async () => {
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<string>();
        tx.send("x");
        const s = receiverStream(rx).debounce(50);
        {
          using lost = yield* select(s.next(), sleep(10));
          expect(lost.index).toBe(1);
        }
        const afterDrop = { waiters: rt.metrics().liveWaiters, timers: rt.metrics().liveTimers };
        const v = yield* spawn(s.next(), { name: "other" });
        const at = start.elapsed();
        tx.close();
        const end = yield* s.next();
        return {
          afterDrop,
          v,
          at,
          end,
          timers: rt.metrics().liveTimers,
          waiters: rt.metrics().liveWaiters,
        };
      }),
      PAUSED,
    );
    expect(out).toEqual({
      afterDrop: { waiters: 0, timers: 1 },
      v: "x",
      at: 50,
      end: DONE,
      timers: 0,
      waiters: 0,
    });
  });
});

describe("bounded fromEvent under adapters and native code", () => {
  it("capacity 3 under a filter that drops every event of a burst of ten: the bound holds (seven dropped), and the event that passes is read", async () => {
    const em = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        using ev = fromEvent<number>(em, "x", { capacity: 3 });
        const s = ev.filter((n) => n >= 100);
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            for (let i = 0; i < 10; i++) em.emit("x", i);
            yield* sleep(10);
            em.emit("x", 100);
          }),
        );
        const v = yield* s.next();
        return { v, at: start.elapsed(), dropped: ev.droppedEvents };
      }),
      PAUSED,
    );
    expect(out).toEqual({ v: 100, at: 20, dropped: 7 });
  });

  it("a filtered bounded read loses a select and is dropped; the burst then wakes nobody, stays bounded, and another task reads the kept event", async () => {
    const em = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        const rt = Runtime.current();
        using ev = fromEvent<number>(em, "x", { capacity: 2 });
        const s = ev.filter((n) => n % 2 === 1);
        {
          using lost = yield* select(s.next(), sleep(5));
          expect(lost.index).toBe(1);
        }
        const waitsAfterDrop = rt.metrics().ioWaits;
        for (let i = 0; i < 6; i++) em.emit("x", i); // keeps 4 and 5
        const v = yield* spawn(s.next(), { name: "other" });
        return { waitsAfterDrop, v, dropped: ev.droppedEvents, waits: rt.metrics().ioWaits };
      }),
      PAUSED,
    );
    expect(out).toEqual({ waitsAfterDrop: 0, v: 5, dropped: 4, waits: 0 });
  });

  // Failed before its fix (found here): the read that got its item from the channel left the event's wait open
  // (from-event.ts:137; ioWaits stays 1), so the deadlock check waits for an event instead.
  it("a task reads two channel items through fromEvent.merge(channel) (one read parks on the event on the way): once the read is over, no event wait is left open (ioWaits 0), so the runtime would not take the task for one an event may wake", async () => {
    const em = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        tx.send(1);
        tx.send(2);
        using s = fromEvent<number>(em, "x").merge(receiverStream(rx));
        const first = [yield* s.next(), yield* s.next()];
        return { first, ioWaits: Runtime.current().metrics().ioWaits };
      }),
      { clock: "paused" },
    );
    // (A deadlock check cannot show it here: a run linked to an AbortSignal, the guard a hang
    // test would need, is never reported as asleep.)
    expect(out).toEqual({ first: [1, 2], ioWaits: 0 });
  });

  it("read with for await from native code: a burst of five keeps the last two, a filter under it skips the even one, and leaving the loop takes the listener off", async () => {
    const em = new EventEmitter();
    const ev = fromEvent<number>(em, "x", { capacity: 2 });
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of ev.filter((n) => n % 2 === 1)) {
        seen.push(v as number);
        if (v === 7) break;
      }
    })();
    while (em.listenerCount("x") === 0) await new Promise((r) => setImmediate(r));
    for (let i = 1; i <= 5; i++) em.emit("x", i); // keeps 4 and 5: 5 passes the filter
    while (seen.length === 0) await new Promise((r) => setImmediate(r));
    em.emit("x", 6);
    em.emit("x", 7);
    await loop;
    expect({ seen, dropped: ev.droppedEvents, listeners: em.listenerCount("x") }).toEqual({
      seen: [5, 7],
      dropped: 3,
      listeners: 0,
    });
  });
});
