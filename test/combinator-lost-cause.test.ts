/**
 * From a review: tryJoin's doc (join.ts:9-11) says the first error drops the children still running
 * ("one that throws does not stop the others") "and is thrown at once". When a dropped child's
 * `finally` throws, join.ts:80-85 (`try { dropChildren() } finally { … } throw e`) throws the
 * finally's error instead and the first error, the cause, is lost. select/race on a child that
 * throws (select.ts:160-165) do the same. Expected: the cause survives (thrown, or first in an
 * AggregateError with the cleanup errors after it).
 */
import { describe, expect, it } from "vitest";
import { tryJoin } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncFn } from "../src/coroutine/async-fn.js";
import { Gate, MockTask, PENDING } from "./future-testkit.js";

const badFinally = asyncFn(function* (g: Gate<string>) {
  try {
    return yield* g;
  } finally {
    // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
    throw new Error("cleanup threw");
  }
});

function causeOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof AggregateError) return e.errors.map((x) => (x as Error).message);
    return [(e as Error).message];
  }
  return [];
}

describe("a child fails, and dropping a sibling throws too", () => {
  it("tryJoin: the sibling is polled and waits, then the other child fails: the failure is still what the caller sees first", () => {
    const gate = new Gate<string>("never");
    const failing = new Gate<string>("fails later");
    const t = new MockTask(tryJoin(badFinally(gate), failing));
    expect(t.poll()).toBe(PENDING);
    failing.reject(new Error("the real failure"));
    expect(causeOf(() => t.poll())[0]).toBe("the real failure");
  });

  it("race: the first child throws while the second waits with a throwing finally: the failure is still what the caller sees first", () => {
    const gate = new Gate<string>("never");
    const failing = new Gate<string>("fails later");
    const t = new MockTask(race.biased(badFinally(gate), failing));
    expect(t.poll()).toBe(PENDING);
    failing.reject(new Error("the real failure"));
    expect(causeOf(() => t.poll())[0]).toBe("the real failure");
  });
});
