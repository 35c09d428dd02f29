/**
 * sleep: the kitchen timer. A leaf future that is ready once its deadline has passed.
 *
 * As tokio's `Sleep`: the deadline is fixed when the sleep is made (now on the runtime's clock,
 * plus the duration) and kept in whole milliseconds, the wheel's resolution (rounded up while it
 * lies ahead, so a sleep never ends early); nothing is registered until the first poll (lazy), and
 * dropping the sleep unregisters it.
 *
 * A sleep is its own timer-wheel entry: the wheel links sleeps through their own fields, and the
 * deadline is the entry's tick (`when`), a small integer, so arming and cancelling allocate nothing
 * and a parked sleep is one object of six fields (a parked task's bytes are a benchmark target).
 *
 * A sleep belongs to the runtime it was made in, as tokio's does: its deadline is a time on that
 * runtime's clock, so it registers on that runtime's wheel even when a task of another runtime
 * awaits it (the wheel wakes that task across runtimes). Compared with another runtime's clock, a
 * paused one say, the deadline would mean another moment. A sleep made outside any runtime
 * belongs to the first runtime that polls it.
 *
 * States (one at a time), kept in the entry's `slot` field: while the sleep is on the wheel that
 * field holds its slot's list, and off the wheel one of these numbers.
 * - `IDLE`: has a deadline, not on the wheel. Made, or `reset` while not waited on.
 * - registered (`slot` is a list): on the wheel, holding the waker of its last poll.
 * - `FOREVER`: the deadline is `Infinity` (or too far to tell from it, see `FAR_TICK`): holds the
 *   waker, never on the wheel, never fires.
 *   Reset to a finite deadline, it wakes its poller, whose next poll registers it.
 * - `FIRED`: the wheel fired it and woke its poller; the next poll is ready.
 * - `DONE`: returned ready. `reset` makes it `IDLE` again (so an interval can reuse it).
 * - `DROPPED`: disposed. `ABANDONED`: its runtime shut down while it was registered (its poller
 *   was woken; its next poll throws).
 * - `UNSTARTED`: `sleep(ms)` made outside any runtime (in native code, to hand to `rt.spawn`):
 *   `when` holds the duration, rounded up to a whole ms, and the deadline is fixed by the first
 *   poll, on the clock of the runtime polling it. (tokio refuses to make a sleep outside a
 *   runtime; the host's clock would be the wrong one for a runtime in paused time.)
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "../task/budget.js";
import { currentDriver, type TimeDriver, timeAmbient } from "./driver.js";
import { checkDuration, checkInstant, Instant, nowMs } from "./instant.js";
import { type SlotList, type TimerEntry, UNLINKED } from "./wheel.js";

export { checkDuration } from "./instant.js";

// Off-the-wheel states (a registered sleep's `slot` is a list). The wheel leaves an entry it
// unlinks at `UNLINKED`, which is `IDLE`; the sleep then sets its own state.
const IDLE = UNLINKED;
const FOREVER = -2;
const FIRED = -3;
const DONE = -4;
const DROPPED = -5;
const ABANDONED = -6;
const UNSTARTED = -7;

/** `when` of a sleep whose deadline is `Infinity` (kept a small integer: see the module doc). */
const NEVER = -1;

/**
 * Deadlines past this tick (2^52 ms, some 140,000 years) count as never: a whole millisecond is
 * still exact there, and the paused clock, which jumps one wheel rotation (2^36 ms) at a time
 * toward a far deadline, gets there in at most 65,536 jumps. (`sleep(1e300)` used to spin for ever.)
 */
const FAR_TICK = 2 ** 52;

/**
 * The tick of a deadline, given the time `now`: a future deadline is rounded up to a whole
 * millisecond (never early), a past one down (so that it is seen as passed at once); `Infinity`,
 * or anything past {@link FAR_TICK}, is {@link NEVER}.
 */
function tickOf(deadline: number, now: number): number {
  if (deadline > FAR_TICK) return NEVER;
  // Less than a nanosecond over a whole millisecond is arithmetic residue (1000 / 60 * 60 is
  // 1000.0000000000001), not a reason to wait a millisecond more.
  return deadline <= now ? Math.floor(deadline) : Math.ceil(deadline - 1e-6);
}

/**
 * A future that is ready at its deadline. Made by {@link sleep} and {@link sleepUntil}.
 *
 * @example
 * ```ts
 * const timer = sleep(1000);
 * timer.reset(Instant.now().add(5000)); // five seconds instead
 * yield* timer;
 * ```
 */
