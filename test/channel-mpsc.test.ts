import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SendError, TrySendError } from "../src/channel/errors.js";
import * as mpsc from "../src/channel/mpsc.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { ReleasedError } from "../src/sync/errors.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { MockTask } from "./future-testkit.js";

describe("mpsc bounded", () => {
  it("send is lazy; a ready send delivers, and recv returns messages in order", () => {
    const [tx, rx] = mpsc.channel<number>(2);
    const s = tx.send(1);
    expect(rx.length).toBe(0);
    expect(new MockTask(s).poll()).toBeUndefined();
    tx.trySend(2);
    expect(new MockTask(rx.recv()).poll()).toBe(1);
    expect(rx.tryRecv()).toBe(2);
    expect(rx.tryRecv()).toBeUndefined();
  });

  it("backpressure: a full channel holds exactly its capacity and parks senders, which go in FIFO order as slots free", () => {
    const [tx, rx] = mpsc.channel<string>(2);
    tx.trySend("a");
    tx.trySend("b");
    expect(() => tx.trySend("c")).toThrow(TrySendError);
    const s1 = new MockTask(tx.send("c"));
    const s2 = new MockTask(tx.send("d"));
    expect(s1.poll()).toBe(PENDING);
    expect(s2.poll()).toBe(PENDING);
    expect(rx.length).toBe(2);
    expect(tx.capacity()).toBe(0);
    expect(rx.tryRecv()).toBe("a");
    expect(s1.isWoken()).toBe(true);
    expect(s2.isWoken()).toBe(false);
    // The freed slot is reserved for s1: a newcomer cannot take it.
    expect(() => tx.trySend("x")).toThrow(/full/);
    expect(s1.poll()).toBeUndefined();
    expect(rx.length).toBe(2);
    expect(rx.tryRecv()).toBe("b");
    expect(s2.poll()).toBeUndefined();
    expect([rx.tryRecv(), rx.tryRecv()]).toEqual(["c", "d"]);
  });

  it("trySend on a full channel hands the value back in a TrySendError of kind full", () => {
    const [tx] = mpsc.channel<{ id: number }>(1);
    tx.trySend({ id: 1 });
    const order = { id: 2 };
    try {
      tx.trySend(order);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TrySendError);
      expect((e as TrySendError<{ id: number }>).kind).toBe("full");
      expect((e as TrySendError<{ id: number }>).value).toBe(order);
    }
  });

  it("when every sender is closed the receiver drains what is buffered, then gets undefined", () => {
    const [tx, rx] = mpsc.channel<number>(4);
    const tx2 = tx.clone();
    tx.trySend(1);
    tx.close();
    tx2.trySend(2);
    const r = new MockTask(rx.recv());
    expect(r.poll()).toBe(1);
    expect(new MockTask(rx.recv()).poll()).toBe(2);
    const waiting = new MockTask(rx.recv());
    expect(waiting.poll()).toBe(PENDING);
    expect(rx.isClosed()).toBe(false);
    tx2[Symbol.dispose]();
    expect(waiting.isWoken()).toBe(true);
    expect(waiting.poll()).toBeUndefined();
    expect(rx.isClosed()).toBe(true);
    expect(new MockTask(rx.recv()).poll()).toBeUndefined();
  });

  it("a send through a closed handle fails with a SendError holding the value; so does one waiting when its handle closes", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    const tx2 = tx.clone();
    tx.trySend("first");
    const waiting = new MockTask(tx2.send("second"));
    expect(waiting.poll()).toBe(PENDING);
    tx2.close();
    rx.tryRecv();
    expect(waiting.isWoken()).toBe(true);
    try {
      waiting.poll();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SendError);
      expect((e as SendError<string>).value).toBe("second");
    }
    // The slot it gave up is free for the open handle.
    tx.trySend("third");
    expect(rx.tryRecv()).toBe("third");
    expect(() => new MockTask(tx2.send("late")).poll()).toThrow(SendError);
  });

  it("closing the receiver fails waiting senders at once, with their values; buffered messages can still be received", () => {
    const [tx, rx] = mpsc.channel<number>(1);
    tx.trySend(1);
    const s = new MockTask(tx.send(2));
    expect(s.poll()).toBe(PENDING);
    rx.close();
    expect(s.isWoken()).toBe(true);
    expect(() => s.poll()).toThrow(SendError);
    expect(tx.isClosed()).toBe(true);
    expect(() => tx.trySend(3)).toThrow(/closed/);
    expect(rx.tryRecv()).toBe(1);
    expect(new MockTask(rx.recv()).poll()).toBeUndefined();
  });

  it("once the receiver closes, a send already handed a slot and a reserved permit hand their values back; the receiver's end never loses one", () => {
    for (const how of ["close", "dispose"] as const) {
      const [tx, rx] = mpsc.channel<string>(2);
      tx.trySend("a");
      tx.trySend("b");
      const waiting = new MockTask(tx.send("c"));
      expect(waiting.poll()).toBe(PENDING);
      expect(rx.tryRecv()).toBe("a"); // the freed slot is handed to the waiting send
      const permit = new MockTask(tx.reserve());
      expect(permit.poll()).toBe(PENDING);
      expect(rx.tryRecv()).toBe("b"); // and this one to the reserve
      const p = permit.poll() as mpsc.Permit<string>;
      if (how === "close") rx.close();
      else rx[Symbol.dispose]();
      // The receiver has seen its end: nothing buffered, closed.
      expect(rx.tryRecv()).toBeUndefined();
      const sendError = (() => {
        try {
          waiting.poll();
        } catch (x) {
          return x as SendError<string>;
        }
      })();
      expect(sendError?.value).toBe("c");
      const permitError = (() => {
        try {
          p.send("d");
        } catch (x) {
          return x as SendError<string>;
        }
      })();
      expect(permitError?.value).toBe("d");
      expect(rx.length).toBe(0);
    }
  });

  it("reserve holds a slot: permit.send delivers, an unused permit gives the slot back, a used one cannot send again", () => {
    const [tx, rx] = mpsc.channel<number>(1);
    const p = new MockTask(tx.reserve()).poll() as mpsc.Permit<number>;
    expect(tx.capacity()).toBe(0);
    p.send(7);
    expect(() => p.send(8)).toThrow(ReleasedError);
    expect(rx.tryRecv()).toBe(7);
    const unused = new MockTask(tx.reserve()).poll() as mpsc.Permit<number>;
    unused[Symbol.dispose]();
    expect(tx.capacity()).toBe(1);
  });

  it("bad input: capacity 0, negative or fractional is a RangeError/TypeError; undefined is not a message", () => {
    expect(() => mpsc.channel(0)).toThrow(RangeError);
    expect(() => mpsc.channel(0)).toThrow(/capacity must be at least 1, got 0/);
    expect(() => mpsc.channel(-3)).toThrow(RangeError);
    expect(() => mpsc.channel(1.5)).toThrow(TypeError);
    const [tx] = mpsc.channel<number | undefined>(1);
    expect(() => tx.send(undefined)).toThrow(/must not be undefined/);
    const [utx] = mpsc.unboundedChannel<number | undefined>();
    expect(() => utx.send(undefined)).toThrow(TypeError);
  });
});

