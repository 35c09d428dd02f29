/**
 * What `thrownDetail` makes of values that are not plain same-realm errors, through the
 * `JoinError` a task's panic becomes: an error from another realm keeps its `Name: message`, and a
 * huge thrown object is read only in part (a JoinError is made for every panic).
 */
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Runtime } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";

/** The JoinError of a task of a fresh runtime that throws `value`. */
async function panicOf(value: unknown): Promise<JoinError> {
  const rt = new Runtime();
  try {
    await rt.spawn(
      asyncBlock(function* () {
        yield* [];
        throw value;
      }),
      { name: "table 1" },
    );
  } catch (e) {
    if (e instanceof JoinError) return e;
    throw e;
  } finally {
    await rt.shutdown();
  }
  throw new Error("expected the task to panic");
}

describe("a panic's JoinError message", () => {
  it("a task throws a TypeError made in another realm (vm, an iframe): the message still says 'TypeError: cold soup', as it did before", async () => {
    const foreign = runInNewContext('new TypeError("cold soup")') as unknown;
    expect(foreign instanceof Error).toBe(false); // the realm's own Error, not ours
    const error = await panicOf(foreign);
    // With instanceof alone: "a thrown TypeError {}" (its fields are not enumerable).
    expect(error.message).toBe("task 'table 1' panicked: TypeError: cold soup");
  });

  it("a task throws an object holding 100,000 rows: making its JoinError reads a bounded part of it, not every row, to print 200 characters", async () => {
    let reads = 0;
    const row = {
      get dish() {
        reads++;
        return "soup";
      },
    };
    const rows = new Array(100_000).fill(row);
    // A reply body held by an HTTP error: 20 MB of bytes here took 11 s to stringify (measured).
    const error = await panicOf({ status: 500, rows });
    expect(error.message).toMatch(/^task 'table 1' panicked: a thrown object \{"status":500/);
    expect(reads).toBeLessThan(1_000);
  });

  it("a thrown Map or Set prints its entries (JSON alone printed {}), at most ten a level", async () => {
    const map = await panicOf(
      new Map<string, unknown>([
        ["table", 3],
        ["order", { dish: "soup" }],
      ]),
    );
    expect(map.message).toBe(
      `task 'table 1' panicked: a thrown Map [["table",3],["order",{"dish":"soup"}]]`,
    );
    const set = await panicOf(new Set(Array.from({ length: 12 }, (_, i) => i)));
    expect(set.message).toBe(
      `task 'table 1' panicked: a thrown Set [0,1,2,3,4,5,6,7,8,9,"…2 more"]`,
    );
    const nested = await panicOf({ code: 7, seats: new Set(["a"]) });
    expect(nested.message).toBe(
      `task 'table 1' panicked: a thrown object {"code":7,"seats":["a"]}`,
    );
  });
});
