import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import type { Suspend } from "../src/future/future.js";
import { PENDING } from "../src/future/poll.js";
import { Failing, Gate, Instant, MockTask } from "./future-testkit.js";

describe("laziness", () => {
  it("calling an async fn runs nothing until the first poll", () => {
    let ran = 0;
    const f = asyncFn(function* (x: number) {
      ran++;
      return x * 2;
    });
    const fut = f(21);
    expect(ran).toBe(0);
    expect(new MockTask(fut).poll()).toBe(42);
    expect(ran).toBe(1);
  });

  it("an async block runs nothing until the first poll, then runs up to its first pending await", () => {
    const log: string[] = [];
    const gate = new Gate();
    const fut = asyncBlock(function* () {
      log.push("start");
      const v = yield* gate;
      log.push(`got ${v}`);
      return v;
    });
    expect(log).toEqual([]);
    expect(gate.polls).toBe(0);
    const t = new MockTask(fut);
    expect(t.poll()).toBe(PENDING);
    expect(log).toEqual(["start"]);
    expect(gate.polls).toBe(1);
    gate.resolve("soup");
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe("soup");
    expect(log).toEqual(["start", "got soup"]);
  });

  it("not even the default values of its parameters are computed before the first poll", () => {
    let defaults = 0;
    const dflt = () => {
      defaults++;
      return 1;
    };
    const f = asyncFn(function* (x: number = dflt()) {
      yield* new Instant(0);
      return x;
    });
    const fut = f();
    expect(defaults).toBe(0);
    expect(new MockTask(fut).poll()).toBe(1);
    expect(defaults).toBe(1);
    // Dropped before its first poll: the default is never computed at all.
    f()[Symbol.dispose]();
    expect(defaults).toBe(1);
  });

  it("asyncFn passes its arguments and this through to the generator", () => {
    const obj = {
      base: 10,
      add: asyncFn(function* (this: { base: number }, a: number, b: number) {
        return this.base + a + b;
      }),
    };
    expect(new MockTask(obj.add(1, 2)).poll()).toBe(13);
  });
});

describe("awaiting with yield*", () => {
  it("a ready child resumes the generator in the same poll with its value", () => {
    const child = new Instant(5);
    const t = new MockTask(
      asyncBlock(function* () {
        return (yield* child) + 1;
      }),
    );
    expect(t.poll()).toBe(6);
    expect(child.polls).toBe(1);
  });

  it("nested async fns are driven through every level in one poll", () => {
    const gate = new Gate<number>();
    const inner = asyncFn(function* () {
      return (yield* gate) * 2;
    });
    const middle = asyncFn(function* () {
      return (yield* inner()) + 1;
    });
    const t = new MockTask(
      asyncBlock(function* () {
        return yield* middle();
      }),
    );
    expect(t.poll()).toBe(PENDING);
    gate.resolve(20);
    expect(t.poll()).toBe(41);
    expect(gate.polls).toBe(2);
  });
});

describe("errors travel like ?", () => {
  it("a child's throw is thrown into the parent at its yield*, where try/catch/finally see it", () => {
    const log: string[] = [];
    const gate = new Gate<number>();
    const inner = asyncFn(function* () {
      try {
        return yield* gate;
      } finally {
        log.push("inner finally");
      }
    });
    const t = new MockTask(
      asyncBlock(function* () {
        try {
          yield* inner();
          return "unreachable";
        } catch (e) {
          log.push(`caught ${(e as Error).message}`);
          return "recovered";
        } finally {
          log.push("outer finally");
        }
      }),
    );
    expect(t.poll()).toBe(PENDING);
    gate.reject(new Error("burnt"));
    expect(t.poll()).toBe("recovered");
    expect(log).toEqual(["inner finally", "caught burnt", "outer finally"]);
  });

  it("an uncaught throw propagates out of every level to the poller, and the future is done", () => {
    const boom = new Error("boom");
    const inner = asyncFn(function* () {
      return yield* new Failing(boom);
    });
    const outer = asyncBlock(function* () {
      return yield* inner();
    });
    const t = new MockTask(outer);
    expect(() => t.poll()).toThrow(boom);
    expect(() => t.poll()).toThrow(FutureStateError);
  });
});

