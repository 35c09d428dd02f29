import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { describeFuture } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import type { FutureBase } from "../src/future/future.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { CancellationToken } from "../src/sync/cancellation-token.js";
import { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { Instant } from "../src/time/instant.js";
import { sleep } from "../src/time/sleep.js";
import { Gate, MockTask, Instant as ReadyNow } from "./future-testkit.js";

const turn = () => new Promise<void>((r) => setImmediate(r));

/** Await an aborted task's handle: it must end cancelled. */
async function expectCancelled(handle: PromiseLike<unknown>): Promise<void> {
  const error = await Promise.resolve(handle).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error instanceof JoinError && error.isCancelled()).toBe(true);
}

/** A context whose waker appends `tag` to `log` when woken. */
function loggingContext(log: string[], tag: string): Context {
  return new Context(Waker.from(() => log.push(tag)));
}

describe("CancellationToken: cancel and cancelled()", () => {
  it("a fresh token is not cancelled and its cancelled() waits", () => {
    const token = new CancellationToken();
    expect(token.isCancelled()).toBe(false);
    expect(new MockTask(token.cancelled()).poll()).toBe(PENDING);
  });

  it("cancel() wakes every waiter once, in the order they came, and each is then ready", () => {
    const token = new CancellationToken();
    const log: string[] = [];
    const waits = ["a", "b", "c"].map((tag) => {
      const f = token.cancelled();
      const cx = loggingContext(log, tag);
      expect(f.poll(cx)).toBe(PENDING);
      return { f, cx };
    });
    token.cancel();
    token.cancel(); // idempotent: nobody is woken twice
    expect(log).toEqual(["a", "b", "c"]);
    expect(token.isCancelled()).toBe(true);
    for (const { f, cx } of waits) expect(f.poll(cx)).toBeUndefined();
  });

  it("cancelled() made after cancel() is ready on its first poll and never queues", () => {
    const token = new CancellationToken();
    token.cancel();
    const t = new MockTask(token.cancelled());
    expect(t.poll()).toBeUndefined();
    expect(t.isWoken()).toBe(false);
  });

  it("a cancelled() made before cancel() but first polled after it is ready at once", () => {
    const token = new CancellationToken();
    const early = new MockTask(token.cancelled());
    token.cancel();
    expect(early.poll()).toBeUndefined();
  });

  it("a waiter polled again before cancel() is woken through its newest waker only", () => {
    const token = new CancellationToken();
    const log: string[] = [];
    const f = token.cancelled();
    expect(f.poll(loggingContext(log, "old"))).toBe(PENDING);
    expect(f.poll(loggingContext(log, "new"))).toBe(PENDING);
    token.cancel();
    expect(log).toEqual(["new"]);
  });

  it("a cancelled() polled after it completed throws a FutureStateError", () => {
    const token = new CancellationToken();
    token.cancel();
    const t = new MockTask(token.cancelled());
    t.poll();
    expect(() => t.poll()).toThrow(FutureStateError);
  });

  it("a task parked on cancelled() in a runtime runs after another task cancels", async () => {
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        const token = new CancellationToken();
        const h = spawn(
          asyncBlock(function* () {
            yield* token.cancelled();
            log.push("woken");
          }),
        );
        yield* yieldNow();
        log.push("cancel");
        token.cancel();
        yield* h;
      }),
    );
    expect(log).toEqual(["cancel", "woken"]);
  });

  it("a task dump names what a parked task waits on", async () => {
    const rt = new Runtime();
    const token = new CancellationToken();
    const h = rt.spawn(
      asyncBlock(function* serveTable() {
        yield* token.cancelled();
      }),
      { name: "table 1" },
    );
    await turn();
    expect(rt.dump().toString()).toContain("CancellationToken.cancelled()");
    token.cancel();
    await h;
    await rt.shutdown();
  });
});

