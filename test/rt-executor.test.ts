import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { pollProceed } from "../src/task/budget.js";
import { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { flush, Gate } from "./future-testkit.js";

/** Wakes its waker `wakes` times inside its first poll and returns pending; ready on the second. */
class WakesDuringPoll extends FutureBase<string> {
  polls = 0;
  constructor(private readonly wakes: number) {
    super();
  }
  poll(cx: Context): Poll<string> {
    if (this.polls++ > 0) return "done";
    for (let i = 0; i < this.wakes; i++) cx.waker.wake();
    return PENDING;
  }
}

/** A waker that counts its wakes. */
class CountingWaker {
  constructor(private readonly onWake: () => void) {}
  wake(): void {
    this.onWake();
  }
  willWake(other: unknown): boolean {
    return other === this;
  }
}

/** Always ready, but spends the cooperative budget like a runtime leaf (a channel with items). */
class AlwaysReady extends FutureBase<number> {
  poll(cx: Context): Poll<number> {
    if (!pollProceed(cx)) return PENDING;
    return 1;
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("waking", () => {
  it("three wakes while the task is being polled queue it once: it is polled exactly twice", async () => {
    const rt = new Runtime();
    const f = new WakesDuringPoll(3);
    const h = rt.spawn(f);
    expect(await h).toBe("done");
    expect(f.polls).toBe(2);
    expect(rt.metrics().pollsTotal).toBe(2);
    await rt.shutdown();
  });

  it("wakes from outside a poll while the task is queued are ignored: one poll", async () => {
    const rt = new Runtime();
    const gate = new Gate();
    rt.spawn(gate);
    await flush();
    expect(gate.polls).toBe(1);
    const w = gate.waker!;
    w.wake();
    w.wake();
    w.wake();
    expect(rt.metrics().queueDepth).toBe(1);
    await flush();
    expect(gate.polls).toBe(2);
    expect(rt.metrics().pollsTotal).toBe(2);
    await rt.shutdown();
  });

  it("a wake from outside any poll schedules a turn without waiting for a macrotask", async () => {
    const rt = new Runtime();
    const gate = new Gate<number>();
    const h = rt.spawn(gate);
    await flush();
    gate.resolve(5);
    // Microtasks only: the executor's turn is a microtask.
    for (let i = 0; i < 5 && !h.isFinished(); i++) await Promise.resolve();
    expect(h.isFinished()).toBe(true);
    await rt.shutdown();
  });

  it("yieldNow puts the task behind the others that are ready", async () => {
    const log: string[] = [];
    const chef = asyncFn(function* (name: string) {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i}`);
        yield* yieldNow();
      }
    });
    await run(
      asyncBlock(function* () {
        const a = spawn(chef("a"));
        const b = spawn(chef("b"));
        yield* a;
        yield* b;
      }),
    );
    expect(log).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });
});

describe("starvation", () => {
  it("a task that yields forever does not starve a Node setTimeout", async () => {
    const rt = new Runtime();
    let spins = 0;
    const h = rt.spawn(
      asyncBlock(function* () {
        for (;;) {
          spins++;
          yield* yieldNow();
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(spins).toBeGreaterThan(0);
    expect(rt.metrics().eventLoopYields).toBeGreaterThan(0);
    h.abort();
    await rt.shutdown();
  });

  it("a task whose leaf is always ready is cut short by the budget and does not starve a setTimeout", async () => {
    const rt = new Runtime();
    let items = 0;
    const h = rt.spawn(
      asyncBlock(function* () {
        const leaf = () => new AlwaysReady();
        for (;;) items += yield* leaf();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(items).toBeGreaterThan(0);
    expect(rt.metrics().budgetForcedYields).toBeGreaterThan(0);
    h.abort();
    await rt.shutdown();
  });
});

describe("the budget belongs to task polls", () => {
  it("a future polled by hand after a task spent its whole budget is not cut short", async () => {
    // The task ends its poll with the budget at exactly zero (128 ready leaves).
    await run(
      asyncBlock(function* () {
        for (let i = 0; i < 128; i++) yield* new AlwaysReady();
      }),
    );
    let wakes = 0;
    const cx = new Context(new CountingWaker(() => wakes++));
    expect(new AlwaysReady().poll(cx)).toBe(1);
    expect(wakes).toBe(0);
  });

  it("each runtime counts only the polls its own budget cut short", async () => {
    const busy = new Runtime();
    const quiet = new Runtime();
    await busy.spawn(
      asyncBlock(function* () {
        for (let i = 0; i < 1000; i++) yield* new AlwaysReady();
      }),
    );
    const cut = busy.metrics().budgetForcedYields;
    expect(cut).toBe(7); // 1000 ready leaves at 128 per poll
    await quiet.spawn(asyncBlock(function* () {}));
    expect(quiet.metrics().budgetForcedYields).toBe(0);
    const later = new Runtime();
    await later.spawn(
      asyncBlock(function* () {
        for (let i = 0; i < 300; i++) yield* new AlwaysReady();
      }),
    );
    expect(later.metrics().budgetForcedYields).toBe(2);
    expect(busy.metrics().budgetForcedYields).toBe(cut);
    await Promise.all([busy.shutdown(), quiet.shutdown(), later.shutdown()]);
  });
});

describe("unhandled panics", () => {
  it("a panic nobody awaits is reported on stderr with the task's name", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(" "));
    });
    await run(
      asyncBlock(function* () {
        spawn(
          asyncBlock(function* () {
            throw new Error("grease fire");
          }),
          { name: "grill" },
        );
        yield* yieldNow();
        yield* yieldNow();
      }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/task 'grill' panicked while nothing was awaiting it/);
    expect(errors[0]).toMatch(/grease fire/);
  });

  it("an awaited panic is not reported", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    await run(
      asyncBlock(function* () {
        const h = spawn(
          asyncBlock(function* () {
            throw new Error("handled");
          }),
        );
        try {
          yield* h;
        } catch {}
      }),
    );
    expect(spy).not.toHaveBeenCalled();
  });

  it("a panic in its first poll of a task awaited from native code is not reported (await calls then() a microtask later)", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const rt = new Runtime();
    const boom = new Error("at once");
    await expect(
      rt.spawn(
        asyncBlock(function* () {
          throw boom;
        }),
      ) as PromiseLike<never>,
    ).rejects.toSatisfy((e) => (e as JoinError).cause === boom);
    await rt.shutdown();
    // run() awaits main's handle the same way.
    await expect(
      run(
        asyncBlock(function* () {
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    await flush();
    expect(spy).not.toHaveBeenCalled();
  });

  it('with unhandledPanic: "shutdown", the panic ends the runtime: live tasks are disposed and run rejects with it', async () => {
    const log: string[] = [];
    const err = await run(
      asyncBlock(function* () {
        spawn(
          asyncBlock(function* () {
            throw new Error("fatal");
          }),
          { name: "doomed" },
        );
        try {
          yield* new Gate("forever");
        } finally {
          log.push("main finally");
        }
      }),
      { unhandledPanic: "shutdown" },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(log).toEqual(["main finally"]);
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).isPanic()).toBe(true);
    expect((err as JoinError).taskName).toBe("doomed");
  });

  it("bad runtime options get typed errors naming the option", () => {
    expect(() => new Runtime({ unhandledPanic: "explode" as never })).toThrow(RangeError);
    expect(() => new Runtime({ eventInterval: 0 })).toThrow(/options.eventInterval must be/);
    expect(() => new Runtime({ seed: 1.5 })).toThrow(/options.seed must be an integer/);
  });
});

describe("shutdown", () => {
  it("disposes every live task, runs their finally blocks, and leaves no live task or timer", async () => {
    const log: string[] = [];
    const rt = new Runtime();
    const gates = [new Gate("a"), new Gate("b")];
    for (const [i, g] of gates.entries()) {
      rt.spawn(
        asyncBlock(function* () {
          try {
            yield* g;
          } finally {
            log.push(`finally ${i}`);
          }
        }),
      );
    }
    rt.spawn(sleep(60_000));
    await flush();
    expect(rt.metrics().liveTasks).toBe(3);
    expect(rt.metrics().liveTimers).toBe(1);
    await rt.shutdown();
    expect(log.sort()).toEqual(["finally 0", "finally 1"]);
    expect(gates.map((g) => g.drops)).toEqual([1, 1]);
    expect(rt.metrics().liveTasks).toBe(0);
    expect(rt.metrics().liveTimers).toBe(0);
    expect(rt.metrics().queueDepth).toBe(0);
  });

  it("a task spawned after shutdown is aborted at once", async () => {
    const rt = new Runtime();
    await rt.shutdown();
    const gate = new Gate();
    const h = rt.spawn(gate);
    await expect(Promise.resolve(h)).rejects.toSatisfy((e) => (e as JoinError).isCancelled());
    expect(gate.polls).toBe(0);
  });

  it("when main ends, run disposes the tasks still alive before it settles", async () => {
    const log: string[] = [];
    const v = await run(
      asyncBlock(function* () {
        spawn(
          asyncBlock(function* () {
            try {
              yield* new Gate("forever");
            } finally {
              log.push("background finally");
            }
          }),
        );
        yield* yieldNow();
        log.push("main returns");
        return 7;
      }),
    );
    expect(v).toBe(7);
    expect(log).toEqual(["main returns", "background finally"]);
  });
});

describe("the host process", () => {
  it("a runtime whose only task is parked forever does not keep Node alive: the process exits on its own", () => {
    const script = `
      import { Runtime } from "./src/runtime/runtime.ts";
      import { asyncBlock } from "./src/coroutine/async-fn.ts";
      import { pollFn } from "./src/future/leaf.ts";
      import { PENDING } from "./src/future/poll.ts";
      let polls = 0;
      const rt = new Runtime();
      rt.spawn(asyncBlock(function* () {
        yield* pollFn((cx) => { polls++; void cx.waker; return PENDING; });
      }));
      process.on("exit", () => console.log("exit polls=" + polls + " live=" + rt.metrics().liveTasks));
    `;
    // A hang here would fail by the timeout; no elapsed time is asserted.
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: join(dirname(fileURLToPath(import.meta.url)), ".."),
        timeout: 15_000,
        encoding: "utf8",
      },
    );
    expect(out.trim()).toBe("exit polls=1 live=1");
  });
});

describe("memory", () => {
  it("once a runtime has shut down and is dropped, nothing keeps it (or its tasks) reachable", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const refs = await (async () => {
      const rt = new Runtime();
      const gate = new Gate<number>();
      const h = rt.spawn(
        asyncBlock(function* () {
          yield* yieldNow();
          return yield* gate; // the last thing this runtime's task suspended on
        }),
      );
      await flush();
      expect(gate.parked).toBe(true);
      await rt.shutdown();
      expect(h.isFinished()).toBe(true);
      return { rt: new WeakRef(rt), gate: new WeakRef(gate) };
    })();
    await flush();
    gc();
    await flush();
    gc();
    expect(refs.gate.deref()).toBeUndefined();
    expect(refs.rt.deref()).toBeUndefined();
  });
});

describe("metrics", () => {
  it("count spawns and polls, and read zero live tasks once everything finished", async () => {
    const rt = new Runtime();
    const hs = [rt.spawn(yieldNow()), rt.spawn(yieldNow())];
    expect(rt.metrics().liveTasks).toBe(2);
    expect(rt.metrics().spawnedTotal).toBe(2);
    for (const h of hs) await h;
    const m = rt.metrics();
    expect(m.liveTasks).toBe(0);
    expect(m.pollsTotal).toBe(4);
    await rt.shutdown();
  });
});
