import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RunQueue } from "../src/runtime/run-queue.js";
import type { Task } from "../src/task/task.js";

/** Stand-ins for tasks: the queue only stores and returns them. */
const tasks = (n: number): Task<any>[] =>
  Array.from({ length: n }, (_, i) => ({ id: i }) as unknown as Task<any>);

function drain(q: RunQueue): Task<any>[] {
  const out: Task<any>[] = [];
  for (let t = q.shift(); t !== undefined; t = q.shift()) out.push(t);
  return out;
}

describe("RunQueue", () => {
  it("hands tasks back in the order they were pushed, across many chunks", () => {
    const q = new RunQueue();
    const ts = tasks(5000);
    for (const t of ts) q.push(t);
    expect(q.length).toBe(5000);
    const seen: Task<any>[] = [];
    q.forEach((t) => {
      seen.push(t);
    });
    expect(seen).toEqual(ts);
    expect(drain(q)).toEqual(ts);
    expect(q.length).toBe(0);
  });

  it("after a burst of 20,000 drains, keeps two chunks (the one in use and a spare), not the burst's", () => {
    const q = new RunQueue();
    for (const t of tasks(20_000)) q.push(t);
    expect(q.capacity).toBeGreaterThanOrEqual(20_000);
    drain(q);
    expect(q.capacity).toBe(2048);
    const ts = tasks(3);
    for (const t of ts) q.push(t);
    expect(drain(q)).toEqual(ts);
  });

  it("takes the task at an offset for seeded runs, leaving the others in order", () => {
    const q = new RunQueue();
    const ts = tasks(3000);
    for (const t of ts) q.push(t);
    expect(q.shiftAt(2500)).toBe(ts[2500]);
    const rest = drain(q);
    expect(rest.length).toBe(2999);
    expect(new Set(rest)).toEqual(new Set(ts.filter((_, i) => i !== 2500)));
  });

  it("behaves as a FIFO list under any mix of pushes and shifts (property)", () => {
    type Op = { kind: "push"; n: number } | { kind: "shift"; n: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), n: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant("shift" as const), n: fc.integer({ min: 1, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops: Op[]) => {
        const q = new RunQueue();
        const model: Task<any>[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            for (let i = 0; i < o.n; i++) {
              const t = { id: next++ } as unknown as Task<any>;
              q.push(t);
              model.push(t);
            }
          } else {
            for (let i = 0; i < o.n; i++) expect(q.shift()).toBe(model.shift());
          }
          expect(q.length).toBe(model.length);
          const seen: Task<any>[] = [];
          q.forEach((t) => {
            seen.push(t);
          });
          expect(seen).toEqual(model);
        }
      }),
      { numRuns: 50 },
    );
  });
});
