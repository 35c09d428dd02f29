/**
 * Tests written from a mutation run over fromAsyncIterable (src/stream/async-iter.ts: its
 * iterator's results, its dispose, the web-stream reader): each pins down a behaviour the rest of
 * the suite let change unnoticed (the run's notes are in scratch/mutation/NOTES.md). Most streams
 * are polled by hand (a mock task, outside any runtime), with hand-made iterators that count what
 * they are asked.
 */
import { describe, expect, it } from "vitest";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import { fromAsyncIterable } from "../src/stream/async-iter.js";
import { DONE } from "../src/stream/stream.js";
import { yieldNow } from "../src/task/yield-now.js";
import { flush, MockTask } from "./future-testkit.js";

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** An iterable whose iterator's next() answers with `answer(n)` (n counts from 0). */
function handMade(answer: (n: number) => unknown) {
  const log: string[] = [];
  const iterable = {
    [Symbol.asyncIterator]() {
      log.push("asyncIterator");
      let n = 0;
      return {
        next: () => {
          log.push("next");
          return answer(n++);
        },
        return: () => {
          log.push("return");
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  } as unknown as AsyncIterable<number>;
  return { log, iterable };
}

describe("fromAsyncIterable polled by hand, outside any runtime", () => {
  it("an item is fetched, woken for and taken with no runtime to count the bridge; dropped mid-fetch, it returns the iterator", async () => {
    let resolveSecond: (r: IteratorResult<number>) => void = () => {};
    const { log, iterable } = handMade((n) =>
      n === 0
        ? Promise.resolve({ done: false, value: 10 })
        : new Promise((r) => {
            resolveSecond = r;
          }),
    );
    const s = fromAsyncIterable(iterable);
    const t = new MockTask(s.next());
    expect(t.poll()).toBe(PENDING);
    await flush();
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(10);
    const u = new MockTask(s.next());
    expect(u.poll()).toBe(PENDING);
    s[Symbol.dispose]();
    resolveSecond({ done: false, value: 20 });
    await flush();
    expect(u.isWoken()).toBe(false);
    expect(new MockTask(s.next()).poll()).toBe(DONE);
    expect(log).toEqual(["asyncIterator", "next", "next", "return"]);
  });
});

describe("fromAsyncIterable and a misbehaving iterable", () => {
  it("an iterable whose [Symbol.asyncIterator] throws: the first poll throws that error, the next finds the stream ended, and the iterable is asked once", () => {
    let asked = 0;
    const boom = new Error("no hatch");
    const iterable = {
      [Symbol.asyncIterator]() {
        asked++;
        throw boom;
      },
    } as unknown as AsyncIterable<number>;
    const s = fromAsyncIterable(iterable);
    expect(thrown(() => new MockTask(s.next()).poll())).toBe(boom);
    expect(new MockTask(s.next()).poll()).toBe(DONE);
    s[Symbol.dispose]();
    expect(asked).toBe(1);
  });

  it("a next() that throws instead of returning a promise: the stream fails with that very error", async () => {
    const boom = new Error("hatch jammed");
    const { iterable } = handMade(() => {
      throw boom;
    });
    const s = fromAsyncIterable(iterable);
    const t = new MockTask(s.next());
    expect(t.poll()).toBe(PENDING);
    await flush();
    expect(t.isWoken()).toBe(true);
    expect(thrown(() => t.poll())).toBe(boom);
  });

  it("a next() that rejects: the stream fails with that very error (not undefined), then ends", async () => {
    const boom = new Error("kitchen fire");
    const { iterable } = handMade(() => Promise.reject(boom));
    const s = fromAsyncIterable(iterable);
    const t = new MockTask(s.next());
    expect(t.poll()).toBe(PENDING);
    await flush();
    expect(thrown(() => t.poll())).toBe(boom);
    expect(new MockTask(s.next()).poll()).toBe(DONE);
  });

  it.each([
    [5, "number"],
    [null, "null"],
    [undefined, "undefined"],
  ])(
    "a next() that resolves to %s, not an object: the stream fails with a TypeError naming what it got",
    async (result, got) => {
      const { iterable } = handMade(() => Promise.resolve(result));
      const s = fromAsyncIterable(iterable);
      const t = new MockTask(s.next());
      expect(t.poll()).toBe(PENDING);
      await flush();
      expect(t.isWoken()).toBe(true);
      const e = thrown(() => t.poll());
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(
        `fromAsyncIterable(iterable): the iterator's next() must resolve to an object, got ${got}`,
      );
    },
  );

  it("a next() that resolves to a function carrying done and value: it is a result like any object, and its value is the item", async () => {
    const result = Object.assign(() => {}, { done: false, value: 7 });
    const { iterable } = handMade(() => Promise.resolve(result));
    const s = fromAsyncIterable(iterable);
    const t = new MockTask(s.next());
    expect(t.poll()).toBe(PENDING);
    await flush();
    expect(t.poll()).toBe(7);
  });

  it("a result whose done getter throws: the stream fails with that very error", async () => {
    const boom = new Error("done? who knows");
    const { iterable } = handMade(() =>
      Promise.resolve({
        get done(): boolean {
          throw boom;
        },
        value: 1,
      }),
    );
    const s = fromAsyncIterable(iterable);
    const t = new MockTask(s.next());
    expect(t.poll()).toBe(PENDING);
    await flush();
    expect(t.isWoken()).toBe(true);
    expect(thrown(() => t.poll())).toBe(boom);
  });
});

describe("fromAsyncIterable's dispose", () => {
  it("disposed after a failed next() whose error nobody took: the iterator is let go without return(), the iterable is not asked again, and dispose throws nothing", async () => {
    const { log, iterable } = handMade(() => Promise.reject(new Error("burnt")));
    const s = fromAsyncIterable(iterable);
    expect(new MockTask(s.next()).poll()).toBe(PENDING);
    await flush();
    s[Symbol.dispose]();
    await flush();
    expect(log).toEqual(["asyncIterator", "next"]);
    expect(new MockTask(s.next()).poll()).toBe(DONE);
  });

  it("disposed after an item, over an iterable that makes a fresh generator each time: the generator in use is the one returned (its finally runs)", async () => {
    const log: string[] = [];
    let made = 0;
    const iterable = {
      async *[Symbol.asyncIterator]() {
        const me = ++made;
        try {
          yield me * 10;
          yield me * 10 + 1;
        } finally {
          log.push(`generator ${me} finally`);
        }
      },
    };
    const s = fromAsyncIterable(iterable);
    const t = new MockTask(s.next());
    expect(t.poll()).toBe(PENDING);
    await flush();
    expect(t.poll()).toBe(10);
    s[Symbol.dispose]();
    await flush();
    expect(log).toEqual(["generator 1 finally"]);
    expect(made).toBe(1);
  });

  it("a next() in flight loses a race to a task that yields once: the stream, dropped, closes its bridge at once (pendingBridges 1 while it fetched, 0 after)", async () => {
    const rt = new Runtime({ clock: "paused" });
    const { log, iterable } = handMade(() => new Promise(() => {}));
    const seen: unknown[] = [];
    await rt.spawn(
      asyncBlock(function* () {
        const s = fromAsyncIterable(iterable);
        const r = yield* race(
          s.next(),
          asyncBlock(function* () {
            yield* yieldNow();
            seen.push(rt.metrics().pendingBridges);
            return "yielded";
          }),
        );
        seen.push(r);
        s[Symbol.dispose]();
        seen.push(rt.metrics().pendingBridges);
      }),
    );
    await rt.shutdown();
    expect(seen).toEqual([1, "yielded", 0]);
    expect(log).toEqual(["asyncIterator", "next", "return"]);
  });
});