describe("mpsc: disposal at every point", () => {
  // A send's life: 0 never polled, 1 queued, 2 granted a slot but not polled, 3 done.
  for (const point of [0, 1, 2, 3]) {
    it(`a send disposed at point ${point}: the message is sent only if it completed, and the next sender gets the slot`, () => {
      const [tx, rx] = mpsc.channel<string>(1);
      tx.trySend("first");
      const a = new MockTask(tx.send("a"));
      const b = new MockTask(tx.send("b"));
      if (point >= 1) expect(a.poll()).toBe(PENDING);
      expect(b.poll()).toBe(PENDING);
      if (point === 0) a.future[Symbol.dispose]();
      expect(rx.tryRecv()).toBe("first");
      if (point === 1) a.future[Symbol.dispose]();
      if (point === 2) {
        expect(a.isWoken()).toBe(true);
        a.future[Symbol.dispose]();
      }
      if (point === 3) {
        expect(a.poll()).toBeUndefined();
        a.future[Symbol.dispose]();
        expect(rx.tryRecv()).toBe("a");
      }
      expect(b.isWoken()).toBe(true);
      expect(b.poll()).toBeUndefined();
      expect(rx.tryRecv()).toBe("b");
      expect(rx.tryRecv()).toBeUndefined();
    });
  }

  it("a recv disposed while waiting takes nothing: the next recv gets the message", () => {
    const [tx, rx] = mpsc.channel<number>(1);
    const r1 = new MockTask(rx.recv());
    expect(r1.poll()).toBe(PENDING);
    r1.future[Symbol.dispose]();
    tx.trySend(5);
    expect(r1.isWoken()).toBe(false);
    expect(new MockTask(rx.recv()).poll()).toBe(5);
  });

  it("a parked receiver counts as one live waiter until a send wakes it, then receives the message", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<number>(1);
    const h = rt.spawn(rx.recv());
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(1);
    tx.trySend(7);
    expect(rt.metrics().liveWaiters).toBe(0); // woken: no longer waiting
    expect(await h).toBe(7);
    await rt.shutdown();
  });

  it("tasks parked in send, reserve and recv, all aborted: the live waiter count falls back to zero", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<number>(1);
    const [tx2, rx2] = mpsc.channel<number>(1);
    tx.trySend(0);
    const hs = [
      rt.spawn(tx.send(1)),
      rt.spawn(tx.reserve()),
      rt.spawn(tx.clone().send(2)),
      rt.spawn(rx2.recv()),
    ];
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(4);
    for (const h of hs) h.abort();
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(0);
    // Nothing was sent by the aborted sends, and the channel still works.
    expect(rx.tryRecv()).toBe(0);
    expect(rx.tryRecv()).toBeUndefined();
    tx2.trySend(9);
    expect(rx2.tryRecv()).toBe(9);
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });
});

