import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { ReleasedError } from "../src/sync/errors.js";
import { Mutex, type MutexGuard } from "../src/sync/mutex.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

describe("Mutex", () => {
  it("lock() is lazy: creating it takes nothing; the first poll takes the free lock", () => {
    const m = new Mutex(1);
    const f = m.lock();
    expect(m.isLocked()).toBe(false);
    const g = new MockTask(f).poll() as MutexGuard<number>;
    expect(m.isLocked()).toBe(true);
    expect(g.value).toBe(1);
    g.value = 2;
    g.release();
    expect(m.isLocked()).toBe(false);
    expect(m.tryLock()!.value).toBe(2);
  });

  it("a second locker waits, is woken when the first releases, and then holds the lock", () => {
    const m = new Mutex("x");
    const a = new MockTask(m.lock());
    const b = new MockTask(m.lock());
    const ga = a.poll() as MutexGuard<string>;
    expect(b.poll()).toBe(PENDING);
    expect(b.isWoken()).toBe(false);
    ga.release();
    expect(b.isWoken()).toBe(true);
    // Direct hand-off: the lock never looks free while b waits.
    expect(m.isLocked()).toBe(true);
    expect(m.tryLock()).toBeNull();
    const gb = b.poll() as MutexGuard<string>;
    expect(gb.value).toBe("x");
    gb.release();
  });

  it("tryLock never jumps the line: it fails while a waiter is queued even as the lock is handed over", () => {
    const m = new Mutex(0);
    const g = m.tryLock()!;
    const w = new MockTask(m.lock());
    expect(w.poll()).toBe(PENDING);
    g.release();
    expect(m.tryLock()).toBeNull();
    (w.poll() as MutexGuard<number>).release();
    expect(m.tryLock()).not.toBeNull();
  });

  it("release() twice throws a ReleasedError naming the mutex; dispose after release does nothing", () => {
    const m = new Mutex(0, { name: "till" });
    const g = m.tryLock()!;
    g.release();
    expect(() => g.release()).toThrow(ReleasedError);
    expect(() => g.release()).toThrow(/mutex 'till'.*released twice/);
    expect(() => g.value).toThrow(ReleasedError);
    expect(() => {
      g.value = 3;
    }).toThrow(ReleasedError);
    g[Symbol.dispose]();
    expect(m.isLocked()).toBe(false);
  });

  it("a guard declared with using releases at the end of its scope", () => {
    const m = new Mutex(0);
    {
      using g = m.tryLock()!;
      g.value++;
      expect(m.isLocked()).toBe(true);
    }
    expect(m.isLocked()).toBe(false);
  });

  it("bad options give a TypeError naming the option", () => {
    expect(() => new Mutex(0, { name: 5 as unknown as string })).toThrow(
      /options.name must be a string/,
    );
    expect(() => new Mutex(0, null as unknown as undefined)).toThrow(TypeError);
  });

  it("polling a lock future after it completed throws a FutureStateError", () => {
    const m = new Mutex(0);
    const p = new MockTask(m.lock());
    p.poll();
    expect(() => p.poll()).toThrow(FutureStateError);
  });
});

describe("Mutex: disposal at every point", () => {
  // Points in the life of b's lock(): 0 never polled, 1 queued, 2 granted but not polled, 3 held.
  for (const point of [0, 1, 2, 3]) {
    it(`b is disposed at point ${point}: c behind it still gets the lock, and nothing is swallowed`, () => {
      const m = new Mutex(0);
      const a = new MockTask(m.lock());
      const b = new MockTask(m.lock());
      const c = new MockTask(m.lock());
      const ga = a.poll() as MutexGuard<number>;
      if (point >= 1) expect(b.poll()).toBe(PENDING);
      expect(c.poll()).toBe(PENDING);
      if (point === 0) b.future[Symbol.dispose]();
      ga.release();
      if (point === 1) b.future[Symbol.dispose]();
      if (point === 2) {
        expect(b.isWoken()).toBe(true);
        expect(c.isWoken()).toBe(false);
        b.future[Symbol.dispose]();
      }
      if (point === 3) {
        const gb = b.poll() as MutexGuard<number>;
        expect(c.poll()).toBe(PENDING);
        gb[Symbol.dispose]();
      }
      expect(c.isWoken()).toBe(true);
      const gc = c.poll() as MutexGuard<number>;
      expect(gc.value).toBe(0);
      gc.release();
      expect(m.isLocked()).toBe(false);
      // Disposing again is harmless.
      b.future[Symbol.dispose]();
      expect(m.isLocked()).toBe(false);
    });
  }

  it("a select that drops a waiting lock() leaves no live waiter, and the lock is free after", async () => {
    const m = new Mutex(0);
    const rt = new Runtime();
    const seen = await rt.spawn(
      asyncBlock(function* () {
        // Another task holds the lock across two turns.
        spawn(
          asyncBlock(function* () {
            using _g = yield* m.lock();
            yield* yieldNow();
            yield* yieldNow();
          }),
        );
        yield* yieldNow();
        const during: number[] = [];
        const r = yield* select(m.lock(), yieldNow());
        during.push(Runtime.current().metrics().liveWaiters);
        expect(r.index).toBe(1);
        r[Symbol.dispose]();
        during.push(Runtime.current().metrics().liveWaiters);
        const g = yield* m.lock();
        g.release();
        return during;
      }),
    );
    // The loser was queued (1 waiter) until select's result dropped it.
    expect(seen).toEqual([1, 0]);
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
    expect(m.isLocked()).toBe(false);
  });

  it("aborting tasks parked on a mutex leaves zero live waiters and the lock usable", async () => {
    const rt = new Runtime();
    const m = new Mutex(0);
    const g = m.tryLock()!;
    const handles = [];
    for (let i = 0; i < 10; i++) {
      handles.push(
        rt.spawn(
          asyncBlock(function* () {
            using g2 = yield* m.lock();
            g2.value++;
          }),
        ),
      );
    }
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(10);
    for (let i = 0; i < 10; i += 2) handles[i]!.abort();
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(5);
    g.release();
    for (let i = 1; i < 10; i += 2) await handles[i];
    expect(m.tryLock()!.value).toBe(5);
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });
});

describe("Mutex under seeded random schedules", () => {
  it("at most one task holds the lock, and tasks get it in the order they asked (FIFO)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 16 }),
        async (seed, tasks, rounds, yields) => {
          const m = new Mutex(0, { name: "shared" });
          const asked: number[] = [];
          const got: number[] = [];
          let inside = 0;
          let maxInside = 0;
          await run(
            asyncBlock(function* () {
              const hs = [];
              for (let t = 0; t < tasks; t++) {
                hs.push(
                  spawn(
                    asyncBlock(function* () {
                      for (let r = 0; r < rounds; r++) {
                        const before = yields[(t + r) % yields.length]!;
                        for (let y = 0; y < before; y++) yield* yieldNow();
                        asked.push(t);
                        using g = yield* m.lock();
                        got.push(t);
                        inside++;
                        maxInside = Math.max(maxInside, inside);
                        const hold = yields[(t * 7 + r) % yields.length]!;
                        for (let y = 0; y < hold; y++) yield* yieldNow();
                        g.value++;
                        inside--;
                      }
                    }),
                    { name: `t${t}` },
                  ),
                );
              }
              for (const h of hs) yield* h;
            }),
            { seed },
          );
          expect(maxInside).toBe(1);
          expect(got).toEqual(asked);
          expect(m.tryLock()!.value).toBe(tasks * rounds);
        },
      ),
      { numRuns: 150 },
    );
  });
});
