/**
 * The runtime's view of its live tasks: queued, being polled and parked tasks all count, whether
 * or not they have waited yet (only tasks that waited are kept on the runtime's list; the others
 * are found in the run queue or as the task being polled).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { ambient } from "../src/future/ambient.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { flush, Gate } from "./future-testkit.js";

const waitFor = asyncFn(function* waitFor(gate: Gate) {
  return yield* gate;
});

describe("live tasks", () => {
  it("a dump taken inside a task lists parked, queued and running tasks in spawn order", async () => {
    const rt = new Runtime();
    const gate = new Gate("bell");
    rt.spawn(waitFor(gate), { name: "parked" });
    await flush(); // "parked" has waited once
    let names: string[] = [];
    rt.spawn(
      asyncBlock(function* () {
        spawn(waitFor(gate), { name: "queued" }); // spawned, not polled yet
        names = rt.dump().tasks.map((t) => `${t.name}:${t.state}`);
        yield* yieldNow();
      }),
      { name: "dumper" },
    );
    await flush();
    expect(names).toEqual(["parked:idle", "dumper:running", "queued:scheduled"]);
    expect(rt.metrics().liveTasks).toBe(2);
    gate.resolve("done");
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("a task that finishes in its first poll leaves no trace in the dump", async () => {
    const rt = new Runtime();
    await rt.spawn(asyncBlock(function* () {}));
    expect(String(rt.dump())).toBe("(no live tasks)");
    await rt.shutdown();
  });

  it("shutdown aborts tasks that never waited (still queued) as well as parked ones, oldest first", async () => {
    const rt = new Runtime();
    const log: string[] = [];
    const guarded = asyncFn(function* guarded(name: string, gate: Gate) {
      try {
        yield* gate;
      } finally {
        log.push(`${name} cleaned up`);
      }
    });
    const a = new Gate();
    const b = new Gate();
    rt.spawn(guarded("parked", a));
    await flush();
    rt.spawn(guarded("queued", b)); // in the run queue, never polled: no generator, no finally
    const done = rt.shutdown();
    await done;
    expect(log).toEqual(["parked cleaned up"]);
    expect(b.polls).toBe(0);
    expect(a.drops).toBe(1);
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("a task whose finally aborts itself while being aborted completes once, cancelled", async () => {
    const rt = new Runtime();
    let h!: JoinHandle<void>;
    const selfAbort = asyncFn(function* selfAbort(gate: Gate) {
      try {
        yield* gate;
      } finally {
        h.abort(); // re-enters abort() while the teardown runs
      }
    });
    h = rt.spawn(selfAbort(new Gate()));
    await flush();
    h.abort();
    const outcome = await h.then(
      () => "finished",
      (e: unknown) => ((e as JoinError).isCancelled() ? "cancelled" : "panicked"),
    );
    expect(outcome).toBe("cancelled");
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("a spawn with a bad signal throws and spawns nothing (the async fn can still be spawned)", async () => {
    const rt = new Runtime();
    let ran = 0;
    const body = asyncFn(function* body() {
      ran++;
    });
    const card = body();
    expect(() => rt.spawn(card, { signal: "nope" as unknown as AbortSignal })).toThrow(
      "spawn(future, options): options.signal must be an AbortSignal",
    );
    await flush();
    expect(ran).toBe(0);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.spawn(card);
    expect(ran).toBe(1);
    await rt.shutdown();
  });

  it("an abort from native code whose finally awaits leaves no torn-down future in the ambient poll state", async () => {
    const rt = new Runtime({ clock: "paused" });
    const cleanup = asyncFn(function* cleanup(gate: Gate) {
      try {
        yield* gate;
      } finally {
        yield* sleep(10); // the teardown suspends here, outside any turn
      }
    });
    const h = rt.spawn(cleanup(new Gate()));
    await flush();
    h.abort();
    expect(ambient.suspended).toBeNull();
    await h.then(
      () => {},
      () => {},
    );
    await rt.shutdown();
  });

  it("the list keeps every parked task once, whatever order they finish, abort or join it in (property)", async () => {
    // Listed tasks sit in an array and a finishing one is replaced by the last: check that no
    // order of finishing, aborting and newly listed tasks loses a task, keeps a finished one, or
    // lists one twice. (The dump sorts by spawn order, so the check is on membership.)
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("finish", "abort", "spawn")), {
          maxLength: 60,
        }),
        async (n, steps) => {
          const rt = new Runtime();
          const gates: Gate[] = [];
          const handles: JoinHandle<string>[] = [];
          const alive = new Set<number>();
          const start = (): void => {
            const i = gates.length;
            gates.push(new Gate(`g${i}`));
            handles.push(rt.spawn(waitFor(gates[i]!), { name: `t${i}` }));
            alive.add(i);
          };
          for (let i = 0; i < n; i++) start();
          await flush(); // every task has waited once: all are on the list
          for (const [pick, op] of steps) {
            if (op === "spawn" || alive.size === 0) start();
            else {
              const i = [...alive][pick % alive.size]!;
              alive.delete(i);
              if (op === "abort") handles[i]!.abort();
              else gates[i]!.resolve(`v${i}`);
            }
            await flush();
            const listed = rt.dump().tasks.map((t) => t.name);
            expect(listed).toEqual([...alive].sort((a, b) => a - b).map((k) => `t${k}`));
            expect(rt.metrics().liveTasks).toBe(alive.size);
          }
          await rt.shutdown();
          expect(rt.metrics().liveTasks).toBe(0);
          expect(String(rt.dump())).toBe("(no live tasks)");
        },
      ),
      { numRuns: 60 },
    );
  });
});
