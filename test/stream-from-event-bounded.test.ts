/**
 * fromEvent with a `capacity`: an emitter that fires faster than the stream is read keeps at most
 * that many events, dropping the oldest (by default) or the newest, and counts what it dropped in
 * `droppedEvents`; a model check over random bursts and reads; bad options are refused by name.
 */
import { EventEmitter } from "node:events";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock, DONE, fromEvent, run } from "../src/index.js";

describe("fromEvent(emitter, name, { capacity, drop })", () => {
  it("capacity 2, a burst of five while a read waits: the read gets the fourth, the fifth stays, three are counted as dropped; a second burst keeps its last two", async () => {
    const emitter = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        using moves = fromEvent<number>(emitter, "move", { capacity: 2 });
        emitter.emit("move", 0); // before the first poll: nobody listens yet
        const first = moves.next();
        // Polled once: the listener is added and the read parks. Fire a burst through the waker.
        queueMicrotask(() => {
          for (let i = 1; i <= 5; i++) emitter.emit("move", i);
        });
        const seen = [yield* first];
        const dropped = moves.droppedEvents;
        for (let i = 1; i <= 5; i++) emitter.emit("move", 10 + i);
        seen.push(yield* moves.next(), yield* moves.next());
        return { seen, dropped, droppedAfter: moves.droppedEvents };
      }),
    );
    // Event 1 woke the read, but the read takes its event when polled again, after the whole
    // burst: 4 and 5 were kept (1, 2, 3 dropped). Then 5, 11, 12 and 13 make way for 14 and 15.
    expect(out).toEqual({ seen: [4, 14, 15], dropped: 3, droppedAfter: 7 });
  });

  it('drop: "newest" keeps the first events and drops those that arrive while it is full', async () => {
    const emitter = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        using events = fromEvent<string>(emitter, "order", { capacity: 2, drop: "newest" });
        const first = events.next();
        queueMicrotask(() => {
          for (const dish of ["soup", "salad", "steak", "cake"]) emitter.emit("order", dish);
        });
        return {
          seen: [yield* first, yield* events.next()],
          dropped: events.droppedEvents,
        };
      }),
    );
    expect(out).toEqual({ seen: ["soup", "salad"], dropped: 2 });
  });

  it("without a capacity nothing is dropped: a thousand events fired at once are all read, and droppedEvents stays 0", async () => {
    const emitter = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        using events = fromEvent<number>(emitter, "n");
        const first = events.next();
        queueMicrotask(() => {
          for (let i = 0; i < 1000; i++) emitter.emit("n", i);
        });
        let sum = (yield* first) as number;
        for (let i = 1; i < 1000; i++) sum += (yield* events.next()) as number;
        return { sum, dropped: events.droppedEvents };
      }),
    );
    expect(out).toEqual({ sum: (999 * 1000) / 2, dropped: 0 });
  });

  it("matches a model queue over random bursts and reads, for both drop rules", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom("oldest" as const, "newest" as const),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 6 })), {
          maxLength: 12,
        }),
        async (capacity, drop, steps) => {
          const emitter = new EventEmitter();
          let next = 0;
          const model: number[] = [];
          let modelDropped = 0;
          const out = await run(
            asyncBlock(function* () {
              using events = fromEvent<number>(emitter, "e", { capacity, drop });
              // The first poll adds the listener: a read that finds the stream ended or an item.
              const primer = events.next();
              queueMicrotask(() => emitter.emit("e", -1));
              const got: number[] = [(yield* primer) as number];
              const expected: number[] = [-1];
              for (const [burst, reads] of steps) {
                for (let i = 0; i < burst; i++) {
                  const v = next++;
                  emitter.emit("e", v);
                  if (model.length === capacity) {
                    modelDropped++;
                    if (drop === "newest") continue;
                    model.shift();
                  }
                  model.push(v);
                }
                for (let r = 0; r < Math.min(reads, model.length); r++) {
                  got.push((yield* events.next()) as number);
                  expected.push(model.shift()!);
                }
              }
              return { got, expected, dropped: events.droppedEvents };
            }),
          );
          expect(out.got).toEqual(out.expected);
          expect(out.dropped).toBe(modelDropped);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a disposed bounded stream ends and hears nothing more: its listener is off the emitter", async () => {
    const emitter = new EventEmitter();
    const out = await run(
      asyncBlock(function* () {
        const events = fromEvent<number>(emitter, "e", { capacity: 1 });
        const first = events.next();
        queueMicrotask(() => emitter.emit("e", 1));
        const v = yield* first;
        events[Symbol.dispose]();
        emitter.emit("e", 2);
        return { v, listeners: emitter.listenerCount("e"), after: yield* events.next() };
      }),
    );
    expect(out).toEqual({ v: 1, listeners: 0, after: DONE });
  });

  it("bad options are refused with the option's name and its rule", () => {
    const emitter = new EventEmitter();
    expect(() => fromEvent(emitter, "e", { capacity: 0 })).toThrow(
      new RangeError(
        "fromEvent(emitter, name, options): options.capacity must be an integer of at least 1, got 0",
      ),
    );
    expect(() => fromEvent(emitter, "e", { capacity: 1.5 })).toThrow(RangeError);
    expect(fromEvent(emitter, "e", { capacity: Number.POSITIVE_INFINITY }).droppedEvents).toBe(0);
    expect(() => fromEvent(emitter, "e", { capacity: "8" as never })).toThrow(
      /options\.capacity must be a number \(an integer of at least 1\), got string '8'/,
    );
    expect(() => fromEvent(emitter, "e", { drop: "middle" as never })).toThrow(
      new RangeError(
        "fromEvent(emitter, name, options): options.drop must be one of 'oldest', 'newest', got 'middle'",
      ),
    );
    expect(() => fromEvent(emitter, "e", { capacty: 4 } as never)).toThrow(
      /options\.capacty is not a fromEvent option; did you mean 'capacity'\?/,
    );
    expect(() => fromEvent(null as never, "click")).toThrow(
      /emitter must be an EventTarget .*, got null \(an element that was not found\?\)$/,
    );
    expect(() => fromEvent(emitter, "e", null as never)).toThrow(
      /options must be an object, got null/,
    );
  });
});
