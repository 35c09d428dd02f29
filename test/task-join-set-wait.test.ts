import { describe, expect, it } from "vitest";
import { select } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { OWNED } from "../src/future/cancel.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { DONE } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import { JoinSet } from "../src/task/join-set.js";
import { RuntimeStateError } from "../src/task/runtime-state-error.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { nowMs } from "../src/time/instant.js";
import { sleep } from "../src/time/sleep.js";

/** An output with one owner (OWNED): counts how often it is released. */
class Guard implements Disposable {
  readonly [OWNED] = true;
  disposed = 0;
  constructor(readonly label: string) {}
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

const cookFor = asyncFn(function* cookFor<T>(ms: number, value: T) {
  yield* sleep(ms);
  return value;
});

/** The time since the test's main began, on its paused clock. */
let origin = 0;
const now = (): number => nowMs() - origin;
const begin = (): void => {
  origin = nowMs();
};

/** A member that records whether its cleanup ran to the end, which itself takes `cleanupMs`. */
const guarded = asyncFn(function* guarded(log: string[], name: string, cleanupMs: number) {
  try {
    yield* sleep(60_000);
    return name;
  } finally {
    yield* sleep(cleanupMs);
    log.push(`${name} cleaned at ${now()}`);
  }
});

describe("JoinSet.joinAll", () => {
  it("gives every output in the order the members finished, and leaves the set empty", async () => {
    const out = await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<string>();
        set.spawn(cookFor(30, "stew"));
        set.spawn(cookFor(10, "salad"));
        set.spawn(cookFor(20, "bread"));
        const all = yield* set.joinAll();
        expect(set.isEmpty()).toBe(true);
        expect(yield* set.joinNext()).toBe(DONE);
        return all;
      }),
      { clock: "paused" },
    );
    expect(out).toEqual(["salad", "bread", "stew"]);
  });

  it("takes nothing before it is polled, and gives [] for an empty set", async () => {
    await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<string>();
        expect(yield* set.joinAll()).toEqual([]);
        set.spawn(cookFor(0, "soup"));
        yield* sleep(1);
        const waiting = set.joinAll();
        // Made but not polled: the finished member is still there to take.
        expect(set.tryJoinNext()).toBe("soup");
        expect(yield* waiting).toEqual([]);
      }),
      { clock: "paused" },
    );
  });

  it("throws the first failing member's JoinError, aborts the others and releases what it gathered", async () => {
    const log: string[] = [];
    const first = new Guard("first");
    const rt = new Runtime({ clock: "paused" });
    const caught = await rt.spawn(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<Guard | string>();
        set.spawn(cookFor(5, first));
        set.spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            throw new Error("souffle fell");
          }),
        );
        set.spawn(guarded(log, "stew", 3));
        try {
          yield* set.joinAll();
          return null;
        } catch (e) {
          // The set is disposed: it takes no new member.
          expect(() => set.spawn(cookFor(1, "late"))).toThrow(RuntimeStateError);
          expect(set.isEmpty()).toBe(true);
          yield* sleep(100);
          return e;
        }
      }),
    );
    expect(caught).toBeInstanceOf(JoinError);
    expect((caught as JoinError).isPanic()).toBe(true);
    expect(((caught as JoinError).cause as Error).message).toBe("souffle fell");
    expect(first.disposed).toBe(1);
    expect(log).toEqual(["stew cleaned at 13"]);
    expect(rt.metrics().liveTasks).toBe(0);
    expect(rt.metrics().liveTimers).toBe(0);
    rt.shutdown();
  });

  it("dropped before the set ran empty, aborts the members and releases the outputs gathered", async () => {
    const log: string[] = [];
    const early = new Guard("early");
    const rt = new Runtime({ clock: "paused" });
    await rt.spawn(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<Guard | string>();
        set.spawn(cookFor(5, early));
        set.spawn(guarded(log, "stew", 2));
        const waitAll = set.joinAll();
        const r = yield* select(waitAll, sleep(20));
        expect(r.index).toBe(1);
        // select hands the loser back; dropping it is the cancellation.
        r.rest[Symbol.dispose]();
        expect(early.disposed).toBe(1);
        expect(set.isEmpty()).toBe(true);
        yield* sleep(10);
      }),
    );
    expect(log).toEqual(["stew cleaned at 22"]);
    expect(rt.metrics().liveTasks).toBe(0);
    rt.shutdown();
  });

  it("refuses a second poll after it completed", async () => {
    await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<number>();
        const all = set.joinAll();
        expect(yield* all).toEqual([]);
        expect(() => all.poll(new Context(Waker.noop()))).toThrow(FutureStateError);
      }),
      { clock: "paused" },
    );
  });
});

