import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import { AcquireError, ReleasedError } from "../src/sync/errors.js";
import { Semaphore, type SemaphorePermit } from "../src/sync/semaphore.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

describe("Semaphore", () => {
  it("hands out permits until none is left, then queues; a released permit goes to the first waiter", () => {
    const s = new Semaphore(2);
    const p1 = new MockTask(s.acquire()).poll() as SemaphorePermit;
    const p2 = new MockTask(s.acquire()).poll() as SemaphorePermit;
    expect(s.availablePermits()).toBe(0);
    const w1 = new MockTask(s.acquire());
    const w2 = new MockTask(s.acquire());
    expect(w1.poll()).toBe(PENDING);
    expect(w2.poll()).toBe(PENDING);
    p1.release();
    expect(w1.isWoken()).toBe(true);
    expect(w2.isWoken()).toBe(false);
    expect((w1.poll() as SemaphorePermit).permits).toBe(1);
    p2.release();
    expect(w2.isWoken()).toBe(true);
  });

  it("FIFO: a waiter for 3 permits is not overtaken by a later waiter for 1", () => {
    const s = new Semaphore(2);
    const big = new MockTask(s.acquire(3));
    expect(big.poll()).toBe(PENDING);
    const small = new MockTask(s.acquire(1));
    expect(small.poll()).toBe(PENDING);
    expect(s.tryAcquire(1)).toBeNull();
    s.addPermits(1);
    expect(big.isWoken()).toBe(true);
    expect(small.isWoken()).toBe(false);
    const p = big.poll() as SemaphorePermit;
    expect(p.permits).toBe(3);
    p[Symbol.dispose]();
    expect(small.isWoken()).toBe(true);
  });

  it("a waiter disposed after its permits were granted passes them to the next one", () => {
    const s = new Semaphore(0);
    const a = new MockTask(s.acquire(2));
    const b = new MockTask(s.acquire(2));
    a.poll();
    b.poll();
    s.addPermits(2);
    expect(a.isWoken()).toBe(true);
    a.future[Symbol.dispose]();
    expect(b.isWoken()).toBe(true);
    expect((b.poll() as SemaphorePermit).permits).toBe(2);
    expect(s.availablePermits()).toBe(0);
  });

  it("close() fails waiters and later acquires with AcquireError; permits held stay valid", () => {
    const s = new Semaphore(1);
    const held = s.tryAcquire()!;
    const w = new MockTask(s.acquire());
    expect(w.poll()).toBe(PENDING);
    s.close();
    expect(w.isWoken()).toBe(true);
    expect(() => w.poll()).toThrow(AcquireError);
    expect(() => new MockTask(s.acquire()).poll()).toThrow(/semaphore is closed/);
    expect(() => s.tryAcquire()).toThrow(AcquireError);
    held.release();
    expect(s.availablePermits()).toBe(1);
  });

  it("bad input gives typed errors naming the argument", () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(-1)).toThrow(/permits must be at least 0, got -1/);
    expect(() => new Semaphore(1.5)).toThrow(TypeError);
    const s = new Semaphore(1);
    expect(() => s.acquire(0)).toThrow(/n must be at least 1, got 0/);
    expect(() => s.acquire(-2)).toThrow(RangeError);
    expect(() => s.tryAcquire(Number.NaN)).toThrow(TypeError);
    expect(() => s.addPermits(-1)).toThrow(RangeError);
    const p = s.tryAcquire()!;
    p.release();
    expect(() => p.release()).toThrow(ReleasedError);
    const q = s.tryAcquire()!;
    q.forget();
    expect(s.availablePermits()).toBe(0);
    q[Symbol.dispose]();
    expect(s.availablePermits()).toBe(0);
  });

  it("under seeded schedules, never more permits are out than exist, and waiters are served in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 10 }),
        async (seed, total, wants) => {
          // Record the order of grants (a task may resume later than it was granted its permits).
          const ids = new Map<unknown, number>();
          const granted: number[] = [];
          const s = new (class extends Semaphore {
            override onGrant(a: unknown): void {
              granted.push(ids.get(a)!);
            }
          })(total);
          let out = 0;
          let maxOut = 0;
          const asked: number[] = [];
          const rt = new Runtime({ seed });
          const hs = wants.map((n, i) =>
            rt.spawn(
              asyncBlock(function* () {
                const k = Math.min(n, total);
                for (let y = 0; y < i % 3; y++) yield* yieldNow();
                const f = s.acquire(k);
                ids.set(f, i);
                asked.push(i);
                using _p = yield* f;
                out += k;
                maxOut = Math.max(maxOut, out);
                yield* yieldNow();
                out -= k;
              }),
            ),
          );
          for (const h of hs) await h;
          expect(maxOut).toBeLessThanOrEqual(total);
          expect(granted).toEqual(asked);
          expect(s.availablePermits()).toBe(total);
          await rt.shutdown();
          expect(rt.metrics().liveWaiters).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
