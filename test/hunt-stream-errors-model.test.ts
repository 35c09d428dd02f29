/**
 * Stream adapters whose closures throw, against a model: arrays of items and errors. An adapter
 * that goes on after an error (`map`, `filter`, `filterMap`, `takeWhile`, `andThen`, `chunks`,
 * `take`, `skip`, `buffered`) hands the error out in place of the item and goes on with the next
 * one, and an error from upstream passes through it untouched (`chunks` first hands out the
 * items it gathered before it, as a short chunk); `take` and `skip` count items,
 * not errors. fast-check builds random pipelines over random items from a source that answers
 * PENDING at random points; `next()` must give what the model computes, then `DONE` for good,
 * with the source disposed exactly once and never polled after. `collect()` over the same
 * pipeline throws the model's first error, or gives all its items.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DONE,
  type Future,
  PENDING,
  run,
  StreamBase,
  type StreamPoll,
  yieldNow,
} from "../src/index.js";

/** An item, or an error in its place. */
type Entry = { ok: number } | { err: string };

/** A stream of `items` that answers PENDING (after waking itself) before the items flagged. */
class Jittery extends StreamBase<number> {
  private i = 0;
  private stalled = false;
  drops = 0;
  pollsAfterDispose = 0;
  constructor(
    private readonly items: number[],
    private readonly stalls: boolean[],
  ) {
    super();
  }
  pollNext(cx: Context): StreamPoll<number> {
    if (this.drops > 0) this.pollsAfterDispose++;
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

/** Each closure throws for the values divisible by `t` (t = 0: never). */
type Op =
  | { kind: "map"; k: number; t: number }
  | { kind: "filter"; m: number; t: number }
  | { kind: "filterMap"; m: number; t: number }
  | { kind: "takeWhile"; limit: number; t: number }
  | { kind: "andThen"; k: number; t: number }
  | { kind: "buffered"; n: number; t: number }
  | { kind: "take"; n: number }
  | { kind: "skip"; n: number }
  | { kind: "chunksSum"; n: number };

const t = fc.integer({ min: 0, max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("map" as const), k: fc.integer({ min: -3, max: 3 }), t }),
  fc.record({ kind: fc.constant("filter" as const), m: fc.integer({ min: 1, max: 4 }), t }),
  fc.record({ kind: fc.constant("filterMap" as const), m: fc.integer({ min: 1, max: 4 }), t }),
  fc.record({
    kind: fc.constant("takeWhile" as const),
    limit: fc.integer({ min: -50, max: 60 }),
    t,
  }),
  fc.record({ kind: fc.constant("andThen" as const), k: fc.integer({ min: -3, max: 3 }), t }),
  fc.record({ kind: fc.constant("buffered" as const), n: fc.integer({ min: 1, max: 4 }), t }),
  fc.record({ kind: fc.constant("take" as const), n: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant("skip" as const), n: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant("chunksSum" as const), n: fc.integer({ min: 1, max: 4 }) }),
);

function bad(x: number, t: number): boolean {
  return t !== 0 && x % t === 0;
}

/** What each op does to a list of entries: errors pass through, items go through the closure. */
function applyModel(entries: Entry[], ops: Op[]): Entry[] {
  let xs = entries;
  for (const op of ops) {
    const out: Entry[] = [];
    switch (op.kind) {
      case "map":
      case "andThen":
      case "buffered":
        for (const e of xs) {
          if ("err" in e) out.push(e);
          else if (bad(e.ok, op.t)) out.push({ err: `${op.kind} ${e.ok}` });
          else
            out.push({
              ok: op.kind === "map" ? e.ok * 2 + op.k : op.kind === "andThen" ? e.ok + op.k : e.ok,
            });
        }
        break;
      case "filter":
      case "filterMap":
        for (const e of xs) {
          if ("err" in e) out.push(e);
          else if (bad(e.ok, op.t)) out.push({ err: `${op.kind} ${e.ok}` });
          else if (op.kind === "filter" && e.ok % op.m === 0) out.push(e);
          else if (op.kind === "filterMap" && e.ok % op.m !== 0) out.push({ ok: e.ok - 1 });
        }
        break;
      case "takeWhile":
        for (const e of xs) {
          if ("err" in e) out.push(e);
          else if (bad(e.ok, op.t)) out.push({ err: `takeWhile ${e.ok}` });
          else if (e.ok < op.limit) out.push(e);
          else break;
        }
        break;
      case "take": {
        let left = op.n;
        for (const e of xs) {
          if (left === 0) break;
          out.push(e);
          if ("ok" in e) left--;
        }
        break;
      }
      case "skip": {
        let left = op.n;
        for (const e of xs) {
          if ("ok" in e && left > 0) left--;
          else out.push(e);
        }
        break;
      }
      case "chunksSum": {
        let chunk: number[] = [];
        for (const e of xs) {
          if ("err" in e) {
            // The items gathered before the error come out first, as a short chunk.
            if (chunk.length > 0) out.push({ ok: chunk.reduce((a, b) => a + b, 0) });
            chunk = [];
            out.push(e);
          } else {
            chunk.push(e.ok);
            if (chunk.length === op.n) {
              out.push({ ok: chunk.reduce((a, b) => a + b, 0) });
              chunk = [];
            }
          }
        }
        if (chunk.length > 0) out.push({ ok: chunk.reduce((a, b) => a + b, 0) });
        break;
      }
    }
    xs = out;
  }
  return xs;
}

/** A future that yields once, then gives `v` or throws `message`. */
function later(v: number, message: string | null): Future<number> {
  return asyncBlock(function* () {
    yield* yieldNow();
    if (message !== null) throw new Error(message);
    return v;
  });
}

function applyStream(s: StreamBase<number>, ops: Op[]): StreamBase<number> {
  for (const op of ops) {
    const fail = (x: number): void => {
      if (bad(x, (op as { t: number }).t)) throw new Error(`${op.kind} ${x}`);
    };
    switch (op.kind) {
      case "map":
        s = s.map((x) => {
          fail(x);
          return x * 2 + op.k;
        });
        break;
      case "filter":
        s = s.filter((x) => {
          fail(x);
          return x % op.m === 0;
        });
        break;
      case "filterMap":
        s = s.filterMap((x) => {
          fail(x);
          return x % op.m !== 0 ? x - 1 : undefined;
        });
        break;
      case "takeWhile":
        s = s.takeWhile((x) => {
          fail(x);
          return x < op.limit;
        });
        break;
      case "andThen":
        s = s.andThen((x) => later(x + op.k, bad(x, op.t) ? `andThen ${x}` : null));
        break;
      case "buffered":
        s = s.map((x) => later(x, bad(x, op.t) ? `buffered ${x}` : null)).buffered(op.n);
        break;
      case "take":
        s = s.take(op.n);
        break;
      case "skip":
        s = s.skip(op.n);
        break;
      case "chunksSum":
        s = s.chunks(op.n).map((c) => c.reduce((a, b) => a + b, 0));
        break;
    }
  }
  return s;
}

const itemsArb = fc.array(fc.integer({ min: -40, max: 40 }), { maxLength: 30 });
const stallsArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 5 });
/**
 * `buffered` pulls ahead to fill its window, and an error from its upstream is thrown as soon as it
 * is pulled, before the outputs of the futures already in flight (futures-rs' `try_buffered` does
 * the same), so its position depends on timing: `buffered` only comes first, over a source that
 * never throws, where every error is one of its own futures' and keeps its position.
 */
