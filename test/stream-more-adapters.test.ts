/**
 * `inspect`, `enumerate`, `scan`, `skipWhile` and `chain` against array models. fast-check builds
 * random sources of items and errors that answer PENDING (after waking their poller) at random
 * points; each adapter, polled by hand until DONE, must hand out what the model computes, then
 * DONE for good, with every source disposed exactly once and never polled after. Dropping the
 * adapter after any number of items releases the sources, and the items the adapter dropped on
 * the way (skipped, the one that ended a scan, the one a throwing function was given) are disposed
 * when they have one owner (OWNED). In a runtime, aborting a task reading a chain or a scan of
 * timer-backed streams at any point leaves no live timer.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  Context,
  DONE,
  iter,
  OWNED,
  PENDING,
  Runtime,
  type Stream,
  StreamBase,
  type StreamPoll,
  sleep,
  Waker,
} from "../src/index.js";

/** An item, or an error in its place. */
type Entry = { ok: number } | { err: string };

/** A source of entries that answers PENDING (after waking its poller) before the flagged ones. */
class Source extends StreamBase<number> {
  private i = 0;
  private stalled = false;
  polls = 0;
  drops = 0;
  pollsAfterDispose = 0;
  constructor(
    private readonly entries: Entry[],
    private readonly stalls: boolean[] = [false],
  ) {
    super();
  }
  pollNext(cx: Context): StreamPoll<number> {
    this.polls++;
    if (this.drops > 0) this.pollsAfterDispose++;
    if (this.i >= this.entries.length) return DONE;
    if (this.stalls[this.i % this.stalls.length] && !this.stalled) {
      this.stalled = true;
      cx.waker.wake();
      return PENDING;
    }
    this.stalled = false;
    const e = this.entries[this.i++]!;
    if ("err" in e) throw new Error(e.err);
    return e.ok;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}

/** Poll `s` by hand until DONE; a PENDING must come with a wake, or the stream would hang. */
function drain<T>(s: Stream<T>, limit = 10_000): unknown[] {
  let woken = 0;
  const cx = new Context(Waker.from(() => woken++));
  const out: unknown[] = [];
  for (let polls = 0; polls < limit; polls++) {
    woken = 0;
    let r: StreamPoll<T>;
    try {
      r = s.pollNext(cx);
    } catch (e) {
      out.push({ err: (e as Error).message });
      continue;
    }
    if (r === DONE) {
      // Fused: DONE for good.
      expect(s.pollNext(cx)).toBe(DONE);
      return out;
    }
    if (r === PENDING) {
      expect(woken, "a PENDING answer came without a wake: the reader would hang").toBeGreaterThan(
        0,
      );
      continue;
    }
    out.push(typeof r === "number" ? { ok: r } : { ok: r as unknown as number });
  }
  throw new Error(`no DONE after ${limit} polls`);
}

const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 30 }).map((ok) => ({ ok })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 99 }).map((n) => ({ err: `source ${n}` })) },
);
const entriesArb = fc.array(entryArb, { maxLength: 25 });
const stallsArb = fc.array(fc.boolean(), { minLength: 1, maxLength: 7 });
/** Which values a caller's function throws for: multiples of `t` (0: never). */
const throwsArb = fc.integer({ min: 0, max: 5 });
const throwsFor = (t: number, x: number) => t > 0 && x % t === 0;

