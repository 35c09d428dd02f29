import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { ReleasedError } from "../src/sync/errors.js";
import { RwLock, type RwLockReadGuard, type RwLockWriteGuard } from "../src/sync/rw-lock.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

describe("RwLock", () => {
  it("many readers hold it together; a writer waits for all of them", () => {
    const l = new RwLock(1);
    const r1 = new MockTask(l.read()).poll() as RwLockReadGuard<number>;
    const r2 = new MockTask(l.read()).poll() as RwLockReadGuard<number>;
    expect(l.readerCount()).toBe(2);
    const w = new MockTask(l.write());
    expect(w.poll()).toBe(PENDING);
    r1.release();
    expect(w.isWoken()).toBe(false);
    r2.release();
    expect(w.isWoken()).toBe(true);
    const g = w.poll() as RwLockWriteGuard<number>;
    g.value = 5;
    expect(l.isWriteLocked()).toBe(true);
    g.release();
    expect(l.tryRead()!.value).toBe(5);
  });

  it("a reader arriving after a waiting writer queues behind it: the writer is not starved", () => {
    const l = new RwLock(0);
    const r1 = new MockTask(l.read()).poll() as RwLockReadGuard<number>;
    const w = new MockTask(l.write());
    expect(w.poll()).toBe(PENDING);
    const r2 = new MockTask(l.read());
    expect(r2.poll()).toBe(PENDING);
    expect(l.tryRead()).toBeNull();
    r1.release();
    expect(w.isWoken()).toBe(true);
    expect(r2.isWoken()).toBe(false);
    (w.poll() as RwLockWriteGuard<number>).release();
    expect(r2.isWoken()).toBe(true);
    expect((r2.poll() as RwLockReadGuard<number>).value).toBe(0);
  });

  it("a read guard cannot replace the value, and release twice throws ReleasedError", () => {
    const l = new RwLock(0, { name: "menu" });
    const r = l.tryRead()!;
    expect(() => {
      (r as RwLockWriteGuard<number>).value = 1;
    }).toThrow(TypeError);
    r.release();
    expect(() => r.release()).toThrow(ReleasedError);
    expect(() => r.value).toThrow(/rwlock 'menu'/);
  });

  for (const point of ["queued", "granted", "held"]) {
    it(`a writer disposed while ${point} lets the readers queued behind it in`, () => {
      const l = new RwLock(0);
      const r0 = new MockTask(l.read()).poll() as RwLockReadGuard<number>;
      const w = new MockTask(l.write());
      expect(w.poll()).toBe(PENDING);
      const r1 = new MockTask(l.read());
      expect(r1.poll()).toBe(PENDING);
      if (point !== "queued") {
        r0.release();
        expect(w.isWoken()).toBe(true);
        if (point === "held") w.poll();
      }
      w.future[Symbol.dispose]();
      if (point === "queued") {
        // r1 is served at once: only readers are left.
        expect(r1.isWoken()).toBe(true);
        r0.release();
      }
      expect(r1.isWoken() || point === "queued").toBe(true);
      expect((r1.poll() as RwLockReadGuard<number>).value).toBe(0);
      expect(l.readerCount()).toBe(1);
    });
  }

  it("under seeded schedules, a writer is always alone and readers never see a half-written pair", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        async (seed, readers, writers) => {
          const l = new RwLock({ a: 0, b: 0 });
          let reading = 0;
          let writing = 0;
          let bad = 0;
          const rt = new Runtime({ seed });
          const hs = [];
          for (let i = 0; i < readers; i++) {
            hs.push(
              rt.spawn(
                asyncBlock(function* () {
                  for (let k = 0; k < 5; k++) {
                    using r = yield* l.read();
                    reading++;
                    if (writing > 0 || r.value.a !== r.value.b) bad++;
                    yield* yieldNow();
                    reading--;
                  }
                }),
              ),
            );
          }
          for (let i = 0; i < writers; i++) {
            hs.push(
              rt.spawn(
                asyncBlock(function* () {
                  for (let k = 0; k < 5; k++) {
                    using w = yield* l.write();
                    writing++;
                    if (writing > 1 || reading > 0) bad++;
                    w.value.a++;
                    yield* yieldNow();
                    w.value.b++;
                    writing--;
                  }
                }),
              ),
            );
          }
          for (const h of hs) await h;
          expect(bad).toBe(0);
          expect(l.tryRead()!.value).toEqual({ a: writers * 5, b: writers * 5 });
          await rt.shutdown();
          expect(rt.metrics().liveWaiters).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("aborting a task parked on write() leaves zero live waiters", async () => {
    await run(
      asyncBlock(function* () {
        const l = new RwLock(0);
        const r = yield* l.read();
        const h = spawn(l.write());
        yield* yieldNow();
        expect(Runtime.current().metrics().liveWaiters).toBe(1);
        h.abort();
        yield* yieldNow();
        expect(Runtime.current().metrics().liveWaiters).toBe(0);
        r.release();
        expect(l.tryWrite()).not.toBeNull();
      }),
    );
  });
});
