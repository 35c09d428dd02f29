/**
 * interval: the bell that rings every so often (the baker's "check the oven every 10 minutes").
 * `interval(ms)` ticks first at once, then every `ms` after its start; each `tick()` is a future of
 * the instant the tick was scheduled for. Unlike sleeping in a loop, the time spent between ticks
 * counts, so the rhythm does not drift.
 *
 * When ticks are missed (the task was busy longer than a period, by more than 5 ms as in tokio),
 * the {@link MissedTickBehavior} decides what comes next, exactly as tokio's:
 * - `Burst` (default): the missed ticks fire at once, back to back, until caught up; the schedule
 *   stays `start + n × period`.
 * - `Delay`: the next tick is one period after the late one; the schedule shifts.
 * - `Skip`: the missed ticks are dropped; the next tick is the next `start + n × period` after now.
 *
 * `tick()` is cancel-safe: dropping a pending tick future (say, the loser of a `select`) consumes no
 * tick. The interval owns one sleep, reused for every tick; disposing the interval unregisters it.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { timeAmbient } from "./driver.js";
import { checkDuration, checkInstant, Instant, nowMs } from "./instant.js";
import { Sleep, sleepFor } from "./sleep.js";

/**
 * What an interval does after it missed ticks. See the module doc for each behaviour.
 *
 * @example
 * ```ts
 * const oven = interval(600_000);
 * oven.setMissedTickBehavior(MissedTickBehavior.Skip);
 * ```
 */
export const MissedTickBehavior = {
  /** Fire the missed ticks at once until caught up (the default). */
  Burst: "burst",
  /** Start a new rhythm one period after the late tick. */
  Delay: "delay",
  /** Drop the missed ticks; keep the original rhythm. */
  Skip: "skip",
} as const;

/** One of {@link MissedTickBehavior}'s values. */
export type MissedTickBehavior = (typeof MissedTickBehavior)[keyof typeof MissedTickBehavior];

/** How late a tick may be before it counts as missed (tokio's tolerance for timer jitter). */
const MISSED_AFTER_MS = 5;

/**
 * A schedule of ticks every `period` ms. Made by {@link interval} and {@link intervalAt}.
 *
 * @example
 * ```ts
 * using bell = interval(1000);
 * for (let i = 0; i < 3; i++) yield* bell.tick(); // at 0, 1000 and 2000 ms
 * ```
 */
export class Interval implements Disposable {
  private readonly delay: Sleep;
  private behavior: MissedTickBehavior = MissedTickBehavior.Burst;
  /**
   * The schedule, exactly: tick `n` is due at `origin + n × period`. The sleep keeps whole
   * milliseconds (rounded up, never early): a schedule computed from those would stretch a period
   * of 16.7 ms to 17, and one made by adding the period again and again would drift by rounding.
   */
  private origin: number;
  private n = 0;
  /** Disposed: its timer is gone, and a tick or a reset is a misuse. */
  private disposed = false;

  /**
   * @internal use `interval` or `intervalAt`. `start` is `NaN` for an interval made outside any
   * runtime: its rhythm starts at its first tick, on the clock of the runtime polling it.
   */
  constructor(
    start: number,
    /** Milliseconds between ticks. */
    readonly period: number,
    delay: Sleep = new Sleep(start, nowMs()),
  ) {
    this.origin = start;
    this.delay = delay;
  }

  /**
   * A future of the next tick: ready when it is due, with the instant it was scheduled for.
   *
   * Cancel safety: cancel-safe. A `tick()` dropped before it is ready (the loser of a race)
   * consumes nothing: the tick stays due, and the next `tick()` gets it.
   *
   * @example
   * ```ts
   * const at = yield* bell.tick();
   * ```
   */
  tick(): FutureBase<Instant> {
    return new Tick(this);
  }

  /** @internal one poll of a tick future. */
  pollTick(cx: Context): Poll<Instant> {
    if (this.disposed) throw this.misuse("a tick of it was polled");
    const delay = this.delay;
    if (delay.poll(cx) === PENDING) return PENDING;
    // The schedule is on the clock of the interval's runtime, which may not be the one polling.
    const now = delay.clockNow();
    // Made outside a runtime (see the constructor): the rhythm starts now.
    if (Number.isNaN(this.origin)) this.origin = now;
    const period = this.period;
    const due = this.origin + this.n * period;
    if (now <= due + MISSED_AFTER_MS || this.behavior === MissedTickBehavior.Burst) {
      this.n++;
    } else if (this.behavior === MissedTickBehavior.Delay) {
      // A new rhythm, one period after the late tick.
      this.origin = now + period;
      this.n = 0;
    } else {
      // Skip: the first tick of the original rhythm after now.
      this.n += Math.floor((now - due) / period) + 1;
    }
    delay.resetAt(this.origin + this.n * period);
    return Instant.at(due);
  }

