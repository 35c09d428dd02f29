/**
 * `dropAll` and `cancelAll`, exported for combinators of many children: a hand-written "first of
 * N" built on them lets every loser go (each awaiting `finally` runs to its end), whether it wins,
 * is dropped, or is cancelled by a task's abort; a `finally` that throws does not keep the other
 * children from being let go.
 */
import { describe, expect, it } from "vitest";
import {
  asyncFn,
  CANCEL,
  type Cancellable,
  type Cleanup,
  type Context,
  cancelAll,
  dropAll,
  type Future,
  FutureBase,
  PENDING,
  type Poll,
  Runtime,
  race,
  run,
  sleep,
} from "../src/index.js";

/** The first child to finish wins; the others are dropped. */
class FirstOf<T> extends FutureBase<T> implements Cancellable {
  private readonly children: (Future<T> | null)[];
  constructor(children: Future<T>[]) {
    super();
    this.children = [...children];
  }
  poll(cx: Context): Poll<T> {
    for (const child of this.children) {
      const v = child!.poll(cx);
      if (v !== PENDING) {
        this[Symbol.dispose]();
        return v;
      }
    }
    return PENDING;
  }
  [CANCEL](): Cleanup | null {
    return cancelAll(this.children);
  }
  [Symbol.dispose](): void {
    dropAll(this.children);
  }
}

/** Cooks for `ms`; its `finally` takes 10 ms more (it awaits), then logs. */
const cook = asyncFn(function* (log: string[], name: string, ms: number) {
  try {
    yield* sleep(ms);
    return name;
  } finally {
    yield* sleep(10);
    log.push(`${name} cleaned`);
  }
});

describe("dropAll and cancelAll in a combinator of many", () => {
  it("the winner's value; every loser's awaiting finally runs to its end", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused" });
    const won = await rt.spawn(
      new FirstOf([cook(log, "soup", 30), cook(log, "stew", 5), cook(log, "roast", 60)]),
    );
    await rt.spawn(sleep(50));
    expect(won).toBe("stew");
    expect(log.sort()).toEqual(["roast cleaned", "soup cleaned", "stew cleaned"]);
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("a task aborted while FirstOf waits: the abort's cleanup drives every child's finally to its end", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused" });
    const task = rt.spawn(new FirstOf([cook(log, "soup", 100), cook(log, "stew", 200)]));
    await rt.spawn(sleep(1));
    task.abort();
    await expect(task).rejects.toThrow(/cancelled/);
    // The abort finished only once both cleanups had run (cancelAll combined them).
    expect(log.sort()).toEqual(["soup cleaned", "stew cleaned"]);
    await rt.shutdown();
  });

  it("FirstOf losing a race is cancelled through [CANCEL]: both children clean up before the race returns", async () => {
    const log: string[] = [];
    const out = await run(
      race(new FirstOf([cook(log, "soup", 100), cook(log, "stew", 200)]), sleep(5)),
      { clock: "paused" },
    );
    expect(out).toBeUndefined();
    expect(log.sort()).toEqual(["soup cleaned", "stew cleaned"]);
  });

  it("a finally that throws while dropping: the other children are still let go, and the error is thrown after", () => {
    const log: string[] = [];
    const children = [
      { [Symbol.dispose]: () => log.push("a") },
      {
        [Symbol.dispose]: () => {
          throw new Error("b failed");
        },
      },
      { [Symbol.dispose]: () => log.push("c") },
      null,
    ];
    expect(() => dropAll(children)).toThrow("b failed");
    expect(log).toEqual(["a", "c"]);
    expect(children).toEqual([null, null, null, null]);
    // Two that throw: an AggregateError with both.
    const two = [
      {
        [Symbol.dispose]: () => {
          throw new Error("x");
        },
      },
      {
        [Symbol.dispose]: () => {
          throw new Error("y");
        },
      },
    ];
    const err = (() => {
      try {
        cancelAll(two);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: Error) => e.message)).toEqual(["x", "y"]);
  });
});
