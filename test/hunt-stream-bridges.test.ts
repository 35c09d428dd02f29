/**
 * `for await` over a stream (toAsyncIterable) when releasing the stream fails: the stream's
 * dispose throws once it has ended. The loop must still end, with that error after the items, not
 * wait for ever on a pump task that died before answering it.
 */
import { describe, expect, it } from "vitest";
import { type Context, DONE, StreamBase, type StreamPoll, toAsyncIterable } from "../src/index.js";
import { turns } from "./future-testkit.js";

/** Two items, then the end; its dispose throws (a `finally` that fails on the way out). */
class EndsBadly extends StreamBase<number> {
  i = 0;
  drops = 0;
  pollNext(_cx: Context): StreamPoll<number> {
    return this.i < 2 ? this.i++ : DONE;
  }
  override [Symbol.dispose](): void {
    this.drops++;
    throw new Error("dispose failed");
  }
}

describe("for await over a stream whose dispose throws", () => {
  it("the items come, the stream ends and is disposed once, then the loop throws the dispose error instead of waiting for ever", async () => {
    const s = new EndsBadly();
    const seen: number[] = [];
    let settled = "still waiting";
    void (async () => {
      for await (const x of toAsyncIterable(s)) seen.push(x);
    })().then(
      () => {
        settled = "ended";
      },
      (e: Error) => {
        settled = `threw: ${e.message}`;
      },
    );
    // Event-loop turns, not time: the pump runs on a runtime of its own, a microtask hop away.
    await turns(20);
    expect(settled).toBe("threw: dispose failed");
    expect(seen).toEqual([0, 1]);
    expect(s.drops).toBe(1);
  });

  it("several next() calls waiting at the end: the first gets the dispose error, the others the end", async () => {
    const s = new EndsBadly();
    s.i = 2; // already at its end
    const it = toAsyncIterable(s);
    const outcomes = await Promise.allSettled([it.next(), it.next(), it.next()]);
    expect(outcomes).toEqual([
      { status: "rejected", reason: new Error("dispose failed") },
      { status: "fulfilled", value: { done: true, value: undefined } },
      { status: "fulfilled", value: { done: true, value: undefined } },
    ]);
    expect(s.drops).toBe(1);
  });
});
