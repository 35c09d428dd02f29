import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { duplex } from "../src/io/duplex.js";
import { readExact } from "../src/io/read.js";
import { writeAll } from "../src/io/write.js";
import { run } from "../src/runtime/runtime.js";

describe("what an I/O future tells deadlock reports", () => {
  it("a writeAll into a full duplex nobody reads is named as the call, not as a future Brigade cannot look into", async () => {
    const err = await run(
      asyncBlock(function* main() {
        const [mine, theirs] = duplex(4);
        yield* writeAll(mine, new Uint8Array(16));
        void theirs;
      }),
    ).catch((e: unknown) => e as Error);
    expect(String(err)).toContain("main → main → writeAll()");
    expect(String(err)).not.toContain("cannot look into");
  });

  it("a readExact that waits for bytes nobody sends is named as the call", async () => {
    const err = await run(
      asyncBlock(function* main() {
        const [mine, theirs] = duplex(4);
        yield* readExact(mine, new Uint8Array(2));
        void theirs;
      }),
    ).catch((e: unknown) => e as Error);
    expect(String(err)).toContain("main → main → readExact()");
  });
});