export class Sleep extends FutureBase<void> implements Disposable {
  // A `TimerEntry` on its runtime's wheel, structurally: those members are marked internal, left
  // out of the published types, so the class does not name the interface there.
  // The wheel's intrusive fields (see wheel.ts). `when` is also the deadline, in whole ms; `slot`
  // is also the state (see the module doc).
  /** @internal */ when: number;
  /** @internal */ slot: SlotList<TimeDriver> | number = IDLE;
  /** @internal */ prevEntry: TimerEntry<TimeDriver> | null = null;
  /** @internal */ nextEntry: TimerEntry<TimeDriver> | null = null;
  private waker: Waker | null = null;
  /** The runtime's time driver whose clock the deadline is on; `null` until a runtime polls it. */
  private driver: TimeDriver | null = timeAmbient.driver;

  /** Not for direct use: use `sleep` or `sleepUntil` (`now` is the clock's time when it is made). */
  constructor(deadline: number, now: number) {
    super();
    this.when = tickOf(deadline, now);
  }

  /**
   * Ready once the deadline has passed; until then `PENDING`, with the sleep on its runtime's
   * timer wheel holding `cx.waker` (registered on the first poll). Polled after it was dropped or
   * completed (and not reset), it throws `FutureStateError`. `yield*` calls this; a hand-written
   * future with a deadline of its own calls it directly.
   *
   * @example
   * ```ts
   * if (this.deadline.poll(cx) !== PENDING) throw new Error("order timed out"); // in a poll(cx)
   * ```
   */
  poll(cx: Context): Poll<void> {
    return this.pollTimer(cx, true);
  }

  /**
   * @internal The poll, optionally without spending the task's budget: a timeout's own timer must
   * fire even when the future it guards has spent it all.
   */
  pollTimer(cx: Context, spendBudget: boolean): Poll<void> {
    const state = this.slot;
    if (typeof state !== "number" || state === FOREVER) {
      this.waker = cx.waker;
      return PENDING;
    }
    if (state === FIRED) return this.complete(cx, spendBudget);
    let driver = this.driver;
    if (driver === null) {
      driver = currentDriver("sleep()");
      this.driver = driver;
    }
    if (state !== IDLE) {
      if (state !== UNSTARTED) throw this.misuse("polled");
      // Made outside any runtime: the duration counts from now, on this runtime's clock.
      const now = driver.now();
      this.when = tickOf(now + this.when, now);
      this.slot = IDLE;
    }
    const when = this.when;
    if (when !== NEVER && driver.hasPassed(when)) return this.complete(cx, spendBudget);
    this.waker = cx.waker;
    // Registering sets `slot` to the wheel slot's list: the sleep is registered.
    if (when === NEVER) this.slot = FOREVER;
    else driver.register(this, when, cx.owner);
    return PENDING;
  }

  private complete(cx: Context, spendBudget: boolean): Poll<void> {
    // Out of budget: stay as we are; pollProceed has already woken the task to poll again.
    if (spendBudget && !pollProceed(cx)) return PENDING;
    this.slot = DONE;
    this.waker = null;
    return undefined;
  }

  /** @internal the wheel of `driver`: the deadline has come (it has unlinked the sleep). */
  fire(driver: TimeDriver): void {
    this.slot = FIRED;
    const w = this.waker;
    this.waker = null;
    if (w === null) return;
    const probe = driver.probe;
    if (probe === null) w.wake();
    else probe.fired(this, w);
  }

  /**
   * @internal the driver: the runtime shut down while this sleep was on the wheel. Its poller
   * (a task of another runtime, or a hand-polled future) is woken, so that its next poll says so
   * instead of waiting for ever (tokio fires such timers with a shutdown error).
   */
  abandon(): void {
    this.slot = ABANDONED;
    const w = this.waker;
    this.waker = null;
    if (w !== null) w.wake();
  }

  /**
   * Move the deadline, earlier or later, even after the sleep has completed (it then waits again).
   * A sleep being waited on is re-armed at once, and wakes its task now if the new deadline has
   * already passed.
   *
   * @example
   * ```ts
   * // An idle timeout: every order pushes closing time back.
   * const closing = sleep(30_000);
   * for (;;) {
   *   const next = yield* select(orders.recv(), closing);
   *   if (next.index === 1) break;
   *   closing.reset(Instant.now().add(30_000));
   * }
   * ```
   */
  reset(deadline: Instant): void {
    this.resetAt(checkInstant(deadline, "sleep.reset(deadline): deadline").ms);
  }

  /** @internal `reset` to a time in ms on the sleep's clock, with no `Instant` made. */
  resetAt(at: number): void {
    const state = this.slot;
    if (state === DROPPED || state === ABANDONED) throw this.misuse("reset");
    if (typeof state !== "number") {
      // On the wheel, waited on: move it, or ring it now if the new deadline has passed.
      const driver = state.wheel.owner;
      const now = driver.now();
      const when = tickOf(at, now);
      driver.deregister(this);
      this.when = when;
      if (when === NEVER) this.slot = FOREVER;
      else if (when <= now) this.fire(driver);
      else driver.register(this, when, null);
      return;
    }
    const when = tickOf(at, this.driver?.now() ?? nowMs());
    this.when = when;
    if (state !== FOREVER) {
      // Nobody waits (or the poller was already woken): the next poll registers.
      this.slot = IDLE;
    } else if (when !== NEVER) {
      // Waited on, but a sleep forever is on no wheel, so it knows no driver: its poller's next
      // poll registers the new deadline (or finds it passed).
      this.slot = IDLE;
      const w = this.waker!;
      this.waker = null;
      w.wake();
    }
  }

