/**
 * Signals, late: orderings of runtimes opening and closing, futures made, polled and dropped, and
 * deliveries, around the rule of 8ec1732 (a woken future dropped after every runtime's handler went
 * installs no new one). Deliveries are `process.emit`, which calls the listeners in process. A
 * listener of the test's own stays on for the whole file, so the dispatcher's "second unheard
 * delivery" path never raises a real SIGINT in the test worker; every count below is relative to
 * the listeners that were there before.
 */
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { Waker } from "../src/future/waker.js";
import { asyncBlock, PENDING, pollFn, Runtime } from "../src/index.js";
import { ctrlC, signal } from "../src/node.js";
import { processHolds } from "../src/runtime/keep-alive.js";

const guard = (): void => {};
let baseInt = 0;
let baseTerm = 0;
let baseHolds = 0;

beforeAll(() => {
  process.on("SIGINT", guard);
  process.on("SIGTERM", guard);
  baseInt = process.listenerCount("SIGINT");
  baseTerm = process.listenerCount("SIGTERM");
  baseHolds = processHolds();
});

afterAll(() => {
  process.removeListener("SIGINT", guard);
  process.removeListener("SIGTERM", guard);
});

/** Handlers Brigade has installed beyond the test's own, and process holds beyond the start. */
const extra = () => ({
  int: process.listenerCount("SIGINT") - baseInt,
  term: process.listenerCount("SIGTERM") - baseTerm,
  holds: processHolds() - baseHolds,
});

const NONE = { int: 0, term: 0, holds: 0 };

// Each test leaves no handler and no hold behind, or the next would start from a dirty state.
afterEach(() => {
  expect(extra()).toEqual(NONE);
});

/** Run `body` once inside a task of `rt`, with that task's context. */
function inTask<T>(rt: Runtime, body: (cx: Context) => T): PromiseLike<T> {
  return rt.spawn(pollFn((cx) => body(cx)));
}

const state = (p: unknown) => (p === PENDING ? "pending" : "ready");

/** A hand-made context counting its wakes. */
function probe() {
  const seen = { wakes: 0 };
  const cx = new Context(Waker.from(() => seen.wakes++));
  return { cx, seen };
}

