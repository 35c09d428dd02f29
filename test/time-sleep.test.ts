import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { pending } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { time } from "../src/time/control.js";
import { Instant } from "../src/time/instant.js";
import { interval } from "../src/time/interval.js";
import { type Sleep, sleep, sleepUntil } from "../src/time/sleep.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

function liveTimers(): number {
  return Runtime.current().metrics().liveTimers;
}

/** A context whose waker counts its wakes, for polling a sleep by hand inside a task. */
function countingCx(): { cx: Context; wakes: () => number } {
  let n = 0;
  const cx = new Context(Waker.from(() => n++));
  return { cx, wakes: () => n };
}

const cookDish = asyncFn(function* (dish: string, ms: number) {
  yield* sleep(ms);
  return `Dish: ${dish} at ${Instant.now().since(start!)}`;
});
let start: Instant | null = null;

describe("sleep in paused time", () => {
  it("the seed's three-course order (3 s, 4 s, 1 s joined) finishes at exactly 4,000 ms of virtual time", async () => {
    const out = await run(
      asyncBlock(function* () {
        start = Instant.now();
        const dishes = yield* join(
          cookDish("Pasta", 3 * SECOND),
          cookDish("Steak", 4 * SECOND),
          cookDish("Salad", 1 * SECOND),
        );
        return { dishes, elapsed: start.elapsed() };
      }),
      { clock: "paused" },
    );
    expect(out.dishes).toEqual([
      "Dish: Pasta at 3000",
      "Dish: Steak at 4000",
      "Dish: Salad at 1000",
    ]);
    expect(out.elapsed).toBe(4000);
  });

  it("many tasks sleeping equal and distinct durations wake earliest first, ties in the order they slept", async () => {
    const durations = Array.from(
      { length: 300 },
      (_, i) => [5, 70, 70, 4100, 5, 64, 63, 300_000][i % 8]!,
    );
    const order = await run(
      asyncBlock(function* () {
        const woke: { i: number; at: number }[] = [];
        const t0 = Instant.now();
        const handles = durations.map((ms, i) =>
          spawn(
            asyncBlock(function* () {
              yield* sleep(ms);
              woke.push({ i, at: t0.elapsed() });
            }),
          ),
        );
        for (const h of handles) yield* h;
        return woke;
      }),
      { clock: "paused" },
    );
    const expected = durations
      .map((ms, i) => ({ i, at: ms }))
      .sort((a, b) => a.at - b.at || a.i - b.i);
    expect(order).toEqual(expected);
  });

  it("sleeps of ms, minutes and days (every wheel level) each end at exactly their virtual time", async () => {
    const spans = [1, 50, 3 * SECOND, 5 * MINUTE, 3 * 60 * MINUTE, 20 * DAY, 500 * DAY];
    const ended = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const ends: number[] = [];
        const handles = spans.map((ms) =>
          spawn(
            asyncBlock(function* () {
              yield* sleep(ms);
              ends.push(t0.elapsed());
            }),
          ),
        );
        for (const h of handles) yield* h;
        return ends;
      }),
      { clock: "paused" },
    );
    expect(ended).toEqual(spans);
  });

  it("a sleep registers on its first poll, not when made, and unregisters when it fires", async () => {
    const seen = await run(
      asyncBlock(function* () {
        const s = sleep(100);
        const beforePoll = liveTimers();
        const { cx } = countingCx();
        expect(s.poll(cx)).toBe(PENDING);
        const afterPoll = liveTimers();
        yield* time.advance(100);
        return { beforePoll, afterPoll, afterFire: liveTimers(), elapsed: s.isElapsed() };
      }),
      { clock: "paused" },
    );
    expect(seen).toEqual({ beforePoll: 0, afterPoll: 1, afterFire: 0, elapsed: true });
  });

  it("a sleep dropped before its first poll never registers, and polling it afterwards throws", async () => {
    await run(
      asyncBlock(function* () {
        const s = sleep(100);
        s[Symbol.dispose]();
        expect(liveTimers()).toBe(0);
        expect(() => s.poll(countingCx().cx)).toThrow(FutureStateError);
        expect(() => s.poll(countingCx().cx)).toThrow(/dropped/);
      }),
      { clock: "paused" },
    );
  });

  it("a registered sleep dropped before it fires unregisters and never wakes its poller", async () => {
    await run(
      asyncBlock(function* () {
        const s = sleep(100);
        const { cx, wakes } = countingCx();
        s.poll(cx);
        expect(liveTimers()).toBe(1);
        s[Symbol.dispose]();
        s[Symbol.dispose](); // idempotent
        expect(liveTimers()).toBe(0);
        yield* time.advance(1000);
        expect(wakes()).toBe(0);
      }),
      { clock: "paused" },
    );
  });

  it("a sleep that fired but was not polled yet can be dropped: its poller was woken once, nothing stays registered", async () => {
    await run(
      asyncBlock(function* () {
        const s = sleep(100);
        const { cx, wakes } = countingCx();
        s.poll(cx);
        yield* time.advance(100);
        expect(wakes()).toBe(1);
        expect(s.isElapsed()).toBe(true);
        expect(liveTimers()).toBe(0);
        s[Symbol.dispose]();
        expect(liveTimers()).toBe(0);
        expect(() => s.poll(cx)).toThrow(FutureStateError);
      }),
      { clock: "paused" },
    );
  });

  it("a task whose sleep fired is aborted before it is polled again: it ends cancelled, nothing stays registered", async () => {
    const out = await run(
      asyncBlock(function* () {
        let resumed = false;
        let victim: JoinHandle<void> | null = null;
        // Same deadline, registered first: fires first, so it runs before the victim is polled.
        const killer = spawn(
          asyncBlock(function* () {
            yield* sleep(100);
            victim!.abort();
          }),
        );
        victim = spawn(
          asyncBlock(function* () {
            yield* sleep(100);
            resumed = true;
          }),
        );
        yield* killer;
        let cancelled = false;
        try {
          yield* victim;
        } catch (e) {
          cancelled = e instanceof JoinError && e.isCancelled();
        }
        return { resumed, cancelled, timers: liveTimers() };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ resumed: false, cancelled: true, timers: 0 });
  });

  it("the loser of a select is dropped and its timer unregistered at once", async () => {
    const out = await run(
      asyncBlock(function* () {
        const first = yield* select(sleep(10), sleep(10 * MINUTE));
        first[Symbol.dispose]();
        return { index: first.index, timers: liveTimers() };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ index: 0, timers: 0 });
  });

  it("a sleep whose deadline has passed is ready on its first poll without registering", async () => {
    await run(
      asyncBlock(function* () {
        const s = sleep(0);
        expect(s.poll(countingCx().cx)).toBe(undefined);
        expect(liveTimers()).toBe(0);
        const past = sleepUntil(Instant.now());
        yield* time.advance(5);
        expect(past.poll(countingCx().cx)).toBe(undefined);
      }),
      { clock: "paused" },
    );
  });

  it("on the real clock, sleep(0), a past sleepUntil and an interval's first tick are ready on their first poll", async () => {
    await run(
      asyncBlock(function* () {
        const { cx } = countingCx();
        expect(sleep(0).poll(cx)).toBe(undefined);
        expect(sleepUntil(Instant.now()).poll(cx)).toBe(undefined);
        expect(interval(1000).tick().poll(cx)).toBeInstanceOf(Instant);
        expect(liveTimers()).toBe(0);
        yield* yieldNow();
      }),
    );
  });

  it("sleepUntil ends at its instant", async () => {
    const at = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        yield* sleepUntil(t0.add(2500));
        return t0.elapsed();
      }),
      { clock: "paused" },
    );
    expect(at).toBe(2500);
  });

  it("sleep(Infinity) never fires and holds no wheel entry; dropping it is clean", async () => {
    await run(
      asyncBlock(function* () {
        const forever = sleep(Number.POSITIVE_INFINITY);
        const { cx, wakes } = countingCx();
        expect(forever.poll(cx)).toBe(PENDING);
        expect(liveTimers()).toBe(0);
        yield* time.advance(1000 * DAY);
        expect(wakes()).toBe(0);
        expect(forever.poll(cx)).toBe(PENDING);
        forever[Symbol.dispose]();
      }),
      { clock: "paused" },
    );
  });
});

