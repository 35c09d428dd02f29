/**
 * Tests written from a mutation run over OnceCell (src/sync/once-cell.ts): each pins down a
 * behaviour the rest of the suite let change unnoticed (the run's notes are in
 * scratch/mutation/NOTES.md). Most poll `getOrInit` futures by hand (a mock task per caller), so
 * the order of polls, wakes and drops is exact.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { describeFuture } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { OnceCell } from "../src/sync/once-cell.js";
import { Gate, MockTask } from "./future-testkit.js";

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** An initialiser that hands out gates, counting how many it made. */
function gates<T>() {
  const made: Gate<T>[] = [];
  const init = (): Gate<T> => {
    const g = new Gate<T>(`init ${made.length + 1}`);
    made.push(g);
    return g;
  };
  return { made, init };
}

describe("OnceCell.isInitialized", () => {
  it("is false on a new cell, false while the initialiser runs, true once filled, and false again after take()", () => {
    const cell = new OnceCell<number>();
    const { made, init } = gates<number>();
    expect(cell.isInitialized()).toBe(false);
    const t = new MockTask(cell.getOrInit(init));
    expect(t.poll()).toBe(PENDING);
    expect(cell.isInitialized()).toBe(false);
    made[0]!.resolve(7);
    expect(t.poll()).toBe(7);
    expect(cell.isInitialized()).toBe(true);
    expect(cell.take()).toBe(7);
    expect(cell.isInitialized()).toBe(false);
  });
});

describe("OnceCell.getOrInit's argument and its initialiser's result", () => {
  it("a non-function init is a TypeError whose message names init and the rule", () => {
    const cell = new OnceCell<number>();
    const e = thrown(() => cell.getOrInit(5 as unknown as () => never));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe(
      "cell.getOrInit(init): init must be a function returning a future, got number",
    );
  });

  it("an init that returns no future: its caller gets a TypeError naming what init() returned, and the cell is left empty for the next caller", () => {
    const cell = new OnceCell<number>();
    const bad = new MockTask(cell.getOrInit(() => 42 as unknown as Gate<number>));
    const e = thrown(() => bad.poll());
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toContain("cell.getOrInit(init): what init() returned");
    const { made, init } = gates<number>();
    const next = new MockTask(cell.getOrInit(init));
    expect(next.poll()).toBe(PENDING);
    expect(made).toHaveLength(1);
  });

  it("an init that throws before making a future, with nobody waiting: its caller gets that very error, and the next caller runs its own initialiser", () => {
    const cell = new OnceCell<number>();
    const boom = new Error("no bones in the kitchen");
    const first = new MockTask(
      cell.getOrInit(() => {
        throw boom;
      }),
    );
    expect(thrown(() => first.poll())).toBe(boom);
    expect(cell.isInitialized()).toBe(false);
    const { made, init } = gates<number>();
    const second = new MockTask(cell.getOrInit(init));
    expect(second.poll()).toBe(PENDING);
    expect(made).toHaveLength(1);
    made[0]!.resolve(3);
    expect(second.poll()).toBe(3);
  });
});