describe("a woken future that outlives its runtime", () => {
  it("woken, its runtime closed, then a new runtime waits: dropping the old future does not wake the new runtime's future", async () => {
    const rt1 = new Runtime();
    const old = ctrlC();
    await inTask(rt1, (cx) => {
      old.poll(cx);
      process.emit("SIGINT"); // delivery 1 wakes `old`, which is never polled again
      return 0;
    });
    await rt1.shutdown(); // rt1's handler goes with it
    expect(extra().int).toBe(0);
    const rt2 = new Runtime();
    try {
      const seen = await inTask(rt2, (cx) => {
        const fresh = ctrlC(); // made and polled after delivery 1, in a runtime that did not exist then
        const before = state(fresh.poll(cx));
        old[Symbol.dispose](); // delivery 1 was never heard, but its handler is gone
        const after = state(fresh.poll(cx));
        fresh[Symbol.dispose]();
        return [before, after];
      });
      expect(seen).toEqual(["pending", "pending"]);
    } finally {
      await rt2.shutdown();
    }
  });

  it("woken, its runtime closed, then a new runtime holds a handler with nobody waiting: dropping the old future keeps nothing for it", async () => {
    const rt1 = new Runtime();
    const old = ctrlC();
    await inTask(rt1, (cx) => {
      old.poll(cx);
      process.emit("SIGINT");
      return 0;
    });
    await rt1.shutdown();
    const rt2 = new Runtime();
    try {
      // rt2 waits once and stops: its handler stays, with nobody waiting.
      expect(
        await inTask(rt2, (cx) => {
          const f = ctrlC();
          const r = state(f.poll(cx));
          f[Symbol.dispose]();
          return r;
        }),
      ).toBe("pending");
      old[Symbol.dispose]();
      const next = await inTask(rt2, (cx) => {
        const f = ctrlC();
        const r = state(f.poll(cx));
        f[Symbol.dispose]();
        return r;
      });
      expect(next).toBe("pending");
    } finally {
      await rt2.shutdown();
    }
  });

  it("woken while two runtimes held the handler, then its own closed: dropping it keeps the delivery for the other", async () => {
    const rt1 = new Runtime();
    const rt2 = new Runtime();
    const old = ctrlC();
    try {
      await inTask(rt2, (cx) => {
        const f = ctrlC();
        f.poll(cx);
        f[Symbol.dispose]();
        return 0;
      });
      await inTask(rt1, (cx) => {
        old.poll(cx);
        process.emit("SIGINT");
        return 0;
      });
      await rt1.shutdown();
      expect(extra().int).toBe(1); // rt2 still holds it
      old[Symbol.dispose]();
      const seen = await inTask(rt2, (cx) => {
        const a = ctrlC();
        const b = ctrlC();
        const r = [state(a.poll(cx)), state(b.poll(cx))];
        a[Symbol.dispose]();
        b[Symbol.dispose]();
        return r;
      });
      expect(seen).toEqual(["ready", "pending"]); // kept once, for one future
    } finally {
      await rt1.shutdown();
      await rt2.shutdown();
    }
  });

  it("woken, its runtime closed, dropped twice and polled after: no handler, no hold, and a typed error", async () => {
    const rt = new Runtime();
    const old = signal("SIGTERM");
    await inTask(rt, (cx) => {
      old.poll(cx);
      process.emit("SIGTERM");
      return 0;
    });
    await rt.shutdown();
    old[Symbol.dispose]();
    old[Symbol.dispose]();
    expect(extra()).toEqual(NONE);
    expect(() => old.poll(probe().cx)).toThrow(FutureStateError);
    expect(extra()).toEqual(NONE);
  });

  it("woken, its runtime closed, then polled: ready once, with nothing installed again", async () => {
    const rt = new Runtime();
    const old = ctrlC();
    await inTask(rt, (cx) => {
      old.poll(cx);
      process.emit("SIGINT");
      return 0;
    });
    await rt.shutdown();
    const p = probe();
    expect(old.poll(p.cx)).toBe(undefined);
    expect(extra()).toEqual(NONE);
    expect(() => old.poll(p.cx)).toThrow(FutureStateError);
    old[Symbol.dispose]();
  });
});

