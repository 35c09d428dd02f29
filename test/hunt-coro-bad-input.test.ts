/**
 * Bug hunt: bad input to the core's public functions gets a typed error that names the argument
 * and the rule, at the call rather than at some later poll, with a message about the slip itself.
 */
import { describe, expect, it } from "vitest";
import { join, tryJoin } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { race, select, selectAll } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import { fromPromise } from "../src/future/from-promise.js";
import type { FutureBase } from "../src/future/future.js";
import { pollFn, ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { yieldNow } from "../src/task/yield-now.js";
import { Gate, MockTask } from "./future-testkit.js";

describe("wrapping an async fn again", () => {
  const cook = asyncFn(function* cook(dish: string) {
    yield* yieldNow();
    return dish;
  });

  it("asyncFn(cook), where cook came from asyncFn, is refused at once with a TypeError saying to call it", () => {
    expect(() => asyncFn(cook as never)).toThrow(
      new TypeError(
        "asyncFn(body): body must be a generator function (function* () { ... }), got a function asyncFn already made: call it to get its future instead of wrapping it again",
      ),
    );
  });

  it("asyncBlock(cook) is refused the same way, naming asyncBlock", () => {
    expect(() => asyncBlock(cook as never)).toThrow(
      /^asyncBlock\(body\): .*got a function asyncFn already made/,
    );
  });

  it("the function asyncFn made still works when called", () => {
    const t = new MockTask(cook("soup"));
    expect(t.poll()).toBe(PENDING);
    expect(t.poll()).toBe("soup");
  });
});

describe("pollFn", () => {
  it("pollFn(async fn) is refused at once: its promise would be taken for the output", () => {
    expect(() => pollFn((async () => 1) as never)).toThrow(
      /^pollFn\(fn\): fn must return the output or PENDING, got an async function/,
    );
  });

  it("a plain poll function is accepted and polled", () => {
    let n = 0;
    const t = new MockTask(
      pollFn((cx) => {
        if (++n < 2) {
          cx.waker.wake();
          return PENDING;
        }
        return n;
      }),
    );
    expect(t.poll()).toBe(PENDING);
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(2);
  });
});

describe("each public function names its argument and the rule", () => {
  it.each([
    [
      "join(1)",
      () => join(1 as never),
      TypeError,
      "join(...futures): argument 0 must be a future, got number",
    ],
    [
      "tryJoin(ready, promise)",
      () => tryJoin(ready(1), Promise.resolve(2) as never),
      TypeError,
      "tryJoin(...futures): argument 1 must be a future, got object (a Promise: wrap it with fromPromise(() => promise), or better fromPromise((signal) => start(signal)), which starts it on the first poll and can abort it)",
    ],
    [
      "select(null, x)",
      () => select(null as never, ready(1)),
      TypeError,
      "select(a, b): argument 0 must be a future, got null",
    ],
    ["race()", () => race(), RangeError, "race(...futures) needs at least 1 future, got 0"],
    [
      "selectAll([])",
      () => selectAll([]),
      RangeError,
      "selectAll(futures) needs at least 1 future, got 0",
    ],
    [
      "joinAll(5)",
      () => joinAll(5 as never),
      TypeError,
      "joinAll(futures): futures must be an iterable of futures, got number",
    ],
    [
      "asyncFn(5)",
      () => asyncFn(5 as never),
      TypeError,
      "asyncFn(body): body must be a generator function, got number",
    ],
    [
      "fromPromise('x')",
      () => fromPromise("x" as never),
      TypeError,
      "fromPromise(make): make must be a function (signal) => promise, got string",
    ],
    [
      "fromPromise(promise)",
      () => fromPromise(Promise.resolve(1) as never),
      TypeError,
      "fromPromise(make): make must be a function (signal) => promise, got a Promise, already started: pass the function that starts it, fromPromise(() => promise), or better fromPromise((signal) => start(signal)), which starts it on the first poll and can abort it",
    ],
    [
      "fromPromise(null)",
      () => fromPromise(null as never),
      TypeError,
      "fromPromise(make): make must be a function (signal) => promise, got null",
    ],
    [
      "pollFn(null)",
      () => pollFn(null as never),
      TypeError,
      "pollFn(fn): fn must be a function, got object",
    ],
  ] as const)("%s", (_name, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });
});

describe("a combinator polled after it was dropped", () => {
  it.each([
    ["join", () => join(new Gate())],
    ["tryJoin", () => tryJoin(new Gate())],
    ["joinAll", () => joinAll([new Gate()])],
    ["select", () => select(new Gate(), new Gate())],
    ["selectAll", () => selectAll([new Gate()])],
    ["race", () => race(new Gate())],
  ] as const)(
    "%s: polled pending, dropped, polled again: the error says dropped, not completed",
    (name, make) => {
      const t = new MockTask(make() as FutureBase<unknown> & Disposable);
      expect(t.poll()).toBe(PENDING);
      t.future[Symbol.dispose]();
      expect(() => t.poll()).toThrow(FutureStateError);
      expect(() => t.poll()).toThrow(new RegExp(`^${name} was polled after it was dropped`));
    },
  );
});
