import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { OWNED } from "../src/future/cancel.js";
import { FutureStateError } from "../src/future/errors.js";
import { pending, ready } from "../src/future/leaf.js";
import { DONE as DONE_FROM_POLL } from "../src/future/poll.js";
import { DONE as DONE_FROM_INDEX } from "../src/index.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { DONE, iter, type Stream } from "../src/stream/index.js";
import { Mutex } from "../src/sync/mutex.js";
import { JoinError } from "../src/task/join-error.js";
import { JoinSet } from "../src/task/join-set.js";
import { RuntimeStateError } from "../src/task/runtime-state-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { Gate, MockTask, PENDING } from "./future-testkit.js";

/** An output that holds something and has one owner (OWNED): counts how often it is released. */
class Guard implements Disposable {
  readonly [OWNED] = true;
  disposed = 0;
  constructor(readonly label: string) {}
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

describe("JoinSet", () => {
  it("joinNext gives outcomes in the order the tasks finish, then DONE when empty", async () => {
    const out = await run(
      asyncBlock(function* () {
        const gates = [new Gate<string>("a"), new Gate<string>("b"), new Gate<string>("c")];
        const set = new JoinSet<string>();
        for (const g of gates) set.spawn(g);
        expect(set.size).toBe(3);
        // Finish them in the order c, a, b from a sibling task.
        spawn(
          asyncBlock(function* () {
            gates[2]!.resolve("c");
            yield* yieldNow();
            gates[0]!.resolve("a");
            yield* yieldNow();
            gates[1]!.resolve("b");
          }),
        );
        const got: (string | typeof DONE)[] = [];
        for (let i = 0; i < 4; i++) got.push(yield* set.joinNext());
        expect(set.size).toBe(0);
        return got;
      }),
    );
    expect(out).toEqual(["c", "a", "b", DONE]);
  });

  it("a panicking member's JoinError is thrown by joinNext and the member leaves the set", async () => {
    const boom = new Error("burnt");
    await run(
      asyncBlock(function* () {
        const set = new JoinSet<number>();
        set.spawn(
          asyncBlock(function* () {
            throw boom;
          }),
        );
        let err: JoinError | undefined;
        try {
          yield* set.joinNext();
        } catch (e) {
          err = e as JoinError;
        }
        expect(err?.isPanic()).toBe(true);
        expect(err?.cause).toBe(boom);
        expect(set.size).toBe(0);
        expect(yield* set.joinNext()).toBe(DONE);
      }),
    );
  });

  it("abortAll cancels every member: finally blocks run, joinNext then reports each as cancelled", async () => {
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const set = new JoinSet<void>();
        for (let i = 0; i < 3; i++) {
          set.spawn(
            asyncBlock(function* () {
              try {
                yield* new Gate(`g${i}`);
              } finally {
                log.push(`finally ${i}`);
              }
            }),
          );
        }
        yield* yieldNow(); // let them park
        set.abortAll();
        expect(log).toEqual(["finally 0", "finally 1", "finally 2"]);
        let cancelled = 0;
        for (;;) {
          try {
            if ((yield* set.joinNext()) === DONE) break;
          } catch (e) {
            if ((e as JoinError).isCancelled()) cancelled++;
          }
        }
        expect(cancelled).toBe(3);
      }),
    );
  });

  it("disposing the set aborts every task still in it, and the runtime ends with no live task", async () => {
    const gates = [new Gate("a"), new Gate("b")];
    const rt = new Runtime();
    await rt.spawn(
      asyncBlock(function* () {
        using set = new JoinSet<string>();
        for (const g of gates) set.spawn(g);
        set.spawn(ready("quick"));
        expect(yield* set.joinNext()).toBe("quick");
        yield* yieldNow();
      }),
    );
    expect(gates.map((g) => g.drops)).toEqual([1, 1]);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("a member that is finished as it is spawned (its signal already aborted) is still handed out by joinNext", async () => {
    const out = await run(
      asyncBlock(function* () {
        const set = new JoinSet<string>();
        const gate = new Gate("never polled");
        set.spawn(gate, { signal: AbortSignal.abort() });
        expect(set.size).toBe(1);
        let err: JoinError | undefined;
        try {
          yield* set.joinNext();
        } catch (e) {
          err = e as JoinError;
        }
        expect(gate.polls).toBe(0);
        expect(set.size).toBe(0);
        return err?.isCancelled();
      }),
    );
    expect(out).toBe(true);
  });

  it("spawning into a set outside a runtime throws an error that says so", () => {
    expect(() => new JoinSet().spawn(ready(1))).toThrow(
      /JoinSet.spawn\(\) was called outside a Brigade runtime/,
    );
  });
  it("DONE is one symbol, exported by the future layer, the stream module and the package", () => {
    expect(DONE).toBe(DONE_FROM_POLL);
    expect(DONE_FROM_INDEX).toBe(DONE_FROM_POLL);
  });

  it("a JoinSet<void> hands out each member's undefined output, and DONE only once all three are taken", async () => {
    const got = await run(
      asyncBlock(function* () {
        using set = new JoinSet<void>();
        for (const ms of [10, 20, 30]) set.spawn(sleep(ms));
        const got: (void | typeof DONE)[] = [];
        for (let i = 0; i < 4; i++) got.push(yield* set.joinNext());
        return got;
      }),
      { clock: "paused" },
    );
    expect(got).toEqual([undefined, undefined, undefined, DONE]);
  });

  it("a joinNext future polled again after it completed throws a FutureStateError", async () => {
    await run(
      asyncBlock(function* () {
        const set = new JoinSet<number>();
        set.spawn(ready(1));
        const next = new MockTask(set.joinNext());
        yield* yieldNow(); // the member finishes
        expect(next.poll()).toBe(1);
        expect(() => next.poll()).toThrow(FutureStateError);
      }),
    );
  });

  describe("disposing the set", () => {
    it("a member finishes with a guard nobody takes, the set is disposed: the guard is disposed", async () => {
      const guard = new Guard("kept");
      const taken = new Guard("taken");
      const m = new Mutex(0, { name: "m" });
      await run(
        asyncBlock(function* () {
          {
            using set = new JoinSet<unknown>();
            set.spawn(ready(taken));
            expect(yield* set.joinNext()).toBe(taken);
            set.spawn(ready(guard));
            set.spawn(m.lock());
            yield* sleep(5); // both have finished: their outputs sit in the set
            expect(set.size).toBe(2);
            expect(m.isLocked()).toBe(true);
          }
          expect(m.isLocked()).toBe(false);
        }),
        { clock: "paused" },
      );
      expect(guard.disposed).toBe(1);
      // What joinNext handed out belongs to the caller.
      expect(taken.disposed).toBe(0);
    });

    it("a member disposes its own set, then returns a guard: the guard is disposed as it comes", async () => {
      const guard = new Guard("late");
      let size = -1;
      await run(
        asyncBlock(function* () {
          const set = new JoinSet<Guard>();
          set.spawn(
            asyncBlock(function* () {
              yield* yieldNow();
              set[Symbol.dispose](); // aborts this very task, which is running: it ends its poll first
              size = set.size;
              return guard;
            }),
          );
          yield* sleep(5);
        }),
        { clock: "paused" },
      );
      expect(size).toBe(0);
      expect(guard.disposed).toBe(1);
    });

    it("a task parks in joinNext, the set is disposed while a member's finally awaits: the task wakes to DONE", async () => {
      const log: string[] = [];
      const out = await run(
        asyncBlock(function* () {
          const set = new JoinSet<string>();
          set.spawn(
            asyncBlock(function* () {
              try {
                yield* pending();
                return "never";
              } finally {
                yield* sleep(10);
                log.push("member's finally done");
              }
            }),
          );
          const waiter = spawn(
            asyncBlock(function* () {
              const v = yield* set.joinNext();
              log.push("waiter woke");
              return v;
            }),
          );
          yield* sleep(5);
          set[Symbol.dispose]();
          return yield* waiter;
        }),
        { clock: "paused" },
      );
      expect(out).toBe(DONE);
      expect(log).toEqual(["waiter woke", "member's finally done"]);
    });

    it("a member's finally spawns into the set while it is disposed: spawn throws a RuntimeStateError and no task outlives the set", async () => {
      const errors: unknown[] = [];
      const rt = new Runtime({ clock: "paused" });
      let liveAfter = -1;
      await rt.spawn(
        asyncBlock(function* () {
          const set = new JoinSet<void>();
          set.spawn(
            asyncBlock(function* () {
              try {
                yield* pending();
              } finally {
                try {
                  set.spawn(sleep(50));
                } catch (e) {
                  errors.push(e);
                }
              }
            }),
          );
          yield* yieldNow();
          set[Symbol.dispose]();
          expect(set.size).toBe(0);
          expect(() => set.spawn(ready(undefined))).toThrow(RuntimeStateError);
          yield* yieldNow();
          liveAfter = rt.metrics().liveTasks; // this task only
        }),
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(RuntimeStateError);
      expect((errors[0] as Error).message).toMatch(
        /JoinSet.spawn\(\) was called on a disposed JoinSet: a disposed set takes no new tasks/,
      );
      expect(liveAfter).toBe(1);
      await rt.shutdown();
    });
  });

  describe("several waiters on one set", () => {
    it("two tasks park in joinNext, one member finishes: the first takes it, the second wakes to DONE", async () => {
      const out = await run(
        asyncBlock(function* () {
          const set = new JoinSet<string>();
          set.spawn(
            asyncBlock(function* () {
              yield* sleep(10);
              return "one";
            }),
          );
          const waitOnce = () =>
            spawn(
              asyncBlock(function* () {
                return yield* set.joinNext();
              }),
            );
          const w1 = waitOnce();
          const w2 = waitOnce();
          return [yield* w1, yield* w2];
        }),
        { clock: "paused" },
      );
      expect(out).toEqual(["one", DONE]);
    });

    it("a member finishes, the waiter woken for it is dropped before it polls: the next waiter is woken and takes it", async () => {
      await run(
        asyncBlock(function* () {
          const set = new JoinSet<string>();
          const gate = new Gate<string>("member");
          set.spawn(gate);
          const other = new Gate<string>("other");
          set.spawn(other);
          const a = new MockTask(set.joinNext());
          const b = new MockTask(set.joinNext());
          expect(a.poll()).toBe(PENDING);
          expect(b.poll()).toBe(PENDING);
          yield* yieldNow(); // the members park on their gates
          gate.resolve("x");
          yield* yieldNow(); // the member finishes
          expect(a.isWoken()).toBe(true);
          expect(b.isWoken()).toBe(false); // one outcome, one wake
          a.future[Symbol.dispose]();
          expect(b.isWoken()).toBe(true);
          expect(b.poll()).toBe("x");
          expect(set.size).toBe(1);
          set.abortAll();
          expect(() => new MockTask(set.joinNext()).poll()).toThrow(/cancelled/);
          expect(set.size).toBe(0);
        }),
      );
    });

    it("a parked waiter is dropped: a finished member wakes the waiter behind it", async () => {
      await run(
        asyncBlock(function* () {
          const set = new JoinSet<string>();
          const gate = new Gate<string>("member");
          set.spawn(gate);
          const a = new MockTask(set.joinNext());
          const b = new MockTask(set.joinNext());
          expect(a.poll()).toBe(PENDING);
          expect(b.poll()).toBe(PENDING);
          a.future[Symbol.dispose]();
          yield* yieldNow();
          gate.resolve("x");
          yield* yieldNow();
          expect(a.isWoken()).toBe(false);
          expect(b.isWoken()).toBe(true);
          expect(b.poll()).toBe("x");
        }),
      );
    });

    it("three tasks drain one set of six members together: every output is taken once, and each task ends with DONE", async () => {
      const out = await run(
        asyncBlock(function* () {
          const set = new JoinSet<number>();
          for (const ms of [30, 10, 20, 10, 50, 40]) {
            set.spawn(
              asyncBlock(function* () {
                yield* sleep(ms);
                return ms;
              }),
            );
          }
          const drain = () =>
            spawn(
              asyncBlock(function* () {
                const got: number[] = [];
                for (let v = yield* set.joinNext(); v !== DONE; v = yield* set.joinNext()) {
                  got.push(v);
                }
                return got;
              }),
            );
          const waiters = [drain(), drain(), drain()];
          const results: number[][] = [];
          for (const w of waiters) results.push(yield* w);
          return results;
        }),
        { clock: "paused" },
      );
      expect(out.flat().sort((a, b) => a - b)).toEqual([10, 10, 20, 30, 40, 50]);
      // Each finished member woke one waiter, in turn: the work was shared.
      expect(out.every((got) => got.length > 0)).toBe(true);
    });
  });

  it("any mix of finishing members, polling and dropping waiters: each output is taken once, and while outcomes wait a waiter is woken", async () => {
    type Cmd =
      | { kind: "finish"; i: number }
      | { kind: "new" }
      | { kind: "poll"; j: number }
      | { kind: "drop"; j: number };
    const MEMBERS = 4;
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({ kind: fc.constant("finish" as const), i: fc.nat(MEMBERS - 1) }),
      fc.record({ kind: fc.constant("new" as const) }),
      fc.record({ kind: fc.constant("poll" as const), j: fc.nat(5) }),
      fc.record({ kind: fc.constant("drop" as const), j: fc.nat(5) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 30 }), async (cmds) => {
        await run(
          asyncBlock(function* () {
            const set = new JoinSet<number>();
            const gates = Array.from({ length: MEMBERS }, (_, i) => new Gate<number>(`m${i}`));
            for (const g of gates) set.spawn(g);
            yield* yieldNow(); // the members park on their gates
            interface W {
              task: MockTask<number | typeof DONE>;
              live: boolean;
              woken: boolean;
            }
            const waiters: W[] = [];
            const taken: number[] = [];
            let resolved = 0;
            const poll = (w: W) => {
              w.woken = false;
              const r = w.task.poll();
              if (r === PENDING) return;
              w.live = false;
              if (r !== DONE) taken.push(r);
            };
            for (const c of cmds) {
              const live = waiters.filter((w) => w.live);
              if (c.kind === "finish") {
                if (gates[c.i]!.parked) {
                  gates[c.i]!.resolve(c.i);
                  resolved++;
                  yield* yieldNow(); // the member finishes
                }
              } else if (c.kind === "new") {
                const w: W = { task: new MockTask(set.joinNext()), live: true, woken: false };
                waiters.push(w);
                poll(w);
              } else if (live.length > 0) {
                const w = live[c.j % live.length]!;
                if (c.kind === "poll") poll(w);
                else {
                  (w.task.future as unknown as Disposable)[Symbol.dispose]();
                  w.live = false;
                }
              }
              for (const w of waiters) if (w.task.isWoken() && w.live) w.woken = true;
              const stillLive = waiters.filter((w) => w.live);
              const waiting = resolved - taken.length; // outcomes in the set, not taken
              if (waiting > 0 && stillLive.length > 0) {
                expect(stillLive.some((w) => w.woken)).toBe(true);
              }
              if (set.size === 0) expect(stillLive.every((w) => w.woken)).toBe(true);
            }
            // Finish the rest and drain with one more waiter: every output comes out exactly once.
            for (const g of gates) if (g.parked) g.resolve(gates.indexOf(g));
            yield* yieldNow();
            for (;;) {
              const r = new MockTask(set.joinNext()).poll();
              if (r === DONE) break;
              expect(r).not.toBe(PENDING);
              taken.push(r as number);
            }
            expect([...taken].sort()).toEqual([0, 1, 2, 3]);
          }),
        );
      }),
      { numRuns: 1000 },
    );
  });

  describe("as a stream", () => {
    it("a JoinSet is a Stream: merged into another stream, its outputs come in finishing order", async () => {
      const out = await run(
        asyncBlock(function* () {
          const set = new JoinSet<string>();
          for (const [dish, ms] of [
            ["stew", 30],
            ["salad", 10],
          ] as const) {
            set.spawn(
              asyncBlock(function* () {
                yield* sleep(ms);
                return dish;
              }),
            );
          }
          const stream: Stream<string> = set;
          return yield* iter<string>([]).merge(stream).collect();
        }),
        { clock: "paused" },
      );
      expect(out).toEqual(["salad", "stew"]);
    });

    it("a member panics while the set is collected as a stream: collect throws its JoinError and disposes the set, aborting the rest", async () => {
      const boom = new Error("burnt");
      const slow = new Gate<string>("slow");
      let caught: unknown;
      let sizeAfter = -1;
      await run(
        asyncBlock(function* () {
          const set = new JoinSet<string>();
          set.spawn(slow);
          set.spawn(
            asyncBlock(function* () {
              yield* yieldNow();
              throw boom;
            }),
          );
          try {
            yield* iter<string>([]).merge(set).collect();
          } catch (e) {
            caught = e;
          }
          sizeAfter = set.size;
        }),
      );
      expect((caught as JoinError).isPanic()).toBe(true);
      expect((caught as JoinError).cause).toBe(boom);
      expect(sizeAfter).toBe(0);
      expect(slow.drops).toBe(1);
    });
  });
});