describe("the rules of polling", () => {
  it("polling after completion throws FutureStateError naming the async fn", () => {
    const cook = asyncFn(function* cook() {
      return 1;
    });
    const t = new MockTask(cook());
    expect(t.poll()).toBe(1);
    expect(() => t.poll()).toThrow(FutureStateError);
    expect(() => t.poll()).toThrow(/'cook' was polled after it was done/);
  });

  it("a poll by a second task is refused with FutureStateError", () => {
    const gate = new Gate();
    const fut = asyncBlock(function* () {
      return yield* gate;
    });
    const first = new MockTask(fut);
    const second = new MockTask(fut);
    expect(first.poll()).toBe(PENDING);
    expect(() => second.poll()).toThrow(FutureStateError);
    expect(() => second.poll()).toThrow(/polled by a second task/);
    gate.resolve("ok");
    expect(first.poll()).toBe("ok");
  });

  it("awaiting the same async fn twice with yield* is refused", () => {
    const child = asyncBlock(function* () {
      return 1;
    });
    const t = new MockTask(
      asyncBlock(function* () {
        yield* child;
        yield* child;
      }),
    );
    expect(() => t.poll()).toThrow(
      /awaited with yield\* after it was done: a future is awaited once/,
    );
  });

  it("a bare yield is a TypeError that says to use yield*", () => {
    const t = new MockTask(
      asyncBlock(function* () {
        yield 5 as unknown as Suspend;
      }),
    );
    expect(() => t.poll()).toThrow(TypeError);
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("asyncFn and asyncBlock reject what is not a generator function", () => {
    expect(() => asyncFn(5 as never)).toThrow(/asyncFn\(body\): body must be a generator function/);
    // The slip of someone used to promises: told at once, and what to write instead.
    expect(() => asyncFn((async () => 1) as never)).toThrow(
      new TypeError(
        "asyncFn(body): body must be a generator function (function* () { ... }), got an async function: in Brigade, `yield*` takes the place of `await`",
      ),
    );
    expect(() => asyncBlock(async function* () {} as never)).toThrow(
      /asyncBlock\(body\): .*got an async generator function/,
    );
    expect(() => asyncBlock(null as never)).toThrow(/asyncBlock\(body\): body must be/);
    const notGen = asyncFn((() => 5) as never);
    expect(() => new MockTask(notGen()).poll()).toThrow(TypeError);
  });
});

describe("dispose", () => {
  it("disposing a suspended async fn drops the child it awaits and runs its finally blocks, once", () => {
    const log: string[] = [];
    const gate = new Gate();
    const inner = asyncFn(function* () {
      try {
        return yield* gate;
      } finally {
        log.push("inner");
      }
    });
    const fut = asyncBlock(function* () {
      try {
        return yield* inner();
      } finally {
        log.push("outer");
      }
    });
    const t = new MockTask(fut);
    expect(t.poll()).toBe(PENDING);
    fut[Symbol.dispose]();
    expect(gate.drops).toBe(1);
    expect(log).toEqual(["inner", "outer"]);
    fut[Symbol.dispose]();
    expect(gate.drops).toBe(1);
    expect(log).toEqual(["inner", "outer"]);
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("disposing an async fn that never ran runs none of its code", () => {
    let ran = 0;
    const fut = asyncBlock(function* () {
      try {
        ran++;
      } finally {
        ran++;
      }
    });
    fut[Symbol.dispose]();
    expect(ran).toBe(0);
    expect(() => new MockTask(fut).poll()).toThrow(/was polled after it was cancelled/);
  });

  it("disposing a finished async fn does nothing", () => {
    let finallies = 0;
    const fut = asyncBlock(function* () {
      try {
        return 1;
      } finally {
        finallies++;
      }
    });
    expect(new MockTask(fut).poll()).toBe(1);
    fut[Symbol.dispose]();
    expect(finallies).toBe(1);
  });
});
