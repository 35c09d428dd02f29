/**
 * Bug hunt: the cleanups of several children torn down together (an aborted task awaiting a
 * `join`) when one of their `finally` blocks throws after awaiting. The others must still be
 * driven to their end, as Rust goes on dropping the other fields when one field's drop panics;
 * the task reports the panic only once they have finished, and nothing is left queued for a lock.
 */
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";
import { Mutex } from "../src/sync/mutex.js";
import type { JoinError } from "../src/task/join-error.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

describe("one of a join's child cleanups throws while another still awaits", () => {
  it("the other cleanup finishes its finally, then the aborted task panics with the error", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const failing = asyncFn(function* failing() {
      try {
        yield* pending();
      } finally {
        yield* sleep(1);
        log.push("failing cleanup throws");
        // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws is the case under test.
        throw new Error("failing cleanup");
      }
    });
    const slow = asyncFn(function* slow() {
      try {
        yield* pending();
      } finally {
        yield* sleep(10);
        log.push("slow cleanup finished");
      }
    });
    const task = rt.spawn(
      asyncBlock(function* table() {
        yield* join(failing(), slow());
      }),
    );
    const outcome = await rt.spawn(
      asyncBlock(function* () {
        yield* yieldNow();
        task.abort();
        try {
          yield* task;
          return "finished";
        } catch (e) {
          const j = e as JoinError;
          log.push("handle settled");
          return j.isCancelled() ? "cancelled" : `panicked: ${String(j.cause)}`;
        }
      }),
    );
    expect(outcome).toBe("panicked: Error: failing cleanup");
    expect(log).toEqual(["failing cleanup throws", "slow cleanup finished", "handle settled"]);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("a cleanup queued for a lock when its sibling's cleanup throws still takes the lock and gives it back", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
    const pantry = new Mutex(0);
    const failing = asyncFn(function* failing() {
      try {
        yield* pending();
      } finally {
        yield* sleep(1);
        // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws is the case under test.
        throw new Error("failing cleanup");
      }
    });
    const tidy = asyncFn(function* tidy() {
      try {
        yield* pending();
      } finally {
        using shelf = yield* pantry.lock(); // held by the cook until 20 ms
        shelf.value++;
        log.push("tidied the pantry");
      }
    });
    rt.spawn(
      asyncBlock(function* cook() {
        using _held = yield* pantry.lock();
        yield* sleep(20);
      }),
    );
    const task = rt.spawn(
      asyncBlock(function* table() {
        yield* join(failing(), tidy());
      }),
    );
    const after = await rt.spawn(
      asyncBlock(function* () {
        yield* yieldNow();
        task.abort();
        try {
          yield* task;
        } catch {
          log.push("handle settled");
        }
        // The pantry is taken once more: a waiter left behind would hold it for ever.
        using shelf = yield* pantry.lock();
        return shelf.value;
      }),
    );
    expect(after).toBe(1);
    expect(log).toEqual(["tidied the pantry", "handle settled"]);
    await rt.shutdown();
  });
});