describe("mpsc under seeded schedules", () => {
  it("no message is lost or duplicated across producers, a consumer, dropped sends and recvs, and closing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        async (seed, capacity, producers, perProducer, coin) => {
          const [tx, rx] = mpsc.channel<string>(capacity);
          const received: string[] = [];
          let overCapacity = 0;
          let flip = 0;
          const toss = () => coin[flip++ % coin.length]!;
          await run(
            asyncBlock(function* () {
              for (let p = 0; p < producers; p++) {
                const mine = tx.clone();
                spawn(
                  asyncBlock(function* () {
                    using h = mine;
                    for (let i = 0; i < perProducer; i++) {
                      const msg = `${p}:${i}`;
                      // Sometimes race the send against a yield: a send that loses is dropped, and
                      // the message is then sent plainly. (Retrying the race forever could livelock:
                      // two producers handing the freed slot back and forth, each losing its race.)
                      let sent = false;
                      if (toss()) {
                        using r = yield* select(h.send(msg), yieldNow());
                        sent = r.index === 0;
                      }
                      if (!sent) yield* h.send(msg);
                      if (rx.length > capacity) overCapacity++;
                    }
                  }),
                  { name: `producer ${p}` },
                );
              }
              tx.close();
              for (;;) {
                let m: string | undefined;
                if (toss()) {
                  using r = yield* select(rx.recv(), yieldNow());
                  if (r.index === 1) continue;
                  m = r.value as string | undefined;
                } else {
                  m = yield* rx.recv();
                }
                if (m === undefined) break;
                received.push(m);
                if (rx.length > capacity) overCapacity++;
              }
            }),
            { seed },
          );
          const expected: string[] = [];
          for (let p = 0; p < producers; p++)
            for (let i = 0; i < perProducer; i++) expected.push(`${p}:${i}`);
          expect([...received].sort()).toEqual(expected.sort());
          // Per producer, order is kept.
          for (let p = 0; p < producers; p++) {
            const mine = received.filter((m) => m.startsWith(`${p}:`));
            expect(mine).toEqual(
              expected
                .filter((m) => m.startsWith(`${p}:`))
                .sort((a, b) => Number(a.split(":")[1]) - Number(b.split(":")[1])),
            );
          }
          expect(overCapacity).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("mpsc unbounded", () => {
  it("send never waits; close of the last sender ends the stream after the buffered messages", async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    for (let i = 0; i < 100; i++) tx.send(i);
    tx.close();
    expect(() => tx.send(100)).toThrow(SendError);
    const got = await run(
      asyncBlock(function* () {
        const out: number[] = [];
        let m: number | undefined;
        while ((m = yield* rx.recv()) !== undefined) out.push(m);
        return out;
      }),
    );
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("a dropped receiver makes send fail with the value", () => {
    const [tx, rx] = mpsc.unboundedChannel<string>();
    rx[Symbol.dispose]();
    try {
      tx.send("lost?");
      expect.unreachable();
    } catch (e) {
      expect((e as SendError<string>).value).toBe("lost?");
    }
  });
});

describe("mpsc receivers from native code", () => {
  it("for await over a receiver yields every message, then ends when the senders close", async () => {
    const [tx, rx] = mpsc.channel<number>(2);
    const rt = new Runtime();
    rt.spawn(
      asyncBlock(function* () {
        using h = tx;
        for (let i = 0; i < 10; i++) yield* h.send(i);
      }),
    );
    const got: number[] = [];
    for await (const m of rx) got.push(m);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });

  it("break out of for await leaves the receiver open: the next message is still there", async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    tx.send(1);
    tx.send(2);
    for await (const m of rx) {
      expect(m).toBe(1);
      break;
    }
    expect(rx.tryRecv()).toBe(2);
  });
});

describe("a send through a closed handle", () => {
  it("fails on its first poll even when the channel is full, handing the value back", async () => {
    const outcome = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<string>(1);
        const keep = tx.clone(); // the channel stays open for the receiver
        tx.trySend("first"); // full now
        tx.close();
        try {
          yield* tx.send("second");
          return "sent";
        } catch (e) {
          keep.close();
          rx.close();
          return e instanceof SendError ? `failed: ${String(e.value)}` : String(e);
        }
      }),
    );
    expect(outcome).toBe("failed: second");
  });
});

