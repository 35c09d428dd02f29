/**
 * `flattenUnordered(limit)` and `flatMapUnordered(limit, f)`: a stream of streams merged as they
 * come. Against a model (fast-check: random inner streams with items, errors and PENDING at random
 * points, random outer errors, random limits): every item of every inner stream comes out, each
 * inner stream's in its own order, its errors in their places (an error is an item: the stream goes
 * on); an outer error comes out and the pulling goes on; never more than `limit` inner streams are
 * in flight;
 * every stream is disposed once and never polled after. On the paused clock, inner streams that
 * wake at different times come out in time order. Fairness and bounded work: only woken inner
 * streams are polled, one that is always ready cannot starve the others, and a poll gives the task
 * back after a bounded number of items. Aborting a reader at any point leaves no live timer or
 * waiter, and cleanups that await finish before the handle reports cancelled.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  Context,
  DESCRIBE,
  type Description,
  DONE,
  Instant,
  iter,
  mpsc,
  OWNED,
  PENDING,
  Runtime,
  receiverStream,
  type Stream,
  StreamBase,
  type StreamPoll,
  sleep,
  Waker,
} from "../src/index.js";
import { YIELD_EVERY } from "../src/stream/flatten-unordered.js";

/** An item, or an error in its place. */
type Entry = { ok: number } | { err: string };

/** How many inner streams are in flight now, and the most there ever were. */
class Gauge {
  now = 0;
  max = 0;
  up(): void {
    this.now++;
    this.max = Math.max(this.max, this.now);
  }
  down(): void {
    this.now--;
  }
}

/**
 * A stream of entries that answers PENDING (after waking its poller) before the flagged ones,
 * counting its polls and disposals; `gauge` counts it in flight from its first poll to its disposal.
 */
class Source<T = number> extends StreamBase<T> {
  private i = 0;
  private stalled = false;
  polls = 0;
  drops = 0;
  pollsAfterDispose = 0;
  private counted = false;
  constructor(
    private readonly entries: ({ ok: T } | { err: string })[],
    private readonly stalls: boolean[] = [false],
    private readonly gauge: Gauge | null = null,
  ) {
    super();
  }
  pollNext(cx: Context): StreamPoll<T> {
    this.polls++;
    if (this.gauge !== null && !this.counted) {
      this.counted = true;
      this.gauge.up();
    }
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
    if (this.drops === 1 && this.counted) this.gauge?.down();
  }
}

/** Poll `s` by hand until DONE; a PENDING must come with a wake, or the reader would hang. */
function drain<T>(s: Stream<T>, onPoll: () => void = () => {}, limit = 20_000): unknown[] {
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
    } finally {
      onPoll();
    }
    if (r === DONE) {
      expect(s.pollNext(cx)).toBe(DONE);
      return out;
    }
    if (r === PENDING) {
      expect(woken, "a PENDING answer came without a wake: the reader would hang").toBeGreaterThan(
        0,
      );
      continue;
    }
    out.push({ ok: r });
  }
  throw new Error(`no DONE after ${limit} polls`);
}

/** An inner stream's plan: its entries (items tagged with its id) and where it stalls. */
interface InnerPlan {
  values: (number | null)[]; // null: an error in that place
  stalls: boolean[];
}
type OuterEntry = { inner: InnerPlan } | { err: string };

const innerArb: fc.Arbitrary<InnerPlan> = fc.record({
  values: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 99 }) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    { maxLength: 6 },
  ),
  stalls: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
});
const outerArb = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: innerArb.map((inner): OuterEntry => ({ inner })) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 9 }).map((n): OuterEntry => ({ err: `outer ${n}` })),
    },
  ),
  { maxLength: 8 },
);
const limitArb = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(undefined));

/** Inner stream `id`'s entries: items are `id * 1000 + value`, errors say which stream. */
function innerEntries(id: number, plan: InnerPlan): Entry[] {
  return plan.values.map((v, j) =>
    v === null ? { err: `inner ${id} at ${j}` } : { ok: id * 1000 + v },
  );
}

