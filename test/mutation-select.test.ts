/**
 * Tests written from a mutation run over select, selectAll, race and joinAll
 * (src/combinator/select.ts, join-all.ts, children.ts): each pins down a behaviour that the rest
 * of the suite let change unnoticed (the run's notes are in scratch/mutation/).
 */
import { describe, expect, it } from "vitest";
import { joinAll } from "../src/combinator/join-all.js";
import { race, select, selectAll } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { DESCRIBE, type Describable, type Description } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import { type Future, FutureBase, type Suspend } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import type { Waker } from "../src/future/waker.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { run } from "../src/runtime/runtime.js";
import { Mutex, type MutexGuard } from "../src/sync/mutex.js";
import { sleep } from "../src/time/sleep.js";
import { Failing, Gate, MockTask } from "./future-testkit.js";

/** What `f` tells dumps about itself (its `[DESCRIBE]`). */
function described(f: unknown): Description {
  return (f as Describable)[DESCRIBE]();
}

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** Wakes its waker, then is ready with `value`, in the same poll. */
class WakeThenReady<T> extends FutureBase<T> {
  polls = 0;
  constructor(private readonly value: T) {
    super();
  }
  poll(cx: Context): Poll<T> {
    this.polls++;
    cx.waker.wake();
    return this.value;
  }
}

/** Pending for ever; keeps the last waker it was given even after it is dropped. */
class StaleWaker extends FutureBase<never> implements Disposable {
  waker: Waker | null = null;
  drops = 0;
  poll(cx: Context): Poll<never> {
    this.waker = cx.waker;
    return PENDING;
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
}

/** Pending for ever; its drop throws `error`. */
class ThrowsOnDrop extends FutureBase<never> implements Disposable {
  drops = 0;
  constructor(private readonly error: Error) {
    super();
  }
  poll(_cx: Context): Poll<never> {
    return PENDING;
  }
  [Symbol.dispose](): void {
    this.drops++;
    throw this.error;
  }
}

describe("joinAll, child by child", () => {
  it("a child wakes itself and is ready in the same poll, another finishes later: joinAll gives both values", () => {
    const early = new WakeThenReady("bread");
    const late = new Gate<string>("soup");
    const task = new MockTask(joinAll<string>([early, late]));
    expect(task.poll()).toBe(PENDING);
    expect(task.poll()).toBe(PENDING);
    late.resolve("soup");
    expect(task.poll()).toEqual(["bread", "soup"]);
    expect(early.polls).toBe(1);
  });

  it("two children throw: joinAll waits for the third, then throws an AggregateError of both errors, in order", () => {
    const a = new Error("burnt");
    const b = new Error("dropped");
    const gate = new Gate<string>();
    const task = new MockTask(joinAll<string>([new Failing(a), gate, new Failing(b)]));
    expect(task.poll()).toBe(PENDING);
    gate.resolve("salad");
    const e = thrown(() => task.poll()) as AggregateError;
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.errors).toEqual([a, b]);
    expect(e.message).toBe("2 futures in joinAll threw");
  });

  it("joinAll completes with a mutex guard and is then disposed: the caller still holds the guard", () => {
    const m = new Mutex(0);
    const all = joinAll([m.lock()]);
    const out = new MockTask(all).poll() as MutexGuard<number>[];
    expect(out).toHaveLength(1);
    all[Symbol.dispose]();
    expect(out[0]).toBeDefined();
    expect(m.tryLock()).toBeNull();
    out[0]![Symbol.dispose]();
    expect(m.tryLock()).not.toBeNull();
  });

  it("joinAll is dropped, then a child's stale waker fires: nothing happens", () => {
    const child = new StaleWaker();
    const all = joinAll([child, new Gate()]);
    expect(new MockTask(all).poll()).toBe(PENDING);
    all[Symbol.dispose]();
    expect(child.drops).toBe(1);
    expect(() => child.waker!.wake()).not.toThrow();
  });

  it("joinAll completes, is disposed, and is polled: 'completed'; another is dropped and polled: 'was dropped', and its child is not polled again", () => {
    const done = new MockTask(joinAll([new Gate<string>()]));
    const gate = new Gate<string>();
    const doneTask = new MockTask(joinAll([gate]));
    expect(doneTask.poll()).toBe(PENDING);
    gate.resolve("x");
    expect(doneTask.poll()).toEqual(["x"]);
    doneTask.future[Symbol.dispose]();
    expect(() => doneTask.poll()).toThrow(
      "joinAll was polled after it completed: a future that has completed or been dropped must not be polled again",
    );
    expect(done.poll()).toBe(PENDING);
    done.future[Symbol.dispose]();
    const e = thrown(() => done.poll());
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toBe(
      "joinAll was polled after it was dropped: a future that has completed or been dropped must not be polled again",
    );
  });

  it("joinAll of 10 with one done describes itself as 9 of 10 left, showing the first 8 still running", () => {
    const gates = Array.from({ length: 10 }, (_, i) => new Gate<number>(`g${i}`));
    const all = joinAll(gates);
    expect(new MockTask(all).poll()).toBe(PENDING);
    gates[0]!.resolve(0);
    expect(new MockTask(all).poll()).toBe(PENDING);
    const d = described(all);
    expect(d.label).toBe("joinAll (9 of 10 left)");
    // By identity: a future is iterable (for `yield*`), so deep equality would step it.
    expect(d.children).toHaveLength(8);
    for (let i = 0; i < 8; i++) expect(d.children[i]).toBe(gates[i + 1]);
  });
});

