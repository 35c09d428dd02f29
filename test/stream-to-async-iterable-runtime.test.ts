/**
 * `toAsyncIterable(stream, { runtime })`: a native `for await` whose stream is polled by a task of
 * the runtime given, so its timers run on that runtime's clock (a paused one in tests) rather
 * than on the real clock of a runtime made for the loop.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  interval,
  intervalStream,
  iter,
  Runtime,
  RuntimeStateError,
  sleep,
  toAsyncIterable,
} from "../src/index.js";

describe("toAsyncIterable with a runtime", () => {
  it("a native for await over a stream of timed items runs on the given paused runtime's clock", async () => {
    const rt = new Runtime({ clock: "paused" });
    const seen: number[] = [];
    const slow = iter([1, 2, 3]).andThen((n) =>
      asyncBlock(function* () {
        yield* sleep(60_000); // a minute each: only a paused clock gets through this in a test
        return n;
      }),
    );
    for await (const n of toAsyncIterable(slow, { runtime: rt })) seen.push(n, rt.now());
    expect(seen).toEqual([1, 60_000, 2, 120_000, 3, 180_000]);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("leaving the loop early disposes the stream and ends the pump task on that runtime", async () => {
    const rt = new Runtime({ clock: "paused" });
    const ticks: number[] = [];
    for await (const _ of toAsyncIterable(intervalStream(interval(1000)), { runtime: rt })) {
      ticks.push(rt.now());
      if (ticks.length === 3) break;
    }
    expect(ticks).toEqual([0, 1000, 2000]);
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveTasks).toBe(0);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("the runtime's shutdown cuts a loop short: it fails with a RuntimeStateError, not a quiet end", async () => {
    const rt = new Runtime({ clock: "paused" });
    const never = iter([1]).andThen(() =>
      asyncBlock(function* () {
        yield* sleep(1000);
        return yield* asyncBlock(function* () {
          for (;;) yield* sleep(1_000_000);
        });
      }),
    );
    const loop = (async () => {
      const got: number[] = [];
      for await (const n of toAsyncIterable(never, { runtime: rt })) got.push(n);
      return got;
    })();
    await new Promise((r) => setImmediate(r));
    await rt.shutdown();
    await expect(loop).rejects.toThrow(
      new RuntimeStateError(
        "for await over a stream: the runtime polling it shut down before the stream ended",
      ),
    );
  });

  it("over a runtime already shut down, the loop fails at once, and so does every later next()", async () => {
    const rt = new Runtime();
    await rt.shutdown();
    const it = toAsyncIterable(iter([1, 2]), { runtime: rt });
    await expect(it.next()).rejects.toBeInstanceOf(RuntimeStateError);
    await expect(it.next()).rejects.toBeInstanceOf(RuntimeStateError);
  });

  it("a stream that ends, and a loop left by break, still end quietly on the given runtime", async () => {
    const rt = new Runtime();
    const all: number[] = [];
    for await (const n of toAsyncIterable(iter([1, 2, 3]), { runtime: rt })) all.push(n);
    const first: number[] = [];
    for await (const n of toAsyncIterable(iter([4, 5, 6]), { runtime: rt })) {
      first.push(n);
      break;
    }
    expect({ all, first }).toEqual({ all: [1, 2, 3], first: [4] });
    await rt.shutdown();
  });

  it("a runtime option that is not a Runtime is a TypeError naming the option", () => {
    expect(() => toAsyncIterable(iter([1]), { runtime: {} as never })).toThrow(
      new TypeError(
        "toAsyncIterable(stream, options): options.runtime must be a Runtime, got an object",
      ),
    );
  });
});