/** What the model says comes out: per inner stream, in order; plus the outer error, if any. */
function model(outer: OuterEntry[], fThrows: (id: number) => boolean = () => false) {
  const perInner = new Map<number, Entry[]>();
  const loose: Entry[] = [];
  for (let id = 0; id < outer.length; id++) {
    const o = outer[id]!;
    if ("err" in o) {
      loose.push(o); // an item of the flattened stream: the pulling goes on
      continue;
    }
    if (fThrows(id)) {
      loose.push({ err: `f ${id}` });
      continue;
    }
    const entries = innerEntries(id, o.inner);
    if (entries.length > 0) perInner.set(id, entries);
  }
  return { perInner, loose };
}

/** Split what came out by inner stream (by item tag, or by the stream an error names). */
function split(out: unknown[]) {
  const perInner = new Map<number, Entry[]>();
  const loose: Entry[] = [];
  for (const o of out as Entry[]) {
    const id = "ok" in o ? Math.floor(o.ok / 1000) : /^inner (\d+)/.exec(o.err)?.[1];
    if (id === undefined) {
      loose.push(o);
      continue;
    }
    const k = Number(id);
    if (!perInner.has(k)) perInner.set(k, []);
    perInner.get(k)!.push(o);
  }
  return { perInner, loose };
}

/**
 * The outer stream of the model tests: its entries in order (PENDING before the flagged ones), an
 * inner stream made by `make` only when it is handed out, an error thrown in place of the others.
 */
class Outer<T> extends StreamBase<T> {
  private readonly source: Source<number>;
  constructor(
    outer: OuterEntry[],
    private readonly make: (id: number) => T,
    stalls: boolean[],
  ) {
    super();
    this.source = new Source(
      outer.map((o, id) => ("err" in o ? o : { ok: id })),
      stalls,
    );
  }
  get drops(): number {
    return this.source.drops;
  }
  get pollsAfterDispose(): number {
    return this.source.pollsAfterDispose;
  }
  pollNext(cx: Context): StreamPoll<T> {
    const r = this.source.pollNext(cx);
    return r === PENDING || r === DONE ? r : this.make(r);
  }
  override [Symbol.dispose](): void {
    this.source[Symbol.dispose]();
  }
}

function outerSource(
  outer: OuterEntry[],
  make: (id: number, plan: InnerPlan) => unknown,
  stalls: boolean[],
): Outer<unknown> {
  return new Outer(outer, (id) => make(id, (outer[id] as { inner: InnerPlan }).inner), stalls);
}

