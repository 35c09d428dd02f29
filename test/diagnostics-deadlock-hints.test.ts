/**
 * When the all-asleep report drops its hint about host callbacks: a task whose name holds an
 * apostrophe ("chef's table") holding the lock is recognised as a listed holder (the lock's leaf
 * names its holders in `waitsOn`; this report once read them back out of the label); and a task that lost its waker does not take the hint away from
 * the other tasks' waits. A described leaf of the user's own, with no bridge, is pointed to
 * openBridge().
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  CancellationToken,
  type Context,
  DESCRIBE,
  FutureBase,
  Mutex,
  oneshot,
  PENDING,
  type Poll,
  run,
  spawn,
  yieldNow,
} from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

describe("the all-asleep report's callback hint", () => {
  it("a lock kept across an await by a task named chef's table, asleep too: the report names the holder and adds no hint about callbacks", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const [_tx, rx] = oneshot.channel<number>();
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const hoarder = spawn(
            asyncBlock(function* hoard() {
              using _key = yield* pantry.lock();
              yield* rx; // keeps the key while it waits
            }),
            { name: "chef's table" },
          );
          yield* yieldNow();
          using _key = yield* pantry.lock();
          yield* hoarder;
        }),
      ),
    );
    expect(error.message).toMatch(/pantry.*held by task 'chef's table'/);
    // A holder misread as "chef" (not listed) would bring the hint back.
    expect(error.message).not.toMatch(/cannot see/);
  });

  it("one task lost its waker and main waits on a token a raw setTimeout may cancel: the report still says how to bridge that callback", async () => {
    class Forgetful extends FutureBase<void> {
      poll(_cx: Context): Poll<void> {
        return PENDING; // never keeps the pager
      }
    }
    const token = new CancellationToken();
    const timer = setTimeout(() => token.cancel(), 60_000);
    try {
      const error = await deadlockOf(
        run(
          asyncBlock(function* main() {
            spawn(new Forgetful(), { name: "forgetful" });
            yield* yieldNow();
            yield* token.cancelled();
          }),
          { onWarning: () => {} },
        ),
      );
      expect(error.message).toMatch(/'forgetful' returned Pending without reading cx\.waker/);
      // The lost waker of one task must not drop the hint for main's wait.
      expect(error.message).toMatch(/callback Brigade cannot see/);
    } finally {
      clearTimeout(timer);
    }
  });

  it("a leaf of your own with a description (so not opaque) and no bridge: the hint still points to openBridge()", async () => {
    class Lookup extends FutureBase<string> {
      poll(cx: Context): Poll<string> {
        void cx.waker; // kept, as a leaf should, but no bridge was opened for the callback
        return PENDING;
      }
      [DESCRIBE]() {
        return { label: "lookup(example.org)", children: [] };
      }
    }
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          return yield* new Lookup();
        }),
      ),
    );
    expect(error.message).toContain("main → main → lookup(example.org)");
    expect(error.message).toMatch(
      /bridge its source with fromPromise or fromEvent \(a future of your own opens a bridge while it waits: openBridge\(\), see docs\/extending\.md\)/,
    );
  });
});
