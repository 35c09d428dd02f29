/**
 * An `openBridge()` bridge left open is named, with the task that opened it, where it matters: the
 * "clock-held" warning of a paused clock it holds still (a leaf dropped without closing its bridge
 * holds the clock for good), and, as rt-keep-alive.test.ts shows in a child process, the
 * DeadlockError when Node runs out of work. Bridges closed in time, and Brigade's own bridged
 * operations (`fromPromise`), are not named. A bridge opened by the `finally` of an aborted task is
 * that task's, whoever called `abort()` (native code, or another task's poll). The watch's second of real time is a host
 * `setTimeout`, faked as in time-held-clock.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  asyncBlock,
  type Bridge,
  type Context,
  FutureBase,
  fromPromise,
  openBridge,
  PENDING,
  type Poll,
  pending,
  Runtime,
  type RuntimeWarning,
  race,
  sleep,
  yieldNow,
} from "../src/index.js";
import { turns } from "./future-testkit.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A leaf whose answer never comes; `closes` says whether its dispose closes its bridge. */
class Unanswered extends FutureBase<string> {
  private bridge: Bridge | null = null;
  constructor(private readonly closes: boolean) {
    super();
  }
  poll(_cx: Context): Poll<string> {
    this.bridge ??= openBridge();
    return PENDING;
  }
  [Symbol.dispose](): void {
    if (this.closes) this.bridge?.close();
  }
}

/** Race `leaf` against a ready branch (the leaf loses and is dropped), then sleep 500 ms. */
function raceThenSleep(rt: Runtime, leaf: Unanswered, name: string) {
  return rt.spawn(
    asyncBlock(function* () {
      yield* race(
        leaf,
        asyncBlock(function* () {
          yield* yieldNow();
          return "first";
        }),
      );
      yield* sleep(500);
      return "slept";
    }),
    { name },
  );
}

describe("a bridge left open is named", () => {
  it("a leaf dropped without closing its bridge: the clock-held warning names openBridge('reply') and the task that opened it", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    const task = raceThenSleep(rt, new Unanswered(false), "rpc caller");
    await turns(8);
    vi.advanceTimersByTime(1000);
    expect(task.isFinished()).toBe(false);
    expect(warnings.map((w) => w.kind)).toEqual(["clock-held"]);
    expect(warnings[0]!.message).toMatch(
      /rt\.dump\(\) shows what each task waits on\. Open bridges from openBridge\(\): openBridge\("reply"\) in task 'rpc caller'\. A leaf closes its bridge when its callback fires and when it is dropped; one it forgot to close holds the clock for good\.$/,
    );
    task.abort();
    await rt.shutdown();
  });

  it("the same leaf closing its bridge when dropped: the clock moves on, and nothing is named", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    const task = raceThenSleep(rt, new Unanswered(true), "rpc caller");
    await turns(8);
    expect(await task).toBe("slept");
    expect(warnings).toEqual([]);
    await rt.shutdown();
  });

  it("a clock held by a fromPromise alone: the warning names no openBridge() bridge", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    const task = rt.spawn(
      asyncBlock(function* () {
        yield* race(
          fromPromise(() => new Promise<never>(() => {})),
          sleep(100),
        );
      }),
    );
    await turns(8);
    vi.advanceTimersByTime(1000);
    expect(warnings.map((w) => w.kind)).toEqual(["clock-held"]);
    expect(warnings[0]!.message).toMatch(/rt\.dump\(\) shows what each task waits on\.$/);
    expect(warnings[0]!.message).not.toContain("Open bridges");
    task.abort();
    await rt.shutdown();
  });

  it("at most five bridges are named, the rest counted", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
    const tasks = Array.from({ length: 7 }, (_, i) =>
      raceThenSleep(rt, new Unanswered(false), `caller ${i}`),
    );
    await turns(8);
    vi.advanceTimersByTime(1000);
    expect(warnings[0]!.message).toContain(
      `Open bridges from openBridge(): openBridge("reply") in task 'caller 0', openBridge("reply") in task 'caller 1', openBridge("reply") in task 'caller 2', openBridge("reply") in task 'caller 3', openBridge("reply") in task 'caller 4' and 2 more.`,
    );
    for (const t of tasks) t.abort();
    await rt.shutdown();
  });

  /** A leaf whose answer comes when `answer()` is called; it keeps its pager, as a leaf should. */
  class Awaited extends FutureBase<string> {
    private bridge: Bridge | null = null;
    private waker: { wake(): void } | null = null;
    private answered = false;
    poll(cx: Context): Poll<string> {
      if (this.answered) {
        this.bridge?.close();
        return "answered";
      }
      this.bridge ??= openBridge();
      this.waker = cx.waker;
      return PENDING;
    }
    answer(): void {
      this.answered = true;
      this.waker?.wake();
    }
  }

  for (const from of ["native code", "another task"] as const) {
    it(`a bridge opened by the finally of a task aborted from ${from} is named with the aborted task`, async () => {
      const warnings: RuntimeWarning[] = [];
      const rt = new Runtime({ clock: "paused", onWarning: (w) => warnings.push(w) });
      const leaf = new Awaited();
      const closer = rt.spawn(
        asyncBlock(function* () {
          try {
            yield* pending<void>(); // until aborted
          } finally {
            yield* leaf; // the cleanup waits on an answer that never comes
          }
        }),
        { name: "closer" },
      );
      await turns(4);
      // A timer the open bridge will keep the paused clock from reaching.
      const sleeper = rt.spawn(sleep(100), { name: "sleeper" });
      if (from === "native code") closer.abort();
      else
        rt.spawn(
          asyncBlock(function* () {
            closer.abort(); // the teardown runs inside this task's poll
            yield* yieldNow();
          }),
          { name: "manager" },
        );
      await turns(8);
      // A bridge opened later by another task's own poll is that task's.
      const later = new Awaited();
      const second = rt.spawn(later, { name: "second" });
      await turns(4);
      vi.advanceTimersByTime(1000);
      expect(warnings.map((w) => w.kind)).toEqual(["clock-held"]);
      expect(warnings[0]!.message).toContain(
        `openBridge("reply") in task 'closer', openBridge("reply") in task 'second'.`,
      );
      expect(sleeper.isFinished()).toBe(false);
      later.answer();
      expect(await second).toBe("answered");
      leaf.answer(); // the cleanup ends, its bridge closes, and the clock moves on
      await expect(closer).rejects.toThrow(/cancel/);
      await sleeper;
      await rt.shutdown();
    });
  }
});
