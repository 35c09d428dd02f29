/**
 * Bug hunt in duplex against tokio's `io::duplex` and Brigade's own `TcpStream`: an end disposed
 * while a future of its own is parked on it (the other half of a split, another task) must wake
 * that future, which then fails clearly, rather than wait for the other end to act; and a tube
 * whose reader is always a little behind must not keep a slot for every write it ever took.
 */
import { describe, expect, it } from "vitest";
import { duplex } from "../src/io/duplex.js";
import { IoError } from "../src/io/error.js";
import { read } from "../src/io/read.js";
import { split } from "../src/io/split.js";
import { writeAll } from "../src/io/write.js";
import { MockTask, PENDING } from "./future-testkit.js";

/** What a poll threw, as `kind: message` for an IoError. */
function failure(poll: () => unknown): string {
  try {
    return `ready ${String(poll())}`;
  } catch (e) {
    return e instanceof IoError
      ? `${e.kind}: ${e.message}`
      : `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe("a duplex end disposed under its own parked future", () => {
  it("a read parked on an end (the other end sends nothing) is woken when that end is disposed, and its next poll throws NotConnected", () => {
    const [a, b] = duplex(16);
    const task = new MockTask(read(a, new Uint8Array(8)));
    expect(task.poll()).toBe(PENDING);
    a[Symbol.dispose]();
    // Before the fix nothing woke it: it waited for b, which may never write again.
    expect(task.isWoken()).toBe(true);
    expect(failure(() => task.poll())).toBe(
      "NotConnected: duplex stream: read after the stream was disposed",
    );
    b[Symbol.dispose]();
  });

  it("a writeAll parked on a full tube (the other end reads nothing) is woken when its end is disposed, and its next poll throws NotConnected, as a disposed TcpStream's", () => {
    const [a, b] = duplex(16);
    const task = new MockTask(writeAll(a, new Uint8Array(64)));
    expect(task.poll()).toBe(PENDING); // 16 bytes in, the tube is full
    a[Symbol.dispose]();
    expect(task.isWoken()).toBe(true);
    expect(failure(() => task.poll())).toBe(
      "NotConnected: duplex stream: write after the stream was disposed",
    );
    b[Symbol.dispose]();
  });

  it("split halves of an end, one task reading, one writing: disposing both halves wakes both, as a TcpStream's do", () => {
    const [a, b] = duplex(4);
    const [rd, wr] = split(a);
    const reader = new MockTask(read(rd, new Uint8Array(8)));
    const writer = new MockTask(writeAll(wr, new Uint8Array(8)));
    expect(reader.poll()).toBe(PENDING);
    expect(writer.poll()).toBe(PENDING);
    wr[Symbol.dispose]();
    rd[Symbol.dispose](); // the last half: `a` is disposed
    expect([reader.isWoken(), writer.isWoken()]).toEqual([true, true]);
    expect(failure(() => reader.poll())).toBe("TypeError: ReadHalf was used after it was disposed");
    expect(failure(() => writer.poll())).toBe(
      "TypeError: WriteHalf was used after it was disposed",
    );
    b[Symbol.dispose]();
  });

  it("the read half alone is disposed under its parked read, the write half still alive: the read is woken and fails with the half's TypeError; the end stays open for the write half", () => {
    const [a, b] = duplex(4);
    const [rd, wr] = split(a);
    const reader = new MockTask(read(rd, new Uint8Array(8)));
    expect(reader.poll()).toBe(PENDING);
    rd[Symbol.dispose]();
    expect(reader.isWoken()).toBe(true);
    expect(failure(() => reader.poll())).toBe("TypeError: ReadHalf was used after it was disposed");
    const writer = new MockTask(writeAll(wr, new Uint8Array([7])));
    expect(writer.poll()).toBe(undefined); // written: a is still open
    const got = new MockTask(read(b, new Uint8Array(4)));
    expect(got.poll()).toBe(1);
    wr[Symbol.dispose]();
    b[Symbol.dispose]();
  });
});

describe("a duplex tube that never quite empties", () => {
  it("20,000 one-byte writes, each read but one byte behind: the tube holds one ring of at most its capacity, where it once grew by one slot per write", () => {
    const [a, b] = duplex(16);
    const one = new Uint8Array([1]);
    const buf = new Uint8Array(1);
    const w = new MockTask(writeAll(a, one));
    expect(w.poll()).toBe(undefined); // one byte always waits in the tube
    let read1 = 0;
    for (let i = 0; i < 20_000; i++) {
      expect(new MockTask(writeAll(a, one)).poll()).toBe(undefined);
      read1 += new MockTask(read(b, buf)).poll() as number;
    }
    const tube = (b as unknown as { incoming: { store: Uint8Array; length: number } }).incoming;
    expect(read1).toBe(20_000);
    expect(tube.length).toBe(1);
    expect(tube.store.length).toBeLessThanOrEqual(16);
    a[Symbol.dispose]();
    b[Symbol.dispose]();
  });
});
