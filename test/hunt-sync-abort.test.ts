/**
 * Cancellation of every wait at every point, on seeded runtimes: tasks contend for a Mutex, a
 * Semaphore, an RwLock, a OnceCell and a CancellationToken while another task aborts them at
 * random moments. Afterwards every permit is back, no line holds anyone, the runtime counts no
 * live waiter (before shutdown, so disposal did it, not the teardown), and the invariants held
 * throughout: one holder of the mutex, no reader beside a writer, one initialiser at a time.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Suspend } from "../src/future/future.js";
import { Runtime } from "../src/runtime/runtime.js";
import { Barrier } from "../src/sync/barrier.js";
import { CancellationToken } from "../src/sync/cancellation-token.js";
import { Mutex } from "../src/sync/mutex.js";
import { OnceCell } from "../src/sync/once-cell.js";
import { MAX_PERMITS } from "../src/sync/permits.js";
import { RwLock } from "../src/sync/rw-lock.js";
import { Semaphore } from "../src/sync/semaphore.js";
import { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { yieldNow } from "../src/task/yield-now.js";

/** A small seeded generator (mulberry32), so each seed replays the same aborts. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function* pause(n: number): Generator<Suspend, void, unknown> {
  for (let i = 0; i < n; i++) yield* yieldNow();
}

async function settle(hs: JoinHandle<unknown>[]): Promise<number> {
  let cancelled = 0;
  for (const h of hs) {
    try {
      await h;
    } catch (e) {
      if (!(e instanceof JoinError && e.isCancelled())) throw e;
      cancelled++;
    }
  }
  return cancelled;
}

describe("aborting waiters at random points", () => {
  it("tasks lock, acquire, read and write while others are aborted mid-wait or mid-hold: everything is given back and no waiter is left", async () => {
    let abortedWhileWaiting = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rand = rng(seed);
      const rt = new Runtime({ seed });
      const mutex = new Mutex(0);
      const sem = new Semaphore(3);
      const rw = new RwLock(0);
      let inMutex = 0;
      let semOut = 0;
      let readers = 0;
      let writers = 0;
      const violations: string[] = [];
      const plans = Array.from({ length: 12 }, () => ({
        kind: Math.floor(rand() * 4),
        need: 1 + Math.floor(rand() * 3),
        before: Math.floor(rand() * 4),
        hold: Math.floor(rand() * 4),
      }));
      const hs = plans.map((p) =>
        rt.spawn(
          asyncBlock(function* () {
            for (let round = 0; round < 3; round++) {
              yield* pause(p.before);
              if (p.kind === 0) {
                using g = yield* mutex.lock();
                if (++inMutex > 1) violations.push("two mutex holders");
                g.value++;
                try {
                  yield* pause(p.hold);
                } finally {
                  inMutex--;
                }
              } else if (p.kind === 1) {
                using _p = yield* sem.acquire(p.need);
                semOut += p.need;
                if (semOut > 3) violations.push("semaphore overdrawn");
                try {
                  yield* pause(p.hold);
                } finally {
                  semOut -= p.need;
                }
              } else if (p.kind === 2) {
                using _r = yield* rw.read();
                readers++;
                if (writers > 0) violations.push("reader beside a writer");
                try {
                  yield* pause(p.hold);
                } finally {
                  readers--;
                }
              } else {
                using _w = yield* rw.write();
                if (++writers > 1 || readers > 0) violations.push("writer not alone");
                try {
                  yield* pause(p.hold);
                } finally {
                  writers--;
                }
              }
            }
          }),
        ),
      );
      // Abort about half of the tasks, each after a random number of turns.
      const killer = rt.spawn(
        asyncBlock(function* () {
          for (const h of hs) {
            if (rand() < 0.5) continue;
            yield* pause(Math.floor(rand() * 5));
            if (rt.metrics().liveWaiters > 0) abortedWhileWaiting++;
            h.abort();
          }
        }),
      );
      await killer;
      await settle(hs);
      expect(violations).toEqual([]);
      expect(rt.metrics().liveWaiters).toBe(0);
      expect(mutex.isLocked()).toBe(false);
      expect(mutex.queue.length).toBe(0);
      expect(sem.availablePermits()).toBe(3);
      expect(sem.queue.length).toBe(0);
      expect(rw.permits).toBe(MAX_PERMITS);
      expect(rw.queue.length).toBe(0);
      expect(rw.readers).toEqual([]);
      expect(rw.writer).toBeNull();
      await rt.shutdown();
    }
    // The aborts did land while tasks stood in line (else this test proves little).
    expect(abortedWhileWaiting).toBeGreaterThan(10);
  });

  it("callers of getOrInit are aborted while initialising or waiting: one initialiser runs at a time, and a survivor fills the cell", async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rand = rng(seed * 7919);
      const rt = new Runtime({ seed });
      const cell = new OnceCell<number>();
      let running = 0;
      let overlapped = false;
      let started = 0;
      const init = () =>
        asyncBlock(function* () {
          const me = ++started;
          if (++running > 1) overlapped = true;
          try {
            yield* pause(3);
            return me;
          } finally {
            running--;
          }
        });
      const hs = Array.from({ length: 8 }, (_, i) =>
        rt.spawn(
          asyncBlock(function* () {
            yield* pause(i % 3);
            return yield* cell.getOrInit(init);
          }),
        ),
      );
      // The last caller is never aborted, so someone always finishes the job.
      const killer = rt.spawn(
        asyncBlock(function* () {
          for (const h of hs.slice(0, -1)) {
            if (rand() < 0.4) continue;
            yield* pause(Math.floor(rand() * 4));
            h.abort();
          }
        }),
      );
      await killer;
      const values: unknown[] = [];
      for (const h of hs) {
        try {
          values.push(await h);
        } catch (e) {
          if (!(e instanceof JoinError && e.isCancelled())) throw e;
        }
      }
      expect(overlapped).toBe(false);
      expect(running).toBe(0);
      expect(cell.isInitialized()).toBe(true);
      // Every caller that finished saw the one value that was stored.
      expect(new Set(values)).toEqual(new Set([cell.get()]));
      expect(cell.queue.length).toBe(0);
      expect(rt.metrics().liveWaiters).toBe(0);
      await rt.shutdown();
    }
  });

  it("tasks wait on cancelled() of child tokens and are aborted at random; then the root is cancelled: survivors wake and nothing stays linked", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = rng(seed * 31);
      const rt = new Runtime({ seed });
      const root = new CancellationToken();
      const mid = root.childToken();
      let woke = 0;
      const hs = Array.from({ length: 10 }, (_, i) => {
        const t = i % 2 === 0 ? mid.childToken() : mid;
        return rt.spawn(
          asyncBlock(function* () {
            yield* pause(i % 3);
            yield* t.cancelled();
            woke++;
          }),
        );
      });
      const aborted = new Set<number>();
      const killer = rt.spawn(
        asyncBlock(function* () {
          for (let i = 0; i < hs.length; i++) {
            if (rand() < 0.5) continue;
            yield* pause(Math.floor(rand() * 4));
            hs[i]!.abort();
            aborted.add(i);
          }
          yield* pause(2);
          root.cancel();
        }),
      );
      await killer;
      const cancelled = await settle(hs);
      expect(woke + cancelled).toBe(hs.length);
      expect(cancelled).toBeLessThanOrEqual(aborted.size);
      expect(rt.metrics().liveWaiters).toBe(0);
      expect(root.linkedChildren).toBe(0);
      expect(mid.isCancelled()).toBe(true);
      await rt.shutdown();
    }
  });

  it("tasks arrive at a barrier of 3 and some are aborted mid-wait: each round that goes out has one leader and at most 3, and the rest withdraw", async () => {
    let rounds = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rand = rng(seed * 104729);
      const rt = new Runtime({ seed });
      const barrier = new Barrier(3);
      let passed = 0;
      let leaders = 0;
      const hs = Array.from({ length: 10 }, () => {
        const before = Math.floor(rand() * 5);
        return rt.spawn(
          asyncBlock(function* () {
            yield* pause(before);
            const { isLeader } = yield* barrier.wait();
            passed++;
            if (isLeader) leaders++;
          }),
        );
      });
      const killer = rt.spawn(
        asyncBlock(function* () {
          for (const h of hs) {
            if (rand() < 0.6) continue;
            yield* pause(Math.floor(rand() * 3));
            h.abort();
          }
          yield* pause(8);
          // Whoever still waits for a round that will never fill is called off.
          for (const h of hs) h.abort();
        }),
      );
      await killer;
      await settle(hs);
      // A follower aborted after its round went out but before it ran again does not count in
      // `passed`; the leader completes on its own poll, so it always does.
      expect(passed).toBeLessThanOrEqual(3 * leaders);
      expect(passed).toBeGreaterThanOrEqual(leaders);
      rounds += leaders;
      expect(barrier.arrived()).toBe(0);
      expect(rt.metrics().liveWaiters).toBe(0);
      await rt.shutdown();
    }
    expect(rounds).toBeGreaterThan(10);
  });
});
