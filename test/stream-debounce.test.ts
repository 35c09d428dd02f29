/**
 * `stream.debounce(ms)` on the paused clock: the last item of each burst goes out `ms` after it,
 * the ones it replaced are let go (disposed if `OWNED`); at the end of the stream the item held
 * goes out at once; an error passes at once and the held item stays; an item ready in the turn a
 * quiet period ends starts it over; the timer leaves the wheel; a model over random arrivals;
 * bad `ms` refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DONE,
  Instant,
  mpsc,
  OWNED,
  Runtime,
  receiverStream,
  run,
  select,
  sleep,
  spawn,
  streamPollFn,
} from "../src/index.js";

const PAUSED = { clock: "paused" as const };

/** A stream of `items`, each sent at its time (ms from the start); it ends after the last. */
function timed<T>(items: [number, T][]) {
  const [tx, rx] = mpsc.unboundedChannel<T>();
  spawn(
    asyncBlock(function* feeder() {
      const start = Instant.now();
      for (const [at, item] of items) {
        const wait = at - start.elapsed();
        if (wait > 0) yield* sleep(wait);
        tx.send(item);
      }
      tx.close();
    }),
  );
  return receiverStream(rx);
}

describe("stream.debounce(ms)", () => {
  it("two bursts: each one's last item goes out 250 ms after it, and the end comes after the last", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const s = timed([
          [0, "b"],
          [50, "br"],
          [100, "bri"],
          [400, "brig"],
          [450, "briga"],
        ]).debounce(250);
        const seen: string[] = [];
        for (let x = yield* s.next(); x !== DONE; x = yield* s.next()) {
          seen.push(`${x}@${start.elapsed()}`);
        }
        return seen;
      }),
      PAUSED,
    );
    // "briga" is held when the stream ends at 450: it goes out then, not at 700.
    expect(out).toEqual(["bri@350", "briga@450"]);
  });

  it("a stream that stays open: the last item goes out after the quiet period, and the timer then leaves the wheel", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        const [tx, rx] = mpsc.unboundedChannel<number>();
        using s = receiverStream(rx).debounce(100);
        tx.send(1);
        tx.send(2);
        const first = yield* s.next();
        const at = start.elapsed();
        const timers = Runtime.current().metrics().liveTimers;
        tx.close();
        return { first, at, timers, end: yield* s.next() };
      }),
      PAUSED,
    );
    expect(out).toEqual({ first: 2, at: 100, timers: 0, end: DONE });
  });

  it("replaced items that are OWNED are disposed; so is one held when the stream is dropped", async () => {
    const disposed: number[] = [];
    const mk = (n: number) => ({
      n,
      [OWNED]: true as const,
      [Symbol.dispose]() {
        disposed.push(n);
      },
    });
    const got = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.unboundedChannel<ReturnType<typeof mk>>();
        const s = receiverStream(rx).debounce(100);
        for (const n of [1, 2, 3]) tx.send(mk(n));
        const x = yield* s.next();
        tx.send(mk(4));
        tx.send(mk(5));
        // The stream takes 4 and 5 (4 is let go) and holds 5 while its quiet runs; the sleep wins.
        const raced = yield* select(s.next(), sleep(10));
        expect(raced.index).toBe(1);
        raced.rest[Symbol.dispose](); // the next() only: the stream keeps 5
        s[Symbol.dispose]();
        return x === DONE ? -1 : x.n;
      }),
      PAUSED,
    );
    expect(got).toBe(3);
    expect(disposed.sort()).toEqual([1, 2, 4, 5]);
  });

  it("an error passes at once, and the item held before it still goes out after the quiet", async () => {
    const out = await run(
      asyncBlock(function* () {
        const start = Instant.now();
        let step = 0;
        const src = streamPollFn<string>(() => {
          step++;
          if (step === 1) return "a";
          if (step === 2) throw new Error("bad key");
          return DONE;
        });
        const s = src.debounce(100);
        const seen: string[] = [];
        try {
          yield* s.next();
        } catch (e) {
          seen.push(`${(e as Error).message}@${start.elapsed()}`);
        }
        const x = yield* s.next();
        seen.push(`${String(x)}@${start.elapsed()}`);
        return seen;
      }),
      PAUSED,
    );
    // "a" held, the error passes at 0; then the end comes: "a" goes out at once.
    expect(out).toEqual(["bad key@0", "a@0"]);
  });

  it("matches a model: for random arrivals, each item followed by quiet (or by the end) goes out then", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 15 }),
        fc.integer({ min: 1, max: 50 }),
        async (gaps, ms) => {
          // An item that comes in the very millisecond a quiet period ends may go either way (it
          // depends on which task the wheel wakes first): the model leaves that tie out.
          fc.pre(gaps.every((g) => g !== ms));
          const times: number[] = [];
          let t = 0;
          for (const g of gaps) times.push((t += g));
          const items = times.map((at, i): [number, number] => [at, i]);
          const expected: string[] = [];
          for (let i = 0; i < times.length; i++) {
            const next = times[i + 1];
            if (next === undefined) expected.push(`${i}@${times[i]}`);
            else if (next - times[i]! >= ms) expected.push(`${i}@${times[i]! + ms}`);
          }
          const got = await run(
            asyncBlock(function* () {
              const start = Instant.now();
              const s = timed(items).debounce(ms);
              const seen: string[] = [];
              for (let x = yield* s.next(); x !== DONE; x = yield* s.next()) {
                seen.push(`${x}@${start.elapsed()}`);
              }
              return seen;
            }),
            PAUSED,
          );
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("bad ms is refused with the method's name", async () => {
    const [, rx] = mpsc.unboundedChannel<number>();
    expect(() => receiverStream(rx).debounce(-1)).toThrow(/stream\.debounce\(ms\): ms/);
  });
});