describe("futures given by a generator that fails", () => {
  it("the generator gives a future whose drop throws, then throws itself: an AggregateError of both, naming joinAll", () => {
    const failure = new Error("menu torn");
    const dropFailure = new Error("plate broke");
    const child = new ThrowsOnDrop(dropFailure);
    const e = thrown(() =>
      joinAll(
        (function* () {
          yield child;
          throw failure;
        })(),
      ),
    ) as AggregateError;
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.errors).toEqual([failure, dropFailure]);
    expect(e.message).toBe(
      "joinAll(futures): the iterable failed, and dropping the futures it had given threw",
    );
    expect(child.drops).toBe(1);
  });

  it("the same for selectAll names selectAll", () => {
    const e = thrown(() =>
      selectAll(
        (function* () {
          yield new ThrowsOnDrop(new Error("plate broke"));
          throw new Error("menu torn");
        })(),
      ),
    ) as AggregateError;
    expect(e.message).toBe(
      "selectAll(futures): the iterable failed, and dropping the futures it had given threw",
    );
  });

  it("the generator gives null beside a future: the check's TypeError comes out alone, and the future is dropped", () => {
    const gate = new Gate<string>();
    const e = thrown(() =>
      joinAll(
        (function* () {
          yield gate;
          yield null as unknown as Future<string>;
        })(),
      ),
    );
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(/^joinAll\(futures\): item 1/);
    expect(gate.drops).toBe(1);
  });
});

describe("bad input to the combinators names the call and what it got", () => {
  it("joinAll and selectAll of null, undefined or a number are TypeErrors saying which", () => {
    for (const [call, name] of [
      [joinAll, "joinAll"],
      [selectAll, "selectAll"],
    ] as const) {
      for (const [input, got] of [
        [null, "null"],
        [undefined, "undefined"],
        [5, "number"],
      ] as const) {
        const e = thrown(() => call(input as unknown as Future<unknown>[]));
        expect(e).toBeInstanceOf(TypeError);
        expect((e as Error).message).toBe(
          `${name}(futures): futures must be an iterable of futures, got ${got}`,
        );
      }
    }
  });

  it("race.biased of nothing is a RangeError naming race.biased", () => {
    expect(() => race.biased()).toThrow(RangeError);
    expect(() => race.biased()).toThrow("race.biased(...futures) needs at least 1 future, got 0");
  });

  it("race.named of a number or an array is a TypeError saying which", () => {
    const num = thrown(() => race.named(5 as unknown as Record<string, Future<unknown>>));
    expect(num).toBeInstanceOf(TypeError);
    expect((num as Error).message).toMatch(/got number$/);
    const arr = thrown(() =>
      race.named([new Gate()] as unknown as Record<string, Future<unknown>>),
    );
    expect(arr).toBeInstanceOf(TypeError);
    expect((arr as Error).message).toMatch(/got an array$/);
  });
});

