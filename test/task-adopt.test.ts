/**
 * Adoption: a task spawned with a fresh async fn steps its generator itself and lets the coroutine
 * go. These tests check that nothing a user can see changes: labels and await chains in dumps,
 * cancellation with awaiting finally blocks, errors, and the refusal to drive the body twice.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import type { Suspend } from "../src/future/future.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { flush, Gate } from "./future-testkit.js";

const waitAt = asyncFn(function* waitAt(gate: Gate) {
  return yield* gate;
});

const serveTable = asyncFn(function* serveTable(gate: Gate) {
  return `served ${yield* waitAt(gate)}`;
});

describe("a task that adopts its async fn", () => {
  it("shows the body's label and await chain in a dump, before and after its first poll", async () => {
    const rt = new Runtime();
    const gate = new Gate("bell");
    const handle = rt.spawn(serveTable(gate), { name: "table 1" });
    expect(String(rt.dump())).toContain("serveTable");
    await flush();
    const dump = rt.dump();
    const tree = dump.tasks.find((t) => t.name === "table 1")!.tree;
    expect(tree.label).toBe("serveTable");
    expect(tree.children[0]!.label).toBe("waitAt");
    expect(gate.polls).toBe(1);
    gate.resolve("soup");
    expect(await handle).toBe("served soup");
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("leaves behind a coroutine that refuses to be polled, naming the task that drives it", async () => {
    const gate = new Gate();
    const card = waitAt(gate);
    const rt = new Runtime();
    const handle = rt.spawn(card);
    expect(() => card.poll(new Context(Waker.noop()))).toThrow(FutureStateError);
    expect(() => card.poll(new Context(Waker.noop()))).toThrow(
      "async fn 'waitAt' was polled after it was spawned as a task",
    );
    gate.resolve("ok");
    expect(await handle).toBe("ok");
    await rt.shutdown();
  });

  it("aborted before its first poll, never calls the generator function", async () => {
    let started = 0;
    const body = asyncFn(function* body() {
      started++;
      yield* yieldNow();
    });
    const out = await run(
      asyncBlock(function* () {
        const h = spawn(body());
        h.abort();
        try {
          yield* h;
          return "finished";
        } catch (e) {
          return (e as JoinError).isCancelled() ? "cancelled" : "panicked";
        }
      }),
      { clock: "paused" },
    );
    expect(out).toBe("cancelled");
    expect(started).toBe(0);
  });

  it("aborted while waiting, drives a finally block that awaits to its end before reporting cancelled", async () => {
    const log: string[] = [];
    const gate = new Gate();
    const cook = asyncFn(function* cook() {
      try {
        yield* gate;
      } finally {
        log.push("cleanup started");
        yield* sleep(50);
        log.push("cleanup finished");
      }
    });
    const rt = new Runtime({ clock: "paused" });
    const out = await rt.spawn(
      asyncBlock(function* () {
        const h = spawn(cook());
        yield* yieldNow(); // cook parks on the gate
        h.abort();
        try {
          yield* h;
        } catch (e) {
          log.push((e as JoinError).isCancelled() ? "cancelled" : "panicked");
        }
        return log;
      }),
    );
    expect(out).toEqual(["cleanup started", "cleanup finished", "cancelled"]);
    expect(gate.drops).toBe(1);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("panics with a TypeError naming the body when it yields without yield*", async () => {
    const bare = asyncFn(function* bareYield() {
      yield 42 as never;
    });
    const rt = new Runtime({ unhandledPanic: "ignore" });
    const err = await rt.spawn(bare()).then(
      () => null,
      (e: unknown) => (e as JoinError).cause,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err)).toContain("async fn 'bareYield' yielded 42: use yield* to await a future");
    // A future yielded without the star is named by its class, not "[object Object]".
    const forgot = asyncFn(function* forgotStar() {
      yield sleep(10) as never;
    });
    const err2 = await rt.spawn(forgot()).then(
      () => null,
      (e: unknown) => (e as JoinError).cause,
    );
    expect(String(err2)).toContain("async fn 'forgotStar' yielded a Sleep: use yield*");
    await rt.shutdown();
  });

  it("keeps a method's `this` (such a call keeps its coroutine, and works the same)", async () => {
    class Kitchen {
      dish = "pasta";
      cook = asyncFn(function* cook(this: Kitchen) {
        yield* yieldNow();
        return this.dish;
      });
    }
    const k = new Kitchen();
    expect(await run(k.cook())).toBe("pasta");
  });

  it("names a bound generator function's body by its own name, and leaves every other label alone", async () => {
    const g = function* g(): Generator<Suspend, void, unknown> {
      yield 1 as never;
    };
    const bound = asyncFn(g.bind(null)); // a bound function has no prototype of its own to tag
    const later = asyncFn(function* later(): Generator<Suspend, void, unknown> {
      yield 1 as never;
    });
    const rt = new Runtime({ unhandledPanic: "ignore" });
    const causeOf = (h: Promise<unknown>) =>
      h.then(
        () => "",
        (e: unknown) => String(((e as JoinError).cause as Error).message),
      );
    expect(await causeOf(rt.spawn(bound()).then())).toContain("async fn 'bound g' yielded 1");
    expect(await causeOf(rt.spawn(later()).then())).toContain("async fn 'later' yielded 1");
    const gate = new Gate();
    rt.spawn(
      asyncBlock(function* () {
        yield* gate;
      }),
      { name: "block" },
    );
    await flush();
    expect(rt.dump().tasks.find((t) => t.name === "block")!.tree.label).toBe("asyncBlock");
    gate.resolve("x");
    await rt.shutdown();
  });

  it("names a plain function that returns another function's generator by its own name", async () => {
    const innerGen = function* innerGen(gate: Gate): Generator<Suspend, string, unknown> {
      return yield* gate;
    };
    asyncFn(innerGen); // tags innerGen: its generators now carry the label "innerGen"
    // A plain function returning innerGen's generator, as an asyncFn and as an asyncBlock body.
    const wrapper = asyncFn(function wrapper(gate: Gate) {
      return innerGen(gate);
    });
    const rt = new Runtime();
    const g1 = new Gate();
    const g2 = new Gate();
    const h1 = rt.spawn(wrapper(g1), { name: "w" });
    const h2 = rt.spawn(
      asyncBlock(() => innerGen(g2)),
      { name: "b" },
    );
    await flush();
    const labels = rt.dump().tasks.map((t) => `${t.name}:${t.tree.label}`);
    expect(labels).toEqual(["w:wrapper", "b:asyncBlock"]);
    g1.resolve("x");
    g2.resolve("y");
    expect(await h1).toBe("x");
    expect(await h2).toBe("y");
    await rt.shutdown();
  });

  it("names the body of a function, or of a prototype, that cannot take the label, by its own name", async () => {
    const frozenFn = Object.freeze(function* frozenFn(
      gate: Gate,
    ): Generator<Suspend, string, unknown> {
      return yield* gate;
    });
    const sealedProto = function* sealedProto(gate: Gate): Generator<Suspend, string, unknown> {
      return yield* gate;
    };
    Object.seal(sealedProto.prototype);
    const a = asyncFn(frozenFn);
    const b = asyncFn(sealedProto);
    const rt = new Runtime();
    const ga = new Gate();
    const gb = new Gate();
    const ha = rt.spawn(a(ga), { name: "a" });
    const hb = rt.spawn(b(gb), { name: "b" });
    await flush();
    const labels = rt.dump().tasks.map((t) => `${t.name}:${t.tree.label}`);
    expect(labels).toEqual(["a:frozenFn", "b:sealedProto"]);
    ga.resolve("x");
    gb.resolve("y");
    expect(await ha).toBe("x");
    expect(await hb).toBe("y");
    await rt.shutdown();
  });

  it("a dump taken while the body's function runs (before its generator exists) sees a fresh body", async () => {
    const inner = function* (): Generator<Suspend, number, unknown> {
      return 1;
    };
    let seen = "";
    const w = asyncFn(function starting() {
      seen = String(Runtime.current().dump());
      return inner();
    });
    const rt = new Runtime();
    expect(await rt.spawn(w(), { name: "t" })).toBe(1);
    expect(seen).toContain("'t' (running)");
    expect(seen).toContain("starting");
    await rt.shutdown();
  });
});