describe("sleep.reset", () => {
  /** One task sleeps on `s`; the caller resets it; returns when the sleeper woke. */
  function sleeper(s: Sleep, t0: Instant, woke: number[]) {
    return spawn(
      asyncBlock(function* () {
        yield* s;
        woke.push(t0.elapsed());
      }),
    );
  }

  it("reset to an earlier deadline while waited on wakes the sleeper at the new deadline", async () => {
    const woke = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const woke: number[] = [];
        const s = sleep(1000);
        const h = sleeper(s, t0, woke);
        yield* yieldNow(); // the sleeper registers
        s.reset(t0.add(300));
        yield* h;
        expect(liveTimers()).toBe(0);
        return woke;
      }),
      { clock: "paused" },
    );
    expect(woke).toEqual([300]);
  });

  it("reset to a later deadline while waited on does not wake the sleeper at the old one", async () => {
    const woke = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const woke: number[] = [];
        const s = sleep(1000);
        const h = sleeper(s, t0, woke);
        yield* yieldNow();
        s.reset(t0.add(5000));
        expect(liveTimers()).toBe(1);
        yield* h;
        return woke;
      }),
      { clock: "paused" },
    );
    expect(woke).toEqual([5000]);
  });

  it("reset to a deadline already passed wakes the sleeper at once", async () => {
    const woke = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const woke: number[] = [];
        const s = sleep(1000);
        const h = sleeper(s, t0, woke);
        yield* yieldNow();
        yield* time.advance(200);
        s.reset(t0.add(100));
        expect(liveTimers()).toBe(0);
        yield* h;
        return woke;
      }),
      { clock: "paused" },
    );
    expect(woke).toEqual([200]);
  });

  it("reset of a sleep forever while waited on wakes the sleeper, whose next poll registers the new deadline", async () => {
    const out = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const woke: number[] = [];
        const s = sleep(Number.POSITIVE_INFINITY);
        const h = sleeper(s, t0, woke);
        yield* yieldNow(); // the sleeper waits forever, on no wheel
        expect(liveTimers()).toBe(0);
        s.reset(t0.add(700));
        yield* yieldNow(); // the woken sleeper polls again and registers
        const registered = liveTimers();
        yield* h;
        return { registered, woke, left: liveTimers() };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ registered: 1, woke: [700], left: 0 });
  });

  it("reset of a registered sleep to Infinity takes it off the wheel and the sleeper stays asleep", async () => {
    const out = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const woke: number[] = [];
        const s = sleep(1000);
        const h = sleeper(s, t0, woke);
        yield* yieldNow();
        s.reset(Instant.at(Number.POSITIVE_INFINITY));
        const afterReset = liveTimers();
        yield* sleep(5000);
        const stillAsleep = woke.length === 0;
        h.abort();
        return { afterReset, stillAsleep };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ afterReset: 0, stillAsleep: true });
  });

  it("reset before the first poll just moves the deadline; reset after completion makes it wait again", async () => {
    const out = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const s = sleep(1000);
        s.reset(t0.add(400));
        yield* s;
        const first = t0.elapsed();
        s.reset(t0.add(900));
        yield* s;
        return [first, t0.elapsed()];
      }),
      { clock: "paused" },
    );
    expect(out).toEqual([400, 900]);
  });

  it("reset of a dropped sleep throws, and a non-Instant deadline is a TypeError", async () => {
    await run(
      asyncBlock(function* () {
        const s = sleep(10);
        expect(() => s.reset(5 as unknown as Instant)).toThrow(TypeError);
        expect(() => s.reset(5 as unknown as Instant)).toThrow(/deadline must be an Instant/);
        s[Symbol.dispose]();
        expect(() => s.reset(Instant.now())).toThrow(FutureStateError);
        yield* yieldNow();
      }),
      { clock: "paused" },
    );
  });
});

