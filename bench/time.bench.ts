/**
 * Time benchmarks: the timer workloads of ANCHORS.md, each beside native timers and Effect 4 in
 * the same process, interleaved, medians printed with ratios (first column / the others).
 *
 * - W4: 1,000,000 timers of 10 s armed and cancelled before firing (every request with a
 *   deadline). Brigade: `sleep(10_000)`, polled once (registers on the wheel), then disposed.
 *   Native: `setTimeout` + `clearTimeout`. Effect: fork `Effect.sleep`, then interrupt. Two
 *   shapes: each timer cancelled at once, and all armed first, then all cancelled.
 * - W4 allocation: heap bytes allocated per insert+cancel, sleeps made beforehand, after a warm-up,
 *   no GC between the two heap readings (the wheel links the sleep itself: it should be 0).
 * - W4b: 100,000 tasks sleeping 10–100 ms at once; wall time until the last wakes (100 ms is the
 *   floor). Native: async functions awaiting a `setTimeout` promise. Effect: forked `Effect.sleep`.
 *   A sleep's deadline counts from its task's first poll, so the wall time is about the moment the
 *   last task first ran plus 100 ms: one extra, untimed Brigade run prints these phases.
 * - W5s: 100,000 tasks parked on a 10 s sleep: live heap bytes per task, measured first (on a
 *   clean heap) and grouped by variant (see `main`).
 *
 * Run: `node --expose-gc --import tsx bench/run.ts time` (or `npm run bench -- time`).
 * `BENCH_QUICK=1` runs smaller sizes, for a smoke test.
 */
import { Duration, Effect, Fiber } from "effect";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { ambient } from "../src/future/ambient.js";
import type { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import type { Poll } from "../src/future/poll.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { type Sleep, sleep } from "../src/time/sleep.js";
import { compare, heapPerItem, record } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const TEN_S = 10_000;
/** Spawning 100k tasks in one poll is the workload, not a blocking bug: no long-poll warnings. */
const QUIET = { longPollThreshold: false } as const;

function noop(): void {}

// ---------------------------------------------------------------------------------------------
// W4: arm and cancel

/** One poll that arms and cancels `n` sleeps, one at a time or all then all. */
class ArmCancel extends FutureBase<void> {
  constructor(
    private readonly n: number,
    private readonly batch: boolean,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const n = this.n;
    if (!this.batch) {
      for (let i = 0; i < n; i++) {
        const s = sleep(TEN_S);
        s.poll(cx);
        s[Symbol.dispose]();
      }
      return undefined;
    }
    const all: Sleep[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = (all[i] = sleep(TEN_S));
      s.poll(cx);
    }
    if (Runtime.current().metrics().liveTimers !== n) throw new Error("not all armed");
    for (let i = 0; i < n; i++) all[i]![Symbol.dispose]();
    return undefined;
  }
}

function w4Brigade(n: number, batch: boolean): Promise<void> {
  return run(new ArmCancel(n, batch), QUIET);
}

function w4Native(n: number, batch: boolean): void {
  if (!batch) {
    for (let i = 0; i < n; i++) clearTimeout(setTimeout(noop, TEN_S));
    return;
  }
  const all: ReturnType<typeof setTimeout>[] = new Array(n);
  for (let i = 0; i < n; i++) all[i] = setTimeout(noop, TEN_S);
  for (let i = 0; i < n; i++) clearTimeout(all[i]);
}

function w4Effect(n: number): Promise<void> {
  return Effect.runPromise(
    Effect.gen(function* () {
      for (let i = 0; i < n; i++) {
        const f = yield* Effect.forkChild(Effect.sleep(Duration.millis(TEN_S)));
        yield* Fiber.interrupt(f);
      }
    }),
  );
}

/** Heap bytes allocated per insert+cancel, sleeps made beforehand; NaN if a GC ran meanwhile. */
class AllocProbe extends FutureBase<number> {
  constructor(private readonly sleeps: Sleep[]) {
    super();
  }

  poll(cx: Context): Poll<number> {
    const sleeps = this.sleeps;
    // Warm up (get the loop optimized) on the first half; measure the second half.
    const warm = sleeps.length >> 1;
    for (let i = 0; i < warm; i++) {
      const s = sleeps[i]!;
      s.poll(cx);
      s[Symbol.dispose]();
    }
    const before = process.memoryUsage().heapUsed;
    for (let i = warm; i < sleeps.length; i++) {
      const s = sleeps[i]!;
      s.poll(cx);
      s[Symbol.dispose]();
    }
    const after = process.memoryUsage().heapUsed;
    return (after - before) / (sleeps.length - warm);
  }
}

async function w4Alloc(n: number): Promise<{ brigade: number; native: number }> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  let brigade = Number.NaN;
  for (let attempt = 0; attempt < 5 && !(brigade >= 0); attempt++) {
    const perOp = await run(
      asyncBlock(function* () {
        const sleeps: Sleep[] = new Array(n);
        for (let i = 0; i < n; i++) sleeps[i] = sleep(TEN_S);
        gc();
        return yield* new AllocProbe(sleeps);
      }),
      QUIET,
    );
    brigade = perOp; // a GC in between makes it negative: try again
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) clearTimeout(setTimeout(noop, TEN_S));
  const native = (process.memoryUsage().heapUsed - before) / n;
  return { brigade, native };
}