describe("flattenUnordered and flatMapUnordered against a model", () => {
  it("flattenUnordered hands out every inner stream's entries in its own order, errors included, never over the limit", () => {
    fc.assert(
      fc.property(
        outerArb,
        limitArb,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
        (outer, limit, outerStalls) => {
          const gauge = new Gauge();
          const inners: Source[] = [];
          const src = outerSource(
            outer,
            (id, plan) => {
              const s = new Source(innerEntries(id, plan), plan.stalls, gauge);
              inners.push(s);
              return s;
            },
            outerStalls,
          );
          const flat = (src as unknown as StreamBase<Stream<number>>).flattenUnordered(limit);
          const out = drain(flat);
          expect(split(out)).toEqual(model(outer));
          expect(gauge.max).toBeLessThanOrEqual(limit ?? Number.POSITIVE_INFINITY);
          expect(src.drops).toBe(1);
          // Every inner stream the outer one handed out was disposed once, and never polled after.
          expect(inners.map((s) => s.drops)).toEqual(inners.map(() => 1));
          expect(inners.reduce((n, s) => n + s.pollsAfterDispose, 0) + src.pollsAfterDispose).toBe(
            0,
          );
        },
      ),
    );
  });

  it("flatMapUnordered does the same through f, and a throw from f is only that item's: the outer stream goes on", () => {
    fc.assert(
      fc.property(outerArb, limitArb, fc.integer({ min: 0, max: 4 }), (outer, limit, t) => {
        const fThrows = (id: number) => t > 0 && id % t === 0;
        const gauge = new Gauge();
        const inners: Source[] = [];
        const src = outerSource(outer, (id) => id, [false]);
        const flat = (src as unknown as StreamBase<number>).flatMapUnordered(limit, (id) => {
          if (fThrows(id)) throw new Error(`f ${id}`);
          const plan = (outer[id] as { inner: InnerPlan }).inner;
          const s = new Source(innerEntries(id, plan), plan.stalls, gauge);
          inners.push(s);
          return s;
        });
        expect(split(drain(flat))).toEqual(model(outer, fThrows));
        expect(gauge.max).toBeLessThanOrEqual(limit ?? Number.POSITIVE_INFINITY);
        expect(inners.every((s) => s.drops === 1 && s.pollsAfterDispose === 0)).toBe(true);
        expect(src.drops).toBe(1);
      }),
    );
  });

  it("dropped after any number of polls, it disposes the outer stream and each inner stream in flight once", () => {
    fc.assert(
      fc.property(outerArb, limitArb, fc.nat(40), (outer, limit, k) => {
        const inners: Source[] = [];
        const src = outerSource(
          outer,
          (id, plan) => {
            const s = new Source(innerEntries(id, plan), plan.stalls);
            inners.push(s);
            return s;
          },
          [false],
        );
        const flat = (src as unknown as StreamBase<Stream<number>>).flattenUnordered(limit);
        const cx = new Context(Waker.from(() => {}));
        for (let i = 0; i < k; i++) {
          try {
            if (flat.pollNext(cx) === DONE) break;
          } catch {
            // an error in place of an item: go on
          }
        }
        flat[Symbol.dispose]();
        flat[Symbol.dispose]();
        expect(flat.pollNext(cx)).toBe(DONE);
        expect(src.drops).toBe(1);
        expect(inners.map((s) => s.drops)).toEqual(inners.map(() => 1));
        expect(inners.reduce((n, s) => n + s.pollsAfterDispose, 0) + src.pollsAfterDispose).toBe(0);
      }),
    );
  });
});

/** A stream that is always ready with `tag`, for ever; counts its polls. */
class Always extends StreamBase<string> {
  polls = 0;
  constructor(private readonly tag: string) {
    super();
  }
  pollNext(_cx: Context): StreamPoll<string> {
    this.polls++;
    return this.tag;
  }
}

/** A stream pending until `open()`, then ready with `tag` once, then done; counts its polls. */
class Door extends StreamBase<string> {
  polls = 0;
  private waker: Waker | null = null;
  private state: "shut" | "open" | "done" = "shut";
  constructor(private readonly tag: string) {
    super();
  }
  pollNext(cx: Context): StreamPoll<string> {
    this.polls++;
    if (this.state === "done") return DONE;
    if (this.state === "shut") {
      this.waker = cx.waker;
      return PENDING;
    }
    this.state = "done";
    return this.tag;
  }
  open(): void {
    this.state = "open";
    this.waker?.wake();
  }
}

