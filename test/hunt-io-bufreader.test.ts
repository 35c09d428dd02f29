/**
 * Bug hunt in BufReader over real loopback sockets (tokio's `BufReader` and `AsyncBufReadExt` as
 * the reference): a bad `consume` count, a zero-length read on an idle connection, `maxLength` on
 * a last line that ends in `\r`, and `\r\n` split across chunks at every buffer capacity.
 */
import { describe, expect, it } from "vitest";
import { fromPromise, PENDING } from "../src/index.js";
import { BufReader, IoError, read } from "../src/node.js";
import { MockTask } from "./future-testkit.js";
import { expectNoSocketsLeft, withPair } from "./net-testkit.js";

expectNoSocketsLeft();

const text = new TextEncoder();

/** Let the loopback deliver what was written (the peer's bytes reach its receive queue). */
const settle = () => fromPromise(() => new Promise((r) => setTimeout(r, 20)));

describe("BufReader.consume", () => {
  it("a negative, fractional or NaN count is refused with a RangeError naming n, and the buffered bytes stay where they were", async () => {
    const out = await withPair(function* (client, server) {
      yield* client.writeAll(text.encode("abcdef"));
      yield* settle();
      const reader = new BufReader(server);
      const first = new Uint8Array(2);
      yield* read(reader, first); // "ab"; "cdef" stays buffered
      const errors: string[] = [];
      for (const n of [-2, 1.5, Number.NaN]) {
        try {
          reader.consume(n);
          errors.push(`consume(${n}) accepted`);
        } catch (e) {
          errors.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      }
      const rest = new Uint8Array(8);
      const n = yield* read(reader, rest);
      return { errors, first: [...first], rest: new TextDecoder().decode(rest.subarray(0, n)) };
    });
    expect(out.errors).toEqual([
      "RangeError: reader.consume(n): n must be an integer of at least 0, got -2",
      "RangeError: reader.consume(n): n must be an integer of at least 0, got 1.5",
      "RangeError: reader.consume(n): n must be an integer of at least 0, got NaN",
    ]);
    expect(out.first).toEqual([97, 98]);
    // Before the fix, consume(-2) moved back over "ab" and this read returned "abcdef".
    expect(out.rest).toBe("cdef");
  });
});

describe("BufReader.pollRead", () => {
  it("a zero-length read on an idle connection is ready with 0 at its first poll, parks nothing, and the peer's next bytes are still read whole", async () => {
    const out = await withPair(function* (client, server) {
      const reader = new BufReader(server);
      const task = new MockTask(read(reader, new Uint8Array(0)));
      const first = task.poll(); // before the fix: PENDING until the peer sent something
      yield* client.writeAll(text.encode("later"));
      yield* settle();
      const buf = new Uint8Array(16);
      const n = yield* read(reader, buf);
      return {
        first,
        wakes: task.wakes,
        later: new TextDecoder().decode(buf.subarray(0, n)),
      };
    });
    expect(out.first).not.toBe(PENDING);
    expect(out.first).toBe(0);
    expect(out.wakes).toBe(0);
    expect(out.later).toBe("later");
  });
});

describe("BufReader lines over a socket", () => {
  it("a last line 'abc\\r' (no newline, the peer then shuts down) is longer than maxLength 3: readLine throws InvalidData, then returns null", async () => {
    const out = await withPair(function* (client, server) {
      yield* client.writeAll(text.encode("ok\r\nabc\r"));
      yield* client.shutdown();
      const reader = new BufReader(server);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          got.push(JSON.stringify(yield* reader.readLine({ maxLength: 3 })));
        } catch (e) {
          got.push(e instanceof IoError ? `${e.kind}: ${e.message}` : String(e));
        }
      }
      return got;
    });
    // Before the fix the second line came back as "abc\r": four bytes under a limit of three.
    expect(out).toEqual([
      '"ok"',
      "InvalidData: BufReader: a line longer than 3 bytes (options.maxLength)",
      "null",
    ]);
  });

  it("lines({ maxLength: 3 }) refuses a last 'abc\\r' the same way and then ends; 'abc\\r\\n' and a last 'ab\\r' pass", async () => {
    const out = await withPair(function* (client, server) {
      yield* client.writeAll(text.encode("abc\r\nab\r\nabc\r"));
      yield* client.shutdown();
      const lines = new BufReader(server).lines({ maxLength: 3 });
      const got: string[] = [];
      for (let i = 0; i < 4; i++) {
        try {
          const line = yield* lines.next();
          got.push(typeof line === "string" ? JSON.stringify(line) : "DONE");
        } catch (e) {
          got.push((e as IoError).kind);
        }
      }
      return got;
    });
    expect(out).toEqual(['"abc"', '"ab"', "InvalidData", "DONE"]);
  });

  it("readLine joins lines whose \\r\\n is split between reads, for every buffer capacity from 1 to 9", async () => {
    const lines = ["", "a", "héllo", "x\ry", "a long line of text", "z"];
    const wire = `${lines.join("\r\n")}\r\n`;
    for (let capacity = 1; capacity <= 9; capacity++) {
      const out = await withPair(function* (client, server) {
        // Written in pieces of 3 bytes with a pause between, so reads end at many places.
        const bytes = text.encode(wire);
        for (let at = 0; at < bytes.length; at += 3) {
          yield* client.writeAll(bytes.subarray(at, at + 3));
          if (at % 9 === 0) yield* settle();
        }
        yield* client.shutdown();
        const reader = new BufReader(server, capacity);
        const got: (string | null)[] = [];
        for (let line = yield* reader.readLine(); line !== null; line = yield* reader.readLine()) {
          got.push(line);
        }
        return got;
      });
      expect({ capacity, out }).toEqual({ capacity, out: lines });
    }
  });
});