describe("select and its rest", () => {
  it("the first wins, then the rest throws: polling the rest throws that error", () => {
    const a = new Gate<string>("a");
    const b = new Gate<string>("b");
    const task = new MockTask(select(a, b));
    expect(task.poll()).toBe(PENDING);
    a.resolve("coffee");
    const first = task.poll() as Exclude<ReturnType<typeof task.poll>, typeof PENDING>;
    expect(first.index).toBe(0);
    const burnt = new Error("cocktail spilled");
    b.reject(burnt);
    const rest = first.rest as unknown as FutureBase<string>;
    expect(thrown(() => new MockTask(rest).poll())).toBe(burnt);
  });

  it("a selectAll result is disposed: each loser is dropped once, and the caller's rest array keeps them", () => {
    const gates = [new Gate<string>("a"), new Gate<string>("b"), new Gate<string>("c")];
    const task = new MockTask(selectAll(gates));
    expect(task.poll()).toBe(PENDING);
    gates[1]!.resolve("b");
    const result = task.poll() as Exclude<ReturnType<typeof task.poll>, typeof PENDING>;
    expect(result.index).toBe(1);
    result[Symbol.dispose]();
    expect(result.rest).toHaveLength(2);
    expect(result.rest.every((r) => r !== null)).toBe(true);
    expect([gates[0]!.drops, gates[2]!.drops]).toEqual([1, 1]);
  });

  it("a child throws and dropping the other throws too: an AggregateError of both, naming select", () => {
    const failure = new Error("burnt");
    const dropFailure = new Error("plate broke");
    const other = new ThrowsOnDrop(dropFailure);
    const e = thrown(() =>
      new MockTask(select.biased(new Failing(failure), other)).poll(),
    ) as AggregateError;
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.errors[0]).toBe(failure);
    expect(e.errors[1]).toBe(dropFailure);
    expect(e.message).toBe("select: a child failed, and dropping the others threw");
    expect(other.drops).toBe(1);
  });

  it("a select completes, is disposed and polled: 'completed'; another is dropped and polled: 'was dropped', and its children are not polled", () => {
    const a = new Gate<string>();
    const doneTask = new MockTask(select(a, new Gate<string>()));
    expect(doneTask.poll()).toBe(PENDING);
    a.resolve("x");
    expect(doneTask.poll()).not.toBe(PENDING);
    doneTask.future[Symbol.dispose]();
    expect(() => doneTask.poll()).toThrow(/^select was polled after it completed:/);
    const c = new Gate<string>();
    const dropped = new MockTask(select(c, new Gate<string>()));
    expect(dropped.poll()).toBe(PENDING);
    dropped.future[Symbol.dispose]();
    const e = thrown(() => dropped.poll());
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toMatch(/^select was polled after it was dropped:/);
    expect(c.polls).toBe(1);
  });

  it("a waiting select describes itself with its two children, a finished one with none, and race.named by its name", () => {
    const a = new Gate<string>();
    const b = new Gate<string>();
    const s = select(a, b);
    const waiting = described(s);
    expect(waiting.label).toBe("select");
    expect(waiting.children).toHaveLength(2);
    expect(waiting.children[0]).toBe(a);
    expect(waiting.children[1]).toBe(b);
    a.resolve("x");
    expect(new MockTask(s).poll()).not.toBe(PENDING);
    expect(described(s)).toEqual({ label: "select", children: [] });
    const named = race.named({ soup: new Gate<string>(), salad: new Gate<string>() });
    expect(described(named).label).toBe("race.named");
  });
});

describe("a combinator's branches end with it", () => {
  // Each runs a combinator to its end inside the task's own generator.
  const combinators: Record<string, () => Generator<Suspend, void, unknown>> = {
    joinAll: function* () {
      yield* joinAll([sleep(1), sleep(2)]);
    },
    select: function* () {
      using _first = yield* select(sleep(1), sleep(2));
    },
  };
  for (const [name, combinator] of Object.entries(combinators)) {
    it(`after a ${name} completes, the same task locking a mutex it holds is reported at once`, async () => {
      const m = new Mutex(0, { name: "pantry" });
      const err = await run(
        asyncBlock(function* () {
          yield* combinator();
          using _g = yield* m.lock();
          try {
            yield* m.lock();
          } catch (e) {
            return e;
          }
          return null;
        }),
        { clock: "paused" },
      );
      expect(err).toBeInstanceOf(DeadlockError);
      expect((err as Error).message).toMatch(
        /task 'main' waits for mutex 'pantry', which it already holds/,
      );
    });
  }
});
