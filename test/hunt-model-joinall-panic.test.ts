/**
 * Found by the model-based hunt (test/hunt-model-programs.test.ts): `JoinSet.joinAll()` loses the
 * panic of a member whose `finally` throws without waiting, when the joinAll is dropped (or fails)
 * and aborts the members. A `joinNext()` dropped the same way, or a cleanup that throws after an
 * await, prints it ("panicked while nothing was awaiting it"), as docs/runtime.md says of every
 * panic nothing awaits. Move to test/ with the fix in src/task/join-set-wait.ts (`JoinAll.end`).
 */
import { describe, expect, it, vi } from "vitest";
import { race } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { run } from "../src/runtime/runtime.js";
import { JoinSet } from "../src/task/join-set.js";
import { sleep } from "../src/time/sleep.js";

/** A member whose cleanup throws at once (a panic during drop, before any await). */
const stuckBurner = asyncFn(function* stuckBurner() {
  try {
    yield* pending<number>();
  } finally {
    // biome-ignore lint/correctness/noUnsafeFinally: a panic during drop is what is under test
    throw new Error("the burner is stuck");
  }
});

async function reportsWhenDropped(take: "joinAll" | "joinNext"): Promise<number> {
  const printed: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    printed.push(a.join(" "));
  });
  try {
    await run(
      asyncBlock(function* () {
        using set = new JoinSet<number>();
        set.spawn(stuckBurner());
        // The sleep wins at 1 ms: the set's wait is dropped, and with it the set.
        yield* race(sleep(1), take === "joinAll" ? set.joinAll() : set.joinNext());
      }),
      { clock: "paused" },
    );
  } finally {
    spy.mockRestore();
  }
  return printed.filter((l) => l.includes("panicked while nothing was awaiting it")).length;
}

/** A joinAll() whose first member panics at 1 ms: the other is aborted; what is printed. */
async function reportsWhenFailed(): Promise<number> {
  const printed: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    printed.push(a.join(" "));
  });
  try {
    await run(
      asyncBlock(function* () {
        using set = new JoinSet<number>();
        set.spawn(stuckBurner());
        set.spawn(burnsAt(1));
        try {
          yield* set.joinAll();
        } catch {
          // The first member's panic, thrown by joinAll(): awaited, so not printed.
        }
      }),
      { clock: "paused" },
    );
  } finally {
    spy.mockRestore();
  }
  return printed.filter((l) => l.includes("panicked while nothing was awaiting it")).length;
}

const burnsAt = asyncFn(function* burnsAt(ms: number) {
  yield* sleep(ms);
  throw new Error("the sauce burnt");
});

describe("a JoinSet whose wait is dropped while a member's finally throws at once", () => {
  it("a joinAll() whose other member panics at 1 ms aborts this one, whose panic during drop is printed once", async () => {
    expect(await reportsWhenFailed()).toBe(1);
  });

  it("a joinNext() dropped at 1 ms aborts the member, whose panic during drop is printed once", async () => {
    expect(await reportsWhenDropped("joinNext")).toBe(1);
  });

  it("a joinAll() dropped at 1 ms aborts the member, whose panic during drop is printed once", async () => {
    expect(await reportsWhenDropped("joinAll")).toBe(1);
  });
});