describe("fairness and bounded work per poll", () => {
  it("only the inner streams that were woken are polled again", () => {
    const doors = Array.from({ length: 100 }, (_, i) => new Door(`d${i}`));
    const flat = iter(doors).flattenUnordered(undefined);
    const cx = new Context(Waker.from(() => {}));
    expect(flat.pollNext(cx)).toBe(PENDING);
    expect(doors.every((d) => d.polls === 1)).toBe(true);
    doors[42]!.open();
    expect(flat.pollNext(cx)).toBe("d42");
    // The woken one was polled again (and once more after its item); the 99 others were not.
    expect(doors.filter((d) => d.polls > 1).map((d) => d.polls)).toEqual([2]);
    expect(flat.pollNext(cx)).toBe(PENDING);
    expect(doors[42]!.polls).toBe(3);
    expect(doors.filter((d) => d.polls > 1).length).toBe(1);
  });

  it("an inner stream that is always ready does not starve one that wakes: its item comes next", () => {
    const always = new Always("a");
    const door = new Door("door");
    const flat = iter<Stream<string>>([always, door]).flattenUnordered(2);
    const cx = new Context(Waker.from(() => {}));
    const out: unknown[] = [];
    for (let i = 0; i < 10; i++) out.push(flat.pollNext(cx));
    door.open();
    for (let i = 0; i < 3; i++) out.push(flat.pollNext(cx));
    expect(out.slice(0, 10).every((x) => x === "a" || x === PENDING)).toBe(true);
    // The door rang while "a" was being served: it goes ahead of "a"'s next item.
    expect(out.slice(10)).toContain("door");
    expect(out.slice(10).indexOf("door")).toBeLessThanOrEqual(1);
  });

  it(`after ${YIELD_EVERY} items in a row it answers PENDING once, with its task already woken`, () => {
    const flat = iter([new Always("a")]).flattenUnordered(1);
    let woken = 0;
    const cx = new Context(Waker.from(() => woken++));
    let run = 0;
    const runs: number[] = [];
    for (let i = 0; i < 200; i++) {
      woken = 0;
      const r = flat.pollNext(cx);
      if (r === PENDING) {
        expect(woken).toBe(1);
        runs.push(run);
        run = 0;
      } else run++;
    }
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(runs.every((n) => n === YIELD_EVERY)).toBe(true);
  });

  it("an outer stream that is always ready with empty inner streams still gives the task back", () => {
    let made = 0;
    class EndlessEmpties extends StreamBase<Stream<number>> {
      pollNext(): StreamPoll<Stream<number>> {
        made++;
        return iter<number>([]);
      }
    }
    for (const limit of [1, 3, undefined]) {
      made = 0;
      let woken = 0;
      const cx = new Context(Waker.from(() => woken++));
      const r = new EndlessEmpties().flattenUnordered(limit).pollNext(cx);
      // One poll did a bounded amount of work, then came back with its task woken.
      expect(r).toBe(PENDING);
      expect(woken).toBe(1);
      expect(made).toBeGreaterThan(0);
      expect(made).toBeLessThanOrEqual(32 * 32);
    }
  });

  it("with no limit, an outer stream that is always ready is pulled a bounded number of times per poll", () => {
    let made = 0;
    class EndlessDoors extends StreamBase<Stream<string>> {
      pollNext(): StreamPoll<Stream<string>> {
        made++;
        return new Door("d");
      }
    }
    let woken = 0;
    const cx = new Context(Waker.from(() => woken++));
    const flat = new EndlessDoors().flattenUnordered();
    expect(flat.pollNext(cx)).toBe(PENDING);
    expect(woken).toBe(1);
    expect(made).toBeLessThanOrEqual(32 * 32);
    const first = made;
    expect(flat.pollNext(cx)).toBe(PENDING);
    expect(made).toBeGreaterThan(first); // it came back for more, as the wake promised
  });
});

/** Inner stream of the timed tests: `n` items named after it, each after `ms` of sleep. */
function ticks(name: string, n: number, ms: number): StreamBase<string> {
  return iter(Array.from({ length: n }, (_, i) => `${name}${i}`)).andThen((x) =>
    asyncBlock(function* () {
      yield* sleep(ms);
      return x;
    }),
  );
}

/** Counts a stream in flight from its first poll to its disposal (which it passes on). */
class Tracked<T> extends StreamBase<T> {
  private counted = false;
  constructor(
    private readonly inner: StreamBase<T>,
    private readonly gauge: Gauge,
  ) {
    super();
  }
  pollNext(cx: Context): StreamPoll<T> {
    if (!this.counted) {
      this.counted = true;
      this.gauge.up();
    }
    return this.inner.pollNext(cx);
  }
  override [Symbol.dispose](): void {
    if (this.counted) this.gauge.down();
    this.counted = false;
    this.inner[Symbol.dispose]();
  }
}

