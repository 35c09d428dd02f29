/**
 * Stream combinators against a model: arrays. fast-check builds random pipelines over random items
 * from sources that answer PENDING at random points (waking themselves, as a busy source would);
 * the stream's output must equal the same pipeline run on an array.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DONE,
  empty,
  type Future,
  iter,
  PENDING,
  pollFn,
  run,
  StreamBase,
  type StreamPoll,
  sleep,
  yieldNow,
} from "../src/index.js";

/** A stream of `items` that answers PENDING (after waking itself) before the items flagged. */
class Jittery<T> extends StreamBase<T> {
  private i = 0;
  private stalled = false;
  polls = 0;
  drops = 0;
  constructor(
    private readonly items: T[],
    private readonly stalls: boolean[],
  ) {
    super();
  }
  pollNext(cx: Context): StreamPoll<T> {
    this.polls++;
    if (this.drops > 0) throw new Error("polled after dispose");
    if (this.i >= this.items.length) return DONE;
    if (this.stalls[this.i % this.stalls.length] && !this.stalled) {
      this.stalled = true;
      cx.waker.wake();
      return PENDING;
    }
    this.stalled = false;
    return this.items[this.i++]!;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}

type Op =
  | { kind: "map"; k: number }
  | { kind: "filter"; m: number }
  | { kind: "filterMap"; m: number }
  | { kind: "take"; n: number }
  | { kind: "skip"; n: number }
  | { kind: "takeWhile"; limit: number }
  | { kind: "chunksSum"; n: number }
  | { kind: "then"; k: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("map" as const), k: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ kind: fc.constant("filter" as const), m: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("filterMap" as const), m: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("take" as const), n: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant("skip" as const), n: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant("takeWhile" as const), limit: fc.integer({ min: -50, max: 50 }) }),
  fc.record({ kind: fc.constant("chunksSum" as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant("then" as const), k: fc.integer({ min: -3, max: 3 }) }),
);

function applyModel(items: number[], ops: Op[]): number[] {
  let xs = items;
  for (const op of ops) {
    switch (op.kind) {
      case "map":
        xs = xs.map((x) => x * 2 + op.k);
        break;
      case "filter":
        xs = xs.filter((x) => x % op.m === 0);
        break;
      case "filterMap":
        xs = xs.filter((x) => x % op.m !== 0).map((x) => x - 1);
        break;
      case "take":
        xs = xs.slice(0, op.n);
        break;
      case "skip":
        xs = xs.slice(op.n);
        break;
      case "takeWhile": {
        const stop = xs.findIndex((x) => !(x < op.limit));
        xs = stop < 0 ? xs : xs.slice(0, stop);
        break;
      }
      case "chunksSum": {
        const out: number[] = [];
        for (let i = 0; i < xs.length; i += op.n) {
          out.push(xs.slice(i, i + op.n).reduce((a, b) => a + b, 0));
        }
        xs = out;
        break;
      }
      case "then":
        xs = xs.map((x) => x + op.k);
        break;
    }
  }
  return xs;
}

/** A future that yields once, then is ready with `v`. */
function later<T>(v: T): Future<T> {
  return asyncBlock(function* () {
    yield* yieldNow();
    return v;
  });
}

function applyStream(s: StreamBase<number>, ops: Op[]): StreamBase<number> {
  for (const op of ops) {
    switch (op.kind) {
      case "map":
        s = s.map((x) => x * 2 + op.k);
        break;
      case "filter":
        s = s.filter((x) => x % op.m === 0);
        break;
      case "filterMap":
        s = s.filterMap((x) => (x % op.m !== 0 ? x - 1 : undefined));
        break;
      case "take":
        s = s.take(op.n);
        break;
      case "skip":
        s = s.skip(op.n);
        break;
      case "takeWhile":
        s = s.takeWhile((x) => x < op.limit);
        break;
      case "chunksSum":
        s = s.chunks(op.n).map((c) => c.reduce((a, b) => a + b, 0));
        break;
      case "then":
        s = s.andThen((x) => later(x + op.k));
        break;
    }
  }
  return s;
}

/** Run a runtime that collects `s`. */
function collectIn<T>(s: StreamBase<T>, options?: { clock: "paused" }): Promise<T[]> {
  return run(
    asyncBlock(function* () {
      return yield* s.collect();
    }),
    options,
  );
}

