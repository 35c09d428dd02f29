/**
 * Zero-length buffers through the io futures: nothing to move is done at once. `readExact` and
 * `writeAll` of an empty buffer never touch their reader or writer (so not even an ended stream or
 * one shut down makes them fail, as with tokio's `read_exact` and `write_all`), a TCP stream's
 * `read` into an empty buffer answers 0 without waiting for bytes (`read` leaves that to the
 * reader), and `copy` from a reader that ends at once copies nothing, never handing its writer an
 * empty write.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, type Context, type Poll, run } from "../src/index.js";
import { copy, read, readExact, readToEnd, TcpListener, TcpStream, writeAll } from "../src/node.js";
import { expectNoSocketsLeft, withPair } from "./net-testkit.js";

expectNoSocketsLeft();

const EMPTY = new Uint8Array(0);

/** A reader and writer that fail the test if they are ever polled. */
const untouchable = {
  pollRead(_cx: Context, _buf: Uint8Array): Poll<number> {
    throw new Error("pollRead was called");
  },
  pollWrite(_cx: Context, _buf: Uint8Array): Poll<number> {
    throw new Error("pollWrite was called");
  },
  pollFlush(_cx: Context): Poll<void> {
    throw new Error("pollFlush was called");
  },
  pollShutdown(_cx: Context): Poll<void> {
    throw new Error("pollShutdown was called");
  },
};

describe("zero-length buffers", () => {
  it("readExact and writeAll of an empty buffer are ready without polling", async () => {
    await expect(run(readExact(untouchable, EMPTY))).resolves.toBeUndefined();
    await expect(run(writeAll(untouchable, EMPTY))).resolves.toBeUndefined();
  });

  it("copy from a reader that ends at once writes nothing and flushes once", async () => {
    const calls: string[] = [];
    const writer = {
      pollWrite(_cx: Context, buf: Uint8Array): Poll<number> {
        calls.push(`write ${buf.length}`);
        return buf.length;
      },
      pollFlush(): Poll<void> {
        calls.push("flush");
        return undefined;
      },
      pollShutdown(): Poll<void> {
        calls.push("shutdown");
        return undefined;
      },
    };
    const ended = { pollRead: (_cx: Context, _buf: Uint8Array): Poll<number> => 0 };
    await expect(run(copy(ended, writer))).resolves.toBe(0);
    expect(calls).toEqual(["flush"]);
  });

  it("over TCP: an empty read answers 0 while no byte has come, and the bytes wait for the next read", async () => {
    const got = await withPair(function* (client, server) {
      const empty = yield* read(server, EMPTY); // nothing sent yet: a wait here would hang
      yield* writeAll(client, new Uint8Array([1, 2, 3]));
      yield* client.shutdown();
      const rest = yield* readToEnd(server);
      return { empty, rest: [...rest] };
    });
    expect(got).toEqual({ empty: 0, rest: [1, 2, 3] });
  });

  it("over TCP: readExact of nothing succeeds at the end of the stream, writeAll of nothing after shutdown", async () => {
    const got = await withPair(function* (client, server) {
      yield* client.shutdown();
      expect(yield* read(server, new Uint8Array(4))).toBe(0); // the end has arrived
      yield* readExact(server, EMPTY); // no UnexpectedEof: nothing was asked for
      yield* writeAll(client, EMPTY); // no BrokenPipe: nothing was written
      return "done";
    });
    expect(got).toBe("done");
  });

  it("over TCP: copy of a peer that sends nothing copies 0 bytes and the other side reads the end", async () => {
    const got = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind("127.0.0.1:0");
        using client = yield* TcpStream.connect(listener.localAddr());
        using server = yield* listener.accept();
        yield* client.shutdown();
        const copied = yield* copy(server, server); // an echo of nothing
        yield* server.shutdown();
        const echoed = yield* readToEnd(client);
        return { copied, echoed: echoed.length };
      }),
    );
    expect(got).toEqual({ copied: 0, echoed: 0 });
  });
});
