/**
 * A read that lost a `select` still holds its wait on the stream (its `rest`). Spawned into another
 * task, it is refused there as a second reader: the stream cannot tell it from one read by two
 * tasks at once (through a shared `lines()` stream, say), whose first would sleep for good. What
 * works instead: drop the `rest` (a read is cancel safe: nothing is lost) and read anew in the
 * other task. Both, on a duplex stream and on a TCP stream.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, run, select, sleep, spawn } from "../src/index.js";
import { duplex, read, TcpListener, TcpStream, writeAll } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

describe("a read that lost a select, and another task", () => {
  it("duplex: its rest spawned is refused, naming the stream; dropped instead, a new read in another task gets the bytes written after", async () => {
    const out = await run(
      asyncBlock(function* main() {
        const [a, b] = duplex(64);
        const buf = new Uint8Array(8);
        const lost = yield* select(read(b, buf), sleep(5));
        if (lost.index !== 1) return "the read won";
        let refused = "";
        try {
          yield* spawn(lost.rest, { name: "moved" });
        } catch (e) {
          refused = String((e as { cause?: unknown }).cause);
        }
        lost.rest[Symbol.dispose]();
        const reader = spawn(read(b, buf), { name: "fresh" });
        yield* sleep(1);
        yield* writeAll(a, new TextEncoder().encode("soup"));
        const n = yield* reader;
        a[Symbol.dispose]();
        b[Symbol.dispose]();
        return { refused, got: new TextDecoder().decode(buf.subarray(0, n)) };
      }),
      { clock: "paused", unhandledPanic: "ignore" },
    );
    expect(out).toEqual({
      refused: expect.stringMatching(/duplex stream read in task 'moved'.*task 'main'/),
      got: "soup",
    });
  });

  it("tcp: the same, over loopback", async () => {
    const out = await run(
      asyncBlock(function* main() {
        using listener = yield* TcpListener.bind("127.0.0.1:0");
        using client = yield* TcpStream.connect(listener.localAddr());
        using server = yield* listener.accept();
        const buf = new Uint8Array(8);
        const lost = yield* select(server.read(buf), sleep(5));
        if (lost.index !== 1) return "the read won";
        let refused = "";
        try {
          yield* spawn(lost.rest, { name: "moved" });
        } catch (e) {
          refused = String((e as { cause?: unknown }).cause);
        }
        lost.rest[Symbol.dispose]();
        const reader = spawn(server.read(buf), { name: "fresh" });
        yield* sleep(1);
        yield* client.writeAll(new TextEncoder().encode("bread"));
        const n = yield* reader;
        return { refused, got: new TextDecoder().decode(buf.subarray(0, n)) };
      }),
      { unhandledPanic: "ignore" },
    );
    expect(out).toEqual({
      refused: expect.stringMatching(/tcp stream read in task 'moved'.*task 'main'/),
      got: "bread",
    });
  });
});
