/**
 * The timed adapters when the upstream throws. An error a stream throws is handed out in place of
 * an item (src/stream/stream.ts), which is what tokio-stream's adapters see when a stream of
 * `Result`s yields an `Err`: an item like any other. So, as there, an error starts `timeout`'s
 * next period (it is not silence) and makes `throttle` rest before pulling again; `chunksTimeout`
 * passes it on at once. On the paused clock.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DONE,
  Instant,
  mpsc,
  Runtime,
  receiverStream,
  type StreamBase,
  sleep,
  spawn,
} from "../src/index.js";

/** Items sent at their times (ms after the start), closed at `endAt`; "err…" items are thrown. */
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
  return receiverStream(rx).map((x) => {
    if (x.startsWith("err")) throw new Error(x);
    return x;
  });
}

/** Drain `s`, noting each item (or each error's name and message) with the time it came. */
const drain = <T>(s: StreamBase<T>) =>
  asyncBlock(function* () {
    const start = Instant.now();
    const seen: string[] = [];
    for (;;) {
      try {
        const v = yield* s.next();
        if (v === DONE) break;
        seen.push(`${start.elapsed()}: ${String(v)}`);
      } catch (e) {
        seen.push(`${start.elapsed()}: ${(e as Error).name} ${(e as Error).message}`);
      }
    }
    seen.push(`${start.elapsed()}: end`);
    return seen;
  });

async function onPausedClock(body: () => StreamBase<unknown>): Promise<string[]> {
  const rt = new Runtime({ clock: "paused" });
  const seen = await rt.spawn(
    asyncBlock(function* () {
      return yield* drain(body());
    }),
  );
  expect(rt.metrics().liveTimers).toBe(0);
  await rt.shutdown();
  return seen;
}

describe("the timed adapters over an upstream that throws", () => {
  it("timeout(50): an item at 10, an error at 40, then silence: the TimeoutError comes 50 ms after the error (at 90), not after the item (at 60)", async () => {
    const seen = await onPausedClock(() =>
      timedSource(
        [
          [10, "a"],
          [40, "err-b"],
        ],
        200,
      ).timeout(50),
    );
    expect(seen).toEqual([
      "10: a",
      "40: Error err-b",
      "90: TimeoutError stream.timeout(50): no item came within 50 ms",
      "200: end",
    ]);
  });

  it("throttle(50): an item at 0, an error waiting, an item waiting: the error comes at 50 and the next item 50 ms after it, at 100", async () => {
    const seen = await onPausedClock(() =>
      timedSource(
        [
          [0, "a"],
          [10, "err-b"],
          [20, "c"],
        ],
        30,
      ).throttle(50),
    );
    expect(seen).toEqual(["0: a", "50: Error err-b", "100: c", "150: end"]);
  });

  it("chunksTimeout(3, 50): an error amid a chunk first hands out the items gathered before it, then the error, and a new chunk starts after it", async () => {
    const seen = await onPausedClock(() =>
      timedSource(
        [
          [0, "a"],
          [10, "err-b"],
          [20, "c"],
        ],
        200,
      ).chunksTimeout(3, 50),
    );
    expect(seen).toEqual(["10: a", "10: Error err-b", "70: c", "200: end"]);
  });
});
