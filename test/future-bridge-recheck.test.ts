/**
 * A bridge closed from a host callback, outside any turn, with no task woken: once it is closed
 * nothing can wake main, so the runtime looks again (`recheckIdle`) and `run()` rejects with a
 * DeadlockError, rather than staying pending for as long as anything else keeps Node alive (a
 * server, a test runner). The same for a task aborted from a host callback.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { type Bridge, type BridgeKind, openBridge } from "../src/future/bridge.js";
import type { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { run } from "../src/runtime/runtime.js";
import { Notify } from "../src/sync/notify.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { sleep } from "../src/time/sleep.js";

/** A leaf waiting on an outside source through a bridge that a test closes by hand. */
class Outside extends FutureBase<void> {
  bridge: Bridge | null = null;
  polls = 0;
  constructor(private readonly kind: BridgeKind) {
    super();
  }
  poll(cx: Context): Poll<void> {
    this.polls++;
    void cx.waker; // kept by the (imaginary) source: no lost waker
    this.bridge ??= openBridge(this.kind);
    return PENDING;
  }
  [Symbol.dispose](): void {
    this.bridge?.close();
  }
}

/** A test's own deadline: wait at most `ms` for `p`, else say it is still pending. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "still pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"still pending">((resolve) => {
    timer = setTimeout(() => resolve("still pending"), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe("a bridge closed outside a turn with nobody woken", () => {
  for (const kind of ["event", "reply"] as const) {
    it(`a task waits on a leaf's ${kind} bridge and main on a Notify nobody holds; a host callback closes the bridge and wakes no one: run() rejects with a DeadlockError`, async () => {
      const leaf = new Outside(kind);
      const bell = new Notify();
      const main = run(
        asyncBlock(function* () {
          spawn(
            asyncBlock(function* () {
              yield* leaf;
            }),
            { name: "listener" },
          );
          yield* bell.notified();
        }),
      );
      const closer = setTimeout(() => leaf.bridge?.close(), 20);
      const outcome = await within(
        main.then(
          () => "resolved",
          (e: unknown) => e,
        ),
        1_500,
      );
      clearTimeout(closer);
      expect(leaf.polls).toBe(1);
      // Without the recheck: "still pending", since nothing ran the idle check after the close.
      expect(outcome).toBeInstanceOf(DeadlockError);
    });
  }

  it("a task parked on a long sleep is aborted from a host callback while main waits on a Notify nobody holds: run() rejects with a DeadlockError (not from these commits)", async () => {
    const bell = new Notify();
    let sleeper: JoinHandle<void> | null = null;
    const main = run(
      asyncBlock(function* () {
        sleeper = spawn(sleep(1_000_000_000), { name: "sleeper" });
        yield* bell.notified();
      }),
    );
    const aborter = setTimeout(() => sleeper?.abort(), 20);
    const outcome = await within(
      main.then(
        () => "resolved",
        (e: unknown) => e,
      ),
      1_500,
    );
    clearTimeout(aborter);
    expect(outcome).toBeInstanceOf(DeadlockError);
  });
});
