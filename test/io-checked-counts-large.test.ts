/**
 * A count of 2^32 or more into a buffer larger than 4 GiB is legal and accepted (the check once
 * used `n >>> 0 === n`, which refused it: a review found it). A Uint8Array whose `length` reports
 * 2^32 + 16 stands in for the big buffer (allocating 4 GiB is not possible here).
 */
import { expect, test } from "vitest";
import { asyncBlock, run } from "../src/index.js";
import { read, write } from "../src/node.js";

class Huge extends Uint8Array {
  override get length(): number {
    return 2 ** 32 + 16;
  }
}

test("a count of 2^32 into a buffer of more than 4 GiB is accepted", async () => {
  const reader = { pollRead: (_cx: unknown, _buf: Uint8Array) => 2 ** 32 };
  const n = await run(
    asyncBlock(function* () {
      return yield* read(reader as never, new Huge(8));
    }),
    { clock: "paused" },
  );
  expect(n).toBe(2 ** 32);
});

test("a writer that takes 2^32 bytes of a buffer of more than 4 GiB is accepted", async () => {
  const writer = {
    pollWrite: (_cx: unknown, _buf: Uint8Array) => 2 ** 32,
    pollFlush: () => undefined,
    pollShutdown: () => undefined,
  };
  const n = await run(
    asyncBlock(function* () {
      return yield* write(writer as never, new Huge(8));
    }),
    { clock: "paused" },
  );
  expect(n).toBe(2 ** 32);
});
