import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { Notify } from "../src/sync/notify.js";
import { OnceCell } from "../src/sync/once-cell.js";
import type { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";

describe("OnceCell", () => {
  it("the initialiser runs once under concurrent callers, and every caller gets its value", async () => {
    const cell = new OnceCell<string>();
    let runs = 0;
    const init = () =>
      asyncBlock(function* () {
        runs++;
        yield* yieldNow();
        yield* yieldNow();
        return "stock";
      });
    const values = await run(
      asyncBlock(function* () {
        const hs = [];
        for (let i = 0; i < 5; i++) hs.push(spawn(cell.getOrInit(init)));
        const out = [];
        for (const h of hs) out.push(yield* h);
        return out;
      }),
      { seed: 3 },
    );
    expect(runs).toBe(1);
    expect(values).toEqual(["stock", "stock", "stock", "stock", "stock"]);
    expect(cell.get()).toBe("stock");
  });

  it("when the initialiser throws, that caller gets the error and the next waiter runs its own initialiser", async () => {
    const cell = new OnceCell<number>();
    let attempt = 0;
    const init = () =>
      asyncBlock(function* () {
        const n = ++attempt;
        yield* yieldNow();
        if (n === 1) throw new Error("burnt");
        return n;
      });
    const [a, b] = await run(
      asyncBlock(function* () {
        const first = spawn(cell.getOrInit(init));
        const second = spawn(cell.getOrInit(init));
        const out: unknown[] = [];
        try {
          out.push(yield* first);
        } catch (e) {
          out.push((e as JoinError).cause);
        }
        out.push(yield* second);
        return out;
      }),
    );
    expect((a as Error).message).toBe("burnt");
    expect(b).toBe(2);
    expect(cell.isInitialized()).toBe(true);
  });

  it("aborting the initialising task drops its initialiser and hands the job to the next caller", async () => {
    const cell = new OnceCell<string>();
    const dropped: string[] = [];
    const gate = new Notify();
    const init = (who: string) => () =>
      asyncBlock(function* () {
        try {
          yield* gate.notified();
          return who;
        } finally {
          dropped.push(`${who} finished or dropped`);
        }
      });
    const rt = new Runtime();
    const first = rt.spawn(cell.getOrInit(init("first")));
    const second = rt.spawn(cell.getOrInit(init("second")));
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(2); // first's initialiser on the gate, second in line
    first.abort();
    gate.notifyOne();
    expect(await second).toBe("second");
    expect(dropped[0]).toBe("first finished or dropped");
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });

  it("set() works once; getOrInit after it is ready at once; a non-function init is a TypeError", async () => {
    const cell = new OnceCell<number>();
    expect(cell.set(1)).toBe(true);
    expect(cell.set(2)).toBe(false);
    const v = await run(
      cell.getOrInit(() =>
        asyncBlock(function* () {
          yield* yieldNow();
          return 9;
        }),
      ),
    );
    expect(v).toBe(1);
    expect(() => cell.getOrInit(5 as unknown as () => never)).toThrow(TypeError);
  });
});

describe("OnceCell.take", () => {
  it("take() on a set cell returns the value and empties it: the next getOrInit runs its initialiser again; on an empty cell it returns undefined", async () => {
    const cell = new OnceCell<number>();
    let loads = 0;
    const load = () =>
      asyncBlock(function* () {
        yield* yieldNow();
        return ++loads;
      });
    const out = await run(
      asyncBlock(function* () {
        const before = cell.take();
        const first = yield* cell.getOrInit(load);
        const again = yield* cell.getOrInit(load);
        const taken = cell.take();
        const emptied = cell.get();
        const reloaded = yield* cell.getOrInit(load);
        return { before, first, again, taken, emptied, reloaded };
      }),
    );
    expect(out).toEqual({
      before: undefined,
      first: 1,
      again: 1,
      taken: 1,
      emptied: undefined,
      reloaded: 2,
    });
  });

  it("take() while an initialiser runs takes nothing and leaves the cell to it: the waiters get its value", async () => {
    const cell = new OnceCell<string>();
    const out = await run(
      asyncBlock(function* () {
        const a = spawn(
          cell.getOrInit(() =>
            asyncBlock(function* () {
              yield* yieldNow();
              yield* yieldNow();
              return "stock";
            }),
          ),
        );
        yield* yieldNow();
        const taken = cell.take();
        const b = yield* cell.getOrInit(() =>
          asyncBlock(function* () {
            return "other";
          }),
        );
        return { taken, a: yield* a, b, after: cell.get() };
      }),
    );
    expect(out).toEqual({ taken: undefined, a: "stock", b: "stock", after: "stock" });
  });
});
