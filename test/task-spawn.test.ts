import { describe, expect, it } from "vitest";
import { race } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { OWNED } from "../src/future/cancel.js";
import { FutureStateError } from "../src/future/errors.js";
import { ready } from "../src/future/leaf.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import { JoinError } from "../src/task/join-error.js";
import { RuntimeStateError } from "../src/task/runtime-state-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";
import { flush, Gate } from "./future-testkit.js";

describe("spawn", () => {
  it("outside a runtime throws an error that says so", () => {
    expect(() => spawn(ready(1))).toThrow(/spawn\(\) was called outside a Brigade runtime/);
    expect(() => Runtime.current()).toThrow(/outside a Brigade runtime/);
    expect(() => spawn(ready(1))).toThrow(RuntimeStateError);
    expect(() => Runtime.current()).toThrow(RuntimeStateError);
  });

  it("rejects what is not a future with a TypeError naming the argument", async () => {
    await expect(
      run(
        asyncBlock(function* () {
          spawn(Promise.resolve(1) as never);
        }),
      ),
    ).rejects.toThrow(/spawn\(future\): future must be a future/);
    expect(() => run(5 as never)).toThrow(/run\(main\): main must be a future/);
  });

  it("a spawned task does not start until the spawner yields; its handle yields its value", async () => {
    const log: string[] = [];
    const out = await run(
      asyncBlock(function* () {
        const h = spawn(
          asyncBlock(function* () {
            log.push("child ran");
            return "soup";
          }),
          { name: "table 1" },
        );
        log.push("spawned");
        expect(h.name).toBe("table 1");
        expect(h.isFinished()).toBe(false);
        const v = yield* h;
        log.push("joined");
        expect(h.isFinished()).toBe(true);
        return v;
      }),
    );
    expect(out).toBe("soup");
    expect(log).toEqual(["spawned", "child ran", "joined"]);
  });

  it("task ids are unique; unnamed tasks are named after their id", async () => {
    await run(
      asyncBlock(function* () {
        const a = spawn(ready(1));
        const b = spawn(ready(2));
        expect(a.id).not.toBe(b.id);
        expect(a.name).toBe(`task ${a.id}`);
        yield* a;
        yield* b;
      }),
    );
  });

  it("a JoinHandle is awaitable from native code", async () => {
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        yield* yieldNow();
        return 42;
      }),
    );
    expect(await h).toBe(42);
    await rt.shutdown();
  });

  it("a task that throws ends with a panic JoinError carrying the thrown value", async () => {
    const boom = new Error("kitchen fire");
    const err = await run(
      asyncBlock(function* () {
        const h = spawn(
          asyncBlock(function* () {
            throw boom;
          }),
          { name: "cook" },
        );
        try {
          yield* h;
        } catch (e) {
          return e;
        }
      }),
    );
    expect(err).toBeInstanceOf(JoinError);
    const je = err as JoinError;
    expect(je.isPanic()).toBe(true);
    expect(je.isCancelled()).toBe(false);
    expect(je.cause).toBe(boom);
    expect(je.taskName).toBe("cook");
    expect(je.message).toMatch(/task 'cook' panicked: Error: kitchen fire/);
  });

  it("polling a handle again after it gave its value throws FutureStateError", async () => {
    await run(
      asyncBlock(function* () {
        const h = spawn(ready(1));
        yield* h;
        let caught: unknown;
        try {
          yield* h;
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(FutureStateError);
      }),
    );
  });

  it("run rejects with what main threw (not wrapped in a JoinError)", async () => {
    const boom = new Error("main failed");
    await expect(
      run(
        asyncBlock(function* () {
          yield* yieldNow();
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
  });

  it("bad spawn options get a TypeError naming the option", async () => {
    await expect(
      run(
        asyncBlock(function* () {
          spawn(ready(1), { name: 5 as never });
        }),
      ),
    ).rejects.toThrow(/spawn options.name must be a string, got number/);
    await expect(
      run(
        asyncBlock(function* () {
          spawn(ready(1), { signal: {} as never });
        }),
      ),
    ).rejects.toThrow(/spawn\(future, options\): options.signal must be an AbortSignal/);
  });
});

describe("abort", () => {
  it("aborting a task parked on a leaf disposes it at once: finally runs, the leaf is dropped, the handle reports cancelled", async () => {
    const gate = new Gate();
    const log: string[] = [];
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* gate;
        } finally {
          log.push("finally");
        }
      }),
      { name: "waiter" },
    );
    await flush();
    expect(gate.parked).toBe(true);
    h.abort();
    expect(log).toEqual(["finally"]);
    expect(gate.drops).toBe(1);
    expect(h.isFinished()).toBe(true);
    const err = await h.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).isCancelled()).toBe(true);
    expect((err as JoinError).message).toMatch(/task 'waiter' was cancelled/);
    h.abort(); // aborting a finished task does nothing
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("aborting a task parked on a sleep releases the timer: metrics read zero live tasks and timers", async () => {
    const rt = new Runtime();
    let finallies = 0;
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* sleep(60_000);
        } finally {
          finallies++;
        }
      }),
    );
    await flush();
    expect(rt.metrics().liveTimers).toBe(1);
    expect(rt.metrics().liveTasks).toBe(1);
    h.abort();
    expect(finallies).toBe(1);
    expect(rt.metrics().liveTimers).toBe(0);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("a task that aborts itself is torn down when its poll returns", async () => {
    const log: string[] = [];
    const out = await run(
      asyncBlock(function* () {
        const h = spawn(
          asyncBlock(function* () {
            try {
              Runtime.current(); // inside a task
              self.abort();
              log.push("still running this poll");
              yield* yieldNow();
              log.push("never");
            } finally {
              log.push("finally");
            }
          }),
        );
        const self = h;
        try {
          yield* h;
          return "ok";
        } catch (e) {
          return (e as JoinError).isCancelled() ? "cancelled" : "other";
        }
      }),
    );
    expect(out).toBe("cancelled");
    expect(log).toEqual(["still running this poll", "finally"]);
  });

  it("an abort handle aborts without being able to join", async () => {
    await run(
      asyncBlock(function* () {
        const gate = new Gate();
        const h = spawn(gate);
        const ah = h.abortHandle();
        expect(ah.id).toBe(h.id);
        yield* yieldNow();
        ah.abort();
        expect(ah.isFinished()).toBe(true);
        expect(gate.drops).toBe(1);
      }),
    );
  });

  it("spawn with an AbortSignal: aborting the signal cancels the task", async () => {
    const ac = new AbortController();
    const gate = new Gate();
    const rt = new Runtime();
    const h = rt.spawn(gate, { signal: ac.signal });
    await flush();
    ac.abort();
    expect(gate.drops).toBe(1);
    await expect(Promise.resolve(h)).rejects.toSatisfy((e) => (e as JoinError).isCancelled());
    // An already aborted signal cancels before the first poll.
    const g2 = new Gate();
    const h2 = rt.spawn(g2, { signal: AbortSignal.abort() });
    await expect(Promise.resolve(h2)).rejects.toSatisfy((e) => (e as JoinError).isCancelled());
    expect(g2.polls).toBe(0);
    await rt.shutdown();
  });

  it("run with an AbortSignal: aborting cancels main, its finally runs, and run rejects cancelled", async () => {
    const ac = new AbortController();
    const log: string[] = [];
    const gate = new Gate();
    const p = run(
      asyncBlock(function* () {
        try {
          yield* gate;
        } finally {
          log.push("main finally");
        }
      }),
      { signal: ac.signal },
    );
    await flush();
    ac.abort();
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(log).toEqual(["main finally"]);
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).isCancelled()).toBe(true);
  });
});

