/**
 * `BufReader.fillBuf()` (tokio's `fill_buf`): a future of the buffered bytes. Dropped while it
 * waits, it reads nothing away and takes its wait back, so the runtime's I/O-wait count returns to
 * zero (a `pollFn` around `pollFillBuf` could not take it back).
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, Runtime, race, run, sleep } from "../src/index.js";
import { BufReader, duplex, TcpListener, TcpStream, writeAll } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("BufReader.fillBuf()", () => {
  it("gives the buffered bytes, keeps what is not consumed for the next call, and an empty view at the end", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        yield* writeAll(a, bytes("GET /soup\nrest"));
        a[Symbol.dispose]();
        const reader = new BufReader(b, 16);
        const out: string[] = [];
        const first = yield* reader.fillBuf();
        out.push(text(first));
        reader.consume(first.indexOf(0x0a) + 1);
        out.push(text(yield* reader.fillBuf())); // the rest, from the buffer
        reader.consume(4);
        out.push(`end: ${(yield* reader.fillBuf()).length}`);
        return out;
      }),
    );
    expect(got).toEqual(["GET /soup\nrest", "rest", "end: 0"]);
  });

  it("dropped while it waits on a socket (a race lost to a sleep), it loses no byte and the I/O-wait count is back to zero", async () => {
    const rt = new Runtime();
    try {
      const out = await rt.spawn(
        asyncBlock(function* () {
          using listener = yield* TcpListener.bind("127.0.0.1:0");
          using client = yield* TcpStream.connect(listener.localAddr());
          using server = yield* listener.accept();
          const reader = new BufReader(server);
          const lost = yield* race(reader.fillBuf(), sleep(5));
          const waits = Runtime.current().metrics().ioWaits;
          yield* writeAll(client, bytes("order up"));
          const later = text(yield* reader.fillBuf());
          return { lost, waits, later };
        }),
      );
      expect(out).toEqual({ lost: undefined, waits: 0, later: "order up" });
    } finally {
      await rt.shutdown();
    }
  });

  it("is named in a dump while it waits", async () => {
    const rt = new Runtime();
    const [, b] = duplex(8);
    const reader = new BufReader(b);
    rt.spawn(
      asyncBlock(function* waiter() {
        yield* reader.fillBuf();
      }),
      { name: "waiter" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain("fillBuf()");
    await rt.shutdown();
  });
});
