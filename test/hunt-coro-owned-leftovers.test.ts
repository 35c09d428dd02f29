/**
 * Bug hunt: values and futures that nobody can take any more must be released, as Rust drops what
 * it owns. The futures an iterable gave `joinAll`/`selectAll` before it threw; the value of a
 * `ready(v)` dropped unpolled (or polled twice, which would hand one owned value to two owners);
 * the value of a `fromPromise` that settled after its future was dropped, or settled and was
 * dropped before its next poll.
 */
import { describe, expect, it } from "vitest";
import { joinAll } from "../src/combinator/join-all.js";
import { race, select, selectAll } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { OWNED } from "../src/future/cancel.js";
import { FutureStateError } from "../src/future/errors.js";
import { fromPromise } from "../src/future/from-promise.js";
import type { Future } from "../src/future/future.js";
import { ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import { yieldNow } from "../src/task/yield-now.js";
import { flush, Gate, MockTask } from "./future-testkit.js";

/** A value with one owner (OWNED), counting its disposals. */
class Held implements Disposable {
  readonly [OWNED] = true;
  disposed = 0;
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

const serve = asyncFn(function* serve(permit: Held) {
  yield* yieldNow();
  return permit;
});

describe("an iterable that throws half way through a combinator's call", () => {
  it("joinAll: the iterable gives two futures then throws; both are dropped and its error is thrown", () => {
    const permit = new Held();
    const gate = new Gate();
    function* orders(): Generator<Future<unknown>> {
      yield serve(permit);
      yield gate;
      throw new Error("menu torn");
    }
    expect(() => joinAll(orders())).toThrow("menu torn");
    expect(permit.disposed).toBe(1); // the fresh call's moved argument
    expect(gate.drops).toBe(1);
    expect(gate.polls).toBe(0);
  });

  it("selectAll: the iterable gives one future then throws; it is dropped and the error is thrown", () => {
    const permit = new Held();
    function* orders(): Generator<Future<Held>> {
      yield serve(permit);
      throw new Error("menu torn");
    }
    expect(() => selectAll(orders())).toThrow("menu torn");
    expect(permit.disposed).toBe(1);
  });

  it("an array is taken as it is, and the same iterable that does not throw gives a working joinAll", () => {
    function* orders(): Generator<Future<number>> {
      yield ready(1);
      yield ready(2);
    }
    expect(new MockTask(joinAll(orders())).poll()).toEqual([1, 2]);
    expect(new MockTask(joinAll([ready(3)])).poll()).toEqual([3]);
  });
});

describe("ready(value)", () => {
  it("is polled, then polled again: the second poll throws a FutureStateError instead of handing the value out twice", () => {
    const held = new Held();
    const t = new MockTask(ready(held));
    expect(t.poll()).toBe(held);
    expect(() => t.poll()).toThrow(FutureStateError);
    expect(() => t.poll()).toThrow(/ready\(value\) was polled after it completed/);
    expect(held.disposed).toBe(0);
  });

  it("is dropped before its poll: an owned value is disposed once, an unowned one is let go", () => {
    const held = new Held();
    const r = ready(held);
    r[Symbol.dispose]();
    r[Symbol.dispose]();
    expect(held.disposed).toBe(1);
    expect(() => new MockTask(r).poll()).toThrow(/ready\(value\) was polled after it was dropped/);
    const shared = { [Symbol.dispose]: () => expect.unreachable("an unowned value was disposed") };
    ready(shared)[Symbol.dispose]();
  });

  it("loses a select and its rest is dropped with the result: the owned value it held is disposed", () => {
    const held = new Held();
    const out = new MockTask(select.biased(ready("first"), ready(held))).poll();
    if (out === PENDING) expect.unreachable("two ready futures: the select is ready at once");
    expect(out.index).toBe(0);
    out[Symbol.dispose]();
    expect(held.disposed).toBe(1);
  });
});

describe("fromPromise with an owned value", () => {
  it("is dropped while in flight, then the promise fulfils: the value that arrives for nobody is disposed", async () => {
    const held = new Held();
    let fulfil!: (v: Held) => void;
    const f = fromPromise(() => new Promise<Held>((r) => (fulfil = r)));
    expect(new MockTask(f).poll()).toBe(PENDING);
    f[Symbol.dispose]();
    fulfil(held);
    await flush();
    expect(held.disposed).toBe(1);
  });

  it("fulfils, then loses a race before its next poll: the value it held is disposed", async () => {
    const held = new Held();
    const rt = new Runtime({ clock: "paused" });
    const out = await rt.spawn(
      asyncBlock(function* () {
        const gate = new Gate<string>("winner");
        const connect = fromPromise(() => Promise.resolve(held));
        // Polled once (the promise starts), then both are ready before the race looks again.
        const first = yield* select.biased(yieldNow(), connect);
        const rest = first.rest;
        yield* fromPromise(() => Promise.resolve()); // the connect promise has fulfilled by now
        gate.resolve("fast");
        return yield* race.biased(gate, rest);
      }),
    );
    expect(out).toBe("fast");
    expect(held.disposed).toBe(1);
    await rt.shutdown();
  });

  it("fulfils and is polled: the caller owns the value, and dropping the future later disposes nothing", async () => {
    const held = new Held();
    const rt = new Runtime();
    const f = fromPromise(() => Promise.resolve(held));
    const got = await rt.spawn(
      asyncBlock(function* () {
        return yield* f;
      }),
    );
    f[Symbol.dispose]();
    expect(got).toBe(held);
    expect(held.disposed).toBe(0);
    await rt.shutdown();
  });

  it("is dropped from inside its own make, whose promise then fulfils: the value is disposed", async () => {
    const held = new Held();
    const box: { f: Disposable | null } = { f: null };
    const f = fromPromise(() => {
      box.f?.[Symbol.dispose]();
      return Promise.resolve(held);
    });
    box.f = f;
    new MockTask(f).poll();
    await flush();
    expect(held.disposed).toBe(1);
  });
});
