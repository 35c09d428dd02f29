/**
 * Instant: a reading of the kitchen clock. Inside a task it reads the runtime's clock, so under a
 * paused clock it shows virtual time; outside any runtime it reads the host's monotonic time.
 * Instants are immutable; durations between them are milliseconds, never negative (tokio's
 * `Instant`, with `duration_since` saturating at zero as in Rust's std).
 */
import { hostNow } from "./clock.js";
import { timeAmbient } from "./driver.js";

/** Check a duration argument: a number of milliseconds, not negative, not NaN. */
export function checkDuration(ms: unknown, where: string): number {
  if (typeof ms !== "number") {
    throw new TypeError(`${where} must be a number of milliseconds, got ${typeof ms}`);
  }
  if (Number.isNaN(ms)) throw new RangeError(`${where} must be a number of milliseconds, got NaN`);
  if (ms < 0) throw new RangeError(`${where} must not be negative, got ${ms}`);
  return ms;
}

/** The current time in ms on the clock of the runtime polling now, or the host's outside one. */
export function nowMs(): number {
  const driver = timeAmbient.driver;
  return driver === null ? hostNow() : driver.now();
}

/**
 * A point in time, measured on a runtime's clock.
 *
 * @example
 * ```ts
 * const start = Instant.now();
 * yield* sleep(3000);
 * start.elapsed(); // 3000 under a paused clock
 * ```
 */
export class Instant {
  /**
   * Milliseconds on the process's monotonic time line (that of `performance.now()`). Compare
   * instants with `since`, `<` and `>` (`valueOf` returns this).
   */
  readonly ms: number;

  private constructor(ms: number) {
    this.ms = ms;
  }

  /** @internal an instant at `ms` on the time line. */
  static at(ms: number): Instant {
    return new Instant(ms);
  }

  /**
   * Now, on the clock of the runtime whose task is running (virtual under a paused clock), or on
   * the host's monotonic clock outside a runtime.
   *
   * @example
   * ```ts
   * const orderTaken = Instant.now();
   * ```
   */
  static now(): Instant {
    return new Instant(nowMs());
  }

  /**
   * Milliseconds since this instant, on the current clock (0 if it is in the future).
   *
   * @example
   * ```ts
   * if (orderTaken.elapsed() > 60_000) apologise();
   * ```
   */
  elapsed(): number {
    const d = nowMs() - this.ms;
    return Math.max(d, 0);
  }

  /**
   * The instant `ms` milliseconds later. `Infinity` gives an instant that never comes.
   *
   * @example
   * ```ts
   * const serveBy = Instant.now().add(15 * 60_000);
   * yield* timeoutAt(serveBy, cookDish("Soup", 1000));
   * ```
   */
  add(ms: number): Instant {
    return new Instant(this.ms + checkDuration(ms, "instant.add(ms): ms"));
  }

  /**
   * Milliseconds from `earlier` to this instant, or 0 if `earlier` is not earlier.
   *
   * @example
   * ```ts
   * const waited = served.since(ordered);
   * ```
   */
  since(earlier: Instant): number {
    const d = this.ms - checkInstant(earlier, "instant.since(earlier): earlier").ms;
    // Not earlier, or both never (Infinity − Infinity is NaN): no time between them.
    // biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 0) is NaN, the bug this avoids.
    return d > 0 ? d : 0;
  }

  /**
   * Whether `other` is the same point on the time line (`===` compares the objects, not the
   * times; `a < b` and `a > b` compare times through `valueOf`).
   *
   * @example
   * ```ts
   * if (entry.expiresAt.equals(next.expiresAt)) console.log("they expire together");
   * ```
   */
  equals(other: Instant): boolean {
    return this.ms === checkInstant(other, "instant.equals(other): other").ms;
  }

  /**
   * The time-line value, so that `a < b` compares instants (use `equals` for equality).
   *
   * @example
   * ```ts
   * const opened = Instant.now();
   * if (Instant.now() > opened) console.log("time has passed since opening");
   * ```
   */
  valueOf(): number {
    return this.ms;
  }

  /**
   * `Instant(<ms> ms)`, the point on the time line, for logs and test failures.
   *
   * @example
   * ```ts
   * console.log(`order taken at ${Instant.now()}`); // e.g. "order taken at Instant(1500 ms)"
   * ```
   */
  toString(): string {
    return `Instant(${this.ms} ms)`;
  }
}

/** Throw a clear `TypeError` unless `value` is an {@link Instant}; `where` names the argument. */
export function checkInstant(value: unknown, where: string): Instant {
  if (!(value instanceof Instant)) {
    const got = value === null ? "null" : typeof value;
    throw new TypeError(`${where} must be an Instant (Instant.now().add(ms)), got ${got}`);
  }
  return value;
}
