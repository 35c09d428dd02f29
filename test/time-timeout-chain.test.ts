import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { PENDING } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import { streamPollFn } from "../src/stream/index.js";
import { timeout } from "../src/time/timeout.js";

describe("a TimeoutError's message over a forEach waiting on its upstream", () => {
  it("forEach's step is null (between items), so the first child is null: the message still names the upstream", async () => {
    const rt = new Runtime({ clock: "paused" });
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* timeout(
            10,
            streamPollFn<number>(() => PENDING).forEach(() => {}),
          );
          return "finished";
        } catch (e) {
          return (e as Error).message;
        }
      }),
    );
    const msg = await h;
    await rt.shutdown();
    // Before e198829 the chain went "forEach → streamPollFn…"; now it stops at "forEach".
    expect(msg).toMatch(/waiting on: forEach → /);
  });
});
