/**
 * Browser programs on the core's primitives (run by test/browser-core.test.ts in Chromium): tasks
 * and combinators, timers on the real and the paused clock, channels, locks and streams. Each runs
 * on its own runtime and hands back what happened, in order, with the runtime's metrics after.
 */
import {
  asyncBlock,
  asyncFn,
  broadcast,
  CancellationToken,
  fromAsyncIterable,
  Instant,
  interval,
  iter,
  JoinSet,
  join,
  Mutex,
  mpsc,
  Notify,
  oneshot,
  Runtime,
  race,
  Semaphore,
  SendError,
  select,
  sleep,
  spawn,
  TimeoutError,
  TrySendError,
  time,
  timeout,
  toAsyncIterable,
  watch,
  yieldNow,
} from "../src/index.js";
import { cook, runAndMeasure } from "./browser-programs-kit.js";

/** spawn, JoinHandle, join, select, race and JoinSet on the real clock. */
export function tasks() {
  return runAndMeasure(function* () {
    const log: string[] = [];
    const soup = spawn(cook(log, "soup", 30), { name: "soup" });
    const salad = spawn(cook(log, "salad", 5), { name: "salad" });
    const both = yield* join(soup, salad);
    const picked = yield* select(sleep(60_000), cook(log, "tea", 1));
    // The loser is handed back still pending, its timer on the wheel, until it is dropped.
    const timers = Runtime.current().metrics().liveTimers;
    picked[Symbol.dispose]();
    const loserTimers = [timers, Runtime.current().metrics().liveTimers];
    const raced = yield* race(cook(log, "slow", 40), cook(log, "fast", 2));
    const set = new JoinSet<string>();
    set.spawn(cook(log, "c", 25));
    set.spawn(cook(log, "a", 1));
    set.spawn(cook(log, "b", 12));
    const joined: string[] = [];
    for (;;) {
      const next = yield* set.joinNext();
      if (typeof next !== "string") break;
      joined.push(next);
    }
    // Linked to an AbortSignal, the task holds a host interval (keep-alive.ts) until it ends.
    const linked = yield* spawn(cook(log, "linked", 1), { signal: new AbortController().signal });
    return { both, selected: picked.index, loserTimers, raced, joined, log, linked };
  });
}

/** sleep, timeout and interval on the real clock: only the order of events is checked. */
export function realTime() {
  return runAndMeasure(function* () {
    const log: string[] = [];
    yield* join(cook(log, "15", 15), cook(log, "5", 5), cook(log, "10", 10));
    let timedOut = false;
    try {
      yield* timeout(5, cook(log, "never", 60_000));
    } catch (e) {
      timedOut = e instanceof TimeoutError;
    }
    const timersAfterTimeout = Runtime.current().metrics().liveTimers;
    const bell = interval(4);
    const ticks: number[] = [];
    const start = Instant.now();
    for (let i = 0; i < 4; i++) ticks.push((yield* bell.tick()).since(start));
    bell[Symbol.dispose]();
    const inOrder = ticks.every((t, i) => i === 0 || t >= ticks[i - 1]!);
    // Deadlines round up to a whole millisecond of the runtime's clock, so on that same clock a
    // sleep never ends early, however coarse the browser's performance.now() is.
    const early: number[] = [];
    for (const ms of [1, 2, 5]) {
      const before = Instant.now();
      yield* sleep(ms);
      if (before.elapsed() < ms) early.push(ms);
    }
    return { log, timedOut, timersAfterTimeout, ticks: ticks.length, inOrder, early };
  });
}

/** The paused clock: auto-advance to the next timer, and `time.advance`. */
export function pausedTime() {
  return runAndMeasure(
    function* () {
      const rt = Runtime.current();
      const log: string[] = [];
      const at: Record<string, number> = {};
      yield* join(
        cook(log, "appetizer", 3000),
        cook(log, "main", 4000),
        cook(log, "dessert", 1000),
      );
      at.order = rt.now();
      try {
        yield* timeout(500, cook(log, "soufflé", 2000));
      } catch (e) {
        if (e instanceof TimeoutError) at.souffle = rt.now();
      }
      const bell = interval(1000);
      for (let i = 0; i < 3; i++) yield* bell.tick();
      bell[Symbol.dispose]();
      at.bells = rt.now();
      // Moved by hand: a sleep the clock passes has fired, and its task run, when advance returns.
      const tea = spawn(cook(log, "tea", 250));
      yield* yieldNow();
      yield* time.advance(250);
      at.advanced = rt.now();
      const teaDone = tea.isFinished();
      return { log, at, teaDone };
    },
    { clock: "paused" },
  );
}

