/**
 * From a review: a join/tryJoin/race that throws disposes the outputs of its finished children. Some of
 * Brigade's own futures return values the caller does not own: a broadcast message is the same
 * object for every receiver, and OnceCell.getOrInit returns the cell's value. Disposing those
 * destroys what others still use (Rust drops an `Arc` clone / `&T`, never the shared value).
 */
import { describe, expect, it } from "vitest";
import * as broadcast from "../src/channel/broadcast.js";
import { tryJoin } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { ready } from "../src/future/leaf.js";
import { run } from "../src/runtime/runtime.js";
import { OnceCell } from "../src/sync/once-cell.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { Gate } from "./future-testkit.js";

class Pool implements Disposable {
  disposed = 0;
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

const failAfter = asyncFn(function* (ms: number) {
  yield* sleep(ms);
  throw new Error("sibling failed");
});

function paused<T>(body: () => Generator<any, T, any>): Promise<T> {
  return run(asyncBlock(body), { clock: "paused" });
}

describe("outputs shared with others are not the combinator's to dispose", () => {
  it("a broadcast message received through a failed tryJoin is still intact when another receiver reads it", async () => {
    const disposedSeenBySecond = await paused(function* () {
      const [tx, rx1] = broadcast.channel<Pool>(4);
      const rx2 = tx.subscribe();
      tx.send(new Pool());
      try {
        yield* tryJoin(rx1.recv(), failAfter(5));
      } catch {
        // expected: the sibling failed
      }
      const m = yield* rx2.recv();
      return m!.disposed;
    });
    // The other receiver's copy of the message was disposed by rx1's failed tryJoin.
    expect(disposedSeenBySecond).toBe(0);
  });

  it("a OnceCell's value fetched in a failed tryJoin is still intact in the cell afterwards", async () => {
    const cell = new OnceCell<Pool>();
    await paused(function* () {
      try {
        yield* tryJoin(
          cell.getOrInit(() => ready(new Pool())),
          failAfter(5),
        );
      } catch {
        // expected
      }
    });
    expect(cell.isInitialized()).toBe(true);
    // The cell still hands out the pool, but the pool has been closed under everyone.
    expect(cell.get()!.disposed).toBe(0);
  });

  it("race: a loser's finally throws, the winner was cell.getOrInit: the cell's value is still intact", async () => {
    const cell = new OnceCell<Pool>();
    const loser = asyncFn(function* (g: Gate<string>) {
      try {
        return yield* g;
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: a finally that throws, on purpose.
        throw new Error("loser's finally threw");
      }
    });
    await paused(function* () {
      try {
        // The loser is polled first (it starts and waits), then the cell's value wins.
        yield* race.biased(
          loser(new Gate<string>("never")),
          cell.getOrInit(() => ready(new Pool())),
        );
      } catch {
        // expected: the loser's finally threw
      }
    });
    expect(cell.get()!.disposed).toBe(0);
  });

  it("(same family, older code) a task returned the cell's value and its handle is dropped unread: the cell's value is still intact", async () => {
    const cell = new OnceCell<Pool>();
    await paused(function* () {
      const handle = spawn(
        asyncBlock(function* () {
          return yield* cell.getOrInit(() => ready(new Pool()));
        }),
      );
      while (!handle.isFinished()) yield* yieldNow();
      handle[Symbol.dispose]();
    });
    expect(cell.get()!.disposed).toBe(0);
  });
});