describe("runtimes opening and closing around futures", () => {
  it("a future made in a runtime but never polled installs nothing, before or after the runtime closes", async () => {
    const rt = new Runtime();
    const f = ctrlC();
    await inTask(rt, () => 0);
    expect(extra()).toEqual(NONE);
    await rt.shutdown();
    expect(extra()).toEqual(NONE);
    f[Symbol.dispose]();
    expect(() => f.poll(probe().cx)).toThrow(FutureStateError);
  });

  it("a future waiting when its runtime closes, then dropped with no delivery: the handler and the hold go", async () => {
    const rt = new Runtime();
    const f = ctrlC();
    await inTask(rt, (cx) => state(f.poll(cx)));
    await rt.shutdown();
    expect(extra()).toEqual({ int: 1, term: 0, holds: 1 });
    f[Symbol.dispose]();
    expect(extra()).toEqual(NONE);
  });

  it("a delivery while nobody waits, kept by the runtime, then the runtime closes: a future polled by hand after does not hear it", async () => {
    const rt = new Runtime();
    await inTask(rt, (cx) => {
      const f = ctrlC();
      f.poll(cx);
      f[Symbol.dispose]();
      return 0;
    });
    process.emit("SIGINT"); // nobody waits: kept
    await rt.shutdown();
    const p = probe();
    const f = ctrlC();
    expect(f.poll(p.cx)).toBe(PENDING);
    f[Symbol.dispose]();
    expect(p.seen.wakes).toBe(0);
  });

  it("a kept delivery is taken by a future polled by hand while the runtime that kept it lives", async () => {
    const rt = new Runtime();
    try {
      await inTask(rt, (cx) => {
        const f = ctrlC();
        f.poll(cx);
        f[Symbol.dispose]();
        return 0;
      });
      process.emit("SIGINT");
      const p = probe();
      const byHand = ctrlC();
      expect(byHand.poll(p.cx)).toBe(undefined);
      const again = ctrlC();
      expect(again.poll(p.cx)).toBe(PENDING);
      again[Symbol.dispose]();
    } finally {
      await rt.shutdown();
    }
  });

  it("a future polled by hand, woken and dropped unpolled while a runtime holds the handler: the runtime's next future hears it", async () => {
    const rt = new Runtime();
    try {
      await inTask(rt, (cx) => {
        const f = ctrlC();
        f.poll(cx);
        f[Symbol.dispose]();
        return 0;
      });
      const p = probe();
      const byHand = ctrlC();
      byHand.poll(p.cx);
      process.emit("SIGINT");
      expect(p.seen.wakes).toBe(1);
      byHand[Symbol.dispose]();
      const seen = await inTask(rt, (cx) => {
        const f = ctrlC();
        const r = state(f.poll(cx));
        f[Symbol.dispose]();
        return r;
      });
      expect(seen).toBe("ready");
    } finally {
      await rt.shutdown();
    }
  });

  it("a second delivery while one is kept lets the handler go (the program's own listener heard it); the runtime's next wait installs one again, and its close removes that", async () => {
    const rt = new Runtime();
    try {
      await inTask(rt, (cx) => {
        const f = ctrlC();
        f.poll(cx);
        f[Symbol.dispose]();
        return 0;
      });
      process.emit("SIGINT"); // kept
      process.emit("SIGINT"); // kept already: the handler goes (our guard stops the re-raise)
      expect(extra().int).toBe(0);
      const seen = await inTask(rt, (cx) => {
        const f = ctrlC();
        const r = state(f.poll(cx));
        const during = extra().int;
        process.emit("SIGINT");
        const r2 = state(f.poll(cx));
        return [r, during, r2];
      });
      expect(seen).toEqual(["pending", 1, "ready"]);
      expect(extra().int).toBe(1); // the runtime holds the new handler
    } finally {
      await rt.shutdown();
    }
    expect(extra()).toEqual(NONE);
  });

  it("two runtimes wait at once; one delivery wakes both; closing them in turn removes the handler only at the last", async () => {
    const a = new Runtime();
    const b = new Runtime();
    const fa = ctrlC();
    const fb = ctrlC();
    const pa = inTask(a, (cx) => state(fa.poll(cx)));
    const pb = inTask(b, (cx) => state(fb.poll(cx)));
    expect([await pa, await pb]).toEqual(["pending", "pending"]);
    expect(extra()).toEqual({ int: 1, term: 0, holds: 2 });
    process.emit("SIGINT");
    expect(extra()).toEqual({ int: 1, term: 0, holds: 0 });
    expect(await inTask(a, (cx) => fa.poll(cx))).toBe(undefined);
    expect(await inTask(b, (cx) => fb.poll(cx))).toBe(undefined);
    await a.shutdown();
    expect(extra().int).toBe(1);
    await b.shutdown();
    expect(extra()).toEqual(NONE);
  });

  it("a SIGTERM delivery does not wake a SIGINT future, and neither keeps the other's", async () => {
    const rt = new Runtime();
    try {
      const seen = await inTask(rt, (cx) => {
        const i = ctrlC();
        i.poll(cx);
        process.emit("SIGTERM"); // a SIGTERM handler exists only once a SIGTERM future waited
        const t = signal("SIGTERM");
        const rt1 = state(t.poll(cx));
        const ri = state(i.poll(cx));
        i[Symbol.dispose]();
        t[Symbol.dispose]();
        return [rt1, ri];
      });
      expect(seen).toEqual(["pending", "pending"]);
    } finally {
      await rt.shutdown();
    }
  });

  it("every state dropped twice: idle, waiting, woken and done; each poll after is a FutureStateError", async () => {
    const rt = new Runtime();
    try {
      const errors = await inTask(rt, (cx) => {
        const idle = ctrlC();
        const waiting = ctrlC();
        const woken = ctrlC();
        const done = ctrlC();
        waiting.poll(cx);
        woken.poll(cx);
        done.poll(cx);
        process.emit("SIGINT");
        done.poll(cx);
        const all = [idle, waiting, woken, done];
        for (const f of all) {
          f[Symbol.dispose]();
          f[Symbol.dispose]();
        }
        return all.map((f) => {
          try {
            f.poll(cx);
            return "no error";
          } catch (e) {
            return e instanceof FutureStateError ? "FutureStateError" : String(e);
          }
        });
      });
      expect(errors).toEqual(Array(4).fill("FutureStateError"));
      // `done` heard the delivery, so dropping `woken` unpolled kept nothing.
      const next = await inTask(rt, (cx) => {
        const f = ctrlC();
        const r = state(f.poll(cx));
        f[Symbol.dispose]();
        return r;
      });
      expect(next).toBe("pending");
      expect(rt.metrics().ioWaits).toBe(0);
    } finally {
      await rt.shutdown();
    }
  });

  it("a task waiting for SIGTERM is named in the dump with its signal; a delivery ends it and its wait", async () => {
    const rt = new Runtime();
    try {
      const h = rt.spawn(
        asyncBlock(function* stopper() {
          yield* signal("SIGTERM");
          return "stopped";
        }),
        { name: "graceful stop" },
      );
      for (let i = 0; i < 20; i++) await Promise.resolve();
      const dump = String(rt.dump());
      expect(dump).toContain("graceful stop");
      expect(dump).toContain("signal(SIGTERM)");
      expect(rt.metrics().ioWaits).toBe(1);
      process.emit("SIGTERM");
      expect(await h).toBe("stopped");
      expect(rt.metrics().ioWaits).toBe(0);
    } finally {
      await rt.shutdown();
    }
  });
});

