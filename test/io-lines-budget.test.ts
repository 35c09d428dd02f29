/**
 * A buffer full of short lines is ready many times in a row: `BufReader.lines()` spends the
 * task's budget for each line, as `FramedRead` does for each frame, so a task looping over them
 * still lets the other tasks run; and no line is lost when the budget runs out mid-buffer.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { BufReader } from "../src/io/buf-reader.js";
import { duplex } from "../src/io/duplex.js";
import { shutdown, writeAll } from "../src/io/write.js";
import { run } from "../src/runtime/runtime.js";
import { DONE } from "../src/stream/index.js";
import { spawn } from "../src/task/spawn.js";

describe("BufReader.lines() and the budget", () => {
  it("lines served from the buffer spend the budget: another task runs before 4,000 buffered lines are read, and every line arrives", async () => {
    const order: string[] = [];
    let count = 0;
    await run(
      asyncBlock(function* () {
        const [a, b] = duplex(1 << 20);
        yield* writeAll(a, new TextEncoder().encode("x\n".repeat(4000)));
        yield* shutdown(a);
        const lines = new BufReader(b, 1 << 16).lines();
        const reader = spawn(
          asyncBlock(function* () {
            for (let l = yield* lines.next(); l !== DONE; l = yield* lines.next()) {
              if (l === "x") count++;
            }
            order.push("read all");
          }),
        );
        const other = spawn(
          asyncBlock(function* () {
            order.push("other ran");
          }),
        );
        yield* reader;
        yield* other;
      }),
    );
    expect(order).toEqual(["other ran", "read all"]);
    expect(count).toBe(4000);
  });
});
