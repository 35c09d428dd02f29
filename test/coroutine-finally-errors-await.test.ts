import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { sleep } from "../src/time/sleep.js";

const innermost = asyncFn(function* innermost() {
  try {
    yield* pending();
  } finally {
    yield* sleep(1);
    // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
    throw new Error("one: innermost finally");
  }
});

const middle = asyncFn(function* middle() {
  try {
    yield* innermost();
  } finally {
    yield* sleep(1);
    // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
    throw new Error("two: middle finally");
  }
});

function messages(c: unknown): string {
  return c instanceof AggregateError
    ? `${c.message}: ${c.errors.map((x) => messages(x)).join(" + ")}`
    : String((c as Error)?.message ?? c);
}

describe("three nested finally blocks that each await before throwing", () => {
  it("the task is aborted, each finally awaits a sleep then throws: the JoinError's cause keeps all three", async () => {
    const rt = new Runtime({ clock: "paused" });
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* middle();
        } finally {
          yield* sleep(1);
          // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
          throw new Error("three: outer finally");
        }
      }),
    );
    await new Promise((r) => setImmediate(r));
    h.abort();
    const cause = await Promise.resolve(h).then(
      () => null,
      (e: JoinError) => e.cause,
    );
    await rt.shutdown();
    const text = messages(cause);
    expect(text).toContain("one: innermost finally");
    expect(text).toContain("two: middle finally");
    expect(text).toContain("three: outer finally");
  });
});
