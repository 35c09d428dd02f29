/**
 * The one-reader rule refuses a second task's future, not the same future polled from another
 * task: a read that lost a `select` and is spawned as its `rest` goes on waiting in its new task,
 * on a duplex stream and on a TCP stream, and gets the bytes (its wait moved with it).
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, run, select, sleep, spawn } from "../src/index.js";
import { duplex, read, TcpListener, TcpStream, writeAll } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

describe("a read moved to another task", () => {
  it("duplex: a read that lost a select to a sleep, spawned, is not refused and gets the bytes written after", async () => {
    const out = await run(
      asyncBlock(function* main() {
        const [a, b] = duplex(64);
        const buf = new Uint8Array(8);
        const lost = yield* select(read(b, buf), sleep(5));
        if (lost.index !== 1) return "the read won";
        const background = spawn(lost.rest, { name: "background reader" });
        yield* sleep(1);
        yield* writeAll(a, new TextEncoder().encode("soup"));
        const n = yield* background;
        a[Symbol.dispose]();
        b[Symbol.dispose]();
        return new TextDecoder().decode(buf.subarray(0, n));
      }),
      { clock: "paused" },
    );
    expect(out).toBe("soup");
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
        const background = spawn(lost.rest, { name: "background reader" });
        yield* sleep(1);
        yield* client.writeAll(new TextEncoder().encode("bread"));
        const n = yield* background;
        return new TextDecoder().decode(buf.subarray(0, n));
      }),
    );
    expect(out).toBe("bread");
  });
});
