/**
 * A shutdown whose cleanups cannot finish is not waited on for ever: when every cleanup still
 * running waits on nothing that can wake it, or when the shutdown's timeout runs out, the runtime
 * gives up on them (each task ends cancelled), closes, and the promise of `shutdown()` (and of
 * `run()`) rejects with an error naming each task and what it waits on.
 *
 * The timeout is host time (a `setTimeout`), so these tests fake the host's `setTimeout` only.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  asyncBlock,
  DeadlockError,
  fromPromise,
  JoinError,
  join,
  pending,
  Runtime,
  run,
  ShutdownTimeoutError,
  sleep,
  spawn,
} from "../src/index.js";

/** A task whose `finally` awaits `cleanup` once it is aborted, and counts how far it got. */
function stubborn(cleanup: () => Generator<any, void, any>, log: string[]) {
  return asyncBlock(function* stubbornChef() {
    try {
      yield* pending();
    } finally {
      log.push("cleanup began");
      yield* cleanup();
      log.push("cleanup ended");
    }
  });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** Let turns, microtasks and the idle check's macrotask run. */
const settle = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));

afterEach(() => {
  vi.useRealTimers();
});

describe("a cleanup that nothing can wake", () => {
  it("run() rejects with a DeadlockError naming the task and its leaf, after the cleanup began", async () => {
    const log: string[] = [];
    const error = await rejection(
      run(
        asyncBlock(function* main() {
          spawn(
            stubborn(function* () {
              yield* pending();
            }, log),
            { name: "dishwasher" },
          );
          yield* sleep(1);
          return "served";
        }),
        { clock: "paused" },
      ),
    );
    expect(error).toBeInstanceOf(DeadlockError);
    const deadlock = error as DeadlockError;
    expect(deadlock.message).toMatch(/^shutdown could not finish/);
    expect(deadlock.tasks).toEqual(["dishwasher"]);
    expect(deadlock.waiting[0]!.chains).toEqual([
      ["stubbornChef (cleaning up)", "pending() (never ready)"],
    ]);
    expect(log).toEqual(["cleanup began"]);
  });

  it("rt.shutdown() rejects, the runtime is closed, and the task's handle reports cancelled", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    const handle = rt.spawn(
      stubborn(function* () {
        yield* pending();
      }, log),
      { name: "dishwasher" },
    );
    await settle();
    const error = await rejection(rt.shutdown());
    expect(error).toBeInstanceOf(DeadlockError);
    const outcome = await rejection(Promise.resolve(handle.then()));
    expect(outcome).toBeInstanceOf(JoinError);
    expect((outcome as JoinError).isCancelled()).toBe(true);
    expect(rt.metrics()).toMatchObject({ liveTasks: 0, liveTimers: 0, liveWaiters: 0 });
    // Closed: a task spawned now is cancelled before it runs.
    let ran = false;
    const late = rt.spawn(
      asyncBlock(function* () {
        ran = true;
      }),
    );
    expect(late.isFinished()).toBe(true);
    await settle();
    expect(ran).toBe(false);
    // Asking again gives the same answer.
    expect(await rejection(rt.shutdown())).toBe(error);
  });

  it("a cleanup that sleeps is not stuck: the shutdown waits for it and resolves", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    rt.spawn(
      stubborn(function* () {
        yield* sleep(60_000);
      }, log),
    );
    await settle();
    await rt.shutdown();
    expect(log).toEqual(["cleanup began", "cleanup ended"]);
  });

  it("with detectDeadlocks: false the shutdown keeps waiting", async () => {
    const rt = new Runtime({ clock: "paused", detectDeadlocks: false });
    const log: string[] = [];
    rt.spawn(
      stubborn(function* () {
        yield* pending();
      }, log),
    );
    await settle();
    let settled = false;
    void rt.shutdown().then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await settle();
    await settle();
    expect(settled).toBe(false);
    expect(rt.metrics().liveTasks).toBe(1);
  });
});

