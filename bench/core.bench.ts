/**
 * Core benchmarks: the workloads of ANCHORS.md that exercise the runtime core (spawn, poll, wake,
 * the run queue, the coroutine driver), each beside native async functions and Effect 4 in the
 * same process, interleaved, medians printed with ratios (first column / the others).
 *
 * - W1: spawn 1,000,000 tasks whose future is an async fn, then await every handle.
 * - W2: 1,000 tasks × 1,000 `yieldNow` (native: `await null`, which starves timers, and
 *   `setImmediate`, which does not). For context, "generator floor": the same 1,000 × 1,000 as
 *   bare generators, each `yield*` of a two-step iterator, taken round-robin from an array by a
 *   plain loop: no runtime, no waker, no budget. It is what any generator-based executor starts
 *   from, before doing any of its own work.
 * - W5: 100,000 tasks parked on a leaf that is never woken: live heap bytes per task.
 * - alloc: bytes the executor allocates per poll and wake (zero is the rule), beside what Node's
 *   setImmediate allocates per event-loop hop.
 * - joinAll over N children woken one by one: time per wake at 1k, 10k and 100k children, to show
 *   the cost is linear in the number of wakes (and `join`, which repolls every child, for contrast).
 *
 * "brigade" runs with the default options; "brigade untimed" turns the long-poll watchdog off
 * (`longPollThreshold: false`), to show what its per-turn timing, and its per-poll timing after a
 * slow turn (a GC pause counts), cost on the hot path.
 *
 * Run: `node --expose-gc --import tsx bench/run.ts core` (or `npm run bench -- core`).
 * `BENCH_QUICK=1` runs smaller sizes, for a smoke test; `BENCH_ONLY=alloc,w1,w2,w5,joinall` picks.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { Deferred, Effect, Fiber } from "effect";
import { join } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { type Future, FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import type { Waker } from "../src/future/waker.js";
import type { RunOptions } from "../src/runtime/options.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { compare, heapPerItem, record } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
/** `BENCH_ONLY=w2,w5` runs only those workloads (alloc, w1, w2, w5, joinall). */
const ONLY = process.env.BENCH_ONLY?.toLowerCase().split(",") ?? null;
const wanted = (name: string): boolean => ONLY === null || ONLY.includes(name);

/**
 * Default runtime options, except that long-poll warnings are not printed: a million-task workload
 * has GC pauses that trip them. The turn timing they need still runs, so its cost is measured.
 */
const OPTS = { onWarning: () => {} };
/** The same with the long-poll watchdog off, to show what its timing costs. */
const UNTIMED = { onWarning: () => {}, longPollThreshold: false as const };

/** A leaf that parks until `fire()`: what a channel's receive or a bell looks like to a task. */
class Bell extends FutureBase<number> {
  private waker: Waker | null = null;
  private rung = false;

  poll(cx: Context): Poll<number> {
    if (this.rung) return 1;
    this.waker = cx.waker;
    return PENDING;
  }

  fire(): void {
    this.rung = true;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }
}

// ---------------------------------------------------------------------------------------------
// W1: spawn and complete tasks

const emptyFn = asyncFn(function* empty() {});

async function emptyNative(): Promise<void> {}

function w1Brigade(n: number, opts: RunOptions = OPTS): Promise<void> {
  return run(
    asyncBlock(function* () {
      const handles: JoinHandle<void>[] = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = spawn(emptyFn());
      for (let i = 0; i < n; i++) yield* handles[i]!;
    }),
    opts,
  );
}

async function w1Native(n: number): Promise<void> {
  const ps: Promise<void>[] = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = emptyNative();
  await Promise.all(ps);
}