describe("inspect, enumerate, scan, skipWhile, chain against array models", () => {
  it("inspect sees each item in order before it is handed out; a throw replaces that item", () => {
    fc.assert(
      fc.property(entriesArb, stallsArb, throwsArb, (entries, stalls, t) => {
        const src = new Source(entries, stalls);
        const seen: number[] = [];
        const got = drain(
          src.inspect((x) => {
            seen.push(x);
            if (throwsFor(t, x)) throw new Error(`inspect ${x}`);
          }),
        );
        const want = entries.map((e) =>
          "ok" in e && throwsFor(t, e.ok) ? { err: `inspect ${e.ok}` } : e,
        );
        expect(got).toEqual(want);
        expect(seen).toEqual(entries.flatMap((e) => ("ok" in e ? [e.ok] : [])));
        expect(src.drops).toBe(1);
        expect(src.pollsAfterDispose).toBe(0);
      }),
    );
  });

  it("enumerate numbers the items from 0 and lets errors pass uncounted", () => {
    fc.assert(
      fc.property(entriesArb, stallsArb, (entries, stalls) => {
        const src = new Source(entries, stalls);
        const got = drain(src.enumerate());
        let i = 0;
        const want = entries.map((e) => ("ok" in e ? { ok: [i++, e.ok] } : e));
        expect(got).toEqual(want);
        expect(src.drops).toBe(1);
        expect(src.pollsAfterDispose).toBe(0);
      }),
    );
  });

  it("scan hands out each step's item, ends at the first undefined or DONE, and keeps its state across a throw", () => {
    fc.assert(
      fc.property(
        entriesArb,
        stallsArb,
        throwsArb,
        fc.integer({ min: 0, max: 200 }),
        fc.boolean(),
        (entries, stalls, t, cap, endWithDone) => {
          const src = new Source(entries, stalls);
          const got = drain(
            src.scan(0, (sum, x) => {
              if (throwsFor(t, x)) throw new Error(`scan ${x}`);
              if (sum + x > cap) return endWithDone ? DONE : undefined;
              return [sum + x, sum * 100 + x];
            }),
          );
          const want: Entry[] = [];
          let sum = 0;
          let ended = false;
          for (const e of entries) {
            if ("err" in e) want.push(e);
            else if (throwsFor(t, e.ok)) want.push({ err: `scan ${e.ok}` });
            else if (sum + e.ok > cap) {
              ended = true;
              break;
            } else {
              want.push({ ok: sum * 100 + e.ok });
              sum += e.ok;
            }
          }
          expect(got).toEqual(want);
          expect(src.drops).toBe(1);
          expect(src.pollsAfterDispose).toBe(0);
          // Ended early: nothing past the item that ended it was pulled.
          if (ended) expect(src.polls).toBeLessThanOrEqual(entries.length * 2 + 1);
        },
      ),
    );
  });

  it("skipWhile drops items until pred first fails, then passes everything without asking pred again", () => {
    fc.assert(
      fc.property(
        entriesArb,
        stallsArb,
        throwsArb,
        fc.integer({ min: 0, max: 31 }),
        (entries, stalls, t, k) => {
          const src = new Source(entries, stalls);
          let asked = 0;
          const got = drain(
            src.skipWhile((x) => {
              asked++;
              if (throwsFor(t, x)) throw new Error(`skipWhile ${x}`);
              return x < k;
            }),
          );
          const want: Entry[] = [];
          let skipping = true;
          let wantAsked = 0;
          for (const e of entries) {
            if ("err" in e || !skipping) {
              want.push(e);
              continue;
            }
            wantAsked++;
            if (throwsFor(t, e.ok)) want.push({ err: `skipWhile ${e.ok}` });
            else if (e.ok >= k) {
              skipping = false;
              want.push(e);
            }
          }
          expect(got).toEqual(want);
          expect(asked).toBe(wantAsked);
          expect(src.drops).toBe(1);
          expect(src.pollsAfterDispose).toBe(0);
        },
      ),
    );
  });

  it("chain hands out the first stream's entries, disposes it, and only then polls the second", () => {
    fc.assert(
      fc.property(entriesArb, entriesArb, stallsArb, stallsArb, (ea, eb, sa, sb) => {
        const a = new Source(ea, sa);
        const b = new Source(eb, sb);
        const chained = a.chain(b);
        let woken = 0;
        const cx = new Context(Waker.from(() => woken++));
        const out: unknown[] = [];
        for (;;) {
          const bPollsBefore = b.polls;
          let r: StreamPoll<number>;
          try {
            r = chained.pollNext(cx);
          } catch (e) {
            out.push({ err: (e as Error).message });
            continue;
          }
          // The second stream is polled only once the first has ended and been let go.
          if (b.polls > bPollsBefore) expect(a.drops).toBe(1);
          if (r === DONE) break;
          if (r !== PENDING) out.push({ ok: r });
        }
        expect(out).toEqual([...ea, ...eb]);
        expect([a.drops, b.drops]).toEqual([1, 1]);
        expect(a.pollsAfterDispose + b.pollsAfterDispose).toBe(0);
        expect(chained.pollNext(cx)).toBe(DONE);
      }),
    );
  });
});

