/**
 * Channel benchmarks, each beside its baselines in the same process, interleaved, medians printed
 * with ratios (first column / the others).
 *
 * - W3 (ANCHORS.md): ping-pong of 1,000,000 messages between two tasks over two bounded channels
 *   of capacity 1, in ns per round trip. Baselines: a minimal promise-based channel (below, ~30
 *   lines, the one behind ANCHORS' "native" column) driven by two async functions, and Effect 4's
 *   `Queue.bounded(1)`, at 200k round trips (Effect is ~20× slower), with Brigade and the promise
 *   channel beside it at that size; the figures are still per round trip. (The harness's `gc()`
 *   before each run costs every variant a few tens of ms of warm-up, so small sizes overstate all
 *   of them.)
 * - Beside W3, for context: the executor alone (two tasks alternating `yieldNow`: the two task
 *   switches a round trip costs, with no channel), so the channel's own share can be read off.
 * - Allocation on the hot path: bytes of heap allocated per round trip, read from `heapUsed`
 *   between batches inside the running program (batches a scavenge cut short are discarded).
 *
 * Run: `node --expose-gc --import tsx bench/run.ts channel`. `BENCH_QUICK=1` for a smoke test.
 */
import { Effect, Queue } from "effect";
import * as mpsc from "../src/channel/mpsc.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { compare, record } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const N = QUICK ? 50_000 : 1_000_000;
const N_EFFECT = QUICK ? 5_000 : 200_000;

// ---------------------------------------------------------------------------------------------
// The baseline: a minimal bounded channel on promises.

class PromiseChannel<T> {
  private readonly items: T[] = [];
  private readonly takers: ((v: T) => void)[] = [];
  private readonly putters: (() => void)[] = [];
  constructor(private readonly capacity: number) {}

  send(v: T): Promise<void> | undefined {
    const taker = this.takers.shift();
    if (taker !== undefined) {
      taker(v);
      return undefined;
    }
    if (this.items.length < this.capacity) {
      this.items.push(v);
      return undefined;
    }
    return new Promise<void>((resolve) => this.putters.push(resolve)).then(() => this.send(v));
  }

  recv(): Promise<T> | T {
    if (this.items.length > 0) {
      const v = this.items.shift()!;
      this.putters.shift()?.();
      return v;
    }
    return new Promise<T>((resolve) => this.takers.push(resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// W3 ping-pong

/**
 * Context, not a baseline: two tasks alternating `yieldNow`, the executor's cost of the two task
 * switches a round trip needs, with no channel at all.
 */
function executorFloor(n: number): Promise<void> {
  const flip = () =>
    asyncBlock(function* () {
      for (let i = 0; i < n; i++) yield* yieldNow();
    });
  return run(
    asyncBlock(function* () {
      const a = spawn(flip());
      const b = spawn(flip());
      yield* a;
      yield* b;
    }),
  );
}

function w3Brigade(n: number, probe?: (i: number) => void): Promise<void> {
  return run(
    asyncBlock(function* () {
      const [pingTx, pingRx] = mpsc.channel<number>(1);
      const [pongTx, pongRx] = mpsc.channel<number>(1);
      const echo = spawn(
        asyncBlock(function* () {
          for (;;) {
            const v = yield* pingRx.recv();
            if (v === undefined) return;
            yield* pongTx.send(v);
          }
        }),
      );
      for (let i = 0; i < n; i++) {
        yield* pingTx.send(i);
        const v = yield* pongRx.recv();
        if (v !== i) throw new Error(`ping-pong out of order: sent ${i}, got ${v}`);
        if (probe !== undefined) probe(i);
      }
      pingTx.close();
      yield* echo;
    }),
  );
}

async function w3Promise(n: number, probe?: (i: number) => void): Promise<void> {
  const ping = new PromiseChannel<number>(1);
  const pong = new PromiseChannel<number>(1);
  const echo = (async () => {
    for (;;) {
      const v = await ping.recv();
      if (v < 0) return;
      await pong.send(v);
    }
  })();
  for (let i = 0; i < n; i++) {
    await ping.send(i);
    const v = await pong.recv();
    if (v !== i) throw new Error(`ping-pong out of order: sent ${i}, got ${v}`);
    if (probe !== undefined) probe(i);
  }
  await ping.send(-1);
  await echo;
}

function w3Effect(n: number): Promise<void> {
  return Effect.runPromise(
    Effect.gen(function* () {
      const ping = yield* Queue.bounded<number>(1);
      const pong = yield* Queue.bounded<number>(1);
      yield* Effect.forkChild(
        Effect.gen(function* () {
          for (;;) {
            const v = yield* Queue.take(ping);
            if (v < 0) return;
            yield* Queue.offer(pong, v);
          }
        }),
      );
      for (let i = 0; i < n; i++) {
        yield* Queue.offer(ping, i);
        const v = yield* Queue.take(pong);
        if (v !== i) throw new Error(`ping-pong out of order: sent ${i}, got ${v}`);
      }
      yield* Queue.offer(ping, -1);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Bytes allocated per round trip, measured from inside the running program.

/** A probe that samples `heapUsed` every `batch` round trips; returns the median bytes per op. */
function allocProbe(batch: number): { probe: (i: number) => void; result: () => number } {
  const samples: number[] = [];
  let last = -1;
  return {
    probe(i: number) {
      if (i % batch !== 0) return;
      const h = process.memoryUsage().heapUsed;
      // A scavenge in the batch makes the heap shrink: that sample is discarded.
      if (last >= 0 && h >= last) samples.push((h - last) / batch);
      last = h;
    },
    result() {
      const s = samples.sort((a, b) => a - b);
      return s.length === 0 ? Number.NaN : s[s.length >> 1]!;
    },
  };
}

export async function main(): Promise<void> {
  await compare(
    "W3 ping-pong 1M over mpsc capacity 1",
    { ops: N, rounds: QUICK ? 2 : 11, unit: "ns/round trip" },
    [
      { name: "brigade", run: () => w3Brigade(N) },
      { name: "promise-channel", run: () => w3Promise(N) },
      { name: "(floor: 2 task switches, no channel)", run: () => executorFloor(N) },
    ],
  );
  // Effect is ~20x slower: the same workload at a smaller size, all three side by side.
  await compare(
    `W3 ping-pong ${N_EFFECT / 1000}k (Effect's size)`,
    { ops: N_EFFECT, rounds: QUICK ? 2 : 5, unit: "ns/round trip" },
    [
      { name: "brigade", run: () => w3Brigade(N_EFFECT) },
      { name: "promise-channel", run: () => w3Promise(N_EFFECT) },
      { name: "effect Queue.bounded(1)", run: () => w3Effect(N_EFFECT) },
    ],
  );
  const a = allocProbe(1000);
  await w3Brigade(QUICK ? 20_000 : 200_000, a.probe);
  const b = allocProbe(1000);
  await w3Promise(QUICK ? 20_000 : 200_000, b.probe);
  record("W3 heap allocated per round trip", "bytes/round trip", {
    brigade: a.result(),
    "promise-channel": b.result(),
  });
}