// ---------------------------------------------------------------------------------------------
// W4b: many concurrent sleeps

function durationOf(i: number): number {
  return 10 + ((i * 7919) % 91); // 10..100 ms, spread evenly
}

const nap = asyncFn(function* nap(ms: number) {
  yield* sleep(ms);
});

/** One instrumented Brigade run of W4b: when the spawning ended, the last sleep began, all woke. */
async function w4bPhases(n: number): Promise<string> {
  let lastStart = 0;
  const napTimed = asyncFn(function* napTimed(ms: number) {
    const s = sleep(ms);
    lastStart = performance.now();
    yield* s;
  });
  let spawned = 0;
  const t0 = performance.now();
  await run(
    asyncBlock(function* () {
      const handles: JoinHandle<void>[] = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = spawn(napTimed(durationOf(i)));
      spawned = performance.now();
      for (let i = 0; i < n; i++) yield* handles[i]!;
    }),
    QUIET,
  );
  const end = performance.now();
  const ms = (t: number) => `${(t - t0).toFixed(0)} ms`;
  return `spawning done at ${ms(spawned)}, last sleep made at ${ms(lastStart)}, all done at ${ms(end)}`;
}

function w4bBrigade(n: number): Promise<void> {
  return run(
    asyncBlock(function* () {
      const handles: JoinHandle<void>[] = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = spawn(nap(durationOf(i)));
      for (let i = 0; i < n; i++) yield* handles[i]!;
    }),
    QUIET,
  );
}

async function napNative(ms: number): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
}

async function w4bNative(n: number): Promise<void> {
  const ps: Promise<void>[] = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = napNative(durationOf(i));
  await Promise.all(ps);
}

