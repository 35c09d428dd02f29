import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import { RwLock } from "../src/sync/rw-lock.js";
import { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

function causeOf(e: unknown): unknown {
  return e instanceof JoinError ? e.cause : e;
}

describe("self-deadlock", () => {
  it("a guard handed to another task, then the same lock again: an error by default, a wait with detectDeadlocks: false", async () => {
    const handOff = asyncFn(function* () {
      const m = new Mutex(0, { name: "pass" });
      const guard = yield* m.lock();
      // The guard goes to a runner, who puts it back after a while: not a deadlock.
      spawn(
        asyncBlock(function* () {
          yield* sleep(10);
          guard.release();
        }),
      );
      using _again = yield* m.lock();
      return "locked again";
    });
    await expect(run(handOff(), { clock: "paused" })).rejects.toBeInstanceOf(DeadlockError);
    await expect(run(handOff(), { clock: "paused", detectDeadlocks: false })).resolves.toBe(
      "locked again",
    );
  });

  it("a task that locks a mutex it holds gets a DeadlockError at once, naming the lock and the task", async () => {
    const m = new Mutex(0, { name: "pantry" });
    const err = await run(
      asyncBlock(function* () {
        using _g = yield* m.lock();
        try {
          yield* m.lock();
        } catch (e) {
          return e;
        }
        return null;
      }),
    );
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    expect(d.message).toMatch(/task 'main' waits for mutex 'pantry', which it already holds/);
    expect(d.tasks).toEqual(["main"]);
    expect(d.locks).toEqual(["pantry"]);
    expect(m.isLocked()).toBe(false);
  });

  it("with trackCaller, the report says where the lock was taken", async () => {
    const m = new Mutex(0, { name: "till", trackCaller: true });
    const err = await run(
      asyncBlock(function* takeTwice() {
        const g = yield* m.lock();
        try {
          yield* m.lock();
        } catch (e) {
          return e as Error;
        } finally {
          g.release();
        }
        return null;
      }),
    );
    expect(err?.message).toMatch(/taken at .*sync-deadlock\.test\.ts/);
  });

  it("with trackCaller, a guard taken by tryRead or tryWrite is reported where the caller took it", async () => {
    for (const take of ["tryRead", "tryWrite"] as const) {
      const l = new RwLock(0, { name: "menu", trackCaller: true });
      const err = await run(
        asyncBlock(function* () {
          const g = take === "tryRead" ? l.tryRead() : l.tryWrite();
          try {
            yield* l.write();
          } catch (e) {
            return e as Error;
          } finally {
            g?.release();
          }
          return null;
        }),
      );
      expect(err?.message).toMatch(/taken at .*sync-deadlock\.test\.ts/);
    }
  });

  it("an RwLock: a write while reading, and a read while writing, are both reported", async () => {
    const l = new RwLock(0, { name: "menu" });
    const [a, b] = await run(
      asyncBlock(function* () {
        const out: unknown[] = [];
        {
          using _r = yield* l.read();
          try {
            yield* l.write();
          } catch (e) {
            out.push(e);
          }
        }
        {
          using _w = yield* l.write();
          try {
            yield* l.read();
          } catch (e) {
            out.push(e);
          }
        }
        return out;
      }),
    );
    expect(a).toBeInstanceOf(DeadlockError);
    expect((a as Error).message).toMatch(/rwlock 'menu', which it already holds/);
    expect(b).toBeInstanceOf(DeadlockError);
  });

  it("a second read by a reader is fine while no writer waits", async () => {
    const l = new RwLock(7);
    const v = await run(
      asyncBlock(function* () {
        using r1 = yield* l.read();
        using r2 = yield* l.read();
        return r1.value + r2.value;
      }),
    );
    expect(v).toBe(14);
  });

  it("a task that holds no lock and waits behind another task is not reported", async () => {
    const m = new Mutex(0);
    await run(
      asyncBlock(function* () {
        const h = spawn(
          asyncBlock(function* () {
            using _g = yield* m.lock();
            yield* yieldNow();
          }),
        );
        yield* yieldNow();
        using g = yield* m.lock();
        g.value = 1;
        yield* h;
      }),
    );
    expect(m.tryLock()!.value).toBe(1);
  });
});

describe("wait-for cycles", () => {
  it("two tasks each waiting for the other's mutex: the one closing the cycle gets a DeadlockError naming both", async () => {
    const a = new Mutex(0, { name: "A" });
    const b = new Mutex(0, { name: "B" });
    const rt = new Runtime();
    const first = rt.spawn(
      asyncBlock(function* () {
        using _ga = yield* a.lock();
        yield* yieldNow();
        yield* yieldNow();
        using _gb = yield* b.lock();
        return "first finished";
      }),
      { name: "chef 1" },
    );
    const second = rt.spawn(
      asyncBlock(function* () {
        using _gb = yield* b.lock();
        yield* yieldNow();
        yield* yieldNow();
        yield* yieldNow();
        using _ga = yield* a.lock();
        return "second finished";
      }),
      { name: "chef 2" },
    );
    // chef 1 waits for B first; chef 2 then closes the cycle and is the one that fails. Its
    // `using` releases B, so chef 1 goes on.
    const secondOutcome = second.then(
      () => null,
      (e: unknown) => e,
    );
    expect(await first).toBe("first finished");
    const err = causeOf(await secondOutcome);
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    expect(d.tasks).toEqual(["chef 2", "chef 1"]);
    expect(d.locks).toEqual(["A", "B"]);
    expect(d.message).toMatch(
      /task 'chef 2' waits for mutex 'A', held by task 'chef 1'.*task 'chef 1' waits for mutex 'B', held by task 'chef 2'/,
    );
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });

  it("a cycle of three tasks through a mutex and an RwLock is reported with all three", async () => {
    const a = new Mutex(0, { name: "A" });
    const b = new RwLock(0, { name: "B" });
    const c = new Mutex(0, { name: "C" });
    const rt = new Runtime();
    const step = () =>
      asyncBlock(function* () {
        for (let i = 0; i < 3; i++) yield* yieldNow();
      });
    const t1 = rt.spawn(
      asyncBlock(function* () {
        using _a = yield* a.lock();
        yield* step();
        using _b = yield* b.write();
      }),
      { name: "one" },
    );
    const t2 = rt.spawn(
      asyncBlock(function* () {
        using _b = yield* b.read();
        yield* step();
        using _c = yield* c.lock();
      }),
      { name: "two" },
    );
    const t3 = rt.spawn(
      asyncBlock(function* () {
        using _c = yield* c.lock();
        yield* step();
        yield* step();
        using _a = yield* a.lock();
      }),
      { name: "three" },
    );
    const outcomes = await Promise.allSettled([t1, t2, t3].map((h) => h.then(() => "ok")));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    const d = causeOf((outcomes[2] as PromiseRejectedResult).reason) as DeadlockError;
    expect(d).toBeInstanceOf(DeadlockError);
    expect(d.tasks).toEqual(["three", "one", "two"]);
    expect(d.locks).toEqual(["A", "B", "C"]);
    await rt.shutdown();
  });
});

describe("all tasks asleep", () => {
  it("a program stuck on a lock that nobody releases names the lock and its holder in the report", async () => {
    const m = new Mutex(0, { name: "walk-in" });
    const leaked = m.tryLock();
    const err = await run(
      asyncBlock(function* waitForKey() {
        using _g = yield* m.lock();
      }),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    leaked?.release();
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toMatch(/mutex 'walk-in'\.lock\(\)/);
  });
});

describe("branches of one task (join, joinAll, select)", () => {
  const takeTurn = (m: Mutex<string[]>, who: string) =>
    asyncBlock(function* () {
      using g = yield* m.lock();
      g.value.push(`${who} in`);
      yield* sleep(5); // holds the lock across an await: its sibling waits for it
      g.value.push(`${who} out`);
    });

  it("two join branches taking turns at one mutex wait for each other, with no DeadlockError", async () => {
    const m = new Mutex<string[]>([], { name: "till" });
    await run(join(takeTurn(m, "a"), takeTurn(m, "b")), { clock: "paused" });
    expect(m.tryLock()!.value).toEqual(["a in", "a out", "b in", "b out"]);
  });

  it("joinAll and select branches taking turns are not reported either", async () => {
    const m = new Mutex<string[]>([], { name: "till" });
    await run(
      asyncBlock(function* () {
        yield* joinAll([takeTurn(m, "a"), takeTurn(m, "b"), takeTurn(m, "c")]);
        const first = yield* select(takeTurn(m, "d"), takeTurn(m, "e"));
        yield* first.rest;
      }),
      { clock: "paused" },
    );
    const log = m.tryLock()!.value;
    expect(log.slice(0, 6)).toEqual(["a in", "a out", "b in", "b out", "c in", "c out"]);
    // select starts at a random branch: either may take the lock first, then the other.
    const [first, second] = log[6] === "d in" ? ["d", "e"] : ["e", "d"];
    expect(log.slice(6)).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
  });

  it("an RwLock read in one join branch and a write in the other take turns", async () => {
    const l = new RwLock(0, { name: "menu" });
    const [seen] = await run(
      join(
        asyncBlock(function* () {
          using r = yield* l.read();
          yield* sleep(5);
          return r.value;
        }),
        asyncBlock(function* () {
          using w = yield* l.write();
          w.value = 1;
        }),
      ),
      { clock: "paused" },
    );
    expect(seen).toBe(0);
    expect(l.tryRead()!.value).toBe(1);
  });

  it("a branch that locks a mutex it holds itself is left to the idle check, which names the lock", async () => {
    const m = new Mutex(0, { name: "pantry" });
    const err = await run(
      join(
        asyncBlock(function* lockTwice() {
          using _a = yield* m.lock();
          using _b = yield* m.lock();
        }),
        sleep(1),
      ),
      { clock: "paused" },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toMatch(
      /^all tasks are asleep.*lockTwice → mutex 'pantry'\.lock\(\)/s,
    );
  });

  it("after a join, the same task's sequential self-deadlock is reported at once again", async () => {
    const m = new Mutex(0, { name: "pantry" });
    const err = await run(
      asyncBlock(function* () {
        yield* join(sleep(1), sleep(2));
        using _g = yield* m.lock();
        try {
          yield* m.lock();
        } catch (e) {
          return e;
        }
        return null;
      }),
      { clock: "paused" },
    );
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toMatch(/which it already holds/);
  });
});
