/**
 * fromEvent's `next()` dropped while it waits (the loser of a `select` or `race`) takes its waker
 * and its source wait back at once: `rt.metrics().ioWaits` falls to 0, the event that comes later
 * is not lost, and a main task that then waits on nothing else is reported as deadlocked. A newer
 * `next()` parked on the same stream keeps its waker when an older one is dropped.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  DeadlockError,
  DONE,
  fromEvent,
  join,
  oneshot,
  Runtime,
  race,
  run,
  select,
  yieldNow,
} from "../src/index.js";

describe("fromEvent: a dropped next()", () => {
  it("a next() parks, loses a select to yieldNow, and is dropped at the scope's end: ioWaits reads 1 while it is kept, 0 after, and the next next() gets the event emitted later", async () => {
    const rt = new Runtime();
    const emitter = new EventEmitter();
    const seen = await rt.spawn(
      asyncBlock(function* () {
        using events = fromEvent<string>(emitter, "order");
        const seen: unknown[] = [];
        {
          using sel = yield* select(events.next(), yieldNow());
          seen.push(sel.index, rt.metrics().ioWaits);
        }
        seen.push(rt.metrics().ioWaits);
        emitter.emit("order", "soup");
        seen.push(yield* events.next());
        return seen;
      }),
    );
    await rt.shutdown();
    expect(seen).toEqual([1, 1, 0, "soup"]);
  });

  it("a next() loses a race and is dropped, then main waits on a oneshot whose sender is kept but never used: run() rejects with a DeadlockError", async () => {
    const emitter = new EventEmitter();
    const outcome = run(
      asyncBlock(function* () {
        using events = fromEvent(emitter, "order");
        const won = yield* race(
          events.next(),
          asyncBlock(function* () {
            yield* yieldNow();
            return "yieldNow";
          }),
        );
        expect(won).toBe("yieldNow");
        const [tx, rx] = oneshot.channel<number>();
        try {
          return yield* rx;
        } finally {
          tx[Symbol.dispose]();
        }
      }),
    );
    await expect(outcome).rejects.toBeInstanceOf(DeadlockError);
    expect(emitter.listenerCount("order")).toBe(0);
  });

  it("an older next() kept by a select is dropped after a newer next() parked: the newer one keeps its waker and gets the event", async () => {
    const emitter = new EventEmitter();
    const got = await run(
      asyncBlock(function* () {
        using events = fromEvent<string>(emitter, "order");
        const older = yield* select(events.next(), yieldNow());
        const [item] = yield* join(
          events.next(), // parks first: the newest registration
          asyncBlock(function* () {
            older[Symbol.dispose]();
            yield* yieldNow();
            emitter.emit("order", "tea");
          }),
        );
        return item;
      }),
    );
    expect(got).toBe("tea");
  });

  it("disposing the stream wakes a task waiting in next(), which then sees the end", async () => {
    const rt = new Runtime();
    const emitter = new EventEmitter();
    const orders = fromEvent<string>(emitter, "order");
    const waiting = rt.spawn(orders.next());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().ioWaits).toBe(1);
    orders[Symbol.dispose]();
    expect(await waiting).toBe(DONE);
    expect(rt.metrics().ioWaits).toBe(0);
    expect(emitter.listenerCount("order")).toBe(0);
    await rt.shutdown();
  });
});