  /**
   * The deadline.
   *
   * @example
   * ```ts
   * const left = sleep.deadline().since(Instant.now());
   * ```
   */
  deadline(): Instant {
    // Not started (made outside a runtime): as if it started now.
    if (this.slot === UNSTARTED) return Instant.at(nowMs() + this.when);
    return Instant.at(this.deadlineTime());
  }

  /** For task dumps and deadlock reports: when this timer rings, on the runtime's clock. */
  [DESCRIBE](): Description {
    const state = this.slot;
    const driver =
      typeof state === "number" ? (this.driver ?? timeAmbient.driver) : state.wheel.owner;
    return {
      label:
        this.when === NEVER
          ? "sleep forever"
          : state === UNSTARTED
            ? `sleep ${this.when} ms from its first poll`
            : driver === null
              ? `sleep until ${this.when} ms (host clock)`
              : `sleep until t=${this.when - driver.origin} ms`,
      children: [],
    };
  }

  /**
   * @internal now, on the clock the deadline is on: that of the sleep's runtime (which may not be
   * the runtime polling it), or the current one's before a runtime has polled it.
   */
  clockNow(): number {
    const driver = this.driver;
    return driver === null ? nowMs() : driver.now();
  }

  /** @internal the deadline as a time-line value, without making an Instant. */
  deadlineTime(): number {
    return this.when === NEVER ? Number.POSITIVE_INFINITY : this.when;
  }

  /**
   * Whether the deadline has been reached (the sleep fired or completed).
   *
   * @example
   * ```ts
   * if (!timer.isElapsed()) console.log("still boiling");
   * ```
   */
  isElapsed(): boolean {
    return this.slot === FIRED || this.slot === DONE;
  }

  /**
   * Take the timer off the wheel if it is on it (`rt.metrics().liveTimers` drops by one) and
   * forget the waker: the task that was waiting is not woken, and polling the sleep again throws
   * `FutureStateError`. Idempotent.
   *
   * @example
   * ```ts
   * const timer = sleep(60_000);
   * timer[Symbol.dispose](); // off the wheel at once, never rings
   * ```
   */
  [Symbol.dispose](): void {
    const state = this.slot;
    if (typeof state !== "number") state.wheel.owner.deregister(this);
    this.slot = DROPPED;
    this.waker = null;
  }

  /**
   * @internal off the wheel, its waker forgotten, but kept for a later `resetAt` (an adapter whose
   * period is not needed for now; the sleep object is reused, not remade).
   */
  disarm(): void {
    const state = this.slot;
    if (state === DROPPED || state === ABANDONED || state === UNSTARTED) return;
    if (typeof state !== "number") state.wheel.owner.deregister(this);
    this.slot = DONE;
    this.waker = null;
  }

  private misuse(what: string): FutureStateError {
    const why =
      this.slot === DONE
        ? "it completed (reset it first)"
        : this.slot === DROPPED
          ? "it was dropped (a race or select drops the branches that lose: for a deadline kept across a loop's passes, race a new sleepUntil(deadline) each pass)"
          : "its runtime shut down";
    return new FutureStateError(`a sleep was ${what} after ${why}`);
  }
}

/**
 * A future that is ready after `ms` milliseconds on the runtime's clock (`Infinity`: never).
 *
 * @example
 * ```ts
 * yield* sleep(3000); // the pasta boils
 * ```
 */
export function sleep(ms: number): Sleep {
  return sleepFor(checkDuration(ms, "sleep(ms): ms"));
}

/**
 * @internal a sleep of `ms` (checked) from now on the current runtime's clock, or, made outside
 * any runtime, from its first poll (see `UNSTARTED`).
 */
export function sleepFor(ms: number): Sleep {
  if (timeAmbient.driver === null && ms !== Number.POSITIVE_INFINITY) {
    const s = new Sleep(Number.POSITIVE_INFINITY, 0);
    s.when = Math.ceil(ms);
    s.slot = UNSTARTED;
    return s;
  }
  const now = nowMs();
  return new Sleep(now + ms, now);
}

/**
 * A future that is ready at `deadline`.
 *
 * @example
 * ```ts
 * const opening = Instant.now().add(60_000);
 * yield* sleepUntil(opening);
 * ```
 */
export function sleepUntil(deadline: Instant): Sleep {
  return new Sleep(checkInstant(deadline, "sleepUntil(deadline): deadline").ms, nowMs());
}
