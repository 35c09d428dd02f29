/**
 * A socket's read(buf) and write(buf) check their buffer when called, before anything is polled,
 * and the TypeError names the method the caller used (stream.read / stream.write).
 */
import { describe, expect, it } from "vitest";
import { expectNoSocketsLeft, withPair } from "./net-testkit.js";

expectNoSocketsLeft();

describe("a socket's read and write check their buffer", () => {
  it("stream.read with a string is a TypeError naming stream.read(buf), thrown at the call", async () => {
    const message = await withPair(function* (client) {
      yield* [];
      try {
        client.read("menu" as unknown as Uint8Array);
        return "no error";
      } catch (e) {
        return e instanceof TypeError ? e.message : `not a TypeError: ${String(e)}`;
      }
    });
    expect(message).toBe("stream.read(buf): buf must be a Uint8Array (or Buffer), got string");
  });

  it("stream.write with null is a TypeError naming stream.write(buf), thrown at the call", async () => {
    const message = await withPair(function* (_client, server) {
      yield* [];
      try {
        server.write(null as unknown as Uint8Array);
        return "no error";
      } catch (e) {
        return e instanceof TypeError ? e.message : `not a TypeError: ${String(e)}`;
      }
    });
    expect(message).toBe("stream.write(buf): buf must be a Uint8Array (or Buffer), got null");
  });
});
