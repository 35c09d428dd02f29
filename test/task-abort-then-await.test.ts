import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";

afterEach(() => vi.restoreAllMocks());

describe("abort() from native code, then await handle", () => {
  it("a cleanup that throws is a panic the awaiting caller sees: it is not also reported as unobserved", async () => {
    const reports: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
      reports.push(a.map(String).join(" "));
    });
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
          throw new Error("close failed");
        }
      }),
      { name: "conn" },
    );
    await new Promise((r) => setImmediate(r));
    h.abort();
    let seen = "";
    try {
      await h;
    } catch (e) {
      seen = (e as Error).message;
    }
    await rt.shutdown();
    expect(seen).toContain("close failed");
    expect(reports).toEqual([]);
  });
});
