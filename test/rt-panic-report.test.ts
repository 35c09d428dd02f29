/**
 * What a panic report prints when the task threw something other than an Error: its fields, not
 * `[object Object]`; and where the task was spawned, when spawn locations are on.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { run } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { thrownDetail } from "../src/task/thrown.js";
import { yieldNow } from "../src/task/yield-now.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function captureErrors(): string[] {
  const errors: string[] = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    errors.push(args.map(String).join(" "));
  });
  return errors;
}

/** Spawn a task named `name` that throws `value`, never awaited; let the report come. */
function throwUnawaited(value: unknown, spawnLocations: boolean): Promise<void> {
  return run(
    asyncBlock(function* () {
      spawn(
        asyncBlock(function* () {
          throw value;
        }),
        { name: "fryer" },
      );
      yield* yieldNow();
      yield* yieldNow();
    }),
    { spawnLocations },
  );
}

describe("panic reports", () => {
  it("a task that throws a plain object is reported with the object's fields", async () => {
    const errors = captureErrors();
    await throwUnawaited({ code: 42, reason: "oil too hot" }, false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      `task 'fryer' panicked while nothing was awaiting it: a thrown object {"code":42,"reason":"oil too hot"}`,
    );
    expect(errors[0]).not.toContain("[object Object]");
    expect(errors[0]).not.toContain("spawned at");
  });

  it("with spawnLocations on, the report says where the panicking task was spawned", async () => {
    const errors = captureErrors();
    await throwUnawaited(new Error("grease fire"), true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/task 'fryer' \(spawned at [^)]*rt-panic-report\.test\.ts:\d+/);
    expect(errors[0]).toContain("grease fire");
  });

  it("a JoinError's message gives a thrown object's fields, in one line", async () => {
    const error = await run(
      asyncBlock(function* () {
        const h = spawn(
          asyncBlock(function* () {
            throw { code: 7 };
          }),
          { name: "grill" },
        );
        try {
          yield* h;
        } catch (e) {
          return e;
        }
        return null;
      }),
    );
    expect(error).toBeInstanceOf(JoinError);
    expect((error as JoinError).message).toBe(`task 'grill' panicked: a thrown object {"code":7}`);
  });
});

describe("thrownDetail", () => {
  it("gives an error's stack, or its name and message on one line", () => {
    const e = new TypeError("cold soup");
    expect(thrownDetail(e)).toBe(e.stack);
    expect(thrownDetail(e, false)).toBe("TypeError: cold soup");
  });

  it("names a thrown class instance by its class, and a null-prototype object as an object", () => {
    class Spill {
      litres = 2;
    }
    expect(thrownDetail(new Spill())).toBe(`a thrown Spill {"litres":2}`);
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(thrownDetail(bare)).toBe(`a thrown object {"a":1}`);
  });

  it("falls back to the keys when the fields cannot be written as JSON (a cycle, a bigint)", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(thrownDetail(cyclic)).toBe("a thrown object with keys name, self");
    expect(thrownDetail({ big: 1n })).toBe("a thrown object with keys big");
  });

  it("cuts long fields short, and prints primitives as themselves", () => {
    const long = thrownDetail({ text: "x".repeat(500) });
    expect(long.endsWith("…")).toBe(true);
    expect(long.length).toBeLessThan(230);
    expect(thrownDetail("oops")).toBe("oops");
    expect(thrownDetail(null)).toBe("null");
    expect(thrownDetail(undefined)).toBe("undefined");
  });

  it("gives the type when the value will not describe itself (a revoked proxy)", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(thrownDetail(proxy)).toBe("object");
  });
});
