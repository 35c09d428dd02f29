/**
 * Tests written from a mutation run over the mpsc channel (src/channel/mpsc.ts, chan.ts,
 * sender-handle.ts, iterate.ts, receivers-gone.ts, errors.ts): each pins down a behaviour that
 * the rest of the suite let change unnoticed (the run's notes are in scratch/mutation/).
 */
import { describe, expect, it } from "vitest";
import {
  ChannelClosedError,
  RecvLaggedError,
  SendError,
  TrySendError,
} from "../src/channel/errors.js";
import * as mpsc from "../src/channel/mpsc.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { DESCRIBE, type Describable, type Description } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import type { FutureBase } from "../src/future/future.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime } from "../src/runtime/runtime.js";
import { flush, MockTask } from "./future-testkit.js";

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** What `f` tells dumps about itself (its `[DESCRIBE]`). */
function described(f: unknown): Description {
  return (f as Describable)[DESCRIBE]();
}

/** A context whose waker throws `error` when woken. */
function brokenPager(error: Error): Context {
  return new Context(
    Waker.from(() => {
      throw error;
    }),
  );
}

describe("the cooperative budget on the mpsc fast paths", () => {
  it("a producer that always finds a free slot sends 128 messages, is cut short, and the other task runs before its 300th send", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<number>(1000);
    let sent = 0;
    let sentWhenOtherRan = -1;
    const producer = rt.spawn(
      asyncBlock(function* () {
        for (let i = 0; i < 300; i++) {
          yield* tx.send(i);
          sent++;
        }
      }),
    );
    const other = rt.spawn(
      asyncBlock(function* () {
        sentWhenOtherRan = sent;
      }),
    );
    await producer;
    await other;
    expect(sentWhenOtherRan).toBeGreaterThan(0);
    expect(sentWhenOtherRan).toBeLessThan(300);
    expect(rt.metrics().budgetForcedYields).toBeGreaterThan(0);
    expect(rx.length).toBe(300);
    await rt.shutdown();
  });

  it("a consumer that always finds a message receives 128, is cut short, and the other task runs before its 300th receive", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.unboundedChannel<number>();
    for (let i = 0; i < 300; i++) tx.send(i);
    let got = 0;
    let gotWhenOtherRan = -1;
    const consumer = rt.spawn(
      asyncBlock(function* () {
        for (let i = 0; i < 300; i++) {
          expect(yield* rx.recv()).toBe(i);
          got++;
        }
      }),
    );
    const other = rt.spawn(
      asyncBlock(function* () {
        gotWhenOtherRan = got;
      }),
    );
    await consumer;
    await other;
    expect(gotWhenOtherRan).toBeGreaterThan(0);
    expect(gotWhenOtherRan).toBeLessThan(300);
    expect(rt.metrics().budgetForcedYields).toBeGreaterThan(0);
    await rt.shutdown();
  });
});

describe("sends after the receiver closed", () => {
  it("the receiver closes with every slot free, then a fresh send fails with the message, and nothing is buffered", () => {
    const [tx, rx] = mpsc.channel<string>(4);
    rx.close();
    const e = thrown(() => new MockTask(tx.send("late soup")).poll());
    expect(e).toBeInstanceOf(SendError);
    expect((e as SendError<string>).value).toBe("late soup");
    expect((e as Error).message).toMatch(/the receiver is gone/);
    expect(rx.length).toBe(0);
    expect(rx.tryRecv()).toBeUndefined();
  });

  it("the receiver closes, then trySend fails with kind closed and the message; the same on a closed handle says so", () => {
    const [tx, rx] = mpsc.channel<string>(4);
    const own = tx.clone();
    own.close();
    const a = thrown(() => own.trySend("a")) as TrySendError<string>;
    expect(a).toBeInstanceOf(TrySendError);
    expect(a.name).toBe("TrySendError");
    expect([a.kind, a.value, a.message]).toEqual(["closed", "a", "trySend on a closed sender"]);
    rx.close();
    const b = thrown(() => tx.trySend("b")) as TrySendError<string>;
    expect([b.kind, b.value]).toEqual(["closed", "b"]);
    expect(b.message).toMatch(/receiver is gone/);
  });
});

