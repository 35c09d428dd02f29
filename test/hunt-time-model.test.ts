/**
 * Bug hunt: the whole timer path (sleep, reset, drop, time.advance, auto-advance, the wheel under
 * the driver) against a model that is a plain list of deadlines, on the paused clock. Durations
 * reach past the wheel's top level (2^36 ms) and include half milliseconds (rounded up, never
 * early).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { time } from "../src/time/control.js";
import { Instant } from "../src/time/instant.js";
import { type Sleep, sleep } from "../src/time/sleep.js";

type Op =
  | { kind: "sleep"; ms: number }
  | { kind: "reset"; pick: number; ms: number }
  | { kind: "drop"; pick: number }
  | { kind: "advance"; ms: number };

/** Whole or half milliseconds, from one tick to past a full rotation of the wheel. */
const durationArb = fc
  .tuple(
    fc.oneof(
      fc.integer({ min: 0, max: 70 }),
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer({ min: 2 ** 36 - 3, max: 2 ** 36 + 3 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
    ),
    fc.boolean(),
  )
  .map(([whole, half]) => (half ? whole + 0.5 : whole));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: durationArb.map((ms) => ({ kind: "sleep" as const, ms })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(), durationArb)
      .map(([pick, ms]) => ({ kind: "reset" as const, pick, ms })),
  },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: "drop" as const, pick })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.integer({ min: 0, max: 2 ** 38 }),
      )
      .map((ms) => ({ kind: "advance" as const, ms })),
  },
);

interface Timer {
  id: number;
  sleep: Sleep;
  handle: JoinHandle<void>;
  /** The model's deadline, in ms since the start. */
  deadline: number;
}

describe("sleep, reset, drop and advance against a list of deadlines", () => {
  it("every timer completes exactly when the model says: at the advance that passes its deadline, or at its deadline by auto-advance", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
        const rt = new Runtime({ clock: "paused" });
        const seen = new Map<number, number>();
        const expected = new Map<number, number>();
        await rt.spawn(
          asyncBlock(function* () {
            const t0 = Instant.now();
            let now = 0;
            let live: Timer[] = [];
            let nextId = 0;
            for (const op of ops) {
              if (op.kind === "sleep") {
                const id = nextId++;
                const s = sleep(op.ms);
                const handle = spawn(
                  asyncBlock(function* () {
                    yield* s;
                    seen.set(id, t0.elapsed());
                  }),
                );
                live.push({ id, sleep: s, handle, deadline: now + Math.ceil(op.ms) });
              } else if (op.kind === "reset") {
                if (live.length === 0) continue;
                const timer = live[op.pick % live.length]!;
                timer.sleep.reset(Instant.now().add(op.ms));
                timer.deadline = now + Math.ceil(op.ms);
              } else if (op.kind === "drop") {
                if (live.length === 0) continue;
                const timer = live[op.pick % live.length]!;
                timer.handle.abort();
                live = live.filter((t) => t !== timer);
              } else {
                yield* time.advance(op.ms);
                now += op.ms;
                // Everything due by the new time has run, at the new time.
                for (const t of live) if (t.deadline <= now) expected.set(t.id, now);
                live = live.filter((t) => t.deadline > now);
              }
            }
            // The rest by auto-advance: each at exactly its deadline.
            for (const t of live) expected.set(t.id, t.deadline);
            for (const t of live) yield* t.handle;
          }),
        );
        expect(rt.metrics().liveTimers).toBe(0);
        await rt.shutdown();
        expect(seen).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
