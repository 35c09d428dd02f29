/**
 * A copy between two stations that are always ready (an in-memory reader that always has bytes, a
 * writer that always takes them) must not keep the thread: it yields after its share of bytes per
 * poll, so another task gets its turns while megabytes move.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, type Context, type Poll, run, spawn, yieldNow } from "../src/index.js";
import { copy } from "../src/io/copy.js";
import type { AsyncRead, AsyncWrite } from "../src/io/traits.js";

class Fountain implements AsyncRead {
  left: number;
  reads = 0;
  constructor(bytes: number) {
    this.left = bytes;
  }
  pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
    this.reads++;
    const n = Math.min(buf.length, this.left);
    this.left -= n;
    return n;
  }
}

class Drain implements AsyncWrite {
  taken = 0;
  pollWrite(_cx: Context, buf: Uint8Array): Poll<number> {
    this.taken += buf.length;
    return buf.length;
  }
  pollFlush(): Poll<void> {
    return undefined;
  }
  pollShutdown(): Poll<void> {
    return undefined;
  }
}

describe("copy between stations that are always ready", () => {
  it("moves every byte, and lets another task run between its polls", async () => {
    const MB = 1024 * 1024;
    const reader = new Fountain(8 * MB);
    const writer = new Drain();
    let otherTurns = 0;
    let done = false;
    const total = await run(
      asyncBlock(function* main() {
        const other = spawn(
          asyncBlock(function* other() {
            while (!done) {
              otherTurns++;
              yield* yieldNow();
            }
          }),
        );
        const n = yield* copy(reader, writer);
        done = true;
        yield* other;
        return n;
      }),
    );
    expect(total).toBe(8 * MB);
    expect(writer.taken).toBe(8 * MB);
    // 8 MiB at 256 KiB a poll: at least 32 polls, and the other task ran between them.
    expect(otherTurns).toBeGreaterThanOrEqual(30);
  });
});
