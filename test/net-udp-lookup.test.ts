/**
 * `lookupHost` (tokio's `lookup_host`) on the system resolver: "localhost" resolves to loopback
 * addresses carrying the port; an IP address resolves to itself; a `.invalid` name (RFC 6761: never
 * resolves) fails with an `IoError` of kind "NotFound"; bad arguments are refused at the call. It is
 * lazy, holds the paused clock while the resolver works (it always answers), and dropped mid-flight
 * it closes its bridge and lets the answer go.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, Runtime, race, run, select, sleep, yieldNow } from "../src/index.js";
import { IoError, lookupHost } from "../src/node.js";

describe("lookupHost", () => {
  it("localhost resolves to loopback addresses, each with the port asked for", async () => {
    const addrs = await run(
      asyncBlock(function* () {
        return yield* lookupHost("localhost", 8080);
      }),
    );
    expect(addrs.length).toBeGreaterThan(0);
    for (const a of addrs) {
      expect(a.ip === "::1" || a.ip.startsWith("127.")).toBe(true);
      expect(a.port).toBe(8080);
    }
  });

  it('takes tokio\'s "host:port" and "[v6]:port" forms when no port is given, and a bare name with port 0', async () => {
    const got = await run(
      asyncBlock(function* () {
        const named = yield* lookupHost("localhost:53");
        const v6 = yield* lookupHost("[::1]:80");
        const bare = yield* lookupHost("127.0.0.1");
        const literal = yield* lookupHost("::1", 7);
        return [named[0]!.port, v6.map(String), bare.map(String), literal.map(String)];
      }),
    );
    expect(got).toEqual([53, ["[::1]:80"], ["127.0.0.1:0"], ["[::1]:7"]]);
  });

  it("a .invalid name fails with an IoError of kind NotFound, code ENOTFOUND, naming the host", async () => {
    const error = await run(
      asyncBlock(function* () {
        try {
          yield* lookupHost("no-such-kitchen.invalid", 80);
          return null;
        } catch (e) {
          return e;
        }
      }),
    );
    expect(error).toBeInstanceOf(IoError);
    const e = error as IoError;
    expect([e.kind, e.code, e.message]).toEqual([
      "NotFound",
      "ENOTFOUND",
      'lookupHost("no-such-kitchen.invalid") failed: no such host is known (ENOTFOUND)',
    ]);
  });

  it("bad arguments are refused at the call, naming the argument and the rule", () => {
    expect(() => lookupHost("")).toThrow(
      new TypeError('lookupHost(host, port): host must be a non-empty string, got ""'),
    );
    expect(() => lookupHost(5 as never)).toThrow(
      new TypeError("lookupHost(host, port): host must be a non-empty string, got number"),
    );
    expect(() => lookupHost("localhost", 70_000)).toThrow(
      new RangeError(
        "lookupHost(host, port): the port must be an integer from 0 to 65535, got 70000",
      ),
    );
    expect(() => lookupHost("localhost", "80" as never)).toThrow(TypeError);
  });

  it("nothing is asked before the first poll; polled, it is an open bridge until the answer, and dropped mid-flight it closes the bridge", async () => {
    const rt = new Runtime();
    try {
      const seen = await rt.spawn(
        asyncBlock(function* () {
          const lazy = lookupHost("localhost");
          const seen: unknown[] = [rt.metrics().pendingBridges];
          lazy[Symbol.dispose]();
          {
            using sel = yield* select(lookupHost("localhost"), yieldNow());
            seen.push(sel.index, rt.metrics().pendingBridges);
          }
          seen.push(rt.metrics().pendingBridges);
          return seen;
        }),
      );
      expect(seen).toEqual([0, 1, 1, 0]);
    } finally {
      await rt.shutdown();
    }
  });

  it("on the paused clock, a lookup beside a 10 s sleep wins: the clock waits for the resolver", async () => {
    const winner = await run(
      asyncBlock(function* () {
        return yield* race(
          asyncBlock(function* () {
            yield* lookupHost("localhost");
            return "resolved";
          }),
          asyncBlock(function* () {
            yield* sleep(10_000);
            return "slept";
          }),
        );
      }),
      { clock: "paused" },
    );
    expect(winner).toBe("resolved");
  });
});
