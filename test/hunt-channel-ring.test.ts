import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ring } from "../src/channel/ring.js";

describe("ring hunt: the mpsc ticket rail against an array", () => {
  it("pushes, shifts and clears in any order, across wraparound and growth, keep FIFO order and length", () => {
    type Op = { kind: "push" } | { kind: "shift" } | { kind: "clear" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.constant<Op>({ kind: "push" }) },
      { weight: 5, arbitrary: fc.constant<Op>({ kind: "shift" }) },
      { weight: 1, arbitrary: fc.constant<Op>({ kind: "clear" }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.array(op, { maxLength: 200 }), (cap, ops) => {
        const ring = new Ring<number>(cap);
        const model: number[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            ring.push(n);
            model.push(n++);
          } else if (o.kind === "shift") {
            if (model.length === 0) continue; // shift needs an item (documented)
            expect(ring.shift()).toBe(model.shift());
          } else {
            ring.clear();
            model.length = 0;
          }
          expect(ring.length).toBe(model.length);
        }
        const rest: number[] = [];
        while (ring.length > 0) rest.push(ring.shift());
        expect(rest).toEqual(model);
      }),
      { numRuns: 500 },
    );
  });

  it("a shifted item is no longer held by the ring (no stale reference in a freed slot)", () => {
    const ring = new Ring<object>(2);
    const a = {};
    ring.push(a);
    ring.push({});
    ring.push({}); // grows past 2, with `a` at the head
    expect(ring.shift()).toBe(a);
    const slots = (ring as unknown as { buf: unknown[] }).buf;
    expect(slots.includes(a)).toBe(false);
  });
});