describe("mpsc closing while others wait", () => {
  it("a send is handed the freed slot, then the receiver is disposed before its next poll: it fails with SendError holding the message, and nothing is buffered", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("a");
    const s = new MockTask(tx.send("b"));
    expect(s.poll()).toBe(PENDING);
    expect(rx.tryRecv()).toBe("a"); // the slot goes to the waiting send
    expect(s.isWoken()).toBe(true);
    rx[Symbol.dispose]();
    try {
      s.poll();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SendError);
      expect((e as SendError<string>).value).toBe("b");
    }
    expect(rx.length).toBe(0);
  });

  it("a reserve is handed the freed slot, then the receiver closes before its next poll: it fails with SendError", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("a");
    const r = new MockTask(tx.reserve());
    expect(r.poll()).toBe(PENDING);
    expect(rx.tryRecv()).toBe("a");
    rx.close();
    expect(() => r.poll()).toThrow(SendError);
  });

  it("closing a handle wakes its send waiting on a full channel, which fails with SendError holding the message; another handle's send keeps its place", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<string>(1);
    const tx2 = tx.clone();
    tx.trySend("a");
    const mine = rt.spawn(tx.send("b"));
    const theirs = rt.spawn(tx2.send("c"));
    await new Promise((r) => setImmediate(r));
    expect(rt.metrics().liveWaiters).toBe(2);
    tx.close();
    expect(rt.metrics().liveWaiters).toBe(1);
    const err = await mine.then(
      () => null,
      (e: unknown) => (e as Error).cause,
    );
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError<string>).value).toBe("b");
    expect(rx.tryRecv()).toBe("a");
    await theirs;
    expect(rx.tryRecv()).toBe("c");
    tx2.close();
    expect(rx.isClosed()).toBe(true);
    expect(rx.tryRecv()).toBeUndefined();
    await rt.shutdown();
    expect(rt.metrics().liveWaiters).toBe(0);
  });

  it("closing the last handle fails its waiting send before the receiver sees the end: the receiver drains what was sent, then gets undefined", () => {
    const [tx, rx] = mpsc.channel<number>(1);
    tx.trySend(1);
    const s = new MockTask(tx.send(2));
    const r = new MockTask(rx.recv());
    expect(s.poll()).toBe(PENDING);
    tx.close();
    expect(s.isWoken()).toBe(true);
    expect(() => s.poll()).toThrow(SendError);
    expect(r.poll()).toBe(1);
    expect(new MockTask(rx.recv()).poll()).toBeUndefined();
  });

  for (const how of ["close", "dispose"] as const) {
    it(`a task waits in recv(), another task ${how}s the receiver: the recv is woken at once and returns undefined`, async () => {
      const rt = new Runtime();
      const [tx, rx] = mpsc.channel<number>(4);
      const h = rt.spawn(rx.recv());
      await new Promise((r) => setImmediate(r));
      expect(rt.metrics().liveWaiters).toBe(1);
      if (how === "close") rx.close();
      else rx[Symbol.dispose]();
      expect(rt.metrics().liveWaiters).toBe(0);
      expect(await h).toBeUndefined();
      expect(() => tx.trySend(1)).toThrow(TrySendError);
      await rt.shutdown();
    });
  }
});