  /**
   * Start the rhythm again: the next tick is one period from now.
   *
   * @example
   * ```ts
   * bell.reset(); // the oven door was opened: count ten minutes from now
   * ```
   */
  reset(): void {
    if (this.disposed) throw this.misuse("it was reset");
    this.origin = this.delay.clockNow() + this.period;
    this.n = 0;
    this.delay.resetAt(this.origin);
  }

  /**
   * The behaviour after missed ticks.
   *
   * @example
   * ```ts
   * const rounds = interval(1000);
   * rounds.setMissedTickBehavior(MissedTickBehavior.Skip);
   * console.log(rounds.missedTickBehavior()); // "skip"
   * ```
   */
  missedTickBehavior(): MissedTickBehavior {
    return this.behavior;
  }

  /**
   * Choose what happens after missed ticks.
   *
   * @example
   * ```ts
   * bell.setMissedTickBehavior(MissedTickBehavior.Delay);
   * ```
   */
  setMissedTickBehavior(behavior: MissedTickBehavior): void {
    if (
      behavior !== MissedTickBehavior.Burst &&
      behavior !== MissedTickBehavior.Delay &&
      behavior !== MissedTickBehavior.Skip
    ) {
      throw new RangeError(
        `interval.setMissedTickBehavior(behavior): behavior must be MissedTickBehavior.Burst, .Delay or .Skip, got ${String(behavior)}`,
      );
    }
    this.behavior = behavior;
  }

  /**
   * Stop ticking: the interval's timer leaves the wheel if it is on it (`rt.metrics().liveTimers`
   * drops), a task waiting in `tick()` is not woken, and a later tick or `reset()` throws
   * `FutureStateError`. Idempotent.
   *
   * @example
   * ```ts
   * using bell = interval(1000); // the bell stops ringing at the scope's end
   * ```
   */
  [Symbol.dispose](): void {
    this.disposed = true;
    this.delay[Symbol.dispose]();
  }

  private misuse(what: string): FutureStateError {
    return new FutureStateError(`interval(${this.period}): ${what} after it was disposed`);
  }
}

/** One tick: a one-shot future, as every future is (polled again, it would take the next tick). */
class Tick extends FutureBase<Instant> {
  private done = false;

  constructor(private readonly interval: Interval) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `interval(${this.interval.period}).tick()`, children: [] };
  }

  poll(cx: Context): Poll<Instant> {
    if (this.done) {
      throw new FutureStateError(
        "interval.tick() was polled after it completed (call tick() again for the next tick)",
      );
    }
    const r = this.interval.pollTick(cx);
    if (r !== PENDING) this.done = true;
    return r;
  }
}

function checkPeriod(ms: unknown, where: string): number {
  const period = checkDuration(ms, where);
  if (period === 0) throw new RangeError(`${where} must be greater than 0, got 0`);
  return period;
}

/**
 * Ticks every `ms` milliseconds; the first tick is ready at once.
 *
 * @example
 * ```ts
 * using oven = interval(10 * 60_000);
 * for (;;) {
 *   yield* oven.tick();
 *   checkTheBread();
 * }
 * ```
 */
export function interval(ms: number): Interval {
  const period = checkPeriod(ms, "interval(ms): ms");
  // Outside any runtime (native code preparing a task), the first tick is at the first poll, on
  // the clock of the runtime that polls it, as a sleep made there (sleep.ts, `UNSTARTED`).
  if (timeAmbient.driver === null) return new Interval(Number.NaN, period, sleepFor(0));
  return new Interval(nowMs(), period);
}

/**
 * Ticks every `ms` milliseconds, the first at `start`.
 *
 * @example
 * ```ts
 * using rounds = intervalAt(Instant.now().add(5000), 1000); // first at 5 s, then every second
 * ```
 */
export function intervalAt(start: Instant, ms: number): Interval {
  const at = checkInstant(start, "intervalAt(start, ms): start").ms;
  return new Interval(at, checkPeriod(ms, "intervalAt(start, ms): ms"));
}