type Op =
  | { op: "open" }
  | { op: "close"; rt: number }
  | { op: "wait"; rt: number }
  | { op: "poll"; f: number }
  | { op: "drop"; f: number }
  | { op: "emit" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ op: "open" }),
  fc.nat(3).map<Op>((rt) => ({ op: "close", rt })),
  fc.nat(3).map<Op>((rt) => ({ op: "wait", rt })),
  fc.nat(7).map<Op>((f) => ({ op: "poll", f })),
  fc.nat(7).map<Op>((f) => ({ op: "drop", f })),
  fc.constant<Op>({ op: "emit" }),
);

describe("random orderings of runtimes, futures and deliveries", () => {
  it("whatever the order, at most one handler is installed, a hold is kept only by a future that waits, and once every future is dropped and every runtime closed nothing is left", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), async (ops) => {
        const rts: { rt: Runtime; open: boolean }[] = [];
        const futs: { f: ReturnType<typeof ctrlC>; pending: boolean }[] = [];
        const hand = probe();
        try {
          for (const o of ops) {
            if (o.op === "open") rts.push({ rt: new Runtime(), open: true });
            else if (o.op === "close") {
              const r = rts[o.rt];
              if (r?.open) {
                r.open = false;
                await r.rt.shutdown();
              }
            } else if (o.op === "wait") {
              const r = rts[o.rt];
              if (r?.open) {
                const f = ctrlC();
                const s = await inTask(r.rt, (cx) => state(f.poll(cx)));
                futs.push({ f, pending: s === "pending" });
              }
            } else if (o.op === "poll") {
              const x = futs[o.f];
              if (x?.pending) x.pending = x.f.poll(hand.cx) === PENDING;
            } else if (o.op === "drop") futs[o.f]?.f[Symbol.dispose]();
            else process.emit("SIGINT");
            const e = extra();
            expect(e.int).toBeLessThanOrEqual(1);
            expect(e.holds).toBeLessThanOrEqual(futs.filter((x) => x.pending).length);
          }
        } finally {
          for (const x of futs) x.f[Symbol.dispose]();
          for (const r of rts) if (r.open) await r.rt.shutdown();
        }
        expect(extra()).toEqual(NONE);
        for (const r of rts) expect(r.rt.metrics().ioWaits).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
