import { describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { DONE, iter, type Stream, streamPollFn } from "../src/stream/index.js";

describe("flattenUnordered whose outer stream throws at every poll after its first item", () => {
  it("the outer stream gives one inner stream, then throws forever: the inner stream's item still comes out", () => {
    let pulls = 0;
    const outer = streamPollFn<Stream<number>>(() => {
      pulls++;
      if (pulls === 1) return iter([7]);
      throw new Error("outer broken");
    });
    const s = outer.flattenUnordered(4);
    const cx = new Context(Waker.noop(), null);
    const seen: unknown[] = [];
    let errors = 0;
    for (let i = 0; i < 200 && !seen.includes(7); i++) {
      try {
        const r = s.pollNext(cx);
        if (r !== PENDING && r !== DONE) seen.push(r);
      } catch {
        errors++;
      }
    }
    // Each poll pulls from the outer stream first (fill) and throws there, so the inner stream in
    // flight is never polled: its 7 never comes out, however long the consumer goes on.
    expect(errors).toBeGreaterThan(0);
    expect(seen).toContain(7);
  });
});
