/**
 * The model-based hunt's oracle, checked by hand: programs whose outcome, finishing time and
 * `finally` blocks are worked out here from docs/cancellation.md and docs/time.md, run on the
 * paused clock under several seeds. Each must agree with the hand-written answer and with the
 * model (hunt-model-oracle.ts), so the random hunt rests on an oracle that is right where it can
 * be checked by eye.
 */
import { describe, expect, it } from "vitest";
import { model } from "./hunt-model-oracle.js";
import { runProgram } from "./hunt-model-run.js";
import { type Err, number, type Outcome, type Shape } from "./hunt-model-support.js";

const sleep = (ms: number): Shape => ({ t: "sleep", ms });
const slowCleanup = (ms: number, cms: number): Shape => ({ t: "slowCleanup", ms, cms });
const badCleanup = (ms: number, cms: number): Shape => ({ t: "badCleanup", ms, cms });

interface Case {
  name: string;
  program: Shape;
  outcome: Outcome;
  finish: number;
  /** Per node id (depth first from 0): [started, done, doneAt]. */
  finallies?: Record<number, [number, number, number | null]>;
  reports?: number;
}

const cleanupError = (id: number): Err => ({ e: "cleanup", id });

const CASES: Case[] = [
  {
    name: "a task aborted at 2 ms while its join's child cleans up for 5 ms reports cancelled at 7 ms, after that finally",
    program: {
      t: "spawnAbort",
      at: 2,
      kids: [{ t: "join", kids: [slowCleanup(10, 5), sleep(20)] }],
    },
    outcome: { err: { e: "cancelled" } },
    finish: 7,
    finallies: { 2: [1, 1, 7] },
  },
  {
    name: "a race's loser is dropped when the winner finishes at 3 ms, and its 4 ms cleanup ends detached at 7 ms",
    program: { t: "race", biased: false, kids: [sleep(3), slowCleanup(10, 4)] },
    outcome: { ok: undefined },
    finish: 3,
    finallies: { 2: [1, 1, 7] },
  },
  {
    name: "an eager seq makes both sleeps at 0 ms, so awaiting the 3 ms one after the 5 ms one takes no longer",
    program: { t: "seq", catches: "none", fin: -1, eager: true, kids: [sleep(5), sleep(3)] },
    outcome: { ok: [undefined, undefined] },
    finish: 5,
    finallies: { 0: [1, 1, 5] },
  },
  {
    name: "a timeout made at 0 ms and first polled at 5 ms times out at once, though its channel is sent on at 6 ms",
    program: {
      t: "seq",
      catches: "all",
      fin: -1,
      eager: true,
      kids: [sleep(5), { t: "timeout", ms: 3, kids: [{ t: "recv", ch: "mpsc", at: 1 }] }],
    },
    outcome: { ok: { values: [undefined], caught: { e: "timeout" } } },
    finish: 5,
  },
  {
    name: "a task aborted at 5 ms while its finally already waits is cut short at that await: the finally never ends",
    program: { t: "spawnAbort", at: 5, kids: [slowCleanup(2, 10)] },
    outcome: { err: { e: "cancelled" } },
    finish: 5,
    finallies: { 1: [1, 0, null] },
  },
  {
    name: "a task aborted at 2 ms whose finally throws after a 3 ms wait ends panicked with that error at 5 ms",
    program: { t: "spawnAbort", at: 2, kids: [badCleanup(10, 3)] },
    outcome: { err: { e: "panic", cause: cleanupError(1) } },
    finish: 5,
    finallies: { 1: [1, 1, 5] },
  },
  {
    name: "a race's loser whose finally throws without waiting replaces the winner's value at 1 ms",
    program: { t: "race", biased: true, kids: [sleep(1), badCleanup(5, 0)] },
    outcome: { err: cleanupError(2) },
    finish: 1,
    finallies: { 2: [1, 1, 1] },
  },
  {
    name: "a race's loser whose finally throws after a wait is printed once, after main has its value",
    program: { t: "race", biased: false, kids: [sleep(1), badCleanup(5, 2)] },
    outcome: { ok: undefined },
    finish: 1,
    finallies: { 2: [1, 1, 3] },
    reports: 1,
  },
  {
    name: "a task whose handle a select dropped at 1 ms panics at 3 ms, printed, while main sleeps on to 6 ms",
    program: {
      t: "seq",
      catches: "none",
      fin: -1,
      eager: false,
      kids: [
        {
          t: "select",
          biased: false,
          finishRest: false,
          kids: [sleep(1), { t: "spawn", kids: [{ t: "throw", ms: 3 }] }],
        },
        sleep(5),
      ],
    },
    outcome: { ok: [{ index: 0, value: undefined }, undefined] },
    finish: 6,
    reports: 1,
  },
  {
    name: "a JoinSet gives its members' outputs in the order they finish: ready, then 2 ms, then the message at 4 ms",
    program: {
      t: "joinSet",
      abortFirst: -1,
      take: "loop",
      kids: [{ t: "recv", ch: "oneshot", at: 4 }, { t: "ready" }, sleep(2)],
    },
    outcome: { ok: [2, undefined, 1] },
    finish: 4,
  },
  {
    name: "a JoinSet member aborted at 3 ms with a 2 ms cleanup ends the loop with cancelled at 5 ms",
    program: { t: "joinSet", abortFirst: 3, take: "loop", kids: [slowCleanup(10, 2), sleep(1)] },
    outcome: { err: { e: "cancelled" } },
    finish: 5,
    finallies: { 1: [1, 1, 5] },
  },
  {
    name: "a JoinSet's joinAll() gives the outputs in finishing order: the ready member first, then the 2 ms one",
    program: { t: "joinSet", abortFirst: -1, take: "joinAll", kids: [sleep(2), { t: "ready" }] },
    outcome: { ok: [2, undefined] },
    finish: 2,
  },
  {
    name: "a JoinSet shut down at 3 ms waits for the aborted member's 2 ms cleanup and discards the panic of 1 ms",
    program: {
      t: "joinSet",
      abortFirst: -1,
      take: 3,
      kids: [slowCleanup(10, 2), { t: "throw", ms: 1 }],
    },
    outcome: { ok: undefined },
    finish: 5,
    finallies: { 1: [1, 1, 5] },
  },
  {
    name: "a task aborted at 2 ms while two children of its join clean up and both throw ends panicked with both errors at 5 ms",
    program: {
      t: "spawnAbort",
      at: 2,
      kids: [{ t: "join", kids: [badCleanup(10, 1), badCleanup(10, 3)] }],
    },
    outcome: {
      err: { e: "panic", cause: { e: "all", errors: [cleanupError(2), cleanupError(3)] } },
    },
    finish: 5,
    finallies: { 2: [1, 1, 3], 3: [1, 1, 5] },
  },
  {
    name: "a JoinSet that detaches its members returns at once; a member's panic at 2 ms is printed, as nothing awaits it",
    program: {
      t: "seq",
      catches: "none",
      fin: -1,
      eager: false,
      kids: [
        { t: "joinSet", abortFirst: -1, take: "detach", kids: [{ t: "throw", ms: 2 }] },
        sleep(3),
      ],
    },
    outcome: { ok: [undefined, undefined] },
    finish: 3,
    reports: 1,
  },
];

describe("the hunt's model against programs worked out by hand", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { root, count } = number(c.program);
      const p = model(root);
      expect(p.tie).toBe(false);
      expect(p.outcome).toEqual(c.outcome);
      expect(p.finish).toBe(c.finish);
      expect(p.reports).toBe(c.reports ?? 0);
      for (const seed of [undefined, 1, 2]) {
        const seen = await runProgram(root, count, seed);
        expect(seen.runError).toBe(null);
        expect(seen.outcome).toEqual(c.outcome);
        expect(seen.finish).toBe(c.finish);
        for (const [id, [started, done, doneAt]] of Object.entries(c.finallies ?? {})) {
          const i = Number(id);
          expect([seen.started[i], seen.done[i], seen.doneAt[i]]).toEqual([started, done, doneAt]);
          expect(p.finallies.get(i)).toEqual({ started, done, doneAt });
        }
        const panics = seen.printed.filter((l) =>
          l.includes("panicked while nothing was awaiting"),
        );
        expect(panics.length).toBe(c.reports ?? 0);
        expect(seen.metrics.liveTasks).toBe(0);
        expect(seen.metrics.liveTimers).toBe(0);
        expect(seen.metrics.liveWaiters).toBe(0);
      }
    });
  }
});
