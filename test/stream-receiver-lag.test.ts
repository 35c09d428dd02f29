/**
 * `receiverStream(rx, { lagged })`: what a broadcast receiver's stream does when the board
 * overwrote messages it had not read. By default `next()` throws the lag once and goes on; with
 * `"skip"` or a callback the stream steps over it and yields the oldest message still kept.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  broadcast,
  DONE,
  mpsc,
  RecvLaggedError,
  race,
  receiverStream,
  run,
  StreamMap,
  sleep,
  spawn,
} from "../src/index.js";

/** A board of capacity 2 with five messages sent before the receiver reads any. */
function lateSubscriber() {
  const [tx, rx] = broadcast.channel<number>(2);
  for (let i = 1; i <= 5; i++) tx.send(i);
  tx.close();
  return rx;
}

describe("receiverStream and a broadcast lag", () => {
  it("by default next() throws the lag with how many were missed, then the stream goes on from the oldest kept", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const s = receiverStream(lateSubscriber());
        const out: (number | string)[] = [];
        for (;;) {
          try {
            const v = yield* s.next();
            if (v === DONE) return out;
            out.push(v);
          } catch (e) {
            if (!(e instanceof RecvLaggedError)) throw e;
            out.push(`lagged ${e.skipped}`);
          }
        }
      }),
    );
    expect(seen).toEqual(["lagged 3", 4, 5]);
  });

  it('with lagged: "skip" the stream yields the oldest kept message and never throws', async () => {
    const seen = await run(
      asyncBlock(function* () {
        return yield* receiverStream(lateSubscriber(), { lagged: "skip" }).collect();
      }),
    );
    expect(seen).toEqual([4, 5]);
  });

  it("with a callback the stream tells it how many were missed, once per lag, then yields the next kept message", async () => {
    const missed: number[] = [];
    const seen = await run(
      asyncBlock(function* () {
        const [tx, rx] = broadcast.channel<number>(2);
        const s = receiverStream(rx, { lagged: (n) => missed.push(n) });
        const out: number[] = [];
        for (let i = 1; i <= 5; i++) tx.send(i); // 1..3 overwritten
        const first = yield* s.next();
        if (first === DONE) throw new Error("the stream ended early");
        out.push(first);
        for (let i = 6; i <= 10; i++) tx.send(i); // 5..8 overwritten
        tx.close();
        for (;;) {
          const v = yield* s.next();
          if (v === DONE) return out;
          out.push(v);
        }
      }),
    );
    expect(seen).toEqual([4, 9, 10]);
    expect(missed).toEqual([3, 4]);
  });

  it("a callback that throws makes next() throw its error, and the stream still goes on past the lag", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const s = receiverStream(lateSubscriber(), {
          lagged: (n) => {
            throw new Error(`too slow by ${n}`);
          },
        });
        const out: (number | string)[] = [];
        for (;;) {
          try {
            const v = yield* s.next();
            if (v === DONE) return out;
            out.push(v);
          } catch (e) {
            out.push((e as Error).message);
          }
        }
      }),
    );
    expect(seen).toEqual(["too slow by 3", 4, 5]);
  });

  it("a native for await over a skipping stream reads to the end where the default one stops at the lag", async () => {
    const skipping: number[] = [];
    for await (const v of receiverStream(lateSubscriber(), { lagged: "skip" })) skipping.push(v);
    expect(skipping).toEqual([4, 5]);

    const plain: number[] = [];
    await expect(
      (async () => {
        for await (const v of receiverStream(lateSubscriber())) plain.push(v);
      })(),
    ).rejects.toBeInstanceOf(RecvLaggedError);
    expect(plain).toEqual([]);
  });

  it("a subscriber in a StreamMap with a skipping stream keeps reading a fast board beside a command stream, missing only what was overwritten", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [news, newsRx] = broadcast.channel<string>(1);
        const [cmds, cmdsRx] = mpsc.channel<string>(4);
        const subs = new StreamMap<string, string>();
        subs.insert("news", receiverStream(newsRx, { lagged: "skip" }));
        const out: string[] = [];
        // The publisher sends two per millisecond into a board of one: every other one is lost.
        const publisher = spawn(
          asyncBlock(function* () {
            for (let i = 1; i <= 6; i += 2) {
              news.send(`n${i}`);
              news.send(`n${i + 1}`);
              yield* sleep(1);
            }
            yield* cmds.send("quit");
          }),
        );
        for (;;) {
          const w = yield* race.named({ msg: subs.next(), cmd: cmdsRx.recv() });
          if (w.key === "cmd") break;
          if (w.value !== DONE) out.push(w.value[1]);
        }
        yield* publisher;
        return out;
      }),
      { clock: "paused" },
    );
    expect(got).toEqual(["n2", "n4", "n6"]);
  });

  it("an mpsc receiver stream is unchanged by the option: every message, then the end", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(8);
        for (let i = 0; i < 5; i++) tx.trySend(i);
        tx.close();
        return yield* receiverStream(rx, { lagged: "skip" }).collect();
      }),
    );
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it("an unknown lagged option is a TypeError naming the option and the choices", () => {
    const [, rx] = broadcast.channel<number>(2);
    expect(() => receiverStream(rx, { lagged: "drop" as never })).toThrow(
      new TypeError(
        `receiverStream(rx, options): options.lagged must be "throw", "skip" or a function, got string 'drop'`,
      ),
    );
  });

  it("disposing a skipping stream closes its receiver, so the board keeps nothing for it", () => {
    const [tx, rx] = broadcast.channel<number>(4);
    const s = receiverStream(rx, { lagged: "skip" });
    tx.send(1);
    s[Symbol.dispose]();
    expect(tx.receiverCount()).toBe(0);
  });
});