describe("shutdown({ timeout })", () => {
  it("gives up on a cleanup still waiting for a promise once the time runs out, not before", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    let aborted = false;
    const handle = rt.spawn(
      stubborn(function* () {
        // A bridged promise can still settle, so this cleanup is not stuck: only time ends it.
        yield* fromPromise(
          (signal) =>
            new Promise<void>(() => {
              signal.addEventListener("abort", () => {
                aborted = true;
              });
            }),
        );
      }, log),
      { name: "slow porter" },
    );
    await settle();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let outcome: unknown = "pending";
    rt.shutdown({ timeout: 1000 }).then(
      () => {
        outcome = "resolved";
      },
      (e) => {
        outcome = e;
      },
    );
    await settle();
    expect(log).toEqual(["cleanup began"]);
    vi.advanceTimersByTime(999);
    await settle();
    expect(outcome).toBe("pending");
    vi.advanceTimersByTime(1);
    await settle();
    expect(outcome).toBeInstanceOf(ShutdownTimeoutError);
    const error = outcome as ShutdownTimeoutError;
    expect(error.message).toMatch(/^shutdown timed out after 1000 ms/);
    expect(error.waiting.map((w) => w.name)).toEqual(["slow porter"]);
    expect(error.waiting[0]!.chains[0]![0]).toBe("stubbornChef (cleaning up)");
    expect(handle.isFinished()).toBe(true);
    // Given up on: the rest of the cleanup never ran, and what it awaited was dropped.
    expect(log).toEqual(["cleanup began"]);
    expect(aborted).toBe(true);
    expect(rt.metrics()).toMatchObject({ liveTasks: 0, pendingBridges: 0, liveTimers: 0 });
  });

  it("a cleanup given up on is led out of each awaiting finally, releasing what each awaits", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    rt.spawn(
      stubborn(function* () {
        try {
          yield* fromPromise(() => new Promise<void>(() => {}));
        } finally {
          log.push("inner finally");
          yield* sleep(60_000);
          log.push("never");
        }
      }, log),
    );
    await settle();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const done = rejection(rt.shutdown({ timeout: 10 }));
    await settle();
    vi.advanceTimersByTime(10);
    expect(await done).toBeInstanceOf(ShutdownTimeoutError);
    expect(log).toEqual(["cleanup began", "inner finally"]);
    expect(rt.metrics()).toMatchObject({ liveTasks: 0, pendingBridges: 0, liveTimers: 0 });
  });

  it("a shutdown that finishes in time clears its timer and resolves", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    rt.spawn(
      stubborn(function* () {
        yield* sleep(10);
      }, log),
    );
    await settle();
    await rt.shutdown({ timeout: 1000 });
    expect(log).toEqual(["cleanup began", "cleanup ended"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("giving up leaves the finally blocks of a join's children too, releasing what each awaits", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    const child = (name: string) =>
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          try {
            yield* fromPromise(() => new Promise<void>(() => {}));
          } finally {
            log.push(`${name} left its finally`);
          }
        }
      });
    rt.spawn(join(child("a"), child("b")));
    await settle();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const done = rejection(rt.shutdown({ timeout: 10 }));
    await settle();
    vi.advanceTimersByTime(10);
    expect(await done).toBeInstanceOf(ShutdownTimeoutError);
    expect(log.sort()).toEqual(["a left its finally", "b left its finally"]);
    expect(rt.metrics()).toMatchObject({ liveTasks: 0, pendingBridges: 0 });
  });

  it("run()'s shutdownTimeout applies once main has ended", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const log: string[] = [];
    const done = rejection(
      run(
        asyncBlock(function* main() {
          spawn(
            stubborn(function* () {
              yield* fromPromise(() => new Promise<void>(() => {}));
            }, log),
            { name: "slow porter" },
          );
          yield* sleep(5);
          return "served";
        }),
        { clock: "paused", shutdownTimeout: 50 },
      ),
    );
    await settle();
    await settle();
    vi.advanceTimersByTime(50);
    const error = await done;
    expect(error).toBeInstanceOf(ShutdownTimeoutError);
    expect(log).toEqual(["cleanup began"]);
  });

  it("rejects a timeout that is not a number of milliseconds, naming the option", () => {
    const rt = new Runtime();
    expect(() => rt.shutdown({ timeout: -1 })).toThrow(RangeError);
    expect(() => rt.shutdown({ timeout: Number.NaN })).toThrow(
      /shutdown\(options\): options\.timeout must be a number of milliseconds/,
    );
    expect(() => rt.shutdown({ timeout: "5s" as unknown as number })).toThrow(TypeError);
    expect(() => rt.shutdown(null as unknown as {})).toThrow(TypeError);
    expect(() =>
      run(
        asyncBlock(function* () {}),
        { shutdownTimeout: -5 },
      ),
    ).toThrow(/options\.shutdownTimeout must be a number of milliseconds/);
  });
});
