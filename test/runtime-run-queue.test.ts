import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RunQueue } from "../src/runtime/run-queue.js";
import type { Task } from "../src/task/task.js";

/** Stand-ins for tasks: the queue only stores and returns them. */
const tasks = (n: number): Task<any>[] =>
  Array.from({ length: n }, (_, i) => ({ id: i }) as unknown as Task<any>);

describe("RunQueue", () => {
  it("hands tasks back in the order they were pushed, across growth", () => {
    const q = new RunQueue(16);
    const ts = tasks(100);
    for (const t of ts) q.push(t);
    expect(q.length).toBe(100);
    expect(q.capacity).toBe(128);
    const out: Task<any>[] = [];
    for (let t = q.shift(); t !== undefined; t = q.shift()) out.push(t);
    expect(out).toEqual(ts);
  });

  it("after a burst larger than 8192 slots drains, goes back to its first size and stays FIFO", () => {
    const q = new RunQueue(1024);
    for (const t of tasks(20_000)) q.push(t);
    expect(q.capacity).toBe(32_768);
    q.shrinkIfEmpty(); // not empty: keeps its slots
    expect(q.capacity).toBe(32_768);
    while (q.shift() !== undefined) {}
    q.shrinkIfEmpty();
    expect(q.capacity).toBe(1024);
    const ts = tasks(3);
    for (const t of ts) q.push(t);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([...ts, undefined]);
  });

  it("keeps a drained queue of up to 8192 slots (the steady state of a busy runtime)", () => {
    const q = new RunQueue(1024);
    for (const t of tasks(5000)) q.push(t);
    while (q.shift() !== undefined) {}
    q.shrinkIfEmpty();
    expect(q.capacity).toBe(8192);
  });

  it("behaves as a FIFO list under any mix of pushes, shifts and shrinks (property)", () => {
    type Op = { kind: "push"; n: number } | { kind: "shift"; n: number } | { kind: "shrink" };
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), n: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ kind: fc.constant("shift" as const), n: fc.integer({ min: 1, max: 5000 }) }),
      fc.constant({ kind: "shrink" as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops: Op[]) => {
        const q = new RunQueue(16);
        const model: Task<any>[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            for (let i = 0; i < o.n; i++) {
              const t = { id: next++ } as unknown as Task<any>;
              q.push(t);
              model.push(t);
            }
          } else if (o.kind === "shift") {
            for (let i = 0; i < o.n; i++) expect(q.shift()).toBe(model.shift());
          } else {
            q.shrinkIfEmpty();
          }
          expect(q.length).toBe(model.length);
        }
      }),
      { numRuns: 50 },
    );
  });
});
