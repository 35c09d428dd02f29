import { describe, expect, it } from "vitest";
import { Context } from "../src/future/context.js";
import type { Poll } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { BufReader } from "../src/io/buf-reader.js";
import { IoError } from "../src/io/error.js";
import { DONE, iter } from "../src/stream/index.js";

/** A reader that gives `text` once, then fails as a reset socket does: on every read after. */
class ResetAfter {
  reads = 0;
  private sent = false;
  constructor(private readonly text: string) {}
  pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
    this.reads++;
    if (!this.sent) {
      this.sent = true;
      const bytes = new TextEncoder().encode(this.text);
      buf.set(bytes);
      return bytes.length;
    }
    throw new IoError("ConnectionReset", "tcp stream failed: the peer reset the connection");
  }
}

const cx = new Context(Waker.noop());

/** Every item, or the message of the error thrown in its place, until DONE (at most 20). */
function drain(s: { pollNext(cx: Context): unknown }): string[] {
  const out: string[] = [];
  for (let i = 0; i < 20; i++) {
    try {
      const r = s.pollNext(cx);
      if (r === DONE) return out;
      out.push(String(r));
    } catch (e) {
      out.push(`error: ${(e as IoError).kind}`);
    }
  }
  out.push("(did not end)");
  return out;
}

describe("lines() over a reader that fails for good", () => {
  it("throws the reader's error once, then ends, rather than throw it at every poll", () => {
    const reader = new ResetAfter("soup\nsal");
    expect(drain(new BufReader(reader).lines())).toEqual(["soup", "error: ConnectionReset"]);
  });

  it("flatMapUnordered over connections' lines frees the place of one that was reset", () => {
    const readers = [new ResetAfter("a1\n"), new ResetAfter("b1\n")];
    const lines = iter(readers).flatMapUnordered(1, (r) => new BufReader(r).lines());
    expect(drain(lines)).toEqual(["a1", "error: ConnectionReset", "b1", "error: ConnectionReset"]);
  });
});
