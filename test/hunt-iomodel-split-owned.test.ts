/**
 * Found by the I/O model hunt (hunt-iomodel-programs.test.ts): a split half is owned by one holder,
 * as tokio's `OwnedWriteHalf`, so a half moved into an async fn whose task is aborted before its
 * first poll must be disposed with it (task-moved-arguments.test.ts), like the stream it came
 * from. The halves were not marked `OWNED`: the write half was let go undisposed, the peer never
 * read the end and waited for ever (a DeadlockError in the hunt's echo programs).
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { Waker } from "../src/future/waker.js";
import { duplex } from "../src/io/duplex.js";
import { IoError } from "../src/io/error.js";
import { read } from "../src/io/read.js";
import { type ReadHalf, split, type WriteHalf } from "../src/io/split.js";
import type { AsyncRead, AsyncWrite } from "../src/io/traits.js";
import { write, writeAll } from "../src/io/write.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";

const writer = asyncFn(function* writer(half: WriteHalf<AsyncRead & AsyncWrite>) {
  yield* writeAll(half, new Uint8Array([1, 2, 3]));
});
const reader = asyncFn(function* reader(half: ReadHalf<AsyncRead & AsyncWrite>) {
  yield* read(half, new Uint8Array(3));
});

describe("split halves moved into a task aborted before its first poll", () => {
  it("the write half is moved into a task, the task is aborted before it runs: the half is disposed with it and the peer reads the end at once", async () => {
    const [a, b] = duplex(64);
    const [rd, wr] = split(a);
    let rt: Runtime | null = null;
    const n = await run(
      asyncBlock(function* () {
        rt = Runtime.current();
        const task = spawn(writer(wr));
        task.abort();
        try {
          yield* task;
        } catch {
          // cancelled, as asked
        }
        return yield* read(b, new Uint8Array(3)); // the end, where it waited for ever
      }),
      { clock: "paused" },
    );
    expect(n).toBe(0);
    // The read half still holds the end open: the peer can still write to it.
    expect(b.pollWrite(new Context(Waker.noop()), new Uint8Array([9]))).toBe(1);
    rd[Symbol.dispose]();
    const m = (rt as Runtime | null)!.metrics();
    expect([m.liveTasks, m.liveTimers, m.ioWaits]).toEqual([0, 0, 0]);
  });

  it("both halves are moved into tasks aborted before they run: the end is disposed, and the peer's next write fails with BrokenPipe", async () => {
    const [a, b] = duplex(64);
    const [rd, wr] = split(a);
    const failure = await run(
      asyncBlock(function* () {
        const tasks = [spawn(reader(rd)), spawn(writer(wr))];
        for (const t of tasks) {
          t.abort();
          try {
            yield* t;
          } catch {
            // cancelled, as asked
          }
        }
        try {
          yield* write(b, new Uint8Array([1]));
          return null;
        } catch (e) {
          return e;
        }
      }),
      { clock: "paused" },
    );
    expect(failure).toBeInstanceOf(IoError);
    expect((failure as IoError).kind).toBe("BrokenPipe");
  });
});