describe("asyncFn tasks", () => {
  it("two chefs serve two tables concurrently", async () => {
    const served: string[] = [];
    const serve = asyncFn(function* (table: number, steps: number) {
      for (let i = 0; i < steps; i++) yield* yieldNow();
      served.push(`table ${table}`);
      return table;
    });
    const out = await run(
      asyncBlock(function* () {
        const a = spawn(serve(1, 3));
        const b = spawn(serve(2, 1));
        return [yield* a, yield* b];
      }),
    );
    expect(out).toEqual([1, 2]);
    expect(served).toEqual(["table 2", "table 1"]);
  });
});

describe("a dropped JoinHandle", () => {
  /** An output that counts its disposals. */
  /** A value with one owner (marked OWNED): left over, it is disposed. */
  class Ticket implements Disposable {
    readonly [OWNED] = true;
    disposed = 0;
    [Symbol.dispose](): void {
      this.disposed++;
    }
  }

  it("disposes the output the task returns after the handle was dropped (a guard is released)", async () => {
    const m = new Mutex(0, { name: "till" });
    const holder = m.tryLock()!;
    await run(
      asyncBlock(function* () {
        // The sleep wins; the handle of the task still waiting for the lock is dropped.
        const first = yield* race(spawn(m.lock()), sleep(5));
        expect(first).toBeUndefined();
        holder.release(); // the task now gets the guard and returns it to nobody
        yield* sleep(5);
        expect(m.isLocked()).toBe(false);
      }),
      { clock: "paused" },
    );
  });

  it("disposes an output that came before the handle was dropped, once, and never a taken one", async () => {
    await run(
      asyncBlock(function* () {
        const early = new Ticket();
        const h1 = spawn(ready(early));
        yield* sleep(1);
        h1[Symbol.dispose]();
        h1[Symbol.dispose]();
        expect(early.disposed).toBe(1);

        const taken = new Ticket();
        const h2 = spawn(ready(taken));
        expect(yield* h2).toBe(taken);
        h2[Symbol.dispose]();
        expect(taken.disposed).toBe(0);
      }),
      { clock: "paused" },
    );
  });

  it("a handle a timeout gave up on can be awaited again; once its output was disposed, awaiting says so", async () => {
    const outcome = await run(
      asyncBlock(function* () {
        const ticket = new Ticket();
        const h = spawn(
          asyncBlock(function* () {
            yield* sleep(20);
            return ticket;
          }),
        );
        try {
          yield* timeout(10, h);
        } catch (e) {
          expect(e).toBeInstanceOf(TimeoutError);
        }
        // Awaited again before the output came: the output is wanted after all.
        expect(yield* h).toBe(ticket);
        expect(ticket.disposed).toBe(0);

        const late = new Ticket();
        const h2 = spawn(
          asyncBlock(function* () {
            yield* sleep(20);
            return late;
          }),
        );
        try {
          yield* timeout(10, h2);
        } catch {
          // given up on
        }
        yield* sleep(20); // the output comes while the handle is dropped: disposed
        expect(late.disposed).toBe(1);
        try {
          yield* h2;
          return "no error";
        } catch (e) {
          return String(e);
        }
      }),
      { clock: "paused" },
    );
    expect(outcome).toMatch(/was dropped .* and the task's output was disposed with it/);
  });

  it("leaves the output alone while native code awaits the handle", async () => {
    const rt = new Runtime({ clock: "paused" });
    const ticket = new Ticket();
    const h = rt.spawn(
      asyncBlock(function* () {
        yield* sleep(1);
        return ticket;
      }),
    );
    const awaited = h.then((t) => t);
    h[Symbol.dispose]();
    expect(await awaited).toBe(ticket);
    expect(ticket.disposed).toBe(0);
    await rt.shutdown();
  });
});

describe("spawn options", () => {
  it("an options value that is not an object is a TypeError naming it, and nothing is spawned", () => {
    const rt = new Runtime();
    const body = asyncBlock(function* () {});
    expect(() => rt.spawn(body, "table 1" as never)).toThrow(
      "spawn(future, options): options must be an object like { name, signal }, got string 'table 1'",
    );
    expect(() => rt.spawn(body, null as never)).toThrow(TypeError);
    expect(rt.metrics().spawnedTotal).toBe(0);
    expect(() => run(body, { signal: "x" as never })).toThrow(
      "run(main, options): options.signal must be an AbortSignal, got string 'x'",
    );
  });

  it("an AbortSignal's reason becomes the cause of the cancelled JoinError", async () => {
    const rt = new Runtime({ clock: "paused" });
    const early = AbortSignal.abort(new Error("closed for the night"));
    const late = new AbortController();
    const a = rt.spawn(
      asyncBlock(function* () {}),
      { signal: early },
    );
    const b = rt.spawn(
      asyncBlock(function* () {
        yield* sleep(1000);
      }),
      { signal: late.signal },
    );
    late.abort(new Error("ctrl-c"));
    for (const [h, cause] of [
      [a, "closed for the night"],
      [b, "ctrl-c"],
    ] as const) {
      const e = await h.then(
        () => null,
        (x: unknown) => x as JoinError,
      );
      expect(e).toBeInstanceOf(JoinError);
      expect(e!.isCancelled()).toBe(true);
      expect((e!.cause as Error).message).toBe(cause);
    }
    await rt.shutdown();
  });
});
