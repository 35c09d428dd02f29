/**
 * Audit of the cancellation-safety claims in the TSDoc of sync/, channel/, time/ and stream/ that
 * no earlier test proved at every point. Each waiting future is polled by hand (a MockTask, whose
 * waker counts its wakes) from inside a task of a paused-clock runtime, so that the runtime counts
 * its waits, and is disposed at one of four points:
 *
 * 0. before its first poll,
 * 1. after a poll that returned PENDING,
 * 2. after it was woken (it was handed what it waited for) but before it was polled again,
 * 3. after a poll that returned its value.
 *
 * Then the claim is checked: nothing it was handed is lost (the next waiter, or the next future on
 * the same receiver, gets it) and nothing is held (`liveWaiters` and `liveTimers` read zero).
 */
import { describe, expect, it } from "vitest";
import * as broadcast from "../src/channel/broadcast.js";
import * as mpsc from "../src/channel/mpsc.js";
import * as oneshot from "../src/channel/oneshot.js";
import * as watch from "../src/channel/watch.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { drop } from "../src/future/cancel.js";
import type { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import type { Poll } from "../src/future/poll.js";
import { Runtime } from "../src/runtime/runtime.js";
import "../src/stream/index.js";
import { DONE, type StreamBase } from "../src/stream/stream.js";
import { receiverStream } from "../src/stream/wrappers.js";
import { Barrier } from "../src/sync/barrier.js";
import { Notify } from "../src/sync/notify.js";
import { OnceCell } from "../src/sync/once-cell.js";
import { RwLock } from "../src/sync/rw-lock.js";
import { Semaphore } from "../src/sync/semaphore.js";
import { Instant } from "../src/time/instant.js";
import { interval } from "../src/time/interval.js";
import { type Sleep, sleep } from "../src/time/sleep.js";
import { Gate, MockTask, PENDING } from "./future-testkit.js";

const POINTS = [
  "before its first poll",
  "after a pending poll",
  "after it was woken, before it was polled again",
  "after it was ready",
] as const;

/**
 * Run `body` as the only task of a fresh paused-clock runtime; once it has ended, nothing is left.
 * Read before the shutdown, which would clear the timer wheel and end every task itself.
 */
async function inTask(body: () => Generator<any, void, any>): Promise<void> {
  const rt = new Runtime({ clock: "paused" });
  try {
    await rt.spawn(asyncBlock(body));
    const m = rt.metrics();
    expect({ tasks: m.liveTasks, waiters: m.liveWaiters, timers: m.liveTimers }).toEqual({
      tasks: 0,
      waiters: 0,
      timers: 0,
    });
  } finally {
    await rt.shutdown();
  }
}

/** What the runtime polling now still counts as held. */
function held(): { waiters: number; timers: number } {
  const m = Runtime.current().metrics();
  return { waiters: m.liveWaiters, timers: m.liveTimers };
}

/** Poll `f` by hand once; it must park. */
function park<T>(f: FutureBase<T>): MockTask<T> {
  const m = new MockTask<T>(f);
  expect(m.poll()).toBe(PENDING);
  return m;
}

/** `m` was woken: poll it again; it must be ready. */
function finish<T>(m: MockTask<T>): T {
  expect(m.isWoken()).toBe(true);
  const v = m.poll();
  expect(v).not.toBe(PENDING);
  return v as T;
}

/** Poll `m` again, its wake already checked; it must be ready. */
function again<T>(m: MockTask<T>): T {
  const v = m.poll();
  expect(v).not.toBe(PENDING);
  return v as T;
}

/** Poll a fresh future once; it must be ready at once. */
function readyNow<T>(f: FutureBase<T>): T {
  const v = new MockTask<T>(f).poll();
  expect(v).not.toBe(PENDING);
  return v as T;
}

describe("RwLock.read(): the place in line is lost, read access already handed to it is given back", () => {
  POINTS.forEach((point, p) => {
    it(`a read queued behind a writer, with a writer queued behind it, is disposed ${point}: the second writer gets the lock`, () =>
      inTask(function* () {
        const lock = new RwLock(0);
        const first = lock.tryWrite()!;
        const victimF = lock.read();
        const victim = p >= 1 ? park(victimF) : null;
        const witness = park(lock.write());
        expect(held().waiters).toBe(p >= 1 ? 2 : 1);
        if (p === 1) victimF[Symbol.dispose]();
        first.release();
        if (p >= 2) {
          // The release let the reader in, and the writer behind it still waits.
          expect(victim!.isWoken()).toBe(true);
          expect(witness.isWoken()).toBe(false);
          expect(lock.readerCount()).toBe(1);
        }
        if (p === 2) victimF[Symbol.dispose]();
        if (p === 3) {
          const guard = victim!.poll();
          expect(guard).not.toBe(PENDING);
          expect(witness.isWoken()).toBe(false);
          victimF[Symbol.dispose](); // the future is the guard: disposing it releases the read
        }
        if (p === 0) victimF[Symbol.dispose]();
        const w = finish(witness);
        w.value = 7;
        w.release();
        expect(lock.readerCount()).toBe(0);
        expect(lock.isWriteLocked()).toBe(false);
        expect(lock.tryRead()!.value).toBe(7);
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("Semaphore.acquire(n): a big request at the head does not keep its permits or its place", () => {
  POINTS.forEach((point, p) => {
    it(`acquire(2) at the head of the line, acquire(1) behind it, 1 permit free; the acquire(2) is disposed ${point}: the acquire(1) gets a permit, and every permit comes back`, () =>
      inTask(function* () {
        const sem = new Semaphore(1);
        const victimF = sem.acquire(2);
        const victim = p >= 1 ? park(victimF) : null;
        const witnessF = sem.acquire(1);
        const witness = p >= 1 ? park(witnessF) : null;
        if (p === 1) {
          // The head left: the request behind it fits the free permit now (finish checks the wake).
          victimF[Symbol.dispose]();
        }
        if (p >= 2) {
          sem.addPermits(1);
          expect(victim!.isWoken()).toBe(true);
          expect(witness!.isWoken()).toBe(false);
          expect(sem.availablePermits()).toBe(0);
        }
        if (p === 2) victimF[Symbol.dispose]();
        if (p === 3) {
          const permit = victim!.poll();
          expect(permit).not.toBe(PENDING);
          expect(witness!.isWoken()).toBe(false);
          victimF[Symbol.dispose]();
        }
        if (p === 0) victimF[Symbol.dispose]();
        const permit = witness === null ? readyNow(witnessF) : finish(witness);
        expect(permit.permits).toBe(1);
        permit.release();
        expect(sem.availablePermits()).toBe(p >= 2 ? 2 : 1);
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("Barrier.wait(): dropped before the round completes it withdraws its arrival; after, it changes nothing", () => {
  POINTS.forEach((point, p) => {
    it(`a barrier of 3; the first arrival is disposed ${point}: exactly one leader per round, and the next round needs 3 again`, () =>
      inTask(function* () {
        const barrier = new Barrier(3);
        const victimF = barrier.wait();
        const victim = p >= 1 ? park(victimF) : null;
        const second = park(barrier.wait());
        expect(barrier.arrived()).toBe(p >= 1 ? 2 : 1);
        if (p <= 1) {
          victimF[Symbol.dispose]();
          expect(barrier.arrived()).toBe(1); // the arrival was withdrawn
          const third = park(barrier.wait());
          expect(second.isWoken()).toBe(false);
          const fourth = readyNow(barrier.wait());
          expect(fourth.isLeader).toBe(true);
          expect(finish(third).isLeader).toBe(false);
        } else {
          const third = readyNow(barrier.wait());
          expect(third.isLeader).toBe(true);
          expect(victim!.isWoken()).toBe(true);
          if (p === 3) expect(again(victim!).isLeader).toBe(false);
          victimF[Symbol.dispose]();
        }
        expect(finish(second).isLeader).toBe(false);
        expect(barrier.arrived()).toBe(0);
        // The next round is whole: two arrivals wait, the third leads.
        const a = park(barrier.wait());
        const b = park(barrier.wait());
        expect(readyNow(barrier.wait()).isLeader).toBe(true);
        expect([finish(a).isLeader, finish(b).isLeader]).toEqual([false, false]);
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("OnceCell.getOrInit(): a waiting caller loses only its place", () => {
  POINTS.forEach((point, p) => {
    it(`a caller waiting for another's initialiser is disposed ${point}: the caller behind it gets the value, and init ran once`, () =>
      inTask(function* () {
        const cell = new OnceCell<number>();
        const gate = new Gate<number>("init");
        let inits = 0;
        const init = () => {
          inits++;
          return gate;
        };
        const initialiser = park(cell.getOrInit(init));
        const victimF = cell.getOrInit(init);
        const victim = p >= 1 ? park(victimF) : null;
        const witness = park(cell.getOrInit(init));
        expect(held().waiters).toBe(p >= 1 ? 2 : 1);
        if (p === 1) victimF[Symbol.dispose]();
        gate.resolve(7);
        expect(finish(initialiser)).toBe(7);
        if (p >= 2) expect(victim!.isWoken()).toBe(true);
        if (p === 3) expect(again(victim!)).toBe(7);
        victimF[Symbol.dispose]();
        expect(finish(witness)).toBe(7);
        expect(inits).toBe(1);
        expect(cell.get()).toBe(7);
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("OnceCell.getOrInit(): dropping the initialising caller drops its initialiser and hands the job on", () => {
  POINTS.forEach((point, p) => {
    it(`the initialising caller is disposed ${point}: its initialiser is dropped unless it finished, and the caller behind it ends with a value`, () =>
      inTask(function* () {
        const cell = new OnceCell<number>();
        const gates: Gate<number>[] = [];
        const init = () => {
          const g = new Gate<number>(`init ${gates.length + 1}`);
          gates.push(g);
          return g;
        };
        const victimF = cell.getOrInit(init);
        const victim = p >= 1 ? park(victimF) : null;
        const witness = park(cell.getOrInit(init));
        expect(gates.length).toBe(1); // the victim ran init, or (point 0) the witness did
        if (p === 2) {
          gates[0]!.resolve(1);
          expect(victim!.isWoken()).toBe(true);
        }
        if (p === 3) {
          gates[0]!.resolve(1);
          expect(finish(victim!)).toBe(1);
        }
        victimF[Symbol.dispose]();
        if (p === 0) {
          // The witness ran the only initialiser; the victim never started one.
          gates[0]!.resolve(1);
          expect(finish(witness)).toBe(1);
          expect(gates.length).toBe(1);
        } else if (p === 3) {
          expect(finish(witness)).toBe(1);
          expect(gates.length).toBe(1);
          expect(gates[0]!.drops).toBe(0);
        } else {
          // Dropped while it ran the initialiser: that future is dropped, the witness takes over.
          expect(gates[0]!.drops).toBe(1);
          expect(witness.isWoken()).toBe(true);
          expect(witness.poll()).toBe(PENDING);
          expect(gates.length).toBe(2);
          gates[1]!.resolve(2);
          expect(finish(witness)).toBe(2);
        }
        expect(cell.isInitialized()).toBe(true);
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("Notify.notified(): a wake from notifyWaiters is not turned into a stored permit", () => {
  it("two waiters; notifyWaiters wakes both; the first is disposed before it is polled again: the second completes and no permit is stored for a later waiter", () =>
    inTask(function* () {
      const bell = new Notify();
      const victimF = bell.notified();
      const victim = park(victimF);
      const witness = park(bell.notified());
      bell.notifyWaiters();
      expect(victim.isWoken()).toBe(true);
      victimF[Symbol.dispose]();
      finish(witness);
      expect(bell.permit).toBe(false);
      const later = bell.notified();
      park(later);
      later[Symbol.dispose]();
      expect(held().waiters).toBe(0);
    }));
});

describe("mpsc Receiver.recv(): cancel-safe, a message is taken only by the poll that returns it", () => {
  POINTS.forEach((point, p) => {
    it(`a recv() on a full-capacity-1 channel is disposed ${point}: every message arrives once, in order, and the waiting sender is served`, () =>
      inTask(function* () {
        const [tx, rx] = mpsc.channel<string>(1);
        const got: string[] = [];
        const victimF = rx.recv();
        const victim = p >= 1 ? park(victimF) : null;
        expect(held().waiters).toBe(p >= 1 ? 1 : 0);
        if (p === 1) {
          victimF[Symbol.dispose]();
          expect(held().waiters).toBe(0);
        }
        tx.trySend("a");
        if (p >= 2) expect(victim!.isWoken()).toBe(true);
        if (p === 3) got.push(again(victim!)!);
        victimF[Symbol.dispose]();
        // "b" waits for the slot while "a" is still buffered.
        const sendF = tx.send("b");
        const sending = new MockTask<void>(sendF);
        const sentAtOnce = sending.poll() !== PENDING;
        expect(sentAtOnce).toBe(p === 3);
        got.push(readyNow(rx.recv())!);
        if (!sentAtOnce) finish(sending);
        if (p !== 3) got.push(readyNow(rx.recv())!);
        expect(got).toEqual(["a", "b"]);
        expect(rx.tryRecv()).toBeUndefined();
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("oneshot rx.recv(): cancel-safe, the value is taken only by the poll that returns it", () => {
  POINTS.forEach((point, p) => {
    it(`a recv() is disposed ${point}: the channel stays open and the value is received exactly once`, () =>
      inTask(function* () {
        const [tx, rx] = oneshot.channel<number>();
        const victimF = rx.recv();
        const victim = p >= 1 ? park(victimF) : null;
        if (p === 1) {
          victimF[Symbol.dispose]();
          expect(held().waiters).toBe(0);
        }
        tx.send(5); // throws if dropping the recv() had closed the channel
        if (p >= 2) expect(victim!.isWoken()).toBe(true);
        if (p === 3) expect(again(victim!)).toBe(5);
        victimF[Symbol.dispose]();
        if (p !== 3) expect(readyNow(rx.recv())).toBe(5);
        expect(rx.hasValue()).toBe(false);
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("broadcast rx.recv(): cancel-safe, a message is taken only by the poll that returns it", () => {
  POINTS.forEach((point, p) => {
    it(`a recv() is disposed ${point}: this receiver still reads every message once, and another receiver is undisturbed`, () =>
      inTask(function* () {
        const [tx, rx] = broadcast.channel<string>(4);
        const other = tx.subscribe();
        const got: string[] = [];
        const victimF = rx.recv();
        const victim = p >= 1 ? park(victimF) : null;
        const otherWait = park(other.recv());
        if (p === 1) {
          victimF[Symbol.dispose]();
          expect(held().waiters).toBe(1); // only the other receiver's wait
        }
        tx.send("a");
        expect(finish(otherWait)).toBe("a");
        if (p >= 2) expect(victim!.isWoken()).toBe(true);
        if (p === 3) got.push(again(victim!)!);
        victimF[Symbol.dispose]();
        tx.send("b");
        if (p !== 3) got.push(readyNow(rx.recv())!);
        got.push(readyNow(rx.recv())!);
        expect(got).toEqual(["a", "b"]);
        expect(other.tryRecv()).toBe("b");
        expect(rx.tryRecv()).toBeUndefined();
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("watch rx.changed(): cancel-safe, the version is marked seen only by the poll that returns", () => {
  POINTS.forEach((point, p) => {
    it(`a changed() is disposed ${point}: the new value is still unseen unless it returned`, () =>
      inTask(function* () {
        const [tx, rx] = watch.channel(0);
        const victimF = rx.changed();
        const victim = p >= 1 ? park(victimF) : null;
        if (p === 1) {
          victimF[Symbol.dispose]();
          expect(held().waiters).toBe(0);
        }
        tx.send(1);
        if (p >= 2) expect(victim!.isWoken()).toBe(true);
        if (p === 3) again(victim!);
        victimF[Symbol.dispose]();
        expect(rx.hasChanged()).toBe(p !== 3);
        if (p !== 3) readyNow(rx.changed());
        expect(rx.borrow()).toBe(1);
        // Seen now: the next changed() waits for a newer value.
        const next = rx.changed();
        park(next);
        next[Symbol.dispose]();
        expect(held().waiters).toBe(0);
      }));
  });
});

describe("Interval.tick(): cancel-safe, a dropped tick future consumes no tick", () => {
  POINTS.forEach((point, p) => {
    it(`an interval of 100 ms; the tick due at 100 is disposed ${point}: the next tick() returns the tick due at 100 unless it was already returned`, () =>
      inTask(function* () {
        const t0 = Instant.now();
        const bell = interval(100);
        yield* bell.tick(); // the tick at 0
        const victimF = bell.tick();
        const victim = p >= 1 ? park(victimF) : null;
        if (p === 1) yield* sleep(50);
        if (p >= 2) {
          yield* sleep(100);
          expect(victim!.isWoken()).toBe(true);
        }
        if (p === 3) expect(again(victim!).since(t0)).toBe(100);
        const next = yield* bell.tick();
        expect(next.since(t0)).toBe(p === 3 ? 200 : 100);
        expect(t0.elapsed()).toBe(p === 3 ? 200 : 100);
        bell[Symbol.dispose]();
        expect(held().timers).toBe(0);
      }));
  });
});

/** `value` once `delay` has elapsed; a leaf future, so any task or mock may poll it. */
class Later<T> extends FutureBase<T> implements Disposable {
  constructor(
    private readonly delay: Sleep,
    private readonly value: T,
  ) {
    super();
  }
  poll(cx: Context): Poll<T> {
    return this.delay.poll(cx) === PENDING ? PENDING : this.value;
  }
  [Symbol.dispose](): void {
    this.delay[Symbol.dispose]();
  }
}

type Shape = (s: StreamBase<number>) => StreamBase<unknown>;

const SHAPES: [string, Shape, unknown[]][] = [
  ["receiverStream(rx)", (s) => s, [1, 2, 3, 4]],
  ["receiverStream(rx).map(x => x * 10)", (s) => s.map((x) => x * 10), [10, 20, 30, 40]],
  ["receiverStream(rx).filter(odd)", (s) => s.filter((x) => x % 2 === 1), [1, 3]],
  [
    "receiverStream(rx).chunks(2)",
    (s) => s.chunks(2),
    [
      [1, 2],
      [3, 4],
    ],
  ],
  [
    "receiverStream(rx).map(x => x after a sleep of 50 - 10x ms).buffered(8)",
    // Later items finish first: `buffered` must still give them in the order they came.
    (s) => s.map((x) => new Later(sleep(50 - 10 * x), x)).buffered(8),
    [1, 2, 3, 4],
  ],
];

describe("StreamBase.next(): cancellation safe, dropping it before it is ready loses no item", () => {
  for (const [name, shape, expected] of SHAPES) {
    it(`${name}: for each item a next() is dropped after a pending poll, another after the item woke it, and every item still comes, in order`, () =>
      inTask(function* () {
        const [tx, rx] = mpsc.channel<number>(16);
        const s = shape(receiverStream(rx));
        const got: unknown[] = [];
        /** Take what the stream has now; the next() that parks is dropped (point 1). */
        const takeReadyThenDrop = () => {
          for (let i = 0; i < 100; i++) {
            const m = new MockTask<unknown>(s.next());
            const v = m.poll();
            if (v === PENDING) return drop(m.future);
            got.push(v);
          }
          throw new Error("the stream never parked");
        };
        for (const item of [1, 2, 3, 4]) {
          takeReadyThenDrop();
          const b = s.next();
          const woken = park(b);
          tx.trySend(item);
          expect(woken.isWoken()).toBe(true);
          drop(b); // point 2
        }
        takeReadyThenDrop();
        tx.close();
        for (let v = yield* s.next(); v !== DONE; v = yield* s.next()) got.push(v);
        expect(got).toEqual(expected);
        s[Symbol.dispose]();
        expect(held()).toEqual({ waiters: 0, timers: 0 });
      }));
  }
});
