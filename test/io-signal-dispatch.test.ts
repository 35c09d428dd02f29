/**
 * The signal dispatcher, in process (no scenario here delivers twice with nobody waiting, which
 * would raise the signal for real): one delivery is told once to the futures waiting at that
 * moment; one that no future heard goes to a future already waiting by then, or is kept once;
 * separate signals have separate listeners; a runtime's close lets its handler go; holds and
 * I/O waits come back to where they were.
 */
import { describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import { Waker } from "../src/future/waker.js";
import { asyncBlock, PENDING, pollFn, Runtime } from "../src/index.js";
import { ctrlC, signal } from "../src/node.js";
import { processHolds } from "../src/runtime/keep-alive.js";

describe("signal deliveries", () => {
  it("a delivery whose only woken future is dropped unpolled goes to a future that started waiting before the drop", async () => {
    const holds = processHolds();
    const before = process.listenerCount("SIGINT");
    const rt = new Runtime();
    try {
      const seen = await rt.spawn(
        asyncBlock(function* () {
          return yield* pollFn((cx) => {
            const f1 = ctrlC();
            f1.poll(cx); // WAITING
            process.emit("SIGINT"); // f1 FIRED by delivery 1
            const f5 = ctrlC();
            const a = f5.poll(cx); // nothing kept yet: WAITING
            f1[Symbol.dispose](); // delivery 1 is kept for the runtime...
            const b = f5.poll(cx); // ...but the future already waiting is not told
            const metrics = rt.metrics().ioWaits;
            f5[Symbol.dispose]();
            return [
              a === PENDING ? "pending" : "ready",
              b === PENDING ? "pending" : "ready",
              metrics,
            ];
          });
        }),
      );
      expect(seen.slice(0, 2)).toEqual(["pending", "ready"]);
    } finally {
      await rt.shutdown();
    }
    expect(processHolds()).toBe(holds);
    expect(process.listenerCount("SIGINT")).toBe(before);
  });

  it("SIGTERM and SIGINT have separate dispatchers in one runtime; holds and ioWaits come back", async () => {
    const holds = processHolds();
    const rt = new Runtime();
    try {
      const out = await rt.spawn(
        asyncBlock(function* () {
          return yield* pollFn((cx) => {
            const c = ctrlC();
            const t = signal("SIGTERM");
            c.poll(cx);
            t.poll(cx);
            const during = [processHolds() - holds, rt.metrics().ioWaits];
            process.emit("SIGTERM");
            const r = [c.poll(cx) === PENDING, t.poll(cx) === PENDING];
            c[Symbol.dispose]();
            t[Symbol.dispose]();
            return { during, r, after: [processHolds() - holds, rt.metrics().ioWaits] };
          });
        }),
      );
      expect(out).toEqual({ during: [2, 2], r: [true, false], after: [0, 0] });
    } finally {
      await rt.shutdown();
    }
    expect(process.listenerCount("SIGTERM")).toBe(0);
    expect(process.listenerCount("SIGINT")).toBe(0);
  });

  it("a runtime closed while it keeps a delivery takes it away; another runtime's hook is untouched", async () => {
    const a = new Runtime();
    const b = new Runtime();
    const probe = (rt: Runtime) =>
      rt.spawn(
        asyncBlock(function* () {
          return yield* pollFn((cx) => {
            const f = ctrlC();
            const r = f.poll(cx) === PENDING ? "pending" : "ready";
            f[Symbol.dispose]();
            return r;
          });
        }),
      );
    await probe(a);
    await probe(b);
    process.emit("SIGINT"); // nobody waits: both keep it
    await a.shutdown();
    expect(process.listenerCount("SIGINT")).toBe(1);
    expect(await probe(b)).toBe("ready");
    expect(await probe(b)).toBe("pending");
    await b.shutdown();
    expect(process.listenerCount("SIGINT")).toBe(0);
    expect(processHolds()).toBe(0);
  });

  it("a future waiting when its runtime closes waits alone; the process stays held until the signal", async () => {
    const rt = new Runtime();
    const f = ctrlC();
    await rt.spawn(
      pollFn((cx) => {
        f.poll(cx);
        return 1;
      }),
    );
    await rt.shutdown();
    const after = [process.listenerCount("SIGINT"), processHolds()];
    process.emit("SIGINT");
    const end = [process.listenerCount("SIGINT"), processHolds()];
    f[Symbol.dispose]();
    expect([after, end]).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });

  it("one delivery to two waiters, one dropped unpolled and the other polled: heard once, so a later future waits", async () => {
    const rt = new Runtime();
    try {
      const seen = await rt.spawn(
        pollFn((cx) => {
          const f1 = ctrlC();
          const f2 = ctrlC();
          f1.poll(cx);
          f2.poll(cx);
          process.emit("SIGINT"); // both FIRED by delivery 1
          f1[Symbol.dispose](); // kept: f2 has not taken it yet
          const f3 = ctrlC(); // created after the delivery
          const r3 = f3.poll(cx) === PENDING ? "pending" : "ready";
          const r2 = f2.poll(cx) === PENDING ? "pending" : "ready";
          f3[Symbol.dispose]();
          return [r2, r3];
        }),
      );
      // One Ctrl-C, heard by f2 (waiting at the time); f3 should not hear it as well.
      expect(seen).toEqual(["ready", "pending"]);
    } finally {
      await rt.shutdown();
    }
    expect(processHolds()).toBe(0);
  });

  it("one delivery to two waiters, one polled and then the other dropped: heard, so nothing is kept", async () => {
    const rt = new Runtime();
    try {
      const seen = await rt.spawn(
        pollFn((cx) => {
          const f1 = ctrlC();
          const f2 = ctrlC();
          f1.poll(cx);
          f2.poll(cx);
          process.emit("SIGINT"); // both woken by one delivery
          const r2 = f2.poll(cx) === PENDING ? "pending" : "ready"; // heard
          f1[Symbol.dispose](); // dropped unpolled, but the delivery was heard
          const f3 = ctrlC();
          const r3 = f3.poll(cx) === PENDING ? "pending" : "ready";
          f3[Symbol.dispose]();
          return [r2, r3];
        }),
      );
      expect(seen).toEqual(["ready", "pending"]);
    } finally {
      await rt.shutdown();
    }
  });

  it("a future polled by hand, outside any runtime, listens while it waits and hears the signal", () => {
    const before = process.listenerCount("SIGINT");
    const holds = processHolds();
    let wakes = 0;
    const cx = new Context(Waker.from(() => wakes++));
    const f = ctrlC();
    expect(f.poll(cx)).toBe(PENDING);
    expect([process.listenerCount("SIGINT") - before, processHolds() - holds]).toEqual([1, 1]);
    process.emit("SIGINT");
    expect(wakes).toBe(1);
    expect(f.poll(cx)).toBe(undefined);
    expect([process.listenerCount("SIGINT") - before, processHolds() - holds]).toEqual([0, 0]);
  });

  it("a woken future dropped after its runtime closed installs no handler again", async () => {
    const before = process.listenerCount("SIGINT");
    const rt = new Runtime();
    const f = ctrlC();
    await rt.spawn(
      pollFn((cx) => {
        f.poll(cx);
        process.emit("SIGINT"); // woken, not polled again
        return 1;
      }),
    );
    await rt.shutdown(); // the runtime's handler goes
    f[Symbol.dispose](); // unheard, but nobody is left to keep it for
    expect(process.listenerCount("SIGINT")).toBe(before);
    expect(processHolds()).toBe(0);
  });
});