function w4bEffect(n: number): Promise<void> {
  return Effect.runPromise(
    Effect.gen(function* () {
      const fibers: Fiber.Fiber<void>[] = new Array(n);
      for (let i = 0; i < n; i++) {
        fibers[i] = yield* Effect.forkChild(Effect.sleep(Duration.millis(durationOf(i))));
      }
      for (let i = 0; i < n; i++) yield* Fiber.join(fibers[i]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// W5s: tasks parked on a 10 s sleep. Each variant keeps what a real program keeps: the handle of
// each task (and, natively, the timer handle, to cancel it at the end).

const parkedOnSleep = asyncFn(function* parkedOnSleep() {
  yield* sleep(TEN_S);
});

async function parkBrigade(n: number): Promise<() => Promise<void>> {
  const rt = new Runtime(QUIET);
  const handles: JoinHandle<void>[] = new Array(n);
  for (let i = 0; i < n; i++) handles[i] = rt.spawn(parkedOnSleep());
  while (rt.metrics().liveTimers < n) await settle(); // 61 polls per turn: many turns
  return async () => {
    if (handles.length !== n || rt.metrics().liveTimers !== n) throw new Error("lost track");
    await rt.shutdown();
    // `ambient.suspended` keeps the last suspended coroutine, hence its task and this whole
    // runtime, alive after shutdown; without this the next reading is skewed by ~this round.
    ambient.suspended = null;
  };
}

async function parkNative(n: number): Promise<() => void> {
  const timers: ReturnType<typeof setTimeout>[] = new Array(n);
  const promises: Promise<void>[] = new Array(n);
  const task = async (i: number): Promise<void> => {
    await new Promise<void>((resolve) => {
      timers[i] = setTimeout(resolve, TEN_S);
    });
  };
  for (let i = 0; i < n; i++) promises[i] = task(i);
  await settle();
  return () => {
    if (promises.length !== n) throw new Error("lost track");
    for (const t of timers) clearTimeout(t);
  };
}

async function parkEffect(n: number): Promise<() => Promise<void>> {
  let fibers: Fiber.Fiber<void>[] = [];
  let started = 0;
  const nap = Effect.suspend(() => {
    started++;
    return Effect.sleep(Duration.millis(TEN_S));
  });
  const fiber = Effect.runFork(
    Effect.gen(function* () {
      fibers = new Array(n);
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(nap);
      yield* Effect.never;
    }),
  );
  while (started < n) await settle(); // every fiber is inside its sleep
  await settle();
  return async () => {
    if (fibers.length !== n) throw new Error("lost track");
    await Effect.runPromise(Fiber.interrupt(fiber));
  };
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// ---------------------------------------------------------------------------------------------

export async function main(): Promise<void> {
  // First, on a clean heap: garbage of the timed workloads skews heap readings taken after them.
  const N5 = QUICK ? 20_000 : 100_000;
  const heap: Record<string, number[]> = { brigade: [], native: [], effect: [] };
  // Grouped, not interleaved: garbage one variant leaves behind (Effect's, after its teardown)
  // would be collected during the next variant's setup and make it look smaller.
  for (let r = 0; r < 3; r++) heap.brigade!.push(await heapPerItem(N5, parkBrigade));
  for (let r = 0; r < 3; r++) heap.native!.push(await heapPerItem(N5, parkNative));
  for (let r = 0; r < 3; r++) heap.effect!.push(await heapPerItem(N5, parkEffect));
  record("W5s tasks parked on a 10 s sleep", "heap B/task", {
    brigade: median(heap.brigade!),
    native: median(heap.native!),
    effect: median(heap.effect!),
  });

  const N4 = QUICK ? 100_000 : 1_000_000;
  const rounds = QUICK ? 3 : 5;
  await compare("W4 arm+cancel, one at a time", { ops: N4, unit: "ns/timer", rounds }, [
    { name: "brigade", run: () => w4Brigade(N4, false) },
    { name: "native", run: () => w4Native(N4, false) },
    { name: "effect", run: () => w4Effect(N4) },
  ]);
  await compare("W4 arm all, then cancel all", { ops: N4, unit: "ns/timer", rounds }, [
    { name: "brigade", run: () => w4Brigade(N4, true) },
    { name: "native", run: () => w4Native(N4, true) },
  ]);

  const alloc: { brigade: number[]; native: number[] } = { brigade: [], native: [] };
  for (let r = 0; r < 3; r++) {
    const a = await w4Alloc(QUICK ? 20_000 : 100_000);
    alloc.brigade.push(a.brigade);
    alloc.native.push(a.native);
  }
  record("W4 heap allocated per arm+cancel", "B/timer", {
    brigade: median(alloc.brigade),
    native: median(alloc.native),
  });

  const N4b = QUICK ? 20_000 : 100_000;
  await compare(
    "W4b 100k concurrent sleeps of 10-100 ms",
    { ops: 1, unit: "ms wall", perOp: "ms", rounds },
    [
      { name: "brigade", run: () => w4bBrigade(N4b) },
      { name: "native", run: () => w4bNative(N4b) },
      { name: "effect", run: () => w4bEffect(N4b) },
    ],
  );
  (globalThis as { gc?: () => void }).gc?.();
  console.log(`  W4b phases (brigade, one untimed run): ${await w4bPhases(N4b)}`);
}
