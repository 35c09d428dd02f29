/**
 * Clocks: the kitchen's wall clock, or a clock on the test bench whose hands only move when you
 * move them. A runtime reads time through one small interface, so every timer works the same on
 * either; which one a runtime uses is chosen in one place, {@link createClock}.
 *
 * - The real clock is monotonic: `performance.now()` (never goes back, unlike `Date.now()`), plus
 *   an offset so that resuming after a pause carries on from the paused time instead of jumping.
 * - The paused clock stands still. The time driver moves it: `time.advance(ms)`, or auto-advance
 *   to the next timer when every task is idle (see `driver.ts`).
 *
 * Times are milliseconds on one time line shared by every runtime of the process (that of
 * `performance.now()`), so an `Instant` taken outside a runtime compares with one taken inside.
 */

/**
 * The host's monotonic clock, taken once: on Node the global `performance` is a lazy getter, which
 * cost a few nanoseconds on every read (the executor reads the clock twice per turn).
 */
const host: { now(): number } = globalThis.performance;

/**
 * Which clock a runtime starts with: the wall clock; a paused one that auto-advances to the next
 * timer when the runtime is idle (tokio's `start_paused`); or a manual one that moves only with
 * `time.advance(ms)` (Effect's `TestClock`), for a test whose native code the runtime cannot see.
 */
export type ClockKind = "real" | "paused" | "manual";

/** What a runtime asks of its clock. */
export interface Clock {
  /** Whether time moves only when told to. */
  readonly paused: boolean;
  /** Whether an idle runtime moves it to the next timer by itself (a paused clock, not a manual one). */
  readonly autoAdvances: boolean;
  /** The current time, in ms. Never decreases. */
  now(): number;
}

/** The monotonic wall clock. */
export class RealClock implements Clock {
  readonly paused = false;
  readonly autoAdvances = false;
  private readonly offset: number;

  /** A real clock reading `startAt` now (default: the host's own monotonic time). */
  constructor(startAt?: number) {
    this.offset = startAt === undefined ? 0 : startAt - host.now();
  }

  now(): number {
    return host.now() + this.offset;
  }
}

/** A clock that stands still until it is moved forward. */
export class PausedClock implements Clock {
  readonly paused = true;

  constructor(
    private time: number,
    /** False for a manual clock: only `time.advance` moves it. */
    readonly autoAdvances = true,
  ) {}

  now(): number {
    return this.time;
  }

  /** Move the hands to `time`; a time in the past leaves them where they are. */
  moveTo(time: number): void {
    if (time > this.time) this.time = time;
  }
}

/**
 * The host's monotonic time, in ms: what `Instant.now()` reads outside a runtime, and what the
 * executor times its turns and polls with (the long-poll check, instrumentation).
 */
export function hostNow(): number {
  return host.now();
}

/** The one place a clock is chosen: a `kind` of clock reading `startAt` now. */
export function createClock(kind: ClockKind, startAt: number): Clock {
  if (kind === "real") return new RealClock(startAt);
  return new PausedClock(startAt, kind === "paused");
}