/** mpsc (with backpressure and failed sends), oneshot, broadcast and watch. */
export function channels() {
  return runAndMeasure(function* () {
    const events: string[] = [];
    const [tx, rx] = mpsc.channel<number>(1);
    const producer = spawn(
      asyncBlock(function* () {
        for (let i = 1; i <= 3; i++) {
          yield* tx.send(i);
          events.push(`sent ${i}`);
        }
        tx.close();
      }),
    );
    let fullValue: unknown = null;
    // Capacity 1: once the producer's first send sits in the channel, a try-send is turned away
    // and hands its value back.
    yield* yieldNow();
    try {
      tx.trySend(99);
    } catch (e) {
      if (e instanceof TrySendError) fullValue = `${e.kind} ${e.value}`;
    }
    for (;;) {
      const v = yield* rx.recv();
      if (v === undefined) break;
      events.push(`got ${v}`);
    }
    yield* producer;
    const [tx2, rx2] = mpsc.channel<string>(4);
    rx2.close();
    let returned: unknown = null;
    try {
      yield* tx2.send("lost?");
    } catch (e) {
      if (e instanceof SendError) returned = e.value;
    }

    const [otx, orx] = oneshot.channel<string>();
    spawn(
      asyncBlock(function* () {
        yield* sleep(2);
        otx.send("the bill");
      }),
    );
    const bill = yield* orx;

    const [btx, brx1] = broadcast.channel<string>(8);
    const brx2 = btx.subscribe();
    const listen = asyncFn(function* (rx: broadcast.Receiver<string>) {
      const got: string[] = [];
      for (;;) {
        const v = yield* rx.recv();
        if (v === undefined) return got;
        got.push(v);
      }
    });
    const listeners = [spawn(listen(brx1)), spawn(listen(brx2))];
    btx.send("order up");
    btx.send("table 4");
    btx.close();
    const heard = [yield* listeners[0]!, yield* listeners[1]!];

    const [wtx, wrx] = watch.channel("soup");
    const seen = spawn(
      asyncBlock(function* () {
        yield* wrx.changed();
        return wrx.borrowAndUpdate();
      }),
    );
    yield* sleep(1);
    wtx.send("stew");
    const special = yield* seen;
    return { events, fullValue, returned, bill, heard, special };
  });
}

/** Mutex, Semaphore, Notify and CancellationToken. */
export function sync() {
  return runAndMeasure(function* () {
    const till = new Mutex(0, { name: "till" });
    const pay = asyncFn(function* (amount: number) {
      using guard = yield* till.lock();
      const before = guard.value;
      yield* sleep(1); // held across an await: nobody else touches the till meanwhile
      guard.value = before + amount;
    });
    const payers = [5, 7, 11].map((n) => spawn(pay(n)));
    for (const p of payers) yield* p;
    const total = till.tryLock()!;
    const till0 = total.value;
    total.release();

    const stoves = new Semaphore(2);
    let cooking = 0;
    let most = 0;
    const useStove = asyncFn(function* (ms: number) {
      using _permit = yield* stoves.acquire();
      cooking++;
      most = Math.max(most, cooking);
      yield* sleep(ms);
      cooking--;
    });
    const cooks = [3, 1, 2, 1].map((ms) => spawn(useStove(ms)));
    for (const c of cooks) yield* c;

    const bell = new Notify();
    const order: string[] = [];
    const waiter = spawn(
      asyncBlock(function* () {
        yield* bell.notified();
        order.push("waiter heard the bell");
      }),
    );
    yield* sleep(2);
    order.push("bell rung");
    bell.notifyOne();
    yield* waiter;

    const closing = new CancellationToken();
    const worker = spawn(
      asyncBlock(function* () {
        const r = yield* select(closing.childToken().cancelled(), sleep(60_000));
        return r.index === 0 ? "stopped by the token" : "ran to the end";
      }),
    );
    yield* sleep(2);
    closing.cancel();
    const stopped = yield* worker;
    return { till: till0, most, order, stopped };
  });
}

/** Streams: from an async iterable, merge, bufferUnordered; `for await` over a Brigade stream. */
export async function streams() {
  const outcome = await runAndMeasure(
    function* () {
      async function* courses() {
        for (const c of ["bread", "soup", "fish"]) {
          await new Promise((r) => setTimeout(r, 1));
          yield c;
        }
      }
      const fromIterable = yield* fromAsyncIterable(courses()).collect();
      const slow = iter(["s1", "s2"]).andThen((s) =>
        asyncBlock(function* () {
          yield* sleep(6);
          return s;
        }),
      );
      const quick = iter(["q1", "q2"]).andThen((s) =>
        asyncBlock(function* () {
          yield* sleep(1);
          return s;
        }),
      );
      const merged = yield* slow.merge(quick).collect();
      const log: string[] = [];
      const buffered = yield* iter([
        ["long", 20],
        ["short", 1],
        ["mid", 8],
      ] as const)
        .map(([dish, ms]) => cook(log, dish, ms))
        .bufferUnordered(3)
        .collect();
      return { fromIterable, merged, buffered };
    },
    // Paused: the sources' sleeps end at distinct virtual times whatever the machine's load, so
    // the merged order is fixed (the async generator's host timers are bridged: the clock waits).
    { clock: "paused" },
  );
  // Native code, no runtime running: `for await` makes one for the loop, and ends it after.
  const looped: number[] = [];
  for await (const n of toAsyncIterable(iter([1, 2, 3, 4]).map((n) => n * 10))) looped.push(n);
  return { ...outcome, looped };
}