describe("JoinSet.tryJoinNext", () => {
  it("takes what has finished without waiting, says PENDING while the rest run and DONE once empty, and throws a failed member's JoinError", async () => {
    const out = await run(
      asyncBlock(function* () {
        const set = new JoinSet<string>();
        const seen: unknown[] = [set.tryJoinNext()]; // empty: DONE
        set.spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            return "slow";
          }),
        );
        set.spawn(ready("quick"));
        set.spawn(
          asyncBlock(function* (): Generator<never, string> {
            throw new Error("burnt");
          }),
        );
        seen.push(set.tryJoinNext()); // nothing has run yet
        yield* yieldNow();
        seen.push(set.tryJoinNext()); // quick finished first
        try {
          set.tryJoinNext();
        } catch (e) {
          seen.push(e instanceof JoinError && e.isPanic() ? "JoinError: burnt" : e);
        }
        seen.push(set.tryJoinNext(), set.size); // slow still cooking
        yield* sleep(20);
        seen.push(set.tryJoinNext(), set.tryJoinNext());
        return seen;
      }),
      { clock: "paused" },
    );
    expect(out).toEqual([DONE, PENDING, "quick", "JoinError: burnt", PENDING, 1, "slow", DONE]);
  });
});

describe("JoinSet.spawn's AbortHandle", () => {
  it("aborts that member only: joinNext reports it cancelled and the others' outputs still come", async () => {
    const got = await run(
      asyncBlock(function* () {
        using set = new JoinSet<string>();
        set.spawn(
          asyncBlock(function* () {
            yield* sleep(20);
            return "stew";
          }),
        );
        const soup = set.spawn(pending<string>(), { name: "soup" });
        expect(soup.isFinished()).toBe(false);
        soup.abort();
        const out: string[] = [];
        for (;;) {
          try {
            const v = yield* set.joinNext();
            if (v === DONE) break;
            out.push(v);
          } catch (e) {
            out.push(
              `${(e as JoinError).isCancelled() ? "cancelled" : "failed"} ${(e as JoinError).taskName}`,
            );
          }
        }
        expect(soup.isFinished()).toBe(true);
        return out;
      }),
      { clock: "paused" },
    );
    expect(got).toEqual(["cancelled soup", "stew"]);
  });
});
