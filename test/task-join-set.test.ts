import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { ready } from "../src/future/leaf.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { JoinSet } from "../src/task/join-set.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { Gate } from "./future-testkit.js";

describe("JoinSet", () => {
  it("joinNext gives outcomes in the order the tasks finish, then undefined when empty", async () => {
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
        const got: (string | undefined)[] = [];
        for (let i = 0; i < 4; i++) got.push(yield* set.joinNext());
        expect(set.size).toBe(0);
        return got;
      }),
    );
    expect(out).toEqual(["c", "a", "b", undefined]);
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
        expect(yield* set.joinNext()).toBeUndefined();
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
            if ((yield* set.joinNext()) === undefined) break;
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
});