describe("a caller waiting in line", () => {
  it("polled again while still in line, by a second task's waker, with another caller behind it: it stays pending, and the fill wakes the waker of its last poll and the caller behind", () => {
    const cell = new OnceCell<string>();
    const { made, init } = gates<string>();
    const runner = new MockTask(cell.getOrInit(init));
    expect(runner.poll()).toBe(PENDING);
    const waiter = cell.getOrInit(init);
    const early = new MockTask(waiter);
    const late = new MockTask(waiter);
    const behind = new MockTask(cell.getOrInit(init));
    expect(early.poll()).toBe(PENDING);
    expect(behind.poll()).toBe(PENDING);
    expect(late.poll()).toBe(PENDING);
    made[0]!.resolve("stock");
    expect(runner.poll()).toBe("stock");
    expect(late.isWoken()).toBe(true);
    expect(early.isWoken()).toBe(false);
    expect(behind.isWoken()).toBe(true);
    expect(late.poll()).toBe("stock");
    expect(behind.poll()).toBe("stock");
    expect(made).toHaveLength(1);
  });

  it("dropped while in line: it leaves the line (no waiter left), and the fill wakes only the caller still in it", () => {
    const cell = new OnceCell<string>();
    const { made, init } = gates<string>();
    const runner = new MockTask(cell.getOrInit(init));
    expect(runner.poll()).toBe(PENDING);
    const gone = new MockTask(cell.getOrInit(init));
    const stays = new MockTask(cell.getOrInit(init));
    expect(gone.poll()).toBe(PENDING);
    expect(stays.poll()).toBe(PENDING);
    expect(cell.queue.head).not.toBeNull();
    gone.future[Symbol.dispose]();
    made[0]!.resolve("stock");
    expect(runner.poll()).toBe("stock");
    expect(gone.isWoken()).toBe(false);
    expect(stays.isWoken()).toBe(true);
    expect(stays.poll()).toBe("stock");
    expect(cell.queue.head).toBeNull();
  });

  it("handed the job by a failed initialiser, then dropped before its poll: the job passes to the next in line, which runs the only new initialiser", () => {
    const cell = new OnceCell<number>();
    const { made, init } = gates<number>();
    const runner = new MockTask(cell.getOrInit(init));
    const heir = new MockTask(cell.getOrInit(init));
    const next = new MockTask(cell.getOrInit(init));
    expect(runner.poll()).toBe(PENDING);
    expect(heir.poll()).toBe(PENDING);
    expect(next.poll()).toBe(PENDING);
    const burnt = new Error("burnt");
    made[0]!.reject(burnt);
    expect(thrown(() => runner.poll())).toBe(burnt);
    expect(heir.isWoken()).toBe(true);
    expect(next.isWoken()).toBe(false);
    heir.future[Symbol.dispose]();
    expect(next.isWoken()).toBe(true);
    expect(next.poll()).toBe(PENDING);
    expect(made).toHaveLength(2);
    made[1]!.resolve(5);
    expect(next.poll()).toBe(5);
    expect(cell.get()).toBe(5);
  });

  it("released by the fill, then dropped before its poll: nothing is handed on, and the cell keeps its value", () => {
    const cell = new OnceCell<number>();
    const { made, init } = gates<number>();
    const runner = new MockTask(cell.getOrInit(init));
    const released = new MockTask(cell.getOrInit(init));
    expect(runner.poll()).toBe(PENDING);
    expect(released.poll()).toBe(PENDING);
    made[0]!.resolve(1);
    expect(runner.poll()).toBe(1);
    released.future[Symbol.dispose]();
    expect(cell.get()).toBe(1);
    const after = new MockTask(cell.getOrInit(init));
    expect(after.poll()).toBe(1);
    expect(made).toHaveLength(1);
  });
});

describe("a getOrInit future never polled", () => {
  it("created and dropped while another caller initialises: the cell stays with that caller, and a later caller waits in line instead of starting an initialiser", () => {
    const cell = new OnceCell<number>();
    const { made, init } = gates<number>();
    const runner = new MockTask(cell.getOrInit(init));
    expect(runner.poll()).toBe(PENDING);
    cell.getOrInit(init)[Symbol.dispose]();
    const later = new MockTask(cell.getOrInit(init));
    expect(later.poll()).toBe(PENDING);
    expect(made).toHaveLength(1);
    made[0]!.resolve(9);
    expect(runner.poll()).toBe(9);
    expect(later.poll()).toBe(9);
  });
});

describe("a getOrInit future after its end", () => {
  it("polled after it completed (and was then disposed): a FutureStateError saying it completed", () => {
    const cell = new OnceCell<number>();
    cell.set(1);
    const t = new MockTask(cell.getOrInit(() => new Gate<number>()));
    expect(t.poll()).toBe(1);
    t.future[Symbol.dispose]();
    const e = thrown(() => t.poll());
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toBe("cell.getOrInit() was polled after it completed");
  });

  it("polled after it was dropped: a FutureStateError saying it was dropped", () => {
    const cell = new OnceCell<number>();
    const t = new MockTask(cell.getOrInit(() => new Gate<number>()));
    t.future[Symbol.dispose]();
    const e = thrown(() => t.poll());
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toBe("cell.getOrInit() was polled after it was dropped");
  });
});

describe("how a getOrInit future describes itself (dumps, deadlock reports)", () => {
  it("the caller running the initialiser says so and shows the initialiser's future; a caller in line says it waits for another's", () => {
    const cell = new OnceCell<number>();
    const { init } = gates<number>();
    const runner = new MockTask(cell.getOrInit(init));
    const waiter = new MockTask(cell.getOrInit(init));
    expect(runner.poll()).toBe(PENDING);
    expect(waiter.poll()).toBe(PENDING);
    const r = describeFuture(runner.future);
    expect(r.label).toBe("OnceCell.getOrInit(), initialising");
    expect(r.children.map((c) => c.label)).toEqual(["Gate"]);
    const w = describeFuture(waiter.future);
    expect(w.label).toBe("OnceCell.getOrInit(), waiting for another caller's initialiser");
    expect(w.children).toEqual([]);
  });
});

describe("the cooperative budget", () => {
  it("a task asks a filled cell 200 times in one poll: it yields once its budget is spent (pending, woken), and finishes on its next poll", () => {
    const cell = new OnceCell<number>();
    cell.set(4);
    const t = new MockTask(
      asyncBlock(function* () {
        let sum = 0;
        for (let i = 0; i < 200; i++) sum += yield* cell.getOrInit(() => new Gate<number>());
        return sum;
      }),
    );
    expect(t.poll()).toBe(PENDING);
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(800);
  });
});
