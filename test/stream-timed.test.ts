/**
 * The timed adapters (`timeout`, `throttle`, `chunksTimeout`), on the paused clock: what comes out
 * and when, and that each releases its one timer when it ends or is dropped.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DONE,
  Instant,
  iter,
  mpsc,
  PENDING,
  pollProceed,
  Runtime,
  receiverStream,
  run,
  StreamBase,
  type StreamPoll,
  select,
  sleep,
  spawn,
  time,
  yieldNow,
} from "../src/index.js";

/** A stream of `items`, each sent at its time (ms after the start), then closed at `endAt`. */
function timedSource(items: [number, string][], endAt: number): StreamBase<string> {
  const [tx, rx] = mpsc.unboundedChannel<string>();
  spawn(
    asyncBlock(function* () {
      const start = Instant.now();
      for (const [at, item] of items) {
        yield* sleep(at - start.elapsed());
        tx.send(item);
      }
      yield* sleep(endAt - start.elapsed());
      tx.close();
    }),
  );
  return receiverStream(rx);
}

/** Drain `s`, noting each item (or the name of each error) with the time it came. */
const drain = <T>(s: StreamBase<T>) =>
  asyncBlock(function* () {
    const start = Instant.now();
    const seen: string[] = [];
    for (;;) {
      try {
        const v = yield* s.next();
        if (v === DONE) break;
        seen.push(`${start.elapsed()}: ${JSON.stringify(v)}`);
      } catch (e) {
        seen.push(`${start.elapsed()}: ${(e as Error).name}`);
      }
    }
    seen.push(`${start.elapsed()}: end`);
    return seen;
  });

describe("stream.timeout(ms)", () => {
  it("throws one TimeoutError per silence longer than ms, and goes on with the next item", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const s = timedSource(
          [
            [10, "a"],
            [20, "b"],
            [150, "c"],
          ],
          160,
        ).timeout(30);
        return yield* drain(s);
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual([
      '10: "a"',
      '20: "b"',
      "50: TimeoutError", // 30 ms after b, and only once until c
      '150: "c"',
      "160: end", // the senders are gone before c's period ends
    ]);
  });

  it("the first period starts at the first poll, not when the stream was made", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const s = timedSource([[145, "late"]], 145).timeout(40);
        yield* sleep(100); // made at 0, first polled at 100
        return yield* drain(s);
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual(["40: TimeoutError", '45: "late"', "45: end"]);
  });
});

