/**
 * Seeded runs: the `seed` option permutes the order of runnable tasks reproducibly, so the same
 * seed replays the same interleaving; property tests explore many seeds for join, select and abort.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { flush } from "./future-testkit.js";

/** Five chefs, three steps each; returns the order in which the steps ran. */
function interleaving(seed: number | undefined): Promise<string[]> {
  const log: string[] = [];
  const chef = asyncFn(function* (name: string) {
    for (let i = 0; i < 3; i++) {
      log.push(`${name}${i}`);
      yield* yieldNow();
    }
  });
  return run(
    asyncBlock(function* () {
      const hs = ["a", "b", "c", "d", "e"].map((n) => spawn(chef(n)));
      for (const h of hs) yield* h;
      return log;
    }),
    seed === undefined ? {} : { seed },
  );
}

describe("seeded runs", () => {
  it("without a seed the order is FIFO: round robin", async () => {
    const log = await interleaving(undefined);
    expect(log.slice(0, 10)).toEqual(["a0", "b0", "c0", "d0", "e0", "a1", "b1", "c1", "d1", "e1"]);
  });

  it("the same seed gives the same interleaving, run after run", async () => {
    for (const seed of [1, 42, 2026]) {
      const first = await interleaving(seed);
      const second = await interleaving(seed);
      expect(second).toEqual(first);
    }
  });

  it("different seeds give different interleavings", async () => {
    const logs = new Set<string>();
    for (let seed = 1; seed <= 6; seed++) logs.add((await interleaving(seed)).join(","));
    expect(logs.size).toBeGreaterThan(1);
    // And seeded runs are not all simply FIFO.
    logs.delete((await interleaving(undefined)).join(","));
    expect(logs.size).toBeGreaterThan(0);
  });

  it("every seed keeps each task's own steps in program order", async () => {
    for (let seed = 0; seed < 10; seed++) {
      const log = await interleaving(seed);
      expect(log).toHaveLength(15);
      for (const name of ["a", "b", "c", "d", "e"]) {
        expect(log.filter((s) => s.startsWith(name))).toEqual([`${name}0`, `${name}1`, `${name}2`]);
      }
    }
  });
});

const steps = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 6 });
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

const worker = asyncFn(function* (id: number, n: number, log: string[]) {
  log.push(`start ${id}`);
  try {
    for (let i = 0; i < n; i++) yield* yieldNow();
    return id;
  } finally {
    log.push(`finally ${id}`);
  }
});

describe("property: join over random seeds", () => {
  it("join of spawned workers returns every value in argument order; nothing is left alive", async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, steps, async (seed, ns) => {
        const rt = new Runtime({ seed });
        const log: string[] = [];
        const out = await rt.spawn(
          asyncBlock(function* () {
            const hs = ns.map((n, i) => spawn(worker(i, n, log)));
            return yield* join(...hs);
          }),
        );
        expect(out).toEqual(ns.map((_, i) => i));
        expect(log).toHaveLength(2 * ns.length);
        expect(rt.metrics().liveTasks).toBe(0);
        await rt.shutdown();
      }),
      { numRuns: 60 },
    );
  });
});

describe("property: select over random seeds", () => {
  it("select returns a finished winner and a usable rest that yields the other value", async () => {
    await fc.assert(
      fc.asyncProperty(
        seedArb,
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        async (seed, na, nb) => {
          const log: string[] = [];
          const [winner, winnerFinished, other] = await run(
            asyncBlock(function* () {
              const a = spawn(worker(0, na, log));
              const b = spawn(worker(1, nb, log));
              const r = yield* select(a, b);
              const finished = (r.index === 0 ? a : b).isFinished();
              const rest = yield* r.rest;
              return [r.value, finished, rest] as const;
            }),
            { seed },
          );
          expect(winnerFinished).toBe(true);
          expect([winner, other].sort()).toEqual([0, 1]);
          expect(log.sort()).toEqual(["finally 0", "finally 1", "start 0", "start 1"]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("property: abort over random seeds", () => {
  it("aborting workers at random points: each started worker's finally runs once, each handle reports a value or cancelled", async () => {
    await fc.assert(
      fc.asyncProperty(
        seedArb,
        steps,
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 6, maxLength: 6 }),
        async (seed, ns, abortAfter) => {
          const rt = new Runtime({ seed });
          const log: string[] = [];
          const outcomes = await rt.spawn(
            asyncBlock(function* () {
              const hs: JoinHandle<number>[] = ns.map((n, i) => spawn(worker(i, n, log)));
              // Abort worker i after abortAfter[i] yields of this task.
              const plan = hs.map((h, i) => ({ h, at: abortAfter[i]! }));
              for (let t = 0; t <= 8; t++) {
                for (const p of plan) if (p.at === t) p.h.abort();
                yield* yieldNow();
              }
              const out: (number | "cancelled")[] = [];
              for (const h of hs) {
                try {
                  out.push(yield* h);
                } catch (e) {
                  if (!(e as JoinError).isCancelled()) throw e;
                  out.push("cancelled");
                }
              }
              return out;
            }),
          );
          for (let i = 0; i < ns.length; i++) {
            expect([i, "cancelled"]).toContain(outcomes[i]);
          }
          // A worker aborted before its first poll never started, so it has no finally to run.
          const started = log.filter((l) => l.startsWith("start")).map((l) => l.slice(6));
          const finished = log.filter((l) => l.startsWith("finally")).map((l) => l.slice(8));
          expect(finished.sort()).toEqual(started.sort());
          for (let i = 0; i < ns.length; i++) {
            if (outcomes[i] === i) expect(started).toContain(String(i));
          }
          expect(rt.metrics().liveTasks).toBe(0);
          await rt.shutdown();
          await flush();
        },
      ),
      { numRuns: 60 },
    );
  });
});
