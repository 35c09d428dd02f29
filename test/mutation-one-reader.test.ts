/**
 * Tests written from a mutation run over the one-reader rule (src/channel/one-reader.ts and the
 * parking code that calls it in chan.ts and io/duplex.ts): each pins down a behaviour the rest of
 * the suite let change unnoticed (the run's notes are in scratch/mutation/).
 */
import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { Context } from "../src/future/context.js";
import { pollFn } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { asyncBlock, joinAll, race, run, sleep, spawn } from "../src/index.js";
import { duplex, read, readToEnd, TcpListener, TcpStream, writeAll } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";
import { refusal } from "./one-reader-testkit.js";

expectNoSocketsLeft();

/** A context whose waker counts its wakes (owner: the waker, as for any hand poll). */
function countingContext(): { cx: Context; wakes: () => number } {
  let n = 0;
  const cx = new Context(
    Waker.from(() => {
      n++;
    }),
  );
  return { cx, wakes: () => n };
}

describe("one reader at a time: what the rule leaves alone", () => {
  it("a recv() polled by hand waits, then a task waits on the same receiver: the task is not refused and gets the message", async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const byHand = rx.recv();
    const { cx } = countingContext();
    expect(byHand.poll(cx)).toBe(PENDING);
    const got = await run(
      asyncBlock(function* () {
        const reader = spawn(rx.recv(), { name: "reader" });
        yield* sleep(1);
        yield* tx.send(7);
        return yield* reader;
      }),
      { clock: "paused" },
    );
    expect(got).toBe(7);
    byHand[Symbol.dispose]();
  });

  it("a task waits on a receiver, then a recv() polled by hand waits too: the hand poll is not refused and takes the pager", async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const out = await run(
      asyncBlock(function* () {
        const reader = spawn(
          race(
            rx.recv(),
            asyncBlock(function* () {
              yield* sleep(10);
              return "timed out";
            }),
          ),
          { name: "reader" },
        );
        yield* sleep(1);
        const byHand = rx.recv();
        const { cx, wakes } = countingContext();
        const first = byHand.poll(cx);
        tx.trySend(3);
        const woken = wakes();
        const second = byHand.poll(cx);
        const raced = yield* reader;
        return { first, woken, second, raced };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ first: PENDING, woken: 1, second: 3, raced: "timed out" });
  });

  it("one task's two recv()s inside a joinAll (each with its own waker) are not refused: the later one gets the message", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const waiter = spawn(
          race(
            joinAll([
              rx.recv(),
              asyncBlock(function* () {
                yield* sleep(1);
                return yield* rx.recv();
              }),
            ]),
            asyncBlock(function* () {
              yield* sleep(5);
              return { leftOver: rx.tryRecv() };
            }),
          ),
          { name: "waiter" },
        );
        yield* sleep(2);
        tx.trySend(1);
        return yield* waiter;
      }),
      { clock: "paused" },
    );
    // The later recv() took the message; the earlier one (asleep) keeps the joinAll waiting.
    expect(out).toEqual({ leftOver: undefined });
  });
});

describe("one reader at a time: what the rule refuses", () => {
  it("a task waits on a receiver inside a joinAll (a branch's waker), then a second task waits: the second is refused naming the first", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const first = spawn(joinAll<unknown>([rx.recv(), sleep(20)]), { name: "first" });
        yield* sleep(1);
        const second = spawn(rx.recv(), { name: "second" });
        const refused = yield* refusal(second);
        tx.trySend(5);
        const [got] = yield* first;
        return { refused, got };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(
      /^mpsc rx\.recv\(\) in task 'second': this receiver is already waited on by task 'first'/,
    );
    expect(out.got).toBe(5);
  });
});

describe("a dropped wait gives its pager back, and only its own", () => {
  it("a recv() waits, a newer recv() takes the pager, the older is dropped, then a message comes: the newer is woken and gets it", () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const older = rx.recv();
    const newer = rx.recv();
    const a = countingContext();
    const b = countingContext();
    expect(older.poll(a.cx)).toBe(PENDING);
    expect(newer.poll(b.cx)).toBe(PENDING);
    older[Symbol.dispose]();
    tx.trySend(9);
    expect(b.wakes()).toBe(1);
    expect(newer.poll(b.cx)).toBe(9);
    expect(a.wakes()).toBe(0);
  });

  it("a task's write waits for room on a full pipe end and is dropped by a race, the task lives on, then another task writes: it is not refused and its bytes arrive after the first's", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(4);
        const first = spawn(
          asyncBlock(function* () {
            const r = yield* race(
              writeAll(a, new Uint8Array(8).fill(1)),
              asyncBlock(function* () {
                yield* sleep(5);
                return "timed out";
              }),
            );
            yield* sleep(100);
            return r;
          }),
          { name: "first writer" },
        );
        yield* sleep(10);
        const second = spawn(writeAll(a, new Uint8Array(3).fill(2)), { name: "second writer" });
        yield* sleep(1);
        const reader = spawn(readToEnd(b));
        const refused = yield* refusal(second);
        a[Symbol.dispose]();
        const raced = yield* first;
        return { refused, raced, got: [...(yield* reader)] };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ refused: null, raced: "timed out", got: [1, 1, 1, 1, 2, 2, 2] });
  });
});

