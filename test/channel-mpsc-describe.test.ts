import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";

describe("what a waiting mpsc receive tells dumps and deadlock reports", () => {
  it("a receive that waits says the channel is empty and how many senders are still open", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<string>(4);
    const other = tx.clone();
    rt.spawn(
      asyncBlock(function* logger() {
        while ((yield* rx.recv()) !== undefined) {}
      }),
      { name: "logger" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain("mpsc rx.recv(), channel empty, 2 senders still open");
    other.close();
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain("mpsc rx.recv(), channel empty, 1 sender still open");
    tx.close();
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("a receiver loop kept alive by a forgotten sender is reported with that sender counted", async () => {
    const err = await run(
      asyncBlock(function* main() {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        const log = spawn(
          asyncBlock(function* logger() {
            for (
              let batch = yield* rx.recvMany(8);
              batch.length > 0;
              batch = yield* rx.recvMany(8)
            ) {}
          }),
          { name: "logger" },
        );
        tx.send(1);
        // The sender is never closed: the logger's loop cannot end.
        yield* log;
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain(
      "logger → logger → mpsc rx.recvMany(8), channel empty, 1 sender still open",
    );
  });
});