describe("sleep arguments and Instant", () => {
  it("rejects negative, NaN and non-number durations naming the argument", () => {
    expect(() => sleep(-1)).toThrow(RangeError);
    expect(() => sleep(-1)).toThrow("sleep(ms): ms must not be negative, got -1");
    expect(() => sleep(Number.NaN)).toThrow(RangeError);
    expect(() => sleep("5" as unknown as number)).toThrow(TypeError);
    expect(() => sleep("5" as unknown as number)).toThrow("sleep(ms): ms must be a number");
    expect(() => sleepUntil(Date.now() as unknown as Instant)).toThrow(TypeError);
  });

  it("a far sleep on the paused clock gets there by jumps; one past 2^52 ms is never, and reported as such", async () => {
    const at = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        yield* sleep(1e15); // ~31,700 years: 14,552 wheel rotations, jumped one by one
        return t0.elapsed();
      }),
      { clock: "paused" },
    );
    expect(at).toBe(1e15);
    for (const ms of [1e18, 1e300, Number.MAX_VALUE]) {
      const err = await run(
        asyncBlock(function* () {
          yield* sleep(ms);
        }),
        { clock: "paused" },
      ).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeadlockError);
    }
  });

  it("Instant.since is 0 between two instants that are never (not NaN)", () => {
    const never = Instant.at(Number.POSITIVE_INFINITY);
    expect(never.since(never)).toBe(0);
    expect(Instant.at(5).since(never)).toBe(0);
    expect(never.since(Instant.at(5))).toBe(Number.POSITIVE_INFINITY);
  });

  it("a sleep or timeout made outside any runtime counts from its first poll, on that runtime's clock", async () => {
    const rt = new Runtime({ clock: "paused" });
    // Move the paused clock far from the host's, both ways round would do.
    await rt.spawn(
      asyncBlock(function* () {
        yield* sleep(50_000);
      }),
    );
    const made = sleep(100);
    expect(String(made.deadline())).toMatch(/^Instant\(/);
    const gate = timeout(100, pending());
    const t0 = await rt.spawn(
      asyncBlock(function* () {
        return Instant.now();
      }),
    );
    const slept = await rt.spawn(
      asyncBlock(function* () {
        yield* made;
        return t0.elapsed();
      }),
    );
    expect(slept).toBe(100);
    const failed = await rt.spawn(gate).then(
      () => null,
      (e: unknown) => e,
    );
    expect((failed as JoinError).cause).toBeInstanceOf(TimeoutError);
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });

  it("a sleep polled outside a runtime says it needs one", () => {
    expect(() => sleep(10).poll(new Context(Waker.noop()))).toThrow(
      "sleep() must be used by a task inside a Brigade runtime",
    );
  });

  it("Instant measures virtual time inside a paused runtime: real time passing does not move it", async () => {
    const out = await run(
      asyncBlock(function* () {
        const t0 = Instant.now();
        const realStart = performance.now();
        while (performance.now() - realStart < 5) {
          // busy: real time passes, the paused clock does not
        }
        const still = t0.elapsed();
        yield* sleep(1234);
        const later = Instant.now();
        return { still, since: later.since(t0), back: t0.since(later), ordered: t0 < later };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ still: 0, since: 1234, back: 0, ordered: true });
  });

  it("Instant.add rejects bad durations naming the argument", async () => {
    // On the paused clock, where instants are whole milliseconds: the host's clock is a float, and
    // (t + 10) - t need not be exactly 10 there.
    const now = await run(
      asyncBlock(function* () {
        return Instant.now();
      }),
      { clock: "paused" },
    );
    expect(() => now.add(-5)).toThrow("instant.add(ms): ms must not be negative, got -5");
    expect(() => now.since(3 as unknown as Instant)).toThrow(TypeError);
    expect(now.add(10).since(now)).toBe(10);
  });
});