describe("JoinSet.shutdown", () => {
  it("aborts nothing until polled, then waits for every member's cleanup to finish", async () => {
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<string>();
        set.spawn(guarded(log, "stew", 7));
        set.spawn(guarded(log, "soup", 3));
        yield* sleep(5);
        const closing = set.shutdown();
        yield* sleep(5);
        // Not polled yet: both still cook.
        expect(log).toEqual([]);
        expect(set.size).toBe(2);
        yield* closing;
        expect(log).toEqual(["soup cleaned at 13", "stew cleaned at 17"]);
        expect(now()).toBe(17);
        expect(set.isEmpty()).toBe(true);
        // The set stays usable.
        set.spawn(cookFor(1, "bread"));
        expect(yield* set.joinNext()).toBe("bread");
      }),
      { clock: "paused" },
    );
  });

  it("discards outcomes: a panic is not thrown, and an output that came first is released", async () => {
    const ready = new Guard("ready");
    await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<Guard>();
        set.spawn(cookFor(0, ready));
        set.spawn(
          asyncBlock(function* (): Generator<any, Guard> {
            throw new Error("burnt");
          }),
        );
        yield* sleep(1);
        yield* set.shutdown();
        expect(set.isEmpty()).toBe(true);
      }),
      { clock: "paused" },
    );
    expect(ready.disposed).toBe(1);
  });

  it("dropped half way, leaves the members aborted and in the set", async () => {
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<string>();
        set.spawn(guarded(log, "stew", 10));
        yield* sleep(1);
        const r = yield* select(set.shutdown(), sleep(4));
        expect(r.index).toBe(1);
        r.rest[Symbol.dispose]();
        expect(set.size).toBe(1);
        expect(log).toEqual([]);
        yield* sleep(10);
        expect(log).toEqual(["stew cleaned at 11"]);
        expect(() => set.tryJoinNext()).toThrow(JoinError);
      }),
      { clock: "paused" },
    );
  });
});

describe("JoinSet.detachAll", () => {
  it("lets the members run on without the set, and a parked joinNext sees DONE", async () => {
    const log: string[] = [];
    await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<string>();
        set.spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            log.push(`delivered at ${now()}`);
            return "delivery";
          }),
        );
        const parked = spawn(set.joinNext());
        yield* yieldNow();
        expect(parked.isFinished()).toBe(false);
        set.detachAll();
        expect(set.isEmpty()).toBe(true);
        expect(yield* parked).toBe(DONE);
        // Disposing the set no longer reaches the delivery.
        set[Symbol.dispose]();
        yield* sleep(20);
      }),
      { clock: "paused" },
    );
    expect(log).toEqual(["delivered at 10"]);
  });

  it("releases an owned output that was waiting to be taken", async () => {
    const guard = new Guard("left");
    await run(
      asyncBlock(function* () {
        begin();
        const set = new JoinSet<Guard>();
        set.spawn(cookFor(0, guard));
        yield* sleep(1);
        set.detachAll();
        expect(guard.disposed).toBe(1);
        expect(set.tryJoinNext()).toBe(DONE);
      }),
      { clock: "paused" },
    );
  });
});
