import { describe, expect, it } from "vitest";
import { pending } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";

describe("a handle's abort() given an argument by the code that calls it", () => {
  it("abort bound as a Node 'close' listener (called with hadError = true): the JoinError says abort() was called, not that the runtime shut down", async () => {
    const rt = new Runtime();
    const h = rt.spawn(pending<void>(), { name: "conn" });
    await new Promise((r) => setImmediate(r));
    // socket.once("close", h.abort.bind(h)): Node passes `hadError`, which abort() must ignore.
    const onClose: (hadError: boolean) => void = h.abort.bind(h);
    onClose(true);
    const message = await Promise.resolve(h).then(
      () => "no error",
      (e: JoinError) => e.message,
    );
    await rt.shutdown();
    expect(message).not.toContain("the runtime shut down");
    expect(message).toContain("abort() was called on its handle");
  });
});
