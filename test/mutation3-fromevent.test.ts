/**
 * Tests written from a mutation run over fromEvent (src/stream/from-event.ts): each pins down a
 * behaviour the rest of the suite let change unnoticed (the run's notes are in
 * scratch/mutation/NOTES.md). Streams and their `next()` futures are polled by hand (a mock task
 * each, so every waker is told apart), over a Node `EventEmitter` or a recording emitter.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { describeFuture } from "../src/future/describe.js";
import { PENDING } from "../src/future/poll.js";
import { fromEvent } from "../src/stream/from-event.js";
import "../src/stream/index.js";
import { MockTask } from "./future-testkit.js";

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** The unread-event array a stream keeps (its memory: read and dropped slots must be given back). */
function slots(stream: unknown): number {
  return (stream as { queue: unknown[] }).queue.length;
}

/** An EventEmitter-style emitter that records every listener added and removed. */
function recordingEmitter() {
  const log: string[] = [];
  const emitter = {
    on(name: string, _fn: (...args: unknown[]) => void) {
      log.push(`on ${name}`);
    },
    off(name: string, _fn: (...args: unknown[]) => void) {
      log.push(`off ${name}`);
    },
  };
  return { log, emitter };
}

describe("fromEvent's arguments", () => {
  it("an emitter that is null, undefined, a plain object, or has only one half of a pair: a TypeError naming emitter, both kinds, and what it got", () => {
    const rule =
      "fromEvent(emitter, name): emitter must be an EventTarget (addEventListener/removeEventListener) or an EventEmitter (on/off), got";
    const fn = () => {};
    const cases: [unknown, string][] = [
      [null, `${rule} null (an element that was not found?)`],
      [undefined, `${rule} undefined`],
      [{}, `${rule} object`],
      [{ on: fn }, `${rule} object`],
      [{ off: fn }, `${rule} object`],
      [{ addEventListener: fn }, `${rule} object`],
      [{ removeEventListener: fn }, `${rule} object`],
      ["button", `${rule} string`],
    ];
    for (const [bad, message] of cases) {
      const e = thrown(() => fromEvent(bad as EventEmitter, "order"));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(message);
    }
  });

  it("a name that is not a string: a TypeError naming name and the type given", () => {
    const e = thrown(() => fromEvent(new EventEmitter(), 5 as unknown as string));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe(
      "fromEvent(emitter, name): name must be a string, got number",
    );
  });
});

describe("fromEvent's listener: added at the first poll, removed once", () => {
  it("a stream never polled, then disposed twice, never touches the emitter", () => {
    const { log, emitter } = recordingEmitter();
    const s = fromEvent(emitter, "order");
    s[Symbol.dispose]();
    s[Symbol.dispose]();
    expect(log).toEqual([]);
  });

  it("a stream polled once, then disposed twice, adds its listener once and removes it once", () => {
    const { log, emitter } = recordingEmitter();
    const s = fromEvent(emitter, "order");
    expect(new MockTask(s.next()).poll()).toBe(PENDING);
    s[Symbol.dispose]();
    s[Symbol.dispose]();
    expect(log).toEqual(["on order", "off order"]);
  });
});

describe("fromEvent's memory", () => {
  it("an unbounded stream read as fast as events come: the read slots are given back, the array never grows", () => {
    const emitter = new EventEmitter();
    const s = fromEvent<number>(emitter, "tick");
    const reader = new MockTask(s.next());
    expect(reader.poll()).toBe(PENDING);
    for (let i = 0; i < 100; i++) {
      emitter.emit("tick", i);
      emitter.emit("tick", i + 1000);
      expect(new MockTask(s.next()).poll()).toBe(i);
      expect(new MockTask(s.next()).poll()).toBe(i + 1000);
    }
    expect(slots(s)).toBe(0);
  });

  it.each([1, 2, 5])(
    "capacity %i flooded with 1000 unread events, dropping the oldest: the array stays within twice the capacity, and the newest are the ones read",
    (capacity) => {
      const emitter = new EventEmitter();
      const s = fromEvent<number>(emitter, "tick", { capacity });
      expect(new MockTask(s.next()).poll()).toBe(PENDING);
      for (let i = 0; i < 1000; i++) emitter.emit("tick", i);
      expect(slots(s)).toBeLessThanOrEqual(2 * capacity);
      expect(s.droppedEvents).toBe(1000 - capacity);
      const read: unknown[] = [];
      for (let i = 0; i < capacity; i++) read.push(new MockTask(s.next()).poll());
      expect(read).toEqual(Array.from({ length: capacity }, (_, i) => 1000 - capacity + i));
      expect(new MockTask(s.next()).poll()).toBe(PENDING);
    },
  );
});

describe("fromEvent's waker, between several pollers", () => {
  it("an older next() parks, a newer one parks with another waker, the older is dropped: the event wakes the newer", () => {
    const emitter = new EventEmitter();
    const s = fromEvent<string>(emitter, "order");
    const older = new MockTask(s.next());
    const newer = new MockTask(s.next());
    expect(older.poll()).toBe(PENDING);
    expect(newer.poll()).toBe(PENDING);
    older.future[Symbol.dispose]();
    emitter.emit("order", "soup");
    expect(newer.isWoken()).toBe(true);
    expect(newer.poll()).toBe("soup");
  });

  it("a next() through an adapter parks and is dropped: it takes its waker back, so the event wakes nobody, and the event waits for the next reader", () => {
    const emitter = new EventEmitter();
    const s = fromEvent<string>(emitter, "order");
    const mapped = s.map((x) => x.toUpperCase());
    const t = new MockTask(mapped.next());
    expect(t.poll()).toBe(PENDING);
    t.future[Symbol.dispose]();
    emitter.emit("order", "soup");
    expect(t.isWoken()).toBe(false);
    expect(new MockTask(mapped.next()).poll()).toBe("SOUP");
  });

  it("an older next() through an adapter parks, a newer one through it parks, the older is dropped: the event wakes the newer", () => {
    const emitter = new EventEmitter();
    const s = fromEvent<string>(emitter, "order");
    const mapped = s.map((x) => x.toUpperCase());
    const older = new MockTask(mapped.next());
    const newer = new MockTask(mapped.next());
    expect(older.poll()).toBe(PENDING);
    expect(newer.poll()).toBe(PENDING);
    older.future[Symbol.dispose]();
    emitter.emit("order", "soup");
    expect(newer.isWoken()).toBe(true);
    expect(newer.poll()).toBe("SOUP");
  });

  it("a next() through an adapter parks, then a consumer polls the stream itself and parks (claiming nothing), then the next() is dropped: the consumer keeps its waker", () => {
    const emitter = new EventEmitter();
    const s = fromEvent<string>(emitter, "order");
    const viaAdapter = new MockTask(s.map((x) => x).next());
    expect(viaAdapter.poll()).toBe(PENDING);
    const consumer = new MockTask(viaAdapter.future); // only for its waker and context
    expect(s.pollNext(consumer.cx)).toBe(PENDING);
    viaAdapter.future[Symbol.dispose]();
    emitter.emit("order", "soup");
    expect(consumer.isWoken()).toBe(true);
    expect(s.pollNext(consumer.cx)).toBe("soup");
  });
});

describe("how a fromEvent next() describes itself (dumps, deadlock reports)", () => {
  it("it names the event it waits for", () => {
    const s = fromEvent(new EventEmitter(), "order");
    const d = describeFuture(s.next());
    expect(d.label).toBe("fromEvent('order').next()");
    expect(d.children).toEqual([]);
  });
});