/** An item with one owner, counting its disposals. */
class Plate {
  readonly [OWNED] = true;
  drops = 0;
  constructor(readonly n: number) {}
  [Symbol.dispose](): void {
    this.drops++;
  }
}

/** A stream of plates 0..n-1, counting its own disposals. */
class Plates extends StreamBase<Plate> {
  readonly made: Plate[] = [];
  drops = 0;
  constructor(private readonly n: number) {
    super();
  }
  pollNext(_cx: Context): StreamPoll<Plate> {
    if (this.drops > 0) throw new Error("polled after dispose");
    if (this.made.length >= this.n) return DONE;
    const p = new Plate(this.made.length);
    this.made.push(p);
    return p;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}

const cx = new Context(Waker.from(() => {}));

describe("dropping the adapters, and the items they drop", () => {
  const makers: [string, (src: Stream<number>, other: Stream<number>) => StreamBase<unknown>][] = [
    ["inspect", (s) => (s as StreamBase<number>).inspect(() => {})],
    ["enumerate", (s) => (s as StreamBase<number>).enumerate()],
    ["scan", (s) => (s as StreamBase<number>).scan(0, (a, x) => [a + x, a])],
    ["skipWhile", (s) => (s as StreamBase<number>).skipWhile((x) => x < 2)],
    ["chain", (s, o) => (s as StreamBase<number>).chain(o)],
  ];
  for (const [name, make] of makers) {
    it(`${name}: disposed after any number of items, it disposes its sources once and polls them no more`, () => {
      for (let k = 0; k <= 8; k++) {
        const a = new Source([0, 1, 2, 3].map((ok) => ({ ok })));
        const b = new Source([4, 5, 6].map((ok) => ({ ok })));
        const s = make(a, b);
        for (let i = 0; i < k; i++) s.pollNext(cx);
        s[Symbol.dispose]();
        s[Symbol.dispose]();
        expect(s.pollNext(cx)).toBe(DONE);
        expect(a.drops).toBe(1);
        // The second stream of a chain is owned from the start: released with it, read or not.
        expect(b.drops).toBe(name === "chain" ? 1 : 0);
        expect(a.pollsAfterDispose + b.pollsAfterDispose).toBe(0);
      }
    });
  }

  it("skipWhile disposes each plate it skips, and none of those it hands out", () => {
    const src = new Plates(5);
    const got: Plate[] = [];
    const s = src.skipWhile((p) => p.n < 3);
    for (let r = s.pollNext(cx); r !== DONE; r = s.pollNext(cx)) got.push(r as Plate);
    expect(got.map((p) => p.n)).toEqual([3, 4]);
    expect(src.made.map((p) => p.drops)).toEqual([1, 1, 1, 0, 0]);
  });

  it("scan disposes the plate that ended it, and an owned state when it ends", () => {
    const src = new Plates(5);
    const state = new Plate(-1);
    const s = src.scan(state, (st, p) => (p.n === 2 ? undefined : [st, p.n]));
    const got: unknown[] = [];
    for (let r = s.pollNext(cx); r !== DONE; r = s.pollNext(cx)) got.push(r);
    expect(got).toEqual([0, 1]);
    expect(src.made.map((p) => p.drops)).toEqual([0, 0, 1]);
    expect(state.drops).toBe(1);
    expect(src.drops).toBe(1);
  });

  it("a throwing inspect or skipWhile disposes the plate it was given, and the next poll goes on", () => {
    for (const make of [
      (s: Plates) =>
        s.inspect((p) => {
          if (p.n === 1) throw new Error("look");
        }),
    ]) {
      const src = new Plates(3);
      const s = make(src);
      expect((s.pollNext(cx) as Plate).n).toBe(0);
      expect(() => s.pollNext(cx)).toThrow("look");
      expect((s.pollNext(cx) as Plate).n).toBe(2);
      expect(s.pollNext(cx)).toBe(DONE);
      expect(src.made.map((p) => p.drops)).toEqual([0, 1, 0]);
    }
  });

  it("a throwing scan leaves the plate it was given alone (f took it, and may have kept it), and goes on with its state", () => {
    const src = new Plates(3);
    const kept: Plate[] = [];
    const s = src.scan(0, (n, p) => {
      if (p.n === 1) {
        kept.push(p);
        throw new Error("spilt");
      }
      return [n + 1, n];
    });
    expect(s.pollNext(cx)).toBe(0);
    expect(() => s.pollNext(cx)).toThrow("spilt");
    expect(s.pollNext(cx)).toBe(1);
    expect(src.made.map((p) => p.drops)).toEqual([0, 0, 0]);
    expect(kept[0]!.drops).toBe(0);
  });

  it("a throwing skipWhile disposes the plate it was given and is still skipping at the next poll", () => {
    const src = new Plates(4);
    const s = src.skipWhile((p) => {
      if (p.n === 1) throw new Error("look");
      return p.n < 3;
    });
    // Plate 0 is skipped, plate 1 makes pred throw; plate 2 is still asked about (and skipped).
    expect(() => s.pollNext(cx)).toThrow("look");
    expect((s.pollNext(cx) as Plate).n).toBe(3);
    expect(src.made.map((p) => p.drops)).toEqual([1, 1, 1, 0]);
  });

  it("scan whose f returns something other than a pair throws a TypeError naming the rule, and goes on", () => {
    const s = iter([1, 2]).scan(0, (_s, x) => (x === 1 ? (42 as never) : [0, x]));
    expect(() => s.pollNext(cx)).toThrow(
      new TypeError(
        "stream.scan(init, f): f must return [nextState, item], or undefined or DONE to end, got number",
      ),
    );
    expect(s.pollNext(cx)).toBe(2);
  });

  it("bad arguments are refused with typed errors that name the argument", () => {
    const s = iter([1]);
    expect(() => s.inspect(3 as never)).toThrow(
      new TypeError("stream.inspect(f): f must be a function, got number"),
    );
    expect(() => s.scan(0, null as never)).toThrow(
      new TypeError("stream.scan(init, f): f must be a function, got object"),
    );
    expect(() => s.skipWhile(undefined as never)).toThrow(
      new TypeError("stream.skipWhile(pred): pred must be a function, got undefined"),
    );
    expect(() => s.chain([1, 2] as never)).toThrow(
      /stream\.chain\(other\): other must be a stream, got object \(an iterable: wrap it with iter/,
    );
  });
});

describe("in a runtime", () => {
  /** A stream of `n` items, each after `ms` of sleep: one timer armed while it waits. */
  const slow = (n: number, ms: number) =>
    iter(Array.from({ length: n }, (_, i) => i)).andThen((x) =>
      asyncBlock(function* () {
        yield* sleep(ms);
        return x;
      }),
    );

  it("a task reading chain, inspect, skipWhile, enumerate and scan over timers, aborted after any number of items, leaves no live timer", async () => {
    for (let k = 0; k <= 5; k++) {
      const rt = new Runtime({ clock: "paused" });
      const got: number[] = [];
      const h = rt.spawn(
        asyncBlock(function* () {
          // A stream held in a local is released by `using` when the task is torn down.
          using s = slow(3, 100)
            .chain(slow(3, 100))
            .inspect(() => {})
            .skipWhile(() => false)
            .enumerate()
            .scan(0, (acc, [, x]) => [acc + x, acc + x]);
          for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) got.push(v);
        }),
      );
      // Let it take k items, then abort while the next sleep is armed.
      while (got.length < k) await rt.spawn(sleep(50));
      h.abort();
      await expect(h).rejects.toThrow(/cancelled/);
      expect(got).toEqual([0, 1, 3, 3, 4].slice(0, got.length));
      expect(rt.metrics().liveTimers).toBe(0);
      expect(rt.metrics().liveTasks).toBe(0);
      await rt.shutdown();
    }
  });
});