describe("stream.throttle(ms)", () => {
  it("hands out the first item at once and each next one ms after the previous", async () => {
    const seen = await run(
      asyncBlock(function* () {
        return yield* drain(iter(["x", "y", "z"]).throttle(100));
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual(['0: "x"', '100: "y"', '200: "z"', "300: end"]);
  });

  it("does not delay an item that comes later than ms anyway", async () => {
    const seen = await run(
      asyncBlock(function* () {
        return yield* drain(
          timedSource(
            [
              [0, "x"],
              [250, "y"],
            ],
            250,
          ).throttle(100),
        );
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual(['0: "x"', '250: "y"', "350: end"]);
  });
});

describe("stream.chunksTimeout(n, ms)", () => {
  it("a chunk goes when full, or when its first item has waited ms; the rest at the end", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const s = timedSource(
          [
            [0, "a"],
            [10, "b"],
            [20, "c"], // full: [a, b, c] at 20
            [30, "d"], // alone: goes at 30 + 50 = 80
            [200, "e"],
            [210, "f"], // the end at 220 flushes [e, f]
          ],
          220,
        ).chunksTimeout(3, 50);
        return yield* drain(s);
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual(['20: ["a","b","c"]', '80: ["d"]', '220: ["e","f"]', "220: end"]);
  });
});

describe("the timed adapters' timer", () => {
  it("is released when the adapter is dropped while it waits, and when the stream ends", async () => {
    const rt = new Runtime({ clock: "paused" });
    const timers = await rt.spawn(
      asyncBlock(function* () {
        const counts: number[] = [];
        const [tx, rx] = mpsc.channel<number>(4);
        tx.trySend(1);
        const batches = receiverStream(rx).chunksTimeout(4, 1000);
        // The chunk [1] waits for more, its timer armed; the sleep wins the select.
        using first = yield* select(batches.next(), sleep(1));
        expect(first.index).toBe(1);
        counts.push(Runtime.current().metrics().liveTimers);
        batches[Symbol.dispose]();
        counts.push(Runtime.current().metrics().liveTimers);
        yield* iter([1, 2]).throttle(10).collect();
        yield* iter([1, 2]).timeout(10).collect();
        counts.push(Runtime.current().metrics().liveTimers);
        return counts;
      }),
    );
    expect(timers).toEqual([1, 0, 0]);
    await rt.shutdown();
  });

  it("bad periods are refused by name", () => {
    expect(() => iter([1]).timeout(-1)).toThrow(RangeError);
    expect(() => iter([1]).throttle("5" as never)).toThrow(TypeError);
    expect(() => iter([1]).chunksTimeout(2, Number.POSITIVE_INFINITY)).toThrow(
      new RangeError("stream.chunksTimeout(n, ms): ms must be finite, got Infinity"),
    );
    expect(() => iter([1]).chunksTimeout(0, 10)).toThrow(RangeError);
  });
});

describe("a timed adapter torn down by its consumer", () => {
  it("an aborted task collecting a throttled stream leaves no timer behind", async () => {
    const rt = new Runtime({ clock: "paused" });
    const left = await rt.spawn(
      asyncBlock(function* () {
        const h = spawn(iter([1, 2, 3]).throttle(1000).collect());
        yield* sleep(10); // the collect rests between items, its timer armed
        const armed = Runtime.current().metrics().liveTimers;
        h.abort();
        yield* sleep(1);
        return [armed, Runtime.current().metrics().liveTimers];
      }),
    );
    expect(left).toEqual([1, 0]);
    await rt.shutdown();
  });
});

describe("the timed adapters against a busy upstream", () => {
  /** An item on every poll that has budget, as a full channel gives; 0 first, then ones dropped. */
  class Busy extends StreamBase<number> {
    i = 0;
    pollNext(cx: Context): StreamPoll<number> {
      if (!pollProceed(cx)) return PENDING;
      return this.i++;
    }
  }

  it("an upstream that spends the whole budget on every poll still sees its deadline pass", async () => {
    const got = await run(
      asyncBlock(function* () {
        // The consumer never idles, so the paused clock does not move by itself: another task
        // moves it while the consumer yields at the end of each budget.
        const consumer = spawn(
          asyncBlock(function* () {
            const out: string[] = [];
            const timed = new Busy().filter((x) => x === 0).timeout(50);
            out.push(String(yield* timed.next()));
            try {
              yield* timed.next();
              out.push("no timeout");
            } catch (e) {
              out.push((e as Error).name);
            }
            timed[Symbol.dispose]();
            const chunks = new Busy().filter((x) => x === 0).chunksTimeout(10, 50);
            out.push(JSON.stringify(yield* chunks.next()));
            chunks[Symbol.dispose]();
            return out;
          }),
        );
        yield* yieldNow();
        yield* time.advance(60); // past the timeout's deadline
        yield* yieldNow();
        yield* time.advance(60); // past the chunk's
        return yield* consumer;
      }),
      { clock: "paused" },
    );
    expect(got).toEqual(["0", "TimeoutError", "[0]"]);
  });
});

describe("chunksTimeout after a full chunk", () => {
  it("holds no timer while no chunk is open, and the next chunk's period starts with its first item", async () => {
    const rt = new Runtime({ clock: "paused" });
    const seen = await rt.spawn(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        const s = receiverStream(rx).chunksTimeout(2, 1000);
        tx.send(1);
        using waiting = yield* select(s.next(), sleep(10)); // [1] waits, its timer armed
        tx.send(2);
        const first = yield* waiting.rest; // full: [1, 2]
        const timersAfterFull = Runtime.current().metrics().liveTimers;
        yield* sleep(2000);
        tx.send(3);
        const start = Instant.now();
        const second = yield* s.next();
        const after = start.elapsed();
        s[Symbol.dispose]();
        return { first, timersAfterFull, second, after };
      }),
    );
    expect(seen).toEqual({ first: [1, 2], timersAfterFull: 0, second: [3], after: 1000 });
    await rt.shutdown();
  });
});
