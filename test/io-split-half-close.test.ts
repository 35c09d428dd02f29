/**
 * Disposing the write half of a split while the read half lives half-closes the stream, as dropping
 * tokio's `OwnedWriteHalf` does: the peer reads what was written, then the end, and can still
 * answer on the read half.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, run } from "../src/index.js";
import {
  duplex,
  netMetrics,
  read,
  readToEnd,
  split,
  TcpListener,
  TcpStream,
  writeAll,
} from "../src/node.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("a write half disposed while its read half lives", () => {
  it("over TCP: the server reads the order, then the end; its answer still reaches the client's read half", async () => {
    const out = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        try {
          const client = yield* TcpStream.connect(listener.localAddr());
          const conn = yield* listener.accept();
          const [rd, wr] = split(client);
          try {
            yield* writeAll(wr, enc("two soups"));
            wr[Symbol.dispose]();
            // readToEnd ends only at the client's FIN: the disposal sent it.
            const order = dec(yield* readToEnd(conn));
            yield* conn.writeAll(enc(`coming: ${order}`));
            yield* conn.shutdown();
            return dec(yield* readToEnd(rd));
          } finally {
            rd[Symbol.dispose]();
            wr[Symbol.dispose]();
            conn[Symbol.dispose]();
          }
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(out).toBe("coming: two soups");
    for (let i = 0; i < 400 && netMetrics().liveSockets > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(netMetrics()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });

  it("over a duplex: the other end reads what was written, then the end, and can still answer", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        const [rd, wr] = split(a);
        yield* writeAll(wr, enc("tea"));
        wr[Symbol.dispose]();
        const got = dec(yield* readToEnd(b));
        yield* writeAll(b, enc("ok"));
        const buf = new Uint8Array(8);
        const n = yield* read(rd, buf);
        rd[Symbol.dispose]();
        b[Symbol.dispose]();
        return [got, dec(buf.subarray(0, n))];
      }),
    );
    expect(out).toEqual(["tea", "ok"]);
  });
});