describe("a sleep belongs to the runtime it was made in", () => {
  it("made on a paused runtime, awaited by a task of a real-time one: it ends when the paused clock reaches it", async () => {
    const paused = new Runtime({ clock: "paused" });
    await paused.spawn(time.advance(3_600_000)); // an hour of virtual time has passed there
    let made: Sleep | null = null;
    await paused.spawn(
      asyncBlock(function* () {
        made = sleep(10);
      }),
    );
    const deadline = paused.now() + 10;
    const real = new Runtime();
    // On the real runtime's clock the deadline (an hour and 10 ms) would be an hour away.
    await real.spawn(made!);
    expect(paused.now()).toBe(deadline);
    await Promise.all([paused.shutdown(), real.shutdown()]);
  });

  it("made on a real-time runtime, awaited by a task of a paused one: the paused clock does not decide", async () => {
    const paused = new Runtime({ clock: "paused" });
    await paused.spawn(time.advance(3_600_000));
    const real = new Runtime();
    let made: Sleep | null = null;
    await real.spawn(
      asyncBlock(function* () {
        made = sleep(20);
      }),
    );
    const before = paused.now();
    const first = await paused.spawn(
      asyncBlock(function* () {
        const s = made!;
        const r = s.poll(new Context(Waker.noop())) === PENDING ? "pending" : "ready";
        yield* s;
        return r;
      }),
    );
    // An hour ahead on the paused clock, the deadline would have passed at the first poll.
    expect(first).toBe("pending");
    expect(paused.now()).toBe(before);
    await Promise.all([paused.shutdown(), real.shutdown()]);
  });
});