describe("mpsc ring memory", () => {
  it("channel(1_000_000) does not allocate its capacity up front", () => {
    const g = (globalThis as { gc?: () => void }).gc;
    g?.();
    const before = process.memoryUsage().heapUsed;
    const [tx, rx] = mpsc.channel<number>(1_000_000);
    const grew = process.memoryUsage().heapUsed - before;
    expect(grew).toBeLessThan(1_000_000); // a slot array would be 8 MB
    tx.trySend(1);
    expect(rx.tryRecv()).toBe(1);
  });

  it("channel(2 ** 30), the largest capacity accepted, is usable", () => {
    const [tx, rx] = mpsc.channel<number>(2 ** 30);
    expect(tx.capacity()).toBe(2 ** 30);
    tx.trySend(1);
    expect(rx.tryRecv()).toBe(1);
  });

  it("a bounded channel grows its ring past its first size, wrapping around, and keeps FIFO order up to its capacity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }),
        (cap, bursts) => {
          const [tx, rx] = mpsc.channel<number>(cap);
          let sent = 0;
          let got = 0;
          for (const b of bursts) {
            // Fill with up to b messages (never past the capacity), then take half of them back.
            for (let i = 0; i < b && tx.capacity() > 0; i++) tx.trySend(sent++);
            expect(rx.length).toBeLessThanOrEqual(cap);
            const take = Math.ceil(rx.length / 2);
            for (let i = 0; i < take; i++) expect(rx.tryRecv()).toBe(got++);
          }
          while (rx.length > 0) expect(rx.tryRecv()).toBe(got++);
          expect(got).toBe(sent);
          expect(tx.capacity()).toBe(cap);
        },
      ),
    );
  });
});

describe("tx.closed(): the receiver is gone", () => {
  it("a producer racing its work against tx.closed() stops when the receiver is disposed", async () => {
    let produced = 0;
    const outcome = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(2);
        const producer = spawn(
          asyncBlock(function* () {
            const produce = asyncBlock(function* () {
              for (;;) {
                yield* tx.send(produced++);
              }
            });
            // Biased: when the receiver goes, the parked send fails too; closed() is asked first.
            using first = yield* select.biased(tx.closed(), produce);
            return first.index === 0 ? "stopped: receiver gone" : "produce ended";
          }),
        );
        for (let i = 0; i < 5; i++) yield* rx.recv();
        rx[Symbol.dispose]();
        return yield* producer;
      }),
      { clock: "paused" },
    );
    expect(outcome).toBe("stopped: receiver gone");
    expect(produced).toBeGreaterThanOrEqual(5);
  });

  it("is ready at once once the receiver is closed, for every sender, bounded or not", async () => {
    await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(1);
        const [utx, urx] = mpsc.unboundedChannel<number>();
        rx.close();
        urx[Symbol.dispose]();
        yield* tx.closed();
        yield* tx.clone().closed();
        yield* utx.closed();
      }),
    );
  });

  it("a closed() dropped while it waits leaves no waiter, and the others are still told", async () => {
    const rt = new Runtime();
    await rt.spawn(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(1);
        const droppedFuture = tx.closed();
        const dropped = new MockTask(droppedFuture);
        const kept = new MockTask(tx.closed());
        expect(dropped.poll()).toBe(PENDING);
        expect(kept.poll()).toBe(PENDING);
        expect(Runtime.current().metrics().liveWaiters).toBe(2);
        droppedFuture[Symbol.dispose]();
        expect(Runtime.current().metrics().liveWaiters).toBe(1);
        rx.close();
        expect(kept.wakes).toBe(1);
        expect(kept.poll()).toBeUndefined();
        expect(Runtime.current().metrics().liveWaiters).toBe(0);
      }),
    );
    await rt.shutdown();
  });
});

describe("closing with a waker that throws", () => {
  it("every tx.closed() is still told, dispose still drops the buffer, and the error comes out", () => {
    const [tx, rx] = mpsc.channel<number>(2);
    tx.trySend(7);
    const failing = new Context(
      Waker.from(() => {
        throw new Error("a broken pager");
      }),
    );
    const first = tx.closed();
    expect(first.poll(failing)).toBe(PENDING);
    let woken = 0;
    const second = tx.closed();
    expect(second.poll(new Context(Waker.from(() => woken++)))).toBe(PENDING);
    expect(() => rx[Symbol.dispose]()).toThrow("a broken pager");
    expect(woken).toBe(1);
    expect(second.poll(new Context(Waker.noop()))).toBeUndefined();
    expect(rx.length).toBe(0);
  });

  it("every send waiting for a slot is failed (and hands its message back) even if one's waker throws", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("first");
    const failing = new Context(
      Waker.from(() => {
        throw new Error("a broken pager");
      }),
    );
    const broken = tx.send("soup");
    expect(broken.poll(failing)).toBe(PENDING);
    let woken = 0;
    const fine = tx.send("salad");
    expect(fine.poll(new Context(Waker.from(() => woken++)))).toBe(PENDING);
    expect(() => rx.close()).toThrow("a broken pager");
    expect(woken).toBe(1);
    let err: unknown = null;
    try {
      fine.poll(new Context(Waker.noop()));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError<string>).value).toBe("salad");
  });
});
