/**
 * stdin(), stdout() and stderr(): a child program written with them (test/fixtures/stdio-child.ts),
 * driven through Brigade's own `Command`, reads its input line by line, answers on stdout and
 * reports on stderr; and once it stops reading, it exits although its stdin is still open (the
 * handles do not own the streams, and let them go paused).
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Command } from "../src/io/process/command.js";
import { readToEnd } from "../src/io/read.js";
import { shutdown, writeAll } from "../src/io/write.js";
import { run } from "../src/runtime/runtime.js";

const CHILD = fileURLToPath(new URL("./fixtures/stdio-child.ts", import.meta.url));
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const child = (mode: string) =>
  new Command(process.execPath)
    .args(["--import", "tsx", CHILD, mode])
    .stdin("piped")
    .stdout("piped")
    .stderr("piped")
    .killOnDrop(true);

describe("stdin, stdout and stderr", () => {
  it("a program reads its stdin line by line and answers on stdout, then reports on stderr", async () => {
    const orders = Array.from({ length: 2000 }, (_, i) => `order ${i}: soup`);
    const [out, err, status] = await run(
      asyncBlock(function* () {
        using c = child("upper").spawn();
        const stdin = c.stdin!;
        c.stdin = null;
        return yield* join(
          readToEnd(c.stdout!),
          readToEnd(c.stderr!),
          asyncBlock(function* () {
            yield* writeAll(stdin, new TextEncoder().encode(`${orders.join("\n")}\n`));
            yield* shutdown(stdin);
            return yield* c.wait();
          }),
        );
      }),
    );
    expect(status.success()).toBe(true);
    expect(text(out)).toBe(`${orders.map((o) => o.toUpperCase()).join("\n")}\n`);
    expect(text(err)).toBe("served 2000\n");
  }, 30_000);

  it("a program that stops reading exits although its stdin stays open", async () => {
    const [out, status] = await run(
      asyncBlock(function* () {
        using c = child("one-line").spawn();
        // Kept open, outside the Child: wait() does not close it.
        using stdin = c.stdin!;
        c.stdin = null;
        yield* writeAll(stdin, new TextEncoder().encode("first\nsecond\n"));
        return yield* join(readToEnd(c.stdout!), c.wait());
      }),
    );
    expect(text(out)).toBe("first\n");
    expect(status.success()).toBe(true);
  }, 30_000);
});
