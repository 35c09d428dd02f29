/**
 * What a BufReader and a BufWriter do when disposed: the reader lets its buffered, unread bytes go
 * (a read after it meets the inner stream's own answer, `NotConnected`, instead of leftovers), and
 * the writer disposes its inner writer once however often it is disposed itself.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, run } from "../src/index.js";
import type { AsyncWrite } from "../src/io/traits.js";
import { BufReader, BufWriter, duplex, type IoError, read, writeAll } from "../src/node.js";

describe("BufReader and BufWriter, disposed", () => {
  it("a BufReader that buffered six bytes and handed out two, once disposed, gives NotConnected at the next read, not the other four", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        yield* writeAll(a, new TextEncoder().encode("abcdef"));
        const reader = new BufReader(b);
        const two = new Uint8Array(2);
        const n = yield* read(reader, two);
        const buffered = (yield* reader.fillBuf()).length;
        reader[Symbol.dispose]();
        let after: string;
        try {
          after = `read ${yield* read(reader, new Uint8Array(8))}`;
        } catch (e) {
          after = (e as IoError).kind;
        }
        a[Symbol.dispose]();
        return { first: new TextDecoder().decode(two.subarray(0, n)), buffered, after };
      }),
    );
    expect(out).toEqual({ first: "ab", buffered: 4, after: "NotConnected" });
  });

  it("a BufWriter disposed twice disposes its inner writer once", () => {
    let disposed = 0;
    const inner: AsyncWrite & Disposable = {
      pollWrite: (_cx, buf) => buf.length,
      pollFlush: () => undefined,
      pollShutdown: () => undefined,
      [Symbol.dispose]: () => {
        disposed++;
      },
    };
    const w = new BufWriter(inner);
    w[Symbol.dispose]();
    w[Symbol.dispose]();
    expect(disposed).toBe(1);
  });
});