describe("what a failed send says", () => {
  it("a handle closes, then its send fails naming the handle; another handle's send after the receiver closed names the receiver", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    const other = tx.clone();
    tx.close();
    const own = thrown(() => new MockTask(tx.send("x")).poll()) as SendError<string>;
    expect(own.name).toBe("SendError");
    expect(own.value).toBe("x");
    expect(own.message).toMatch(/this handle was closed/);
    rx.close();
    const gone = thrown(() => new MockTask(other.send("y")).poll()) as SendError<string>;
    expect(gone.value).toBe("y");
    expect(gone.message).toMatch(/the receiver is gone/);
  });

  it("a reserve waits on a full channel, its handle closes, and it fails naming the handle; after the receiver closes, one names the receiver", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("first");
    const other = tx.clone();
    const mine = new MockTask(tx.reserve());
    const theirs = new MockTask(other.reserve());
    expect(mine.poll()).toBe(PENDING);
    expect(theirs.poll()).toBe(PENDING);
    tx.close();
    expect(mine.isWoken()).toBe(true);
    const own = thrown(() => mine.poll()) as SendError<undefined>;
    expect(own).toBeInstanceOf(SendError);
    expect(own.message).toBe("reserve on a closed sender");
    rx.close();
    const gone = thrown(() => theirs.poll()) as SendError<undefined>;
    expect(gone.message).toBe("reserve on a closed channel: the receiver is gone");
  });

  it("a fresh reserve through a closed handle fails at once naming the handle, and leaves the slot free", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    const other = tx.clone();
    tx.close();
    const e = thrown(() => new MockTask(tx.reserve()).poll()) as SendError<undefined>;
    expect(e.message).toBe("reserve on a closed sender");
    other.trySend("still room");
    expect(rx.tryRecv()).toBe("still room");
  });

  it("the error classes carry their own names", () => {
    expect(new RecvLaggedError("behind", 3).name).toBe("RecvLaggedError");
    expect(new ChannelClosedError("gone").name).toBe("ChannelClosedError");
  });
});

describe("bad input to mpsc names the argument and the rule", () => {
  it("undefined as a message is a TypeError naming the call it was given to", () => {
    const [tx] = mpsc.channel<string | undefined>(2);
    const [utx] = mpsc.unboundedChannel<string | undefined>();
    expect(() => tx.send(undefined)).toThrow(TypeError);
    expect(() => tx.send(undefined)).toThrow(/^tx\.send\(value\): the message must not be/);
    expect(() => tx.trySend(undefined)).toThrow(/^tx\.trySend\(value\): the message/);
    expect(() => utx.send(undefined)).toThrow(/^tx\.send\(value\): the message/);
    const permit = new MockTask(tx.reserve()).poll() as mpsc.Permit<string | undefined>;
    expect(() => permit.send(undefined)).toThrow(/^permit\.send\(value\): the message/);
  });

  it("a capacity that is not an integer says what it got; one past 2^30 is a RangeError naming the maximum", () => {
    expect(() => mpsc.channel(1.5)).toThrow(TypeError);
    expect(() => mpsc.channel(1.5)).toThrow(
      "mpsc.channel(capacity): capacity must be an integer, got 1.5",
    );
    expect(() => mpsc.channel("8" as unknown as number)).toThrow(
      "mpsc.channel(capacity): capacity must be an integer, got string",
    );
    expect(() => mpsc.channel(2 ** 30 + 1)).toThrow(RangeError);
    expect(() => mpsc.channel(2 ** 30 + 1)).toThrow(
      `mpsc.channel(capacity): capacity must be at most ${2 ** 30}, got ${2 ** 30 + 1}`,
    );
  });

  it("a recvMany limit that is not a number is a TypeError saying what it got", () => {
    const [, rx] = mpsc.channel<number>(1);
    expect(() => rx.recvMany("3" as unknown as number)).toThrow(TypeError);
    expect(() => rx.recvMany("3" as unknown as number)).toThrow(
      "rx.recvMany(limit): limit must be a whole number of messages, at least 1, got string",
    );
  });

  it("a permit is used, then sending on it again is a ReleasedError that says so", () => {
    const [tx] = mpsc.channel<string>(2);
    const permit = new MockTask(tx.reserve()).poll() as mpsc.Permit<string>;
    permit.send("one");
    expect(() => permit.send("two")).toThrow(
      "permit.send() on a permit that was already used or released",
    );
  });
});

