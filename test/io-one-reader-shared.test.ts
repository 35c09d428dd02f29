/**
 * The one-reader rule when the object parked is the same in both tasks: a stream over a reader
 * (BufReader's lines(), Framed) polled by a consumer parks as the stream itself, so two tasks
 * consuming one stream park as one registrant; one read future spawned into two tasks by mistake
 * likewise. The second task is refused all the same (were it let through, it would take the
 * first's pager and the first would sleep for good).
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, run, sleep, spawn } from "../src/index.js";
import { BufReader, duplex, Framed, LinesCodec, read, writeAll } from "../src/node.js";
import { refusal } from "./one-reader-testkit.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("two tasks consuming one stream over a reader", () => {
  it("two tasks take the next line of one BufReader's lines() through map(): the second is refused, and the first gets its line", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        const lines = new BufReader(b).lines().map((s) => s.toUpperCase());
        const first = spawn(lines.next(), { name: "first" });
        yield* sleep(1);
        const second = spawn(lines.next(), { name: "second" });
        const refused = yield* refusal(second);
        yield* writeAll(a, bytes("one\n"));
        return { refused, line: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(/^duplex stream read in task 'second'/);
    expect(out.line).toBe("ONE");
  });

  it("two tasks take the next frame of one Framed through filter(): the second is refused, and the first gets its line", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        const framed = new Framed(b, new LinesCodec()).filter((s) => s.length > 0);
        const first = spawn(framed.next(), { name: "first" });
        yield* sleep(1);
        const second = spawn(framed.next(), { name: "second" });
        const refused = yield* refusal(second);
        yield* writeAll(a, bytes("one\n"));
        return { refused, line: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(/^duplex stream read in task 'second'/);
    expect(out.line).toBe("one");
  });

  it("one read future spawned into two tasks: the second task is refused, and the first gets the bytes", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        const shared = read(b, new Uint8Array(8));
        const first = spawn(shared, { name: "first" });
        yield* sleep(1);
        const second = spawn(shared, { name: "second" });
        yield* sleep(1);
        yield* writeAll(a, bytes("hi"));
        const refused = yield* refusal(second);
        return { refused, n: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(/^duplex stream read in task 'second'/);
    expect(out.n).toBe(2);
  });
});
