import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { fromPromise } from "../src/future/from-promise.js";
import { assertFuture, isFuture } from "../src/future/future.js";
import { pending, pollFn, ready } from "../src/future/leaf.js";
import { isPending, PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { Gate, MockTask } from "./future-testkit.js";

describe("leaf futures", () => {
  it("ready(v) is ready with v on the first poll; pending() is never ready", () => {
    const cx = new Context(Waker.noop());
    expect(ready(5).poll(cx)).toBe(5);
    const p = pending<number>();
    expect(p.poll(cx)).toBe(PENDING);
    expect(p.poll(cx)).toBe(PENDING);
    expect(isPending(p.poll(cx))).toBe(true);
    expect(isPending(3)).toBe(false);
  });

  it("pollFn calls its function on each poll with the context it was polled with", () => {
    const seen: Context[] = [];
    let n = 0;
    const f = pollFn((cx) => {
      seen.push(cx);
      return ++n < 3 ? PENDING : n;
    });
    const t = new MockTask(f);
    expect(t.poll()).toBe(PENDING);
    expect(t.poll()).toBe(PENDING);
    expect(t.poll()).toBe(3);
    expect(seen).toEqual([t.cx, t.cx, t.cx]);
  });

  it("bad arguments get a TypeError naming the argument", () => {
    expect(() => pollFn(42 as never)).toThrow(/pollFn\(fn\): fn must be a function/);
    expect(() => fromPromise("x" as never)).toThrow(/fromPromise\(make\): make must be a function/);
    expect(() => Waker.from(null as never)).toThrow(/Waker.from\(fn\): fn must be a function/);
  });
});

describe("Waker and Context", () => {
  it("Waker.from calls its function on every wake; willWake is identity", () => {
    let n = 0;
    const a = Waker.from(() => n++);
    const b = Waker.from(() => n++);
    a.wake();
    a.wake();
    expect(n).toBe(2);
    expect(a.willWake(a)).toBe(true);
    expect(a.willWake(b)).toBe(false);
    expect(Waker.noop().willWake(Waker.noop())).toBe(true);
  });

  it("a Context hands out the waker it was made with; its owner defaults to the waker", () => {
    const w = Waker.noop();
    const cx = new Context(w);
    expect(cx.waker).toBe(w);
    expect(cx.owner).toBe(w);
    expect(new Context(w, "me").owner).toBe("me");
  });
});

describe("isFuture and assertFuture", () => {
  it("tell futures from promises and functions, with a hint in the error", () => {
    expect(isFuture(ready(1))).toBe(true);
    expect(isFuture(Promise.resolve(1))).toBe(false);
    expect(isFuture(null)).toBe(false);
    expect(() => assertFuture(Promise.resolve(1), "arg")).toThrow(
      /arg must be a future, got object \(a Promise: wrap it with fromPromise/,
    );
    expect(() => assertFuture(() => 1, "arg")).toThrow(/a function: call it to get its future/);
  });
});

describe("yield* outside a poll", () => {
  it("stepping a future's iterator with no poll in progress throws FutureStateError", () => {
    const g = new Gate();
    expect(() => g.next()).toThrow(FutureStateError);
    expect(g.polls).toBe(0);
  });
});

describe("fromPromise", () => {
  it("disposed from inside its own make, it aborts the signal it gave and opens no bridge", async () => {
    const signals: AbortSignal[] = [];
    let settled = false;
    const bridges = await run(
      asyncBlock(function* () {
        const self = fromPromise((signal) => {
          signals.push(signal);
          self[Symbol.dispose]();
          return new Promise<string>((resolve) => setTimeout(() => resolve("late"), 5)).then(
            (v) => {
              settled = true;
              return v;
            },
          );
        });
        const first = self.poll(new Context(Waker.noop()));
        expect(first).toBe(PENDING);
        return Runtime.current().metrics().pendingBridges;
      }),
    );
    expect(bridges).toBe(0);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect((signals[0]!.reason as DOMException).name).toBe("AbortError");
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(true); // the promise itself ran on; its outcome went nowhere
  });

  it("disposed from inside make, a promise that honours the signal rejects without an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      await run(
        asyncBlock(function* () {
          const self = fromPromise(
            (signal) =>
              new Promise<string>((_, reject) => {
                signal.addEventListener("abort", () => reject(signal.reason));
                self[Symbol.dispose]();
              }),
          );
          expect(self.poll(new Context(Waker.noop()))).toBe(PENDING);
        }),
      );
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("creates its promise only on the first poll, then wakes the poller when it settles", async () => {
    let made = 0;
    let resolve!: (v: number) => void;
    const f = fromPromise(() => {
      made++;
      return new Promise<number>((r) => (resolve = r));
    });
    const t = new MockTask(f);
    expect(made).toBe(0);
    expect(t.poll()).toBe(PENDING);
    expect(made).toBe(1);
    expect(t.poll()).toBe(PENDING);
    expect(made).toBe(1);
    expect(t.isWoken()).toBe(false);
    resolve(7);
    await Promise.resolve();
    await Promise.resolve();
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(7);
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("throws a rejection to the poller", async () => {
    const boom = new Error("boom");
    const t = new MockTask(fromPromise(() => Promise.reject(boom)));
    expect(t.poll()).toBe(PENDING);
    await new Promise((r) => setImmediate(r));
    expect(t.isWoken()).toBe(true);
    expect(() => t.poll()).toThrow(boom);
  });

  it("a make that throws, or returns no promise, fails the first poll", () => {
    const boom = new Error("sync");
    expect(() =>
      new MockTask(
        fromPromise(() => {
          throw boom;
        }),
      ).poll(),
    ).toThrow(boom);
    expect(() => new MockTask(fromPromise(() => 5 as never)).poll()).toThrow(
      /make must return a promise, got number/,
    );
  });

  it("disposing it while in flight aborts the signal it was given, and a late settle wakes nobody", async () => {
    let signal!: AbortSignal;
    let resolve!: (v: number) => void;
    const f = fromPromise((s) => {
      signal = s;
      return new Promise<number>((r) => (resolve = r));
    });
    const t = new MockTask(f);
    t.poll();
    expect(signal.aborted).toBe(false);
    f[Symbol.dispose]();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe("AbortError");
    f[Symbol.dispose](); // idempotent
    resolve(1);
    await new Promise((r) => setImmediate(r));
    expect(t.isWoken()).toBe(false);
    expect(() => t.poll()).toThrow(/polled after it was disposed/);
  });

  it("inside a runtime, the value of the promise is what yield* returns", async () => {
    const v = await run(
      asyncBlock(function* () {
        const a = yield* fromPromise(() => Promise.resolve(20));
        const b = yield* fromPromise(async (signal) => (signal.aborted ? 0 : 22));
        return a + b;
      }),
    );
    expect(v).toBe(42);
  });
});