const itemsArb = fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 40 });
const stallsArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 7 });

describe("stream combinators against the array model", () => {
  it("a random pipeline collects what the same pipeline computes on an array, then disposes its source", async () => {
    await fc.assert(
      fc.asyncProperty(
        itemsArb,
        stallsArb,
        fc.array(opArb, { maxLength: 5 }),
        async (items, stalls, ops) => {
          const source = new Jittery(items, stalls);
          const got = await collectIn(applyStream(source, ops));
          expect(got).toEqual(applyModel(items, ops));
          expect(source.drops).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("fold, forEach and next() see the same items as collect", async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb, stallsArb, async (items, stalls) => {
        const out = await run(
          asyncBlock(function* () {
            const sum = yield* new Jittery(items, stalls).fold(0, (a, x) => a + x);
            const seen: number[] = [];
            yield* new Jittery(items, stalls).forEach((x) => {
              seen.push(x);
            });
            const pulled: number[] = [];
            const s = new Jittery(items, stalls);
            for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) pulled.push(v);
            // Fused: past the end it keeps saying DONE.
            const again = yield* s.next();
            return { sum, seen, pulled, again };
          }),
        );
        expect(out.sum).toBe(items.reduce((a, b) => a + b, 0));
        expect(out.seen).toEqual(items);
        expect(out.pulled).toEqual(items);
        expect(out.again).toBe(DONE);
      }),
      { numRuns: 60 },
    );
  });

  it("merge yields every item of both streams, each stream's items in their own order", async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb, itemsArb, stallsArb, stallsArb, async (a, b, sa, sb) => {
        const tagged = await collectIn(
          new Jittery(
            a.map((x) => ({ from: "a", x })),
            sa,
          ).merge(
            new Jittery(
              b.map((x) => ({ from: "b", x })),
              sb,
            ),
          ),
        );
        expect(tagged.filter((t) => t.from === "a").map((t) => t.x)).toEqual(a);
        expect(tagged.filter((t) => t.from === "b").map((t) => t.x)).toEqual(b);
      }),
      { numRuns: 80 },
    );
  });

  it("zip pairs items up to the shorter stream and disposes both", async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb, itemsArb, stallsArb, async (a, b, stalls) => {
        const sa = new Jittery(a, stalls);
        const sb = new Jittery(b, [false]);
        const pairs = await collectIn(sa.zip(sb));
        const n = Math.min(a.length, b.length);
        expect(pairs).toEqual(a.slice(0, n).map((x, i) => [x, b[i]]));
        expect(sa.drops).toBe(1);
        expect(sb.drops).toBe(1);
      }),
      { numRuns: 60 },
    );
  });

  it("buffered(n) keeps the input order, bufferUnordered(n) the completion order, and neither exceeds n in flight", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        async (delays, n) => {
          let inFlight = 0;
          let maxInFlight = 0;
          const job = (i: number) =>
            asyncBlock(function* () {
              inFlight++;
              maxInFlight = Math.max(maxInFlight, inFlight);
              try {
                yield* sleep(delays[i]!);
              } finally {
                inFlight--;
              }
              return i;
            });
          const indexes = delays.map((_, i) => i);
          const ordered = await collectIn(iter(indexes).map(job).buffered(n), {
            clock: "paused",
          });
          expect(ordered).toEqual(indexes);
          expect(maxInFlight).toBeLessThanOrEqual(n);
          maxInFlight = 0;
          const unordered = await collectIn(iter(indexes).map(job).bufferUnordered(n), {
            clock: "paused",
          });
          expect([...unordered].sort((x, y) => x - y)).toEqual(indexes);
          expect(maxInFlight).toBeLessThanOrEqual(n);
          if (n >= delays.length) {
            // Everything ran at once: completion order is by delay (ties by start order).
            const byDelay = [...indexes].sort((x, y) => delays[x]! - delays[y]! || x - y);
            expect(unordered).toEqual(byDelay);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("forEachConcurrent(limit) runs every item and never more than limit at once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        async (delays, limit) => {
          let inFlight = 0;
          let maxInFlight = 0;
          const done: number[] = [];
          await run(
            asyncBlock(function* () {
              yield* iter(delays.map((d, i) => ({ d, i }))).forEachConcurrent(limit, ({ d, i }) =>
                asyncBlock(function* () {
                  inFlight++;
                  maxInFlight = Math.max(maxInFlight, inFlight);
                  yield* sleep(d);
                  inFlight--;
                  done.push(i);
                }),
              );
            }),
            { clock: "paused" },
          );
          expect([...done].sort((x, y) => x - y)).toEqual(delays.map((_, i) => i));
          expect(maxInFlight).toBeLessThanOrEqual(limit);
          // The first `limit` items all start before any can finish when none of them is instant.
          if (delays.length >= limit && delays.slice(0, limit).every((d) => d > 0)) {
            expect(maxInFlight).toBe(limit);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("stream combinators, specific orders of events", () => {
  it("take(n) disposes its source right after the n-th item, before anyone asks for more", async () => {
    const source = new Jittery([1, 2, 3, 4], [false]);
    const taken = source.take(2);
    const firstTwo = await run(
      asyncBlock(function* () {
        const a = yield* taken.next();
        const b = yield* taken.next();
        return [a, b, source.drops];
      }),
    );
    expect(firstTwo).toEqual([1, 2, 1]);
  });

  it("takeUntil checks its stop future before each item and ends when it fires", async () => {
    const items = await run(
      asyncBlock(function* () {
        let n = 0;
        let stop = false;
        const ticks = new Jittery([1, 2, 3, 4, 5, 6], [false]).andThen((x) =>
          asyncBlock(function* () {
            yield* yieldNow();
            if (++n === 3) stop = true;
            return x;
          }),
        );
        const stopped = pollFn((cx) => {
          if (stop) return undefined;
          cx.waker.wake(); // check again after the next item
          return PENDING;
        });
        return yield* ticks.takeUntil(stopped).collect();
      }),
    );
    expect(items).toEqual([1, 2, 3]);
  });

  it("chunks ends with a shorter last chunk, and an empty stream gives no chunk at all", async () => {
    const out = await run(
      asyncBlock(function* () {
        return [
          yield* iter([1, 2, 3, 4, 5]).chunks(2).collect(),
          yield* empty().chunks(3).collect(),
        ];
      }),
    );
    expect(out).toEqual([[[1, 2], [3, 4], [5]], []]);
  });

  it("merge alternates which stream it polls first, so an always-ready stream cannot starve the other", async () => {
    const out = await collectIn(
      iter([1, 1, 1, 1])
        .merge(iter([2, 2, 2, 2]))
        .take(4),
    );
    expect([...out].sort()).toEqual([1, 1, 2, 2]);
  });

  it("disposing an andThen() adapter mid-step drops the step and disposes the source", async () => {
    const source = new Jittery([1, 2], [false]);
    let finallyRan = false;
    const s = source.andThen((x) =>
      asyncBlock(function* () {
        try {
          yield* sleep(1_000_000);
        } finally {
          finallyRan = true;
        }
        return x;
      }),
    );
    const seen = await run(
      asyncBlock(function* () {
        // One poll: the first item is taken and its step starts sleeping.
        const r = yield* pollFn((cx) => (s.pollNext(cx) === PENDING ? "pending" : "ready"));
        const before = finallyRan;
        s[Symbol.dispose]();
        return [r, before];
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual(["pending", false]);
    expect(finallyRan).toBe(true);
    expect(source.drops).toBe(1);
  });

  it("bad arguments are refused with errors that name the argument and the rule", () => {
    const s = iter([1]);
    expect(() => s.take(-1)).toThrow(RangeError);
    expect(() => s.take(1.5)).toThrow(/stream\.take\(n\): n must be an integer of at least 0/);
    expect(() => s.chunks(0)).toThrow(/stream\.chunks\(n\): n must be an integer of at least 1/);
    const futures = iter([later(1)]);
    expect(() => futures.buffered(0)).toThrow(/stream\.buffered\(n\): n must be an integer/);
    expect(() => s.map(3 as never)).toThrow(/stream\.map\(f\): f must be a function/);
    expect(() => s.merge([1] as never)).toThrow(/wrap it with iter/);
    expect(() => iter(5 as never)).toThrow(TypeError);
  });
});