describe("an mpsc future polled again after it completed or was dropped", () => {
  const cases: [string, () => [FutureBase<unknown>, () => void], RegExp][] = [
    [
      "recv",
      () => {
        const [tx, rx] = mpsc.channel<number>(1);
        return [rx.recv(), () => tx.trySend(1)];
      },
      /^rx\.recv\(\) was polled after it completed or was dropped$/,
    ],
    [
      "recvMany",
      () => {
        const [tx, rx] = mpsc.channel<number>(1);
        return [rx.recvMany(4), () => tx.trySend(1)];
      },
      /^rx\.recvMany\(\) was polled after it completed or was dropped$/,
    ],
    [
      "send",
      () => {
        const [tx] = mpsc.channel<number>(1);
        return [tx.send(1), () => {}];
      },
      /^tx\.send\(\) was polled after it completed or was dropped$/,
    ],
    [
      "reserve",
      () => {
        const [tx] = mpsc.channel<number>(1);
        return [tx.reserve(), () => {}];
      },
      /^mpsc tx\.reserve\(\) was polled after it completed/,
    ],
    [
      "tx.closed()",
      () => {
        const [tx, rx] = mpsc.channel<number>(1);
        return [tx.closed(), () => rx.close()];
      },
      /^mpsc tx\.closed\(\) was polled after it completed/,
    ],
  ];
  for (const [name, make, message] of cases) {
    it(`a ${name} completes, then a second poll throws a FutureStateError naming it`, () => {
      const [f, ready] = make();
      ready();
      const task = new MockTask(f);
      expect(task.poll()).not.toBe(PENDING);
      const e = thrown(() => task.poll());
      expect(e).toBeInstanceOf(FutureStateError);
      expect((e as Error).message).toMatch(message);
    });
  }

  it("a recv and a recvMany are dropped while waiting, then a poll throws instead of taking the message sent meanwhile", () => {
    const [tx, rx] = mpsc.channel<number>(2);
    const one = new MockTask(rx.recv());
    expect(one.poll()).toBe(PENDING);
    one.future[Symbol.dispose]();
    const many = new MockTask(rx.recvMany(2));
    expect(many.poll()).toBe(PENDING);
    many.future[Symbol.dispose]();
    tx.trySend(1);
    expect(() => one.poll()).toThrow(FutureStateError);
    expect(() => many.poll()).toThrow(FutureStateError);
    expect(rx.tryRecv()).toBe(1);
  });
});

describe("what mpsc waits tell dumps", () => {
  it("a send and a reserve wait on a full channel of capacity 1: the dump names both and the capacity", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("first");
    const fresh = tx.send("never polled");
    expect(described(fresh)).toEqual({ label: "mpsc tx.send()", children: [] });
    rt.spawn(tx.send("second"), { name: "waiter" });
    rt.spawn(tx.reserve(), { name: "reserver" });
    await flush();
    const dump = String(rt.dump());
    expect(dump).toContain("mpsc tx.send(), channel full (capacity 1)");
    expect(dump).toContain("mpsc tx.reserve(), channel full (capacity 1)");
    rx.close();
    await rt.shutdown();
  });

  it("a tx.closed() waiting for the receiver is described by its label, with no children", () => {
    const [tx] = mpsc.channel<string>(1);
    const closed = tx.closed();
    expect(new MockTask(closed).poll()).toBe(PENDING);
    expect(described(closed)).toEqual({ label: "mpsc tx.closed()", children: [] });
  });

  it("a recv says 'channel empty' only while the channel is empty and some sender is open", () => {
    const [tx, rx] = mpsc.channel<number>(2);
    const r = rx.recv();
    const m = rx.recvMany(3);
    expect(described(r)).toEqual({
      label: "mpsc rx.recv(), channel empty, 1 sender still open (made outside any task)",
      children: [],
    });
    expect(described(m)).toEqual({
      label: "mpsc rx.recvMany(3), channel empty, 1 sender still open (made outside any task)",
      children: [],
    });
    tx.trySend(1);
    expect(described(r).label).toBe("mpsc rx.recv()");
    rx.tryRecv();
    tx.close();
    expect(described(r).label).toBe("mpsc rx.recv()");
    const [, rx2] = mpsc.channel<number>(2);
    rx2.close();
    expect(described(rx2.recv()).label).toBe("mpsc rx.recv()");
  });
});

