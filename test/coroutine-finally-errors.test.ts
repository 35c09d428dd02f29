import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { sleep } from "../src/time/sleep.js";

const inner = asyncFn(function* inner() {
  try {
    yield* pending();
  } finally {
    // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
    throw new Error("first: inner finally");
  }
});

/** What the aborted task's JoinError carries: every error message found in its cause. */
async function causeOf(outerAwaits: boolean): Promise<string> {
  const rt = new Runtime({ clock: "paused" });
  const h = rt.spawn(
    asyncBlock(function* () {
      try {
        yield* inner();
      } finally {
        if (outerAwaits) yield* sleep(1);
        // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
        throw new Error("second: outer finally");
      }
    }),
  );
  await new Promise((r) => setImmediate(r));
  h.abort();
  const text = await Promise.resolve(h).then(
    () => "no error",
    (e: JoinError) => {
      const c = e.cause as Error;
      return c instanceof AggregateError
        ? c.errors.map((x: Error) => x.message).join(" + ")
        : c?.message;
    },
  );
  await rt.shutdown();
  return text;
}

describe("two finally blocks of one torn-down body both throw", () => {
  it("outer finally throws at once: the inner finally's error is not lost", async () => {
    expect(await causeOf(false)).toContain("first: inner finally");
  });
  it("outer finally awaits, then throws: the inner finally's error is not lost", async () => {
    expect(await causeOf(true)).toContain("first: inner finally");
  });
});

const innermost = asyncFn(function* innermost() {
  try {
    yield* pending();
  } finally {
    // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
    throw new Error("one: innermost finally");
  }
});

const middle = asyncFn(function* middle() {
  try {
    yield* innermost();
  } finally {
    // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
    throw new Error("two: middle finally");
  }
});

describe("three nested finally blocks of one torn-down task all throw", () => {
  it("the task is aborted: its JoinError's cause names all three errors, and says three", async () => {
    const rt = new Runtime({ clock: "paused" });
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* middle();
        } finally {
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
    const text =
      cause instanceof AggregateError
        ? `${cause.message}: ${cause.errors.map((x: Error) => x.message).join(" + ")}`
        : String(cause);
    expect(text).toBe(
      "3 finally blocks threw while tearing down: one: innermost finally + two: middle finally + three: outer finally",
    );
  });
});