describe("CancellationToken: children", () => {
  it("cancelling a parent cancels its children and grandchildren and wakes their waiters", () => {
    const root = new CancellationToken();
    const child = root.childToken();
    const grandchild = child.childToken();
    const waitedGrandchild = child.childToken();
    const w = new MockTask(waitedGrandchild.cancelled());
    expect(w.poll()).toBe(PENDING);
    root.cancel();
    expect(w.isWoken()).toBe(true);
    expect(w.poll()).toBeUndefined();
    expect(child.isCancelled()).toBe(true);
    expect(grandchild.isCancelled()).toBe(true);
    expect(new MockTask(grandchild.cancelled()).poll()).toBeUndefined();
  });

  it("cancelling a child cancels neither its parent nor its siblings, but does cancel its own children", () => {
    const root = new CancellationToken();
    const a = root.childToken();
    const b = root.childToken();
    const aa = a.childToken();
    const rootWait = new MockTask(root.cancelled());
    const bWait = new MockTask(b.cancelled());
    rootWait.poll();
    bWait.poll();
    a.cancel();
    expect(a.isCancelled()).toBe(true);
    expect(aa.isCancelled()).toBe(true);
    expect(root.isCancelled()).toBe(false);
    expect(b.isCancelled()).toBe(false);
    expect(rootWait.isWoken()).toBe(false);
    expect(bWait.isWoken()).toBe(false);
    root.cancel();
    expect(bWait.isWoken()).toBe(true);
  });

  it("a child made from a cancelled parent starts cancelled, as does one made from a grandchild after the root was cancelled", () => {
    const root = new CancellationToken();
    const child = root.childToken();
    root.cancel();
    expect(root.childToken().isCancelled()).toBe(true);
    const late = child.childToken().childToken();
    expect(late.isCancelled()).toBe(true);
    expect(new MockTask(late.cancelled()).poll()).toBeUndefined();
  });

  it("cancelling a child that is already cancelled through its parent changes nothing", () => {
    const root = new CancellationToken();
    const child = root.childToken();
    const sibling = root.childToken();
    const w = new MockTask(sibling.cancelled());
    w.poll();
    root.cancel();
    w.isWoken();
    child.cancel();
    expect(w.isWoken()).toBe(false);
  });

  it("a waiter that leaves while cancel() is waking others loses no wake for the tokens still to visit", () => {
    const root = new CancellationToken();
    const a = root.childToken();
    const b = root.childToken();
    const log: string[] = [];
    const aWait = a.cancelled();
    const bWait = b.cancelled();
    expect(aWait.poll(loggingContext(log, "a"))).toBe(PENDING);
    expect(bWait.poll(loggingContext(log, "b"))).toBe(PENDING);
    let lateReady: unknown = PENDING;
    const rootWait = root.cancelled();
    // The first wake runs code that drops a's waiter and asks b and a new grandchild, while the
    // children have not been visited yet.
    const cx = new Context(
      Waker.from(() => {
        log.push("root");
        aWait[Symbol.dispose]();
        expect(b.isCancelled()).toBe(true);
        lateReady = new MockTask(b.childToken().cancelled()).poll();
      }),
    );
    expect(rootWait.poll(cx)).toBe(PENDING);
    root.cancel();
    expect(log).toEqual(["root", "b"]);
    expect(lateReady).toBeUndefined();
    expect(root.linkedChildren).toBe(0);
    expect(bWait.poll(loggingContext(log, "b"))).toBeUndefined();
  });

  it("a chain 10,000 tokens deep is cancelled from its root without running out of stack", () => {
    const root = new CancellationToken();
    let t = root;
    for (let i = 0; i < 10_000; i++) t = t.childToken();
    const w = new MockTask(t.cancelled());
    expect(w.poll()).toBe(PENDING);
    expect(root.linkedChildren).toBe(1);
    root.cancel();
    expect(w.isWoken()).toBe(true);
    expect(w.poll()).toBeUndefined();
  });

  it("100,000 children made and dropped leave their parent holding none", () => {
    const root = new CancellationToken();
    for (let i = 0; i < 100_000; i++) {
      const c = root.childToken();
      c.isCancelled();
    }
    expect(root.linkedChildren).toBe(0);
  });

  it("100,000 children each waited on and the wait dropped leave their parent holding none", () => {
    const root = new CancellationToken();
    const parked = root.childToken();
    const w = new MockTask(parked.cancelled());
    w.poll();
    for (let i = 0; i < 100_000; i++) {
      const c = root.childToken().childToken();
      const f = c.cancelled();
      f.poll(w.cx);
      expect(root.linkedChildren).toBe(2);
      f[Symbol.dispose]();
    }
    // Only the child something still waits on is held.
    expect(root.linkedChildren).toBe(1);
    w.future[Symbol.dispose]();
    expect(root.linkedChildren).toBe(0);
  });

  it("a grandchild's wait links its parent under the root, and dropping the wait unlinks both", () => {
    const root = new CancellationToken();
    const child = root.childToken();
    const grandchild = child.childToken();
    const f = grandchild.cancelled();
    const t = new MockTask(f);
    t.poll();
    expect(root.linkedChildren).toBe(1);
    expect(child.linkedChildren).toBe(1);
    f[Symbol.dispose]();
    expect(root.linkedChildren).toBe(0);
    expect(child.linkedChildren).toBe(0);
  });

  it("property: after random cancels, waits and new children in any order, exactly the descendants of cancelled tokens are cancelled and woken", () => {
    type Op =
      | { kind: "cancel"; at: number }
      | { kind: "child"; at: number }
      | { kind: "wait"; at: number }
      | { kind: "drop"; at: number }
      | { kind: "signal"; at: number };
    const op = fc.oneof(
      ...(["cancel", "child", "wait", "drop", "signal"] as const).map((kind) =>
        fc.record({ kind: fc.constant(kind), at: fc.nat() }),
      ),
    ) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 0, maxLength: 25 }),
        fc.array(op, { maxLength: 60 }),
        (parentPicks, ops) => {
          // The model: each token's parent index, and which tokens cancel() was called on.
          const parents: number[] = [-1];
          const tokens = [new CancellationToken()];
          for (const pick of parentPicks) {
            const p = pick % tokens.length;
            parents.push(p);
            tokens.push(tokens[p]!.childToken());
          }
          const called = new Set<number>();
          const waits: {
            at: number;
            task: MockTask<void, FutureBase<void> & Disposable>;
            done: boolean;
          }[] = [];
          const signals: { at: number; signal: AbortSignal }[] = [];
          const shouldBeCancelled = (i: number): boolean => {
            for (let t = i; t !== -1; t = parents[t]!) if (called.has(t)) return true;
            return false;
          };
          for (const o of ops) {
            const at = o.at % tokens.length;
            switch (o.kind) {
              case "cancel":
                tokens[at]!.cancel();
                called.add(at);
                break;
              case "child":
                parents.push(at);
                tokens.push(tokens[at]!.childToken());
                break;
              case "wait": {
                const task = new MockTask(tokens[at]!.cancelled());
                const r = task.poll();
                expect(r === PENDING).toBe(!shouldBeCancelled(at));
                waits.push({ at, task, done: r !== PENDING });
                break;
              }
              case "drop": {
                const w = waits.splice(o.at % Math.max(1, waits.length), 1)[0];
                w?.task.future[Symbol.dispose]();
                break;
              }
              case "signal":
                signals.push({ at, signal: tokens[at]!.signal });
                break;
            }
            for (let i = 0; i < tokens.length; i++) {
              expect(tokens[i]!.isCancelled()).toBe(shouldBeCancelled(i));
            }
            for (const w of waits) {
              if (w.done) continue;
              const expected = shouldBeCancelled(w.at);
              expect(w.task.isWoken()).toBe(expected);
              if (expected) {
                expect(w.task.poll()).toBeUndefined();
                w.done = true;
              }
            }
            for (const s of signals) expect(s.signal.aborted).toBe(shouldBeCancelled(s.at));
          }
          // Once every wait is dropped and every signal's token cancelled, no token holds a child.
          for (const w of waits) w.task.future[Symbol.dispose]();
          for (const s of signals) tokens[s.at]!.cancel();
          for (const t of tokens) expect(t.linkedChildren).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("CancellationToken: dropGuard", () => {
  it("a guard disposed at the end of its scope cancels the token and its children", () => {
    const token = new CancellationToken();
    const child = token.childToken();
    {
      using _guard = token.dropGuard();
      expect(token.isCancelled()).toBe(false);
    }
    expect(token.isCancelled()).toBe(true);
    expect(child.isCancelled()).toBe(true);
  });

  it("a guard that throws out of its scope still cancels", () => {
    const token = new CancellationToken();
    expect(() => {
      using _guard = token.dropGuard();
      throw new Error("burnt");
    }).toThrow("burnt");
    expect(token.isCancelled()).toBe(true);
  });

  it("a disarmed guard hands the token back and does not cancel it when disposed", () => {
    const token = new CancellationToken();
    const guard = token.dropGuard();
    expect(guard.disarm()).toBe(token);
    guard[Symbol.dispose]();
    expect(token.isCancelled()).toBe(false);
  });

  it("a guard in an aborted task's async fn cancels the token while the task is torn down", async () => {
    const rt = new Runtime();
    const token = new CancellationToken();
    const h = rt.spawn(
      asyncBlock(function* () {
        using _guard = token.dropGuard();
        yield* sleep(1_000_000);
      }),
    );
    await turn();
    expect(token.isCancelled()).toBe(false);
    h.abort();
    await expectCancelled(h);
    expect(token.isCancelled()).toBe(true);
    await rt.shutdown();
  });
});

describe("CancellationToken: runUntilCancelled", () => {
  it("a future that finishes first gives its value and leaves no waiter", async () => {
    const rt = new Runtime();
    const token = new CancellationToken();
    const gate = new Gate<string>();
    const h = rt.spawn(token.runUntilCancelled(gate));
    await turn();
    expect(rt.metrics().liveWaiters).toBe(1);
    gate.resolve("soup");
    expect(await h).toBe("soup");
    expect(rt.metrics().liveWaiters).toBe(0);
    expect(token.isCancelled()).toBe(false);
    await rt.shutdown();
  });

  it("a token cancelled first gives undefined, drops the future and runs its finally", async () => {
    const rt = new Runtime();
    const token = new CancellationToken();
    const log: string[] = [];
    const cook = asyncFn(function* () {
      try {
        yield* sleep(1_000_000);
        log.push("cooked");
        return "stew";
      } finally {
        log.push("finally");
      }
    });
    const h = rt.spawn(token.runUntilCancelled(cook()));
    await turn();
    token.cancel();
    expect(await h).toBeUndefined();
    expect(log).toEqual(["finally"]);
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("an already cancelled token wins the first poll: the future is dropped without a poll", () => {
    const token = new CancellationToken();
    token.cancel();
    const inner = new ReadyNow("soup");
    expect(new MockTask(token.runUntilCancelled(inner)).poll()).toBeUndefined();
    expect(inner.polls).toBe(0);
    expect(inner.drops).toBe(1);
  });

  it("on a later poll, a future ready in the same poll as the cancellation wins", () => {
    const token = new CancellationToken();
    const gate = new Gate<string>();
    const t = new MockTask(token.runUntilCancelled(gate));
    expect(t.poll()).toBe(PENDING);
    gate.resolve("soup");
    token.cancel();
    expect(t.poll()).toBe("soup");
    expect(gate.drops).toBe(0);
  });

  it("a future that throws passes the error on and leaves the token's line", async () => {
    const rt = new Runtime();
    const token = new CancellationToken();
    const gate = new Gate<string>();
    const h = rt.spawn(token.runUntilCancelled(gate));
    await turn();
    gate.reject(new Error("burnt"));
    await expect(h).rejects.toThrow("burnt");
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("disposed while both wait, it drops the future and leaves the token's line", async () => {
    const rt = new Runtime();
    const token = new CancellationToken();
    const gate = new Gate<string>();
    const h = rt.spawn(token.runUntilCancelled(gate));
    await turn();
    h.abort();
    await expectCancelled(h);
    expect(gate.drops).toBe(1);
    expect(rt.metrics().liveWaiters).toBe(0);
    expect(token.linkedChildren).toBe(0);
    await rt.shutdown();
  });

  it("a dump shows runUntilCancelled with the future it runs", () => {
    const token = new CancellationToken();
    const f = token.runUntilCancelled(new Gate<string>());
    const tree = describeFuture(f);
    expect(tree.label).toBe("CancellationToken.runUntilCancelled()");
    expect(tree.children.map((c) => c.label)).toEqual(["Gate"]);
  });

  it("refuses what is not a future with a TypeError naming the argument", () => {
    const token = new CancellationToken();
    expect(() => token.runUntilCancelled(Promise.resolve(1) as never)).toThrow(
      /token\.runUntilCancelled\(future\): future must be a future/,
    );
  });
});

describe("CancellationToken: a dropped cancelled() leaves nothing behind", () => {
  const POINTS = [
    "before its first poll",
    "while queued",
    "after it was woken, before it was polled again",
    "after it completed",
  ];
  POINTS.forEach((point, p) => {
    it(`a waiter dropped ${point}: the waiter behind it is still woken, and no live waiter is left`, async () => {
      const rt = new Runtime();
      const token = new CancellationToken().childToken();
      const victim = rt.spawn(token.cancelled(), { name: "victim" });
      if (p === 0) victim.abort();
      await turn();
      const witness = rt.spawn(token.cancelled(), { name: "witness" });
      await turn();
      expect(rt.metrics().liveWaiters).toBe(p === 0 ? 1 : 2);
      if (p === 1) victim.abort();
      token.cancel();
      if (p === 2) victim.abort(); // woken by cancel(), not yet polled again
      expect(rt.metrics().liveWaiters).toBe(0);
      if (p === 3) await victim;
      await witness;
      if (p !== 3) await expectCancelled(victim);
      await rt.shutdown();
      expect(rt.metrics().liveWaiters).toBe(0);
    });
  });

  it("a waiter dropped while queued unlinks its token from the parent at once", async () => {
    const rt = new Runtime();
    const parent = new CancellationToken();
    const victim = rt.spawn(parent.childToken().cancelled());
    await turn();
    expect(parent.linkedChildren).toBe(1);
    expect(rt.metrics().liveWaiters).toBe(1);
    victim.abort();
    await expectCancelled(victim);
    expect(parent.linkedChildren).toBe(0);
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });
});

describe("CancellationToken: graceful shutdown", () => {
  it("a worker selecting over cancelled() and recv() in a loop handles every message sent before the cancel, then stops at the cancel's instant", async () => {
    const result = await run(
      asyncBlock(function* () {
        const token = new CancellationToken();
        const [tx, rx] = mpsc.channel<number>(16);
        const start = Instant.now();
        let maxWaitersAtTop = 0;
        const worker = spawn(
          asyncBlock(function* () {
            const handled: number[] = [];
            for (;;) {
              // The cancelled() of the last turn was dropped with the select: nothing is left.
              maxWaitersAtTop = Math.max(maxWaitersAtTop, Runtime.current().metrics().liveWaiters);
              using r = yield* select(token.cancelled(), rx.recv());
              if (r.index === 0) return { handled, stoppedAt: start.elapsed() };
              handled.push(r.value!);
            }
          }),
          { name: "worker" },
        );
        const producer = spawn(
          asyncBlock(function* () {
            for (let i = 1; ; i++) {
              yield* sleep(100);
              yield* tx.send(i);
            }
          }),
          { name: "producer" },
        );
        yield* sleep(1050);
        token.cancel();
        const out = yield* worker;
        producer.abort();
        return { ...out, maxWaitersAtTop };
      }),
      { clock: "paused", seed: 7 },
    );
    expect(result.handled).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.stoppedAt).toBe(1050);
    expect(result.maxWaitersAtTop).toBe(0);
  });

  it("run(main, { clock: 'paused' }) ends with no live waiter after a tree of workers stops on a root token", async () => {
    const rt = new Runtime({ clock: "paused" });
    const root = new CancellationToken();
    const stopped: string[] = [];
    const worker = asyncFn(function* (name: string, token: CancellationToken) {
      while ((yield* token.runUntilCancelled(sleep(10))) !== undefined) {}
      stopped.push(name);
    });
    const team = root.childToken();
    const hs = [
      rt.spawn(worker("a", root)),
      rt.spawn(worker("b", team)),
      rt.spawn(worker("c", team.childToken())),
    ];
    await rt.spawn(sleep(55));
    root.cancel();
    for (const h of hs) await h;
    expect(stopped.sort()).toEqual(["a", "b", "c"]);
    expect(root.linkedChildren).toBe(0);
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });
});

describe("CancellationToken: AbortSignal interop", () => {
  it("token.signal is made once and aborted when the token is cancelled", () => {
    const token = new CancellationToken();
    const signal = token.signal;
    expect(token.signal).toBe(signal);
    let aborted = 0;
    signal.addEventListener("abort", () => aborted++);
    expect(signal.aborted).toBe(false);
    token.cancel();
    expect(signal.aborted).toBe(true);
    expect(aborted).toBe(1);
  });

  it("a signal read after the cancel is already aborted", () => {
    const token = new CancellationToken();
    token.cancel();
    expect(token.signal.aborted).toBe(true);
    expect(token.childToken().signal.aborted).toBe(true);
  });

  it("a child's signal is aborted by its parent's cancel, though nothing holds the child token itself", () => {
    const root = new CancellationToken();
    const signal = root.childToken().childToken().signal;
    root.cancel();
    expect(signal.aborted).toBe(true);
  });

  it("while a token's signal is out, the parent holds the token; once cancelled it holds nothing", () => {
    const root = new CancellationToken();
    const child = root.childToken();
    void child.signal;
    expect(root.linkedChildren).toBe(1);
    child.cancel();
    expect(root.linkedChildren).toBe(0);
  });

  it("fromSignal: aborting the signal cancels the token and wakes its waiters", () => {
    const ac = new AbortController();
    const token = CancellationToken.fromSignal(ac.signal);
    const child = token.childToken();
    const w = new MockTask(child.cancelled());
    expect(w.poll()).toBe(PENDING);
    ac.abort();
    expect(token.isCancelled()).toBe(true);
    expect(w.isWoken()).toBe(true);
  });

  it("fromSignal of an aborted signal starts cancelled and adds no listener", () => {
    const ac = new AbortController();
    ac.abort();
    const token = CancellationToken.fromSignal(ac.signal);
    expect(token.isCancelled()).toBe(true);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });

  it("fromSignal: a hundred tokens from one signal add one listener; cancelling one leaves the others and the signal alone", () => {
    const ac = new AbortController();
    const tokens = Array.from({ length: 100 }, () => CancellationToken.fromSignal(ac.signal));
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    tokens[0]!.cancel();
    expect(tokens[0]!.isCancelled()).toBe(true);
    expect(tokens.slice(1).some((t) => t.isCancelled())).toBe(false);
    expect(ac.signal.aborted).toBe(false);
    const waiting = new MockTask(tokens[1]!.cancelled());
    expect(waiting.poll()).toBe(PENDING);
    ac.abort();
    expect(tokens.every((t) => t.isCancelled())).toBe(true);
    expect(waiting.isWoken()).toBe(true);
  });

  it("fromSignal: a token nothing waits on is not held by a long-lived signal", async () => {
    setFlagsFromString("--expose_gc");
    const gc = runInNewContext("gc") as () => void;
    const ac = new AbortController();
    const gone = new WeakRef(CancellationToken.fromSignal(ac.signal));
    const kept = CancellationToken.fromSignal(ac.signal);
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(gone.deref()).toBeUndefined();
    ac.abort();
    expect(kept.isCancelled()).toBe(true);
  });

  it("fromSignal refuses what is not an AbortSignal with a TypeError naming the argument", () => {
    expect(() => CancellationToken.fromSignal(null as never)).toThrow(TypeError);
    expect(() => CancellationToken.fromSignal({} as never)).toThrow(
      /CancellationToken\.fromSignal\(signal\): signal must be an AbortSignal, got object/,
    );
  });
});

describe("CancellationToken: a waker that throws during cancel()", () => {
  it("the rest of the tree is still cancelled and woken, and the first error comes out at the end", () => {
    const root = new CancellationToken();
    const child = root.childToken();
    const grandchild = child.childToken();
    let woken = 0;
    const good = grandchild.cancelled();
    expect(good.poll(new Context(Waker.from(() => woken++)))).toBe(PENDING);
    const bad = child.cancelled();
    const failing = Waker.from(() => {
      throw new Error("waker failed");
    });
    expect(bad.poll(new Context(failing))).toBe(PENDING);
    expect(() => root.cancel()).toThrow("waker failed");
    expect(grandchild.isCancelled()).toBe(true);
    expect(woken).toBe(1);
    expect(root.linkedChildren).toBe(0);
  });
});

describe("CancellationToken: a signal that was read", () => {
  it("keeps its token linked until the token is cancelled, which a dropGuard does on the way out", () => {
    const root = new CancellationToken();
    for (let i = 0; i < 100; i++) {
      const request = root.childToken();
      using _guard = request.dropGuard();
      void request.signal; // handed to fetch, say
    }
    expect(root.linkedChildren).toBe(0);
    for (let i = 0; i < 3; i++) void root.childToken().signal; // no guard: kept, as documented
    expect(root.linkedChildren).toBe(3);
  });
});