describe("closing the receiver while a pager throws", () => {
  it("a send waits with a broken pager, the receiver closes: that very error comes out, and the send still fails with its message", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    tx.trySend("first");
    const broken = new Error("a broken pager");
    const send = tx.send("soup");
    expect(send.poll(brokenPager(broken))).toBe(PENDING);
    expect(thrown(() => rx.close())).toBe(broken);
    const e = thrown(() => send.poll(new Context(Waker.noop()))) as SendError<string>;
    expect(e.value).toBe("soup");
  });

  it("a recv parks with a broken pager, the receiver closes: that very error comes out, and tx.closed() is still told", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    const broken = new Error("a broken pager");
    const closed = new MockTask(tx.closed());
    expect(closed.poll()).toBe(PENDING);
    expect(rx.recv().poll(brokenPager(broken))).toBe(PENDING);
    expect(thrown(() => rx.close())).toBe(broken);
    expect(closed.isWoken()).toBe(true);
    expect(closed.poll()).toBeUndefined();
  });

  it("a tx.closed() waits with a broken pager, the receiver is disposed: that very error comes out", () => {
    const [tx, rx] = mpsc.channel<string>(1);
    const broken = new Error("a broken pager");
    expect(tx.closed().poll(brokenPager(broken))).toBe(PENDING);
    expect(thrown(() => rx[Symbol.dispose]())).toBe(broken);
  });
});

describe("counting sender handles", () => {
  it("an unbounded sender is cloned, the original closes: the receiver gets the clone's message, then the end once the clone closes", () => {
    const [tx, rx] = mpsc.unboundedChannel<string>();
    const tx2 = tx.clone();
    expect(tx2).toBeInstanceOf(mpsc.UnboundedSender);
    tx.close();
    expect(rx.isClosed()).toBe(false);
    tx2.send("bread");
    expect(new MockTask(rx.recv()).poll()).toBe("bread");
    const waiting = new MockTask(rx.recv());
    expect(waiting.poll()).toBe(PENDING);
    tx2.close();
    expect(waiting.isWoken()).toBe(true);
    expect(waiting.poll()).toBeUndefined();
  });

  it("a handle is closed twice while another is open: the receiver keeps waiting and gets the other's message", () => {
    const [tx, rx] = mpsc.channel<string>(2);
    const other = tx.clone();
    tx.close();
    tx[Symbol.dispose]();
    expect(rx.isClosed()).toBe(false);
    const waiting = new MockTask(rx.recv());
    expect(waiting.poll()).toBe(PENDING);
    other.trySend("late order");
    expect(waiting.poll()).toBe("late order");
  });

  it("a closed handle is cloned: TypeError, and no sender is counted, so closing the open one ends the receiver", () => {
    const [tx, rx] = mpsc.channel<string>(2);
    const other = tx.clone();
    tx.close();
    expect(() => tx.clone()).toThrow(TypeError);
    expect(() => tx.clone()).toThrow("tx.clone(): this sender is closed; clone an open one");
    other.close();
    expect(rx.isClosed()).toBe(true);
    expect(new MockTask(rx.recv()).poll()).toBeUndefined();
  });

  it("maxCapacity is the capacity asked for, while capacity() counts the free slots", () => {
    const [tx] = mpsc.channel<string>(8);
    tx.trySend("a");
    expect(tx.maxCapacity()).toBe(8);
    expect(tx.capacity()).toBe(7);
  });
});

describe("native iteration over a receiver", () => {
  it("a message's wake is on its way when return() stops the iteration: the message stays for the next recv", async () => {
    const [tx, rx] = mpsc.unboundedChannel<string>();
    const it = rx[Symbol.asyncIterator]();
    const pending = it.next();
    tx.send("soup");
    await it.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    await flush();
    expect(rx.tryRecv()).toBe("soup");
  });

  it("an iteration waits, return() stops it, then a task's recv parks: the runtime counts that task as one live waiter", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.unboundedChannel<string>();
    const it = rx[Symbol.asyncIterator]();
    const pending = it.next();
    await it.return?.();
    await pending;
    const h = rt.spawn(rx.recv());
    await flush();
    expect(rt.metrics().liveWaiters).toBe(1);
    tx.send("soup");
    expect(await h).toBe("soup");
    expect(rt.metrics().liveWaiters).toBe(0);
    await rt.shutdown();
  });

  it("the iterator is its own async iterable", () => {
    const [, rx] = mpsc.unboundedChannel<string>();
    const it = rx[Symbol.asyncIterator]();
    expect(it[Symbol.asyncIterator]()).toBe(it);
  });
});