function w1Effect(n: number): Promise<void> {
  return Effect.runPromise(
    Effect.gen(function* () {
      const fibers: Fiber.Fiber<void>[] = new Array(n);
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(Effect.void);
      for (let i = 0; i < n; i++) yield* Fiber.join(fibers[i]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// W2: many tasks yielding

const yielder = asyncFn(function* yielder(k: number) {
  for (let i = 0; i < k; i++) yield* yieldNow();
});

function w2Brigade(tasks: number, k: number, opts: RunOptions = OPTS): Promise<void> {
  return run(
    asyncBlock(function* () {
      const handles: JoinHandle<void>[] = new Array(tasks);
      for (let i = 0; i < tasks; i++) handles[i] = spawn(yielder(k));
      for (let i = 0; i < tasks; i++) yield* handles[i]!;
    }),
    opts,
  );
}

/** The two-step iterator of the floor: suspended once, then done (a yieldNow with no waker). */
class Step {
  private stepped = false;
  [Symbol.iterator](): Step {
    return this;
  }
  next(): IteratorResult<number, void> {
    if (this.stepped) return FLOOR_DONE;
    this.stepped = true;
    return FLOOR_SUSPENDED;
  }
}
const FLOOR_SUSPENDED: IteratorYieldResult<number> = Object.freeze({ done: false, value: 0 });
const FLOOR_DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

function* floorYielder(k: number): Generator<number, void, unknown> {
  for (let i = 0; i < k; i++) yield* new Step();
}

function w2Floor(tasks: number, k: number): void {
  const queue: Generator<number, void, unknown>[] = [];
  for (let i = 0; i < tasks; i++) queue.push(floorYielder(k));
  for (let head = 0; head < queue.length; head++) {
    const g = queue[head]!;
    if (g.next().done !== true) queue.push(g);
  }
}

async function yieldAwaitNull(k: number): Promise<void> {
  for (let i = 0; i < k; i++) await null;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function yieldImmediate(k: number): Promise<void> {
  for (let i = 0; i < k; i++) await immediate();
}

async function w2Native(tasks: number, k: number, f: (k: number) => Promise<void>): Promise<void> {
  const ps: Promise<void>[] = new Array(tasks);
  for (let i = 0; i < tasks; i++) ps[i] = f(k);
  await Promise.all(ps);
}

function w2Effect(tasks: number, k: number): Promise<void> {
  const body = Effect.gen(function* () {
    for (let i = 0; i < k; i++) yield* Effect.yieldNow;
  });
  return Effect.runPromise(
    Effect.gen(function* () {
      const fibers: Fiber.Fiber<void>[] = new Array(tasks);
      for (let i = 0; i < tasks; i++) fibers[i] = yield* Effect.forkChild(body);
      for (let i = 0; i < tasks; i++) yield* Fiber.join(fibers[i]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// W5: parked tasks, heap per task. Each variant keeps what a real program keeps: the handle of
// the task and the waking side of what it waits on (the bell, the resolver, the Deferred).

const parked = asyncFn(function* parked(bell: Bell) {
  return yield* bell;
});

async function parkBrigade(n: number): Promise<() => Promise<void>> {
  const rt = new Runtime(OPTS);
  const bells: Bell[] = new Array(n);
  const handles: JoinHandle<number>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const bell = (bells[i] = new Bell());
    handles[i] = rt.spawn(parked(bell));
  }
  // The executor polls 61 tasks per event-loop turn: wait until every task has run and parked.
  while (rt.metrics().queueDepth > 0 || rt.metrics().pollsTotal < n) await settle();
  return async () => {
    if (bells.length !== n || handles.length !== n) throw new Error("lost track");
    await rt.shutdown();
  };
}

async function parkNative(n: number): Promise<() => Promise<void>> {
  const resolvers: ((v: number) => void)[] = new Array(n);
  const promises: Promise<number>[] = new Array(n);
  const task = async (i: number): Promise<number> =>
    await new Promise<number>((resolve) => {
      resolvers[i] = resolve;
    });
  for (let i = 0; i < n; i++) promises[i] = task(i);
  await settle();
  return async () => {
    for (const r of resolvers) r(1);
    await Promise.all(promises);
  };
}

async function parkEffect(n: number): Promise<() => Promise<void>> {
  const deferreds: Deferred.Deferred<number>[] = new Array(n);
  const fibers: Fiber.Fiber<number>[] = new Array(n);
  let started = 0;
  const markStarted = Effect.sync(() => {
    started++;
  });
  const parent = Effect.runFork(
    Effect.gen(function* () {
      for (let i = 0; i < n; i++) {
        const d = (deferreds[i] = Deferred.makeUnsafe<number>());
        fibers[i] = yield* Effect.forkChild(Effect.andThen(markStarted, Deferred.await(d)));
      }
      yield* Effect.never;
    }),
  );
  // Effect's scheduler runs fibers in batches across macrotasks: wait until every child has
  // started, then give them a few more turns to park on their Deferred.
  while (started < n) await settle();
  for (let i = 0; i < 3; i++) await settle();
  return async () => {
    await Effect.runPromise(Fiber.interrupt(parent));
  };
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------------------------
// joinAll woken one by one

/** Join `n` bells with `combine`, and ring them one at a time from another task. */
function wakeOneByOne(n: number, combine: (fs: Future<number>[]) => Future<number[]>) {
  return run(
    asyncBlock(function* () {
      const bells: Bell[] = new Array(n);
      for (let i = 0; i < n; i++) bells[i] = new Bell();
      const joiner = spawn(combine(bells));
      yield* yieldNow(); // the joiner polls every child once and parks
      for (let i = 0; i < n; i++) {
        bells[i]!.fire();
        yield* yieldNow(); // the joiner runs with exactly one child woken
      }
      const out = yield* joiner;
      if (out.length !== n) throw new Error("joinAll lost a child");
    }),
    OPTS,
  );
}

async function promiseAllOneByOne(n: number): Promise<void> {
  const resolvers: ((v: number) => void)[] = new Array(n);
  const ps: Promise<number>[] = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = new Promise((r) => (resolvers[i] = r));
  const all = Promise.all(ps);
  for (let i = 0; i < n; i++) {
    resolvers[i]!(1);
    await null;
  }
  const out = await all;
  if (out.length !== n) throw new Error("Promise.all lost a child");
}

// ---------------------------------------------------------------------------------------------
// Allocation on the poll path: tasks whose future wakes itself (no allocation of its own) are
// polled 200,000 times in one executor turn; the young generation's growth, with no GC in between,
// is what the executor's poll and wake allocate. Node's own setImmediate hop (one per event
// interval) is measured beside it.

/** Wakes its own task `n` times, then is ready; allocates nothing per poll. */
class Spin extends FutureBase<number> {
  constructor(private n: number) {
    super();
  }
  poll(cx: Context): Poll<number> {
    if (this.n-- > 0) {
      cx.waker.wake();
      return PENDING;
    }
    return 0;
  }
}

function youngBytes(): number {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === "new_space");
  return s === undefined ? Number.NaN : s.space_used_size;
}

/** Bytes the young generation grew by per operation, over runs with no GC in between (least). */
async function allocPerOp(ops: number, work: () => Promise<void>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    let gcs = 0;
    const obs = new PerformanceObserver((list) => {
      gcs += list.getEntries().length;
    });
    obs.observe({ entryTypes: ["gc"] });
    const before = youngBytes();
    await work();
    const after = youngBytes();
    await settle(); // let the observer report
    obs.disconnect();
    if (gcs === 0) best = Math.min(best, (after - before) / ops);
  }
  return best;
}

async function pollAllocation(): Promise<void> {
  const TASKS = 100;
  const SPINS = 2_000;
  const rt = new Runtime({ ...UNTIMED, eventInterval: 1e9 });
  const spinAll = async () => {
    const hs: JoinHandle<number>[] = [];
    for (let i = 0; i < TASKS; i++) hs.push(rt.spawn(new Spin(SPINS)));
    for (const h of hs) await h;
  };
  await spinAll(); // warm up
  const perPoll = await allocPerOp(TASKS * (SPINS + 1), spinAll);
  await rt.shutdown();
  const HOPS = 2_000;
  const perHop = await allocPerOp(HOPS, async () => {
    for (let i = 0; i < HOPS; i++) await settle();
  });
  record("alloc on the poll path", "bytes", {
    "brigade per poll+wake": perPoll,
    "node setImmediate per hop (one per 61 polls)": perHop,
  });
}

// ---------------------------------------------------------------------------------------------

export async function main(): Promise<void> {
  if (wanted("alloc")) await pollAllocation();

  const N1 = QUICK ? 100_000 : 1_000_000;
  if (wanted("w1"))
    await compare("W1 spawn+complete tasks", { ops: N1, unit: "ns/task", rounds: QUICK ? 3 : 11 }, [
      { name: "brigade", run: () => w1Brigade(N1) },
      { name: "brigade untimed", run: () => w1Brigade(N1, UNTIMED) },
      { name: "native", run: () => w1Native(N1) },
      { name: "effect", run: () => w1Effect(N1) },
    ]);

  const T = 1000;
  const K = QUICK ? 100 : 1000;
  if (wanted("w2"))
    await compare("W2 yieldNow", { ops: T * K, unit: "ns/yield", rounds: QUICK ? 3 : 11 }, [
      { name: "brigade", run: () => w2Brigade(T, K) },
      { name: "brigade untimed", run: () => w2Brigade(T, K, UNTIMED) },
      { name: "native await null", run: () => w2Native(T, K, yieldAwaitNull) },
      { name: "native setImmediate", run: () => w2Native(T, K, yieldImmediate) },
      { name: "effect", run: () => w2Effect(T, K) },
      { name: "generator floor", run: () => w2Floor(T, K) },
    ]);

  const N5 = QUICK ? 20_000 : 100_000;
  const heap: Record<string, number[]> = { brigade: [], native: [], effect: [] };
  for (let r = 0; r < (wanted("w5") ? 3 : 0); r++) {
    heap.brigade!.push(await heapPerItem(N5, parkBrigade));
    heap.native!.push(await heapPerItem(N5, parkNative));
    heap.effect!.push(await heapPerItem(N5, parkEffect));
  }
  if (wanted("w5")) {
    record("W5 parked tasks", "heap B/task", {
      brigade: median(heap.brigade!),
      native: median(heap.native!),
      effect: median(heap.effect!),
    });
  }

  // Every sample wakes 100,000 children in all (100 joins of 1k, 10 of 10k, one of 100k), so the
  // small sizes are not all fixed cost and noise; equal ns/wake across sizes means linear.
  const WAKES = QUICK ? 20_000 : 100_000;
  const sizes = !wanted("joinall") ? [] : QUICK ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  for (const n of sizes) {
    const reps = Math.max(1, Math.round(WAKES / n));
    const repeat = (once: () => Promise<void>) => async () => {
      for (let r = 0; r < reps; r++) await once();
    };
    const variants = [
      { name: "joinAll", run: repeat(() => wakeOneByOne(n, joinAll)) },
      { name: "Promise.all", run: repeat(() => promiseAllOneByOne(n)) },
    ];
    // `join` repolls every child on each wake: quadratic, so only at the smallest size.
    if (n <= 1_000) {
      variants.push({
        name: "join (repolls all)",
        run: repeat(() => wakeOneByOne(n, (fs) => join(...fs))),
      });
    }
    await compare(
      `joinAll ${n} children woken one by one`,
      { ops: n * reps, unit: "ns/wake", rounds: 5 },
      variants,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
