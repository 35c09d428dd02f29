/**
 * TaskLocal: a value in scope exactly while its future is polled or torn down, nested scopes
 * shadowing outer ones, no inheritance by spawned tasks, and clear errors outside a scope.
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import type { Future } from "../src/future/future.js";
import { pollFn, ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { RuntimeStateError } from "../src/task/runtime-state-error.js";
import { spawn } from "../src/task/spawn.js";
import { TaskLocal } from "../src/task/task-local.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { flush, Gate } from "./future-testkit.js";

const PAUSED = { clock: "paused" } as const;

describe("TaskLocal.scope", () => {
  it("the value is readable inside the future on every poll, across awaits, and unset outside", async () => {
    const requestId = new TaskLocal<string>("requestId");
    const seen: (string | undefined)[] = [];
    const handle = asyncFn(function* handle() {
      seen.push(requestId.get());
      yield* sleep(10);
      seen.push(requestId.get());
      yield* yieldNow();
      seen.push(requestId.tryGet());
      return requestId.get().toUpperCase();
    });
    const out = await run(
      asyncBlock(function* () {
        const before = requestId.isSet();
        const r = yield* requestId.scope("r-42", handle());
        return { before, r, after: requestId.isSet(), afterValue: requestId.tryGet() };
      }),
      PAUSED,
    );
    expect(out).toEqual({ before: false, r: "R-42", after: false, afterValue: undefined });
    expect(seen).toEqual(["r-42", "r-42", "r-42"]);
    expect(requestId.isSet()).toBe(false);
  });

  it("two tasks interleaving on one local each see their own value, never the other's", async () => {
    const table = new TaskLocal<number>("table");
    const log: string[] = [];
    const serve = asyncFn(function* serve(course: string) {
      for (let i = 0; i < 3; i++) {
        log.push(`${table.get()}:${course}`);
        yield* yieldNow();
      }
    });
    await run(
      asyncBlock(function* () {
        const a = spawn(table.scope(1, serve("a")));
        const b = spawn(table.scope(2, serve("b")));
        // While the two tasks wait between polls, nothing is in scope here.
        yield* yieldNow();
        log.push(`main sees ${table.tryGet()}`);
        yield* join(a, b);
      }),
    );
    expect(log.filter((l) => l.startsWith("1:"))).toEqual(["1:a", "1:a", "1:a"]);
    expect(log.filter((l) => l.startsWith("2:"))).toEqual(["2:b", "2:b", "2:b"]);
    expect(log).toContain("main sees undefined");
    // They really interleaved: a's polls are not all before b's.
    expect(log.indexOf("2:b")).toBeLessThan(log.lastIndexOf("1:a"));
  });

  it("an inner scope of the same local shadows the outer one until it ends, then the outer value is back", async () => {
    const level = new TaskLocal<string>("level");
    const seen: string[] = [];
    await run(
      asyncBlock(function* () {
        yield* level.scope(
          "outer",
          asyncBlock(function* () {
            seen.push(level.get());
            yield* level.scope(
              "inner",
              asyncBlock(function* () {
                seen.push(level.get());
                yield* yieldNow();
                seen.push(level.get());
              }),
            );
            seen.push(level.get());
          }),
        );
      }),
    );
    expect(seen).toEqual(["outer", "inner", "inner", "outer"]);
  });

  it("a task spawned inside a scope does not inherit the value (a new chef gets a new card)", async () => {
    const user = new TaskLocal<string>("user");
    const out = await run(
      asyncBlock(function* () {
        return yield* user.scope(
          "ada",
          asyncBlock(function* () {
            const child = spawn(
              asyncBlock(function* () {
                return user.tryGet();
              }),
            );
            return { here: user.get(), child: yield* child };
          }),
        );
      }),
    );
    expect(out).toEqual({ here: "ada", child: undefined });
  });

  it("a throw from inside the scope leaves the outer value in place and reaches the caller", async () => {
    const step = new TaskLocal<number>("step");
    const out = await run(
      asyncBlock(function* () {
        return yield* step.scope(
          1,
          asyncBlock(function* () {
            try {
              yield* step.scope(
                2,
                asyncBlock(function* () {
                  yield* yieldNow();
                  throw new Error(`boom at ${step.get()}`);
                }),
              );
            } catch (e) {
              return `${(e as Error).message}, back at ${step.get()}`;
            }
            return "no throw";
          }),
        );
      }),
    );
    expect(out).toBe("boom at 2, back at 1");
  });

  it("undefined is a value like any other: isSet tells it from no scope at all", async () => {
    const maybe = new TaskLocal<string | undefined>("maybe");
    const out = await run(
      maybe.scope(
        undefined,
        pollFn(() => [maybe.isSet(), maybe.get()] as const),
      ),
    );
    expect(out).toEqual([true, undefined]);
    expect(maybe.isSet()).toBe(false);
  });
});

describe("TaskLocal and cancellation", () => {
  it("an aborted task's finally blocks still see the value, including those that await", async () => {
    const rt = new Runtime(PAUSED);
    const requestId = new TaskLocal<string>("requestId");
    const work = new Gate("work");
    const log: string[] = [];
    const h = rt.spawn(
      requestId.scope(
        "r-9",
        asyncBlock(function* () {
          try {
            yield* work;
          } finally {
            log.push(`closing ${requestId.tryGet()}`);
            yield* sleep(5);
            log.push(`closed ${requestId.tryGet()}`);
          }
        }),
      ),
    );
    await flush();
    h.abort();
    await expect(h).rejects.toMatchObject({ name: "JoinError" });
    expect(log).toEqual(["closing r-9", "closed r-9"]);
    expect(requestId.isSet()).toBe(false);
    await rt.shutdown();
  });

  it("a race loser dropped inside scopes finishes its awaiting finally detached, still inside every scope", async () => {
    const rt = new Runtime(PAUSED);
    const tag = new TaskLocal<string>("tag");
    const user = new TaskLocal<string>("user");
    const log: string[] = [];
    const loser = asyncBlock(function* loser() {
      try {
        yield* new Gate("never");
      } finally {
        log.push(`before ${tag.tryGet()} ${user.tryGet()}`);
        yield* sleep(5);
        log.push(`after ${tag.tryGet()} ${user.tryGet()}`);
      }
    });
    const h = rt.spawn(
      user.scope(
        "ada",
        tag.scope(
          "outer",
          tag.scope(
            "inner",
            asyncBlock(function* () {
              yield* race(sleep(1), loser);
              yield* sleep(100); // the detached cleanup finishes meanwhile
            }),
          ),
        ),
      ),
    );
    await h;
    await flush();
    expect(log).toEqual(["before inner ada", "after inner ada"]);
    expect(tag.isSet() || user.isSet()).toBe(false);
    await rt.shutdown();
  });

  it("a scope dropped by hand disposes its future with the value in scope, once", () => {
    const tag = new TaskLocal<string>("tag");
    const seen: (string | undefined)[] = [];
    const inner = pollFn<never>(() => PENDING) as unknown as Future<never> & Disposable;
    let disposed = 0;
    inner[Symbol.dispose] = () => {
      disposed++;
      seen.push(tag.tryGet());
    };
    const scoped = tag.scope("t", inner);
    expect(scoped.poll(new Context(Waker.noop()))).toBe(PENDING);
    scoped[Symbol.dispose]();
    scoped[Symbol.dispose]();
    expect(disposed).toBe(1);
    expect(seen).toEqual(["t"]);
    expect(tag.isSet()).toBe(false);
  });

  it("a task dump names the scope above the future it wraps", async () => {
    const rt = new Runtime(PAUSED);
    const requestId = new TaskLocal<string>("requestId");
    rt.spawn(
      requestId.scope(
        "r-1",
        asyncBlock(function* handler() {
          yield* sleep(1000);
        }),
      ),
      { name: "request" },
    );
    await flush();
    expect(String(rt.dump()).split("\n").slice(0, 3)).toEqual([
      "task 1 'request' (idle)",
      "└─ requestId.scope",
      "   └─ handler",
    ]);
    await rt.shutdown();
  });
});

describe("TaskLocal.syncScope and misuse", () => {
  it("syncScope returns fn's value and restores the outer value even when fn throws", () => {
    const depth = new TaskLocal<number>("depth");
    expect(depth.syncScope(1, () => depth.syncScope(2, () => depth.get()) + depth.get())).toBe(3);
    expect(() =>
      depth.syncScope(1, () => {
        throw new Error("inside");
      }),
    ).toThrow("inside");
    expect(depth.isSet()).toBe(false);
  });

  it("get() outside every scope throws a RuntimeStateError naming the local", () => {
    const requestId = new TaskLocal<string>("requestId");
    expect(() => requestId.get()).toThrow(RuntimeStateError);
    expect(() => requestId.get()).toThrow(/task-local 'requestId' was read outside its scope/);
    expect(requestId.tryGet()).toBeUndefined();
  });

  it("bad arguments are TypeErrors naming the argument, and a finished scope refuses another poll", () => {
    const local = new TaskLocal<number>("n");
    expect(() => local.scope(1, Promise.resolve(1) as never)).toThrow(
      /n\.scope\(value, future\): future must be a future, got object \(a Promise/,
    );
    expect(() => local.syncScope(1, "nope" as never)).toThrow(TypeError);
    expect(() => new TaskLocal(42 as never)).toThrow(/name must be a string, got number/);
    const scoped = local.scope(1, ready(5));
    const cx = new Context(Waker.noop());
    expect(scoped.poll(cx)).toBe(5);
    expect(() => scoped.poll(cx)).toThrow(FutureStateError);
  });
});
