/**
 * `unhandledPanic` as a function: a panic nobody awaits is handed to it as the `JoinError` (task
 * name, cause) instead of being printed, so an error monitor (Sentry, a browser's `reportError`)
 * sees it; a handle awaited afterwards still gets the error; a callback that throws is reported
 * and the runtime goes on.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncBlock, JoinError, run, sleep, spawn, yieldNow } from "../src/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const boom = () =>
  asyncBlock(function* () {
    yield* yieldNow();
    throw new Error("the soup boiled over");
  });

describe("unhandledPanic: (error) => void", () => {
  it("a task panics with nobody awaiting it: the callback gets its JoinError, nothing is printed, and a later await still throws it", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const seen: JoinError[] = [];
    const later = await run(
      asyncBlock(function* () {
        const h = spawn(boom(), { name: "stove" });
        yield* sleep(5); // the panic is checked a microtask after the turn it happened in
        try {
          yield* h;
          return "no error";
        } catch (e) {
          return e;
        }
      }),
      { unhandledPanic: (e) => seen.push(e) },
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(JoinError);
    expect(seen[0]!.isPanic()).toBe(true);
    expect(seen[0]!.message).toContain("task 'stove' panicked");
    expect((seen[0]!.cause as Error).message).toBe("the soup boiled over");
    expect(later).toBe(seen[0]);
    expect(printed).not.toHaveBeenCalled();
  });

  it("a callback that throws is reported as a callback error, and the runtime finishes main", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const out = await run(
      asyncBlock(function* () {
        spawn(boom(), { name: "stove" });
        yield* sleep(5);
        return "served";
      }),
      {
        unhandledPanic: () => {
          throw new Error("monitor down");
        },
      },
    );
    expect(out).toBe("served");
    expect(printed.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining("options.unhandledPanic"),
    ]);
  });
});
