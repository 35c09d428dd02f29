/**
 * Stream benchmark: one pipeline of eight adapters over 300,000 numbers, beside its baselines in
 * the same process, interleaved, medians printed with ratios (first column / the others).
 *
 * The pipeline: map, filter, skip, takeWhile, filterMap, map, take, chunks of 16, folded into a
 * count of items. Brigade's `StreamExt` runs it inside one task; the native baseline chains async
 * generators (`for await` per stage, the platform's own streams of values); Effect 4 runs the same
 * stages with its `Stream` (filterMap written as filter then map). Every variant must agree on the
 * count, or the benchmark fails.
 *
 * Several adapter classes in one pipeline is the point: a poll call site shared by all of them
 * sees every class, and V8 stops inlining it (a refactor that routed every adapter's upstream poll
 * through one base-class method made this pipeline 1.8× slower).
 *
 * Run: `node --expose-gc --import tsx bench/run.ts stream`. `BENCH_QUICK=1` for a smoke test.
 */
import { Effect, Stream } from "effect";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { run } from "../src/runtime/runtime.js";
import "../src/stream/index.js";
import { iter } from "../src/stream/sources.js";
import type { StreamBase } from "../src/stream/stream.js";
import { compare } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const N = QUICK ? 30_000 : 300_000;
const DATA = Array.from({ length: N }, (_, i) => i);
const LIMIT = 1e9;

/** What every variant must fold to: the items the pipeline lets through. */
const EXPECTED = (() => {
  let n = 0;
  let skipped = 0;
  for (const i of DATA) {
    const x = i + 1;
    if (x % 3 === 0) continue;
    if (skipped < 5) {
      skipped++;
      continue;
    }
    if (x % 7 === 0) continue;
    n++;
  }
  return n;
})();

function check(name: string, count: number): void {
  if (count !== EXPECTED) throw new Error(`${name} counted ${count} items, expected ${EXPECTED}`);
}

async function brigade(): Promise<void> {
  const count = await run(
    asyncBlock(function* () {
      const s = (iter(DATA) as StreamBase<number>)
        .map((x) => x + 1)
        .filter((x) => x % 3 !== 0)
        .skip(5)
        .takeWhile((x) => x < LIMIT)
        .filterMap((x) => (x % 7 === 0 ? undefined : x * 2))
        .map((x) => x - 1)
        .take(LIMIT)
        .chunks(16);
      return yield* s.fold(0, (n, chunk) => n + chunk.length);
    }),
    { onWarning: () => {} },
  );
  check("brigade", count);
}

async function* from(xs: number[]): AsyncGenerator<number> {
  for (const x of xs) yield x;
}
async function* mapA<T, U>(src: AsyncIterable<T>, f: (x: T) => U): AsyncGenerator<U> {
  for await (const x of src) yield f(x);
}
async function* filterA<T>(src: AsyncIterable<T>, p: (x: T) => boolean): AsyncGenerator<T> {
  for await (const x of src) if (p(x)) yield x;
}
async function* skipA<T>(src: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  for await (const x of src) {
    if (n > 0) n--;
    else yield x;
  }
}
async function* takeWhileA<T>(src: AsyncIterable<T>, p: (x: T) => boolean): AsyncGenerator<T> {
  for await (const x of src) {
    if (!p(x)) return;
    yield x;
  }
}
async function* filterMapA<T, U>(
  src: AsyncIterable<T>,
  f: (x: T) => U | undefined,
): AsyncGenerator<U> {
  for await (const x of src) {
    const y = f(x);
    if (y !== undefined) yield y;
  }
}
async function* takeA<T>(src: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  if (n <= 0) return;
  for await (const x of src) {
    yield x;
    if (--n === 0) return;
  }
}
async function* chunksA<T>(src: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const x of src) {
    chunk.push(x);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function native(): Promise<void> {
  const s = chunksA(
    takeA(
      mapA(
        filterMapA(
          takeWhileA(
            skipA(
              filterA(
                mapA(from(DATA), (x) => x + 1),
                (x) => x % 3 !== 0,
              ),
              5,
            ),
            (x) => x < LIMIT,
          ),
          (x) => (x % 7 === 0 ? undefined : x * 2),
        ),
        (x) => x - 1,
      ),
      LIMIT,
    ),
    16,
  );
  let count = 0;
  for await (const chunk of s) count += chunk.length;
  check("native", count);
}

async function effect(): Promise<void> {
  const count = await Effect.runPromise(
    Stream.fromIterable(DATA).pipe(
      Stream.map((x) => x + 1),
      Stream.filter((x) => x % 3 !== 0),
      Stream.drop(5),
      Stream.takeWhile((x) => x < LIMIT),
      Stream.filter((x) => x % 7 !== 0),
      Stream.map((x) => x * 2),
      Stream.map((x) => x - 1),
      Stream.take(LIMIT),
      Stream.grouped(16),
      Stream.runFold(
        () => 0,
        (n, chunk) => n + chunk.length,
      ),
    ),
  );
  check("effect", count);
}

export async function main(): Promise<void> {
  await compare(
    `stream pipeline of 8 adapters over ${N / 1000}k items`,
    { ops: N, unit: "ns/item", rounds: QUICK ? 2 : 9 },
    [
      { name: "brigade", run: brigade },
      { name: "native async generators", run: native },
      { name: "effect Stream", run: effect },
    ],
  );
}
