/**
 * openBridge: a hand-written leaf woken from a host callback tells the runtime a wake may come.
 * Without it, run() finds every task asleep and rejects with a DeadlockError, and a paused clock
 * jumps ahead of the answer; with it, neither happens. (A bridge left open when Node runs out of
 * work is reported too: rt-keep-alive.test.ts, in a child process.)
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { type Bridge, type BridgeKind, openBridge } from "../src/future/bridge.js";
import type { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import type { Waker } from "../src/future/waker.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { Instant } from "../src/time/instant.js";
import { sleep } from "../src/time/sleep.js";
import { MockTask } from "./future-testkit.js";

/**
 * A leaf over a callback API: `start(done)` begins the outside work and calls `done(value)` later;
 * `bridged` says whether the leaf opens a bridge of `kind` for it.
 */
class CallbackLeaf<T> extends FutureBase<T> {
  private bridge: Bridge | null = null;
  private started = false;
  private value: { v: T } | null = null;
  private waker: Waker | null = null;
  disposed = 0;

  constructor(
    private readonly start: (done: (v: T) => void) => void,
    private readonly bridged: BridgeKind | null,
  ) {
    super();
  }

  poll(cx: Context): Poll<T> {
    if (this.value !== null) return this.value.v;
    this.waker = cx.waker;
    if (!this.started) {
      this.started = true;
      if (this.bridged !== null) this.bridge = openBridge(this.bridged);
      this.start((v) => {
        this.value = { v };
        this.bridge?.close();
        this.waker?.wake();
      });
    }
    return PENDING;
  }

  [Symbol.dispose](): void {
    this.disposed++;
    this.bridge?.close();
  }
}

const later =
  <T>(ms: number, v: T) =>
  (done: (v: T) => void) => {
    setTimeout(() => done(v), ms);
  };

describe("openBridge", () => {
  it("without a bridge, a leaf woken from a host timer is reported as deadlocked by run()", async () => {
    await expect(run(new CallbackLeaf(later(5, "answer"), null))).rejects.toBeInstanceOf(
      DeadlockError,
    );
  });

  it("with a reply bridge, run() waits for the callback and gets its value", async () => {
    const seen: number[] = [];
    const out = await run(
      asyncBlock(function* () {
        const leaf = new CallbackLeaf(later(5, "answer"), "reply");
        const v = yield* leaf;
        seen.push(Runtime.current().metrics().pendingBridges);
        return v;
      }),
    );
    expect(out).toBe("answer");
    expect(seen).toEqual([0]);
  });

  it("a reply bridge holds the paused clock: a sleep racing the callback does not fire first", async () => {
    const order: string[] = [];
    await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const sleeper = spawn(
          asyncBlock(function* () {
            yield* sleep(60_000);
            order.push("sleep");
          }),
        );
        const v = yield* new CallbackLeaf(later(20, "reply"), "reply");
        order.push(v);
        // The clock stood still while the reply was on its way.
        expect(t0.elapsed()).toBe(0);
        yield* sleeper;
      }),
      { clock: "paused" },
    );
    expect(order).toEqual(["reply", "sleep"]);
  });

  it("an event bridge lets the paused clock move on: the sleep fires first, and no deadlock is reported", async () => {
    const order: string[] = [];
    await run(
      asyncBlock(function* () {
        const sleeper = spawn(
          asyncBlock(function* () {
            yield* sleep(60_000);
            order.push("sleep");
          }),
        );
        const v = yield* new CallbackLeaf(later(20, "event"), "event");
        order.push(v);
        yield* sleeper;
      }),
      { clock: "paused" },
    );
    expect(order).toEqual(["sleep", "event"]);
  });

  it("an event bridge keeps run() from reporting a deadlock while the event has not come", async () => {
    expect(await run(new CallbackLeaf(later(5, 7), "event"))).toBe(7);
  });

  it("dropping the leaf closes its bridge: the runtime counts none open, and close is idempotent", async () => {
    const rt = new Runtime();
    const leaf = new CallbackLeaf<string>(() => {}, "reply");
    const h = rt.spawn(
      asyncBlock(function* () {
        return yield* leaf;
      }),
    );
    await rt.spawn(sleep(1));
    expect(rt.metrics().pendingBridges).toBe(1);
    h.abort();
    await h.then(undefined, () => {});
    expect(leaf.disposed).toBe(1);
    expect(rt.metrics().pendingBridges).toBe(0);
    leaf[Symbol.dispose]();
    expect(rt.metrics().pendingBridges).toBe(0);
    const ev = new CallbackLeaf<string>(() => {}, "event");
    const h2 = rt.spawn(
      asyncBlock(function* () {
        return yield* ev;
      }),
    );
    await rt.spawn(sleep(1));
    expect(rt.metrics().ioWaits).toBe(1);
    h2.abort();
    await h2.then(undefined, () => {});
    expect(rt.metrics().ioWaits).toBe(0);
    await rt.shutdown();
  });

  it("opened outside a runtime (a leaf polled by hand), a bridge counts nowhere and still closes", () => {
    let finish: ((v: number) => void) | null = null;
    const leaf = new CallbackLeaf<number>((done) => {
      finish = done;
    }, "reply");
    const task = new MockTask(leaf);
    expect(task.poll()).toBe(PENDING);
    finish!(3);
    expect(task.isWoken()).toBe(true);
    expect(task.poll()).toBe(3);
  });

  it("isOpen turns false once closed, and a bad kind is a TypeError naming the argument", () => {
    const b = openBridge();
    expect(b.isOpen).toBe(true);
    b[Symbol.dispose]();
    expect(b.isOpen).toBe(false);
    expect(() => openBridge("later" as BridgeKind)).toThrow(TypeError);
    expect(() => openBridge("later" as BridgeKind)).toThrow(
      /openBridge\(kind\): kind must be "reply" .* or "event" .*, got "later"/,
    );
  });
});