const opsArb = fc
  .tuple(
    fc.option(
      fc.record({ kind: fc.constant("buffered" as const), n: fc.integer({ min: 1, max: 4 }), t }),
    ),
    fc.array(
      opArb.filter((op) => op.kind !== "buffered"),
      { maxLength: 5 },
    ),
  )
  .map(([first, rest]): Op[] => (first === null ? rest : [first, ...rest]));

describe("stream adapters whose closures throw, against the model", () => {
  it("next() gives each item or error where the model puts it, then DONE twice; with the consumer's dispose the source is disposed once, and never polled after", async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb, stallsArb, opsArb, async (items, stalls, ops) => {
        const source = new Jittery(items, stalls);
        const s = applyStream(source, ops);
        const got = await run(
          asyncBlock(function* () {
            const out: Entry[] = [];
            for (let i = 0; i < 200; i++) {
              try {
                const v = yield* s.next();
                if (v === DONE) break;
                out.push({ ok: v });
              } catch (e) {
                out.push({ err: (e as Error).message });
              }
            }
            const after = [yield* s.next(), yield* s.next()];
            // The consumer's dispose: an adapter that already let go of its source lets go of nothing twice.
            s[Symbol.dispose]();
            return { out, after };
          }),
        );
        expect(got.out).toEqual(
          applyModel(
            items.map((ok) => ({ ok })),
            ops,
          ),
        );
        expect(got.after).toEqual([DONE, DONE]);
        expect(source.drops).toBe(1);
        expect(source.pollsAfterDispose).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it("collect() throws the model's first error (the source disposed by then), or gives every item", async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb, stallsArb, opsArb, async (items, stalls, ops) => {
        const source = new Jittery(items, stalls);
        const s = applyStream(source, ops);
        const got = await run(
          asyncBlock(function* () {
            try {
              return { items: yield* s.collect() };
            } catch (e) {
              return { error: (e as Error).message, dropsThen: source.drops };
            }
          }),
        );
        const model = applyModel(
          items.map((ok) => ({ ok })),
          ops,
        );
        const firstError = model.find((e) => "err" in e) as { err: string } | undefined;
        if (firstError === undefined) {
          expect(got).toEqual({ items: model.map((e) => (e as { ok: number }).ok) });
        } else {
          expect(got).toEqual({ error: firstError.err, dropsThen: 1 });
        }
        expect(source.drops).toBe(1);
        expect(source.pollsAfterDispose).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