describe("a wait that cannot take itself back is no one's", () => {
  it("a task's hand-made read (a pollFn, no registrant) loses a race and the task lives on, then another task reads the same pipe end: it is not refused and gets the bytes", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        const first = spawn(
          asyncBlock(function* () {
            const buf = new Uint8Array(4);
            const r = yield* race(
              pollFn((cx) => b.pollRead(cx, buf)),
              asyncBlock(function* () {
                yield* sleep(5);
                return "timed out";
              }),
            );
            yield* sleep(100);
            return r;
          }),
          { name: "first" },
        );
        yield* sleep(10);
        const second = spawn(read(b, new Uint8Array(4)), { name: "second" });
        yield* sleep(1);
        yield* writeAll(a, new Uint8Array([1, 2]));
        const refused = yield* refusal(second);
        return { refused, raced: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ refused: null, raced: "timed out" });
  });
});

describe("a write that cannot take itself back is no one's either", () => {
  it("a task's hand-made write (a pollFn, no registrant) to a full pipe end loses a race and the task lives on, then another task writes: it is not refused, and its bytes arrive", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(2);
        yield* writeAll(a, new Uint8Array([9, 9])); // the pipe is full
        const first = spawn(
          asyncBlock(function* () {
            const r = yield* race(
              pollFn((cx) => a.pollWrite(cx, new Uint8Array([1]))),
              asyncBlock(function* () {
                yield* sleep(5);
                return "timed out";
              }),
            );
            yield* sleep(100);
            return r;
          }),
          { name: "first" },
        );
        yield* sleep(10);
        const second = spawn(writeAll(a, new Uint8Array([2, 2])), { name: "second" });
        yield* sleep(1);
        const got: number[] = [];
        const buf = new Uint8Array(4);
        while (got.length < 4) {
          const n = yield* read(b, buf);
          got.push(...buf.subarray(0, n));
        }
        const refused = yield* refusal(second);
        return { refused, raced: yield* first, got };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ refused: null, raced: "timed out", got: [9, 9, 2, 2] });
  });
});

describe("a wait that cannot take itself back is no one's, on a socket too", () => {
  it("a task's hand-made read of a socket (a pollFn, no registrant) loses a race and the task lives on, then another task reads the socket: it is not refused and gets the bytes", async () => {
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind("127.0.0.1:0");
        using client = yield* TcpStream.connect(listener.localAddr());
        using server = yield* listener.accept();
        const first = spawn(
          asyncBlock(function* () {
            const buf = new Uint8Array(4);
            const r = yield* race(
              pollFn((cx) => client.pollRead(cx, buf)),
              asyncBlock(function* () {
                yield* sleep(5);
                return "timed out";
              }),
            );
            yield* sleep(100);
            return r;
          }),
          { name: "first" },
        );
        yield* sleep(10);
        const second = spawn(read(client, new Uint8Array(4)), { name: "second" });
        yield* sleep(1);
        yield* writeAll(server, new Uint8Array([1, 2]));
        const n = yield* second;
        return { n, raced: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ n: 2, raced: "timed out" });
  });
});

describe("one writer at a time on a socket", () => {
  it("a task's write waits for a full socket to drain, then a second task writes: the second is refused naming the first, and the first's bytes all arrive", async () => {
    const size = 8 * 1024 * 1024;
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind("127.0.0.1:0");
        using client = yield* TcpStream.connect(listener.localAddr());
        using server = yield* listener.accept();
        const first = spawn(writeAll(client, new Uint8Array(size).fill(1)), {
          name: "first writer",
        });
        yield* sleep(1);
        const second = spawn(writeAll(client, new Uint8Array(4).fill(2)), {
          name: "second writer",
        });
        const refused = yield* refusal(second);
        const reader = spawn(
          asyncBlock(function* () {
            const buf = new Uint8Array(64 * 1024);
            let total = 0;
            while (total < size) total += yield* read(server, buf);
            return total;
          }),
        );
        yield* first;
        return { refused, got: yield* reader };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(
      /^tcp stream write in task 'second writer': this socket is already waited on by task 'first writer'/,
    );
    expect(out.got).toBe(size);
  });

  it("a task's write waits for a full socket to drain, a read of the same socket in another task is dropped by a race, then the peer reads: the write is still woken and finishes", async () => {
    const size = 8 * 1024 * 1024;
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind("127.0.0.1:0");
        using client = yield* TcpStream.connect(listener.localAddr());
        using server = yield* listener.accept();
        const writer = spawn(writeAll(client, new Uint8Array(size).fill(1)), { name: "writer" });
        yield* sleep(1);
        const raced = yield* spawn(
          race(
            read(client, new Uint8Array(8)),
            asyncBlock(function* () {
              yield* sleep(5);
              return "timed out";
            }),
          ),
          { name: "reader" },
        );
        const buf = new Uint8Array(64 * 1024);
        let total = 0;
        while (total < size) total += yield* read(server, buf);
        yield* writer;
        return { raced, total };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ raced: "timed out", total: size });
  });
});
