/**
 * rx.recvMany(limit): a batch of what is ready, up to `limit`, once there is at least one message;
 * `[]` at the end. Slots it frees let as many waiting sends in; dropped, it takes nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

const noop = () => new Context(Waker.noop());

describe("rx.recvMany", () => {
  it("takes what is ready, in order, up to the limit, and leaves the rest", () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    for (let i = 1; i <= 5; i++) tx.send(i);
    expect(rx.recvMany(3).poll(noop())).toEqual([1, 2, 3]);
    expect(rx.recvMany(10).poll(noop())).toEqual([4, 5]);
    expect(rx.length).toBe(0);
  });

  it("waits while the channel is empty, and a send wakes it with a batch of one", () => {
    const [tx, rx] = mpsc.channel<string>(4);
    let wakes = 0;
    const cx = new Context(Waker.from(() => wakes++));
    const batch = rx.recvMany(8);
    expect(batch.poll(cx)).toBe(PENDING);
    tx.trySend("soup");
    expect(wakes).toBe(1);
    expect(batch.poll(cx)).toEqual(["soup"]);
    expect(() => batch.poll(cx)).toThrow(FutureStateError);
  });

  it("gives what is buffered after the senders close, then [] for ever", () => {
    const [tx, rx] = mpsc.channel<number>(4);
    tx.trySend(1);
    tx.trySend(2);
    tx.close();
    expect(rx.recvMany(8).poll(noop())).toEqual([1, 2]);
    expect(rx.recvMany(8).poll(noop())).toEqual([]);
    expect(rx.recvMany(1).poll(noop())).toEqual([]);
  });

  it("a batch frees every slot it took: the channel holds its full capacity again", () => {
    const [tx, rx] = mpsc.channel<number>(4);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) tx.trySend(i);
      expect(() => tx.trySend(99)).toThrow(); // full
      expect(rx.recvMany(4).poll(noop())).toEqual([0, 1, 2, 3]);
    }
  });

  it("every slot a batch frees lets one waiting send in: nothing is lost or reordered", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(2);
        const producer = spawn(
          asyncBlock(function* () {
            for (let i = 0; i < 20; i++) yield* tx.send(i);
            tx.close();
          }),
        );
        const all: number[][] = [];
        let batch: number[];
        while ((batch = yield* rx.recvMany(3)).length > 0) {
          expect(batch.length).toBeLessThanOrEqual(2); // never more than the channel holds
          all.push(batch);
          yield* yieldNow();
        }
        yield* producer;
        return all;
      }),
    );
    expect(got.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(got.length).toBeLessThan(20); // it did take batches, not one at a time
  });

  it("many producers into a bounded channel, any limit: every message arrives exactly once (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (capacity, producers, limit, seed) => {
          const got = await run(
            asyncBlock(function* () {
              const [tx, rx] = mpsc.channel<string>(capacity);
              for (let p = 0; p < producers; p++) {
                const mine = tx.clone();
                spawn(
                  asyncBlock(function* () {
                    for (let i = 0; i < 7; i++) yield* mine.send(`${p}:${i}`);
                    mine.close();
                  }),
                );
              }
              tx.close();
              const out: string[] = [];
              let batch: string[];
              while ((batch = yield* rx.recvMany(limit)).length > 0) {
                expect(batch.length).toBeLessThanOrEqual(Math.min(limit, capacity));
                out.push(...batch);
              }
              return out;
            }),
            { seed },
          );
          expect(got).toHaveLength(producers * 7);
          for (let p = 0; p < producers; p++) {
            // Each producer's messages arrive in its order.
            expect(got.filter((m) => m.startsWith(`${p}:`))).toEqual(
              Array.from({ length: 7 }, (_, i) => `${p}:${i}`),
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("dropped while it waits, it takes nothing and leaves no waker behind", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const lost = yield* race(
          rx.recvMany(4),
          asyncBlock(function* () {
            yield* yieldNow();
            return "gave up";
          }),
        );
        // The dropped batch took its waker back: a send wakes nobody, and the message waits.
        tx.trySend(7);
        return { lost, rest: rx.recvMany(4).poll(new Context(Waker.noop())) };
      }),
    );
    expect(out).toEqual({ lost: "gave up", rest: [7] });
  });

  it("disposed while parked, its waker is taken back: a later send pages nobody", () => {
    const [tx, rx] = mpsc.channel<number>(4);
    let wakes = 0;
    const batch = rx.recvMany(2);
    expect(batch.poll(new Context(Waker.from(() => wakes++)))).toBe(PENDING);
    batch[Symbol.dispose]();
    tx.trySend(1);
    expect(wakes).toBe(0);
    expect(rx.tryRecv()).toBe(1);
  });

  it("rx.close() while a batch waits in another task ends it with [] (nothing can arrive)", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [, rx] = mpsc.channel<number>(4);
        const waiting = spawn(rx.recvMany(4));
        yield* yieldNow();
        rx.close();
        return yield* waiting;
      }),
    );
    expect(got).toEqual([]);
  });

  it("each batch spends the task's budget: a consumer that always finds messages still lets others run", async () => {
    const order = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        const log: string[] = [];
        const other = spawn(
          asyncBlock(function* () {
            log.push("other ran");
          }),
        );
        // Never empty: a batch is always ready, so only the budget can make this loop yield.
        for (let i = 0; i < 1000; i++) {
          tx.send(i);
          yield* rx.recvMany(8);
          if (log.length > 0) {
            log.push(`after ${i + 1} batches`);
            break;
          }
        }
        yield* other;
        return log;
      }),
    );
    expect(order[0]).toBe("other ran");
    expect(order[1]).toMatch(/^after \d+ batches$/);
    expect(Number(/\d+/.exec(order[1]!)![0])).toBeLessThan(1000);
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    const [, rx] = mpsc.channel<number>(1);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => rx.recvMany(bad)).toThrow(RangeError);
    }
    expect(() => rx.recvMany(0)).toThrow(
      /rx\.recvMany\(limit\): limit must be a whole number of messages, at least 1, got 0/,
    );
    expect(() => rx.recvMany("3" as never)).toThrow(TypeError);
    // Polled by hand, the same rule (a limit of 0 would park for ever with messages ready).
    expect(() => rx.pollRecvMany(new Context(Waker.noop()), 0)).toThrow(
      /rx\.pollRecvMany\(cx, limit\): limit must be a whole number of messages, at least 1, got 0/,
    );
  });
});
