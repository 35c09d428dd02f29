/**
 * Sync benchmarks, each beside its baselines in the same process, interleaved, medians printed with
 * ratios (first column / the others).
 *
 * - 1,000 tasks contending for one Mutex, 1,000 locks each (1M locks), in ns per lock, two ways:
 *   "held across a yield" (each holder yields once inside its critical section, so every lock is
 *   taken from the FIFO line by hand-off) and "short" (no await inside: the lock is mostly free).
 *   Baselines: `async-mutex` driven by 1,000 async functions (`await null` as the yield), and
 *   Effect 4's `Semaphore` with one permit driven by 1,000 fibers (`Effect.yieldNow`; fewer locks,
 *   still per lock).
 * - Allocation on the hot path: bytes of heap allocated per uncontended lock/release, read from
 *   `heapUsed` between batches inside the running task (batches a scavenge cut short are dropped).
 *
 * Run: `node --expose-gc --import tsx bench/run.ts sync`. `BENCH_QUICK=1` for a smoke test.
 */
import { Mutex as AsyncMutex } from "async-mutex";
import { Effect, Fiber, Semaphore } from "effect";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { run } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { compare, record } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const TASKS = QUICK ? 100 : 1000;
const LOCKS = QUICK ? 100 : 1000;
const EFFECT_TASKS = QUICK ? 50 : 200;

function check(got: number, want: number): void {
  if (got !== want) throw new Error(`mutual exclusion broken: counted ${got}, expected ${want}`);
}

function brigade(tasks: number, hold: boolean): Promise<void> {
  const m = new Mutex(0);
  return run(
    asyncBlock(function* () {
      const hs: JoinHandle<void>[] = [];
      for (let t = 0; t < tasks; t++) {
        hs.push(
          spawn(
            asyncBlock(function* () {
              for (let i = 0; i < LOCKS; i++) {
                const g = yield* m.lock();
                g.value++;
                if (hold) yield* yieldNow();
                g.release();
              }
            }),
          ),
        );
      }
      for (const h of hs) yield* h;
      check(m.tryLock()!.value, tasks * LOCKS);
    }),
  );
}

async function asyncMutex(tasks: number, hold: boolean): Promise<void> {
  const m = new AsyncMutex();
  let value = 0;
  const worker = async () => {
    for (let i = 0; i < LOCKS; i++) {
      const release = await m.acquire();
      value++;
      if (hold) await null;
      release();
    }
  };
  const ps: Promise<void>[] = [];
  for (let t = 0; t < tasks; t++) ps.push(worker());
  await Promise.all(ps);
  check(value, tasks * LOCKS);
}

function effect(tasks: number, hold: boolean): Promise<void> {
  return Effect.runPromise(
    Effect.gen(function* () {
      const sem = yield* Semaphore.make(1);
      let value = 0;
      const critical = sem.withPermits(1)(
        hold
          ? Effect.gen(function* () {
              value++;
              yield* Effect.yieldNow;
            })
          : Effect.sync(() => {
              value++;
            }),
      );
      const worker = Effect.gen(function* () {
        for (let i = 0; i < LOCKS; i++) yield* critical;
      });
      const fibers: Fiber.Fiber<void>[] = [];
      for (let t = 0; t < tasks; t++) fibers.push(yield* Effect.forkChild(worker));
      for (const f of fibers) yield* Fiber.join(f);
      check(value, tasks * LOCKS);
    }),
  );
}

/** Median bytes allocated per uncontended lock/release, from inside a task. */
function lockAllocation(): Promise<number> {
  const m = new Mutex(0);
  return run(
    asyncBlock(function* () {
      const samples: number[] = [];
      const batch = 1000;
      let last = process.memoryUsage().heapUsed;
      for (let b = 0; b < 200; b++) {
        for (let i = 0; i < batch; i++) {
          const g = yield* m.lock();
          g.value++;
          g.release();
        }
        const h = process.memoryUsage().heapUsed;
        if (h >= last) samples.push((h - last) / batch);
        last = h;
      }
      samples.sort((a, b) => a - b);
      return samples[samples.length >> 1] ?? Number.NaN;
    }),
  );
}

export async function main(): Promise<void> {
  const rounds = QUICK ? 2 : 5;
  for (const hold of [true, false]) {
    const how = hold ? "held across a yield" : "short";
    await compare(
      `Mutex, ${TASKS} tasks × ${LOCKS} locks, ${how}`,
      { ops: TASKS * LOCKS, rounds, unit: "ns/lock" },
      [
        { name: "brigade", run: () => brigade(TASKS, hold) },
        { name: "async-mutex", run: () => asyncMutex(TASKS, hold) },
      ],
    );
    await compare(
      `Mutex, ${EFFECT_TASKS} tasks × ${LOCKS} locks (Effect's size), ${how}`,
      { ops: EFFECT_TASKS * LOCKS, rounds, unit: "ns/lock" },
      [
        { name: "brigade", run: () => brigade(EFFECT_TASKS, hold) },
        { name: "async-mutex", run: () => asyncMutex(EFFECT_TASKS, hold) },
        { name: "effect Semaphore(1)", run: () => effect(EFFECT_TASKS, hold) },
      ],
    );
  }
  record("Mutex heap allocated per uncontended lock/release", "bytes/lock", {
    brigade: await lockAllocation(),
  });
}