describe("on the paused clock", () => {
  it("inner streams that wake at different times come out in time order, at most limit at once", async () => {
    const rt = new Runtime({ clock: "paused" });
    const gauge = new Gauge();
    const plans: [string, number, number][] = [
      ["a", 2, 300],
      ["b", 2, 100],
      ["c", 1, 50],
      ["d", 2, 10],
    ];
    const out = await rt.spawn(
      asyncBlock(function* () {
        const start = Instant.now();
        using s = iter(plans).flatMapUnordered(
          2,
          ([name, n, ms]) => new Tracked(ticks(name, n, ms), gauge),
        );
        const got: string[] = [];
        for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) {
          got.push(`${v}@${Instant.now().since(start)} (${gauge.now} in flight)`);
        }
        return got;
      }),
    );
    // a and b start at 0; b ends at 200 and c starts; c ends at 250 and d starts; a ends at 600.
    expect(out).toEqual([
      "b0@100 (2 in flight)",
      "b1@200 (2 in flight)",
      "c0@250 (2 in flight)",
      "d0@260 (2 in flight)",
      "d1@270 (2 in flight)",
      "a0@300 (1 in flight)",
      "a1@600 (1 in flight)",
    ]);
    expect(gauge.max).toBe(2);
    expect(gauge.now).toBe(0);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });
});

describe("dropping it in a runtime", () => {
  it("a task reading flatMapUnordered over timers and channels, aborted after any number of items, leaves no live timer or waiter", async () => {
    for (let k = 0; k <= 6; k++) {
      const rt = new Runtime({ clock: "paused" });
      const got: string[] = [];
      // Channels whose senders stay open: their inner streams park as waiters for ever.
      const senders: mpsc.Sender<string>[] = [];
      const h = rt.spawn(
        asyncBlock(function* () {
          using s = iter([0, 1, 2, 3, 4]).flatMapUnordered(3, (i): Stream<string> => {
            if (i % 2 === 1) {
              const [tx, rx] = mpsc.channel<string>(1);
              senders.push(tx);
              return receiverStream(rx);
            }
            return ticks(`t${i}-`, 3, 100 * (i + 1));
          });
          for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) got.push(v);
        }),
      );
      // At least one step of the clock, so the task has parked on its timers and channels.
      do await rt.spawn(sleep(25));
      while (got.length < k);
      const m = rt.metrics();
      expect(m.liveTimers + m.liveWaiters).toBeGreaterThan(0);
      h.abort();
      await expect(h).rejects.toThrow(/cancelled/);
      expect(rt.metrics().liveTimers).toBe(0);
      expect(rt.metrics().liveWaiters).toBe(0);
      expect(rt.metrics().liveTasks).toBe(0);
      await rt.shutdown();
    }
  });

  it("an inner stream whose cleanup awaits finishes it before the aborted task's handle reports cancelled", async () => {
    const rt = new Runtime({ clock: "paused" });
    const events: string[] = [];
    const polite = (name: string) =>
      iter([name]).andThen((x) =>
        asyncBlock(function* () {
          try {
            yield* sleep(1_000_000);
            return x;
          } finally {
            events.push(`${x} cleanup started`);
            yield* sleep(10);
            events.push(`${x} cleanup finished`);
          }
        }),
      );
    const h = rt.spawn(iter(["a", "b"]).flatMapUnordered(2, polite).collect());
    await new Promise((r) => setImmediate(r));
    h.abort();
    await expect(h).rejects.toThrow(/cancelled/);
    events.push("handle reported cancelled");
    expect(events.slice().sort()).toEqual([
      "a cleanup finished",
      "a cleanup started",
      "b cleanup finished",
      "b cleanup started",
      "handle reported cancelled",
    ]);
    expect(events.at(-1)).toBe("handle reported cancelled");
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });
});

