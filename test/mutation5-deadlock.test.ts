/**
 * The all-asleep report's lost-waker note when more than one task lost its waker: it names every
 * such task and says nothing can wake "them". And a leaf that describes itself with a label that
 * merely mentions a JoinHandle is not read as a wait on that task's handle: the report keeps its hint
 * about callbacks Brigade cannot see.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DESCRIBE,
  type Description,
  FutureBase,
  PENDING,
  type Poll,
  pending,
  run,
  spawn,
  type Waker,
  yieldNow,
} from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

/** A leaf that returns Pending without keeping cx.waker: nothing can ever wake its task. */
class Forgetful extends FutureBase<void> {
  poll(_cx: Context): Poll<void> {
    return PENDING;
  }
}

describe("the lost-waker note", () => {
  it("two tasks lost their wakers: the note names both and says nothing can wake them", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          spawn(new Forgetful(), { name: "table 1" });
          spawn(new Forgetful(), { name: "table 2" });
          yield* yieldNow();
          yield* pending();
        }),
        { onWarning: () => {} },
      ),
    );
    expect(error.message).toContain(
      "'table 1', 'table 2' returned Pending without reading cx.waker (a lost waker): nothing can wake them.",
    );
  });
});

/** A described leaf of the user's own that keeps its waker (a host callback could wake it). */
class Relay extends FutureBase<void> {
  waker: Waker | null = null;
  poll(cx: Context): Poll<void> {
    this.waker = cx.waker;
    return PENDING;
  }
  [DESCRIBE](): Description {
    return { label: "reply relayed from JoinHandle of 'main'", children: [] };
  }
}

describe("the callback hint and handles", () => {
  it("a described leaf whose label only mentions \"JoinHandle of 'main'\" still gets the callback hint", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* new Relay();
        }),
      ),
    );
    expect(error.message).toContain("main → reply relayed from JoinHandle of 'main'");
    expect(error.message).toMatch(
      /If a callback Brigade cannot see .* is meant to end one of these waits/,
    );
  });
});