describe("errors and bad input", () => {
  const cx = new Context(Waker.from(() => {}));

  it("an inner stream that throws hands out its error as an item and goes on, as merge does", () => {
    const bad = new Source([{ ok: 1 }, { err: "burnt" }, { ok: 2 }]);
    const good = new Source([{ ok: 10 }, { ok: 11 }, { ok: 12 }]);
    const out = drain(iter<Stream<number>>([bad, good]).flattenUnordered(2));
    expect(out).toEqual([
      { ok: 1 },
      { ok: 10 },
      { err: "burnt" },
      { ok: 11 },
      { ok: 2 },
      { ok: 12 },
    ]);
    expect(bad.drops).toBe(1);
  });

  it("an outer stream that throws hands out its error as an item and goes on being pulled", () => {
    const a = new Source([{ ok: 1 }, { ok: 2 }], [true]);
    const outer = new Source<Stream<number>>([
      { ok: a },
      { err: "no more tables" },
      { ok: iter([99]) },
    ]);
    const out = drain(outer.flattenUnordered(undefined));
    expect(out).toContainEqual({ err: "no more tables" });
    expect(out.filter((o) => "ok" in (o as object))).toHaveLength(3);
    expect(out).toContainEqual({ ok: 99 });
    expect(outer.drops).toBe(1);
    expect(a.drops).toBe(1);
  });

  it("an outer item that is not a stream is handed out as a TypeError naming the rule, disposed if owned, and the rest go on", () => {
    class Ticket {
      readonly [OWNED] = true;
      drops = 0;
      [Symbol.dispose](): void {
        this.drops++;
      }
    }
    const ticket = new Ticket();
    const s = (
      iter<unknown>([iter([1]), ticket, iter([2])]) as StreamBase<Stream<number>>
    ).flattenUnordered(1);
    const out = drain(s);
    expect(out).toEqual([
      { ok: 1 },
      {
        err: "stream.flattenUnordered(limit): each item of the stream must be a stream, got object",
      },
      { ok: 2 },
    ]);
    expect(ticket.drops).toBe(1);
  });

  it("flatMapUnordered's f returning a non-stream is handed out as a TypeError, and the outer stream goes on", () => {
    const s = iter([1, 2, 3]).flatMapUnordered(1, (x) => (x === 2 ? ([x] as never) : iter([x])));
    expect(drain(s)).toEqual([
      { ok: 1 },
      {
        err: "stream.flatMapUnordered(limit, f): the value f returned must be a stream, got object (an iterable: wrap it with iter(iterable))",
      },
      { ok: 3 },
    ]);
  });

  it("bad limits and functions are refused with typed errors that name the argument", () => {
    const s = iter([iter([1])]);
    for (const bad of [0, -1, 1.5, Number.NaN, "2", null]) {
      expect(() => s.flattenUnordered(bad as never)).toThrow(
        new RangeError(
          `stream.flattenUnordered(limit): limit must be an integer of at least 1 (undefined or Infinity for no limit), got ${String(bad)}`,
        ),
      );
    }
    expect(() => iter([1]).flatMapUnordered(0, () => iter([1]))).toThrow(RangeError);
    expect(() => iter([1]).flatMapUnordered(2, "f" as never)).toThrow(
      new TypeError("stream.flatMapUnordered(limit, f): f must be a function, got string"),
    );
    // Refusing made nothing: the outer stream was not taken.
    expect(s.pollNext(cx)).not.toBe(DONE);
  });

  it("a dump shows the call with its limit, the inner streams in flight, then the outer stream", () => {
    const door = new Door("d");
    const outer = iter<Stream<string>>([door, new Door("e")]);
    const flat = outer.flattenUnordered(1);
    expect(flat.pollNext(cx)).toBe(PENDING);
    const d = flat[DESCRIBE]() as Description;
    expect(d.label).toBe("flattenUnordered(1)");
    expect(d.children).toHaveLength(2);
    const set = (d.children[0] as { [DESCRIBE](): Description })[DESCRIBE]();
    expect(set.label).toBe("FuturesUnordered (1 in flight)");
    const inner = (set.children[0] as { [DESCRIBE](): Description })[DESCRIBE]();
    expect(inner).toEqual({ label: "inner stream", children: [door] });
    expect(d.children[1]).toBe(outer);
  });
});
