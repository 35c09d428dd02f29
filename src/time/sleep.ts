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
 * and a parked sleep is one object of seven fields.
 *
 * States (one at a time):
 * - `IDLE`: has a deadline, not on the wheel. Made, or `reset` while not waited on.
 * - `REGISTERED`: on the wheel, holding the waker of its last poll.
 * - `FOREVER`: the deadline is `Infinity`: holds the waker, never on the wheel, never fires.
 * - `FIRED`: the wheel fired it and woke its poller; the next poll is ready.
 * - `DONE`: returned ready. `reset` makes it `IDLE` again (so an interval can reuse it).
 * - `DROPPED`: disposed. `ABANDONED`: its runtime shut down while it was registered.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "../task/budget.js";
import { currentDriver, type TimeDriver } from "./driver.js";
import { checkDuration, checkInstant, Instant, nowMs } from "./instant.js";
import { type TimerEntry, UNLINKED } from "./wheel.js";

export { checkDuration } from "./instant.js";

const IDLE = 0;
const REGISTERED = 1;
const FOREVER = 2;
const FIRED = 3;
const DONE = 4;
const DROPPED = 5;
const ABANDONED = 6;

/** `when` of a sleep whose deadline is `Infinity` (kept a small integer: see the module doc). */
const NEVER = -1;

/**
 * The tick of a deadline, given the time `now`: a future deadline is rounded up to a whole
 * millisecond (never early), a past one down (so that it is seen as passed at once); `Infinity`
 * is {@link NEVER}.
 */
function tickOf(deadline: number, now: number): number {
  if (deadline === Number.POSITIVE_INFINITY) return NEVER;
  return deadline <= now ? Math.floor(deadline) : Math.ceil(deadline);
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
export class Sleep extends FutureBase<void> implements TimerEntry, Disposable {
  // The wheel's intrusive fields (see wheel.ts). `when` is also the deadline, in whole ms.
  /** @internal */ when: number;
  /** @internal */ slot = UNLINKED;
  /** @internal */ prevEntry: TimerEntry | null = null;
  /** @internal */ nextEntry: TimerEntry | null = null;
  private state = IDLE;
  private waker: Waker | null = null;
  private driver: TimeDriver | null = null;

  /** @internal use `sleep` or `sleepUntil`; `now` is the clock's time when it is made. */
  constructor(deadline: number, now: number) {
    super();
    this.when = tickOf(deadline, now);
  }

  poll(cx: Context): Poll<void> {
    return this.pollTimer(cx, true);
  }

  /**
   * @internal The poll, optionally without spending the task's budget: a timeout's own timer must
   * fire even when the future it guards has spent it all.
   */
  pollTimer(cx: Context, spendBudget: boolean): Poll<void> {
    switch (this.state) {
      case IDLE: {
        const driver = this.driver ?? currentDriver("sleep()");
        const when = this.when;
        if (when !== NEVER && driver.hasPassed(when)) return this.complete(cx, spendBudget);
        this.driver = driver;
        this.waker = cx.waker;
        if (when === NEVER) {
          this.state = FOREVER;
        } else {
          driver.register(this, when, cx.owner);
          this.state = REGISTERED;
        }
        return PENDING;
      }
      case REGISTERED:
      case FOREVER:
        this.waker = cx.waker;
        return PENDING;
      case FIRED:
        return this.complete(cx, spendBudget);
      default:
        throw this.misuse("polled");
    }
  }

  private complete(cx: Context, spendBudget: boolean): Poll<void> {
    // Out of budget: stay as we are; pollProceed has already woken the task to poll again.
    if (spendBudget && !pollProceed(cx)) return PENDING;
    this.state = DONE;
    this.waker = null;
    return undefined;
  }

  /** @internal the wheel: the deadline has come. */
  fire(): void {
    this.state = FIRED;
    const w = this.waker;
    this.waker = null;
    if (w === null) return;
    const probe = this.driver!.probe;
    if (probe === null) w.wake();
    else probe.fired(this, w);
  }

  /** @internal the driver: the runtime shut down while this sleep was on the wheel. */
  abandon(): void {
    this.state = ABANDONED;
    this.waker = null;
    this.driver = null;
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
    const at = checkInstant(deadline, "sleep.reset(deadline): deadline").ms;
    const when = tickOf(at, this.driver === null ? nowMs() : this.driver.now());
    const state = this.state;
    if (state === DROPPED || state === ABANDONED) throw this.misuse("reset");
    if (state === REGISTERED) this.driver!.deregister(this);
    this.when = when;
    if (state !== REGISTERED && state !== FOREVER) {
      // Nobody waits (or the poller was already woken): the next poll registers.
      this.state = IDLE;
      return;
    }
    const driver = this.driver!;
    if (when === NEVER) {
      this.state = FOREVER;
    } else if (when <= driver.now()) {
      this.fire();
    } else {
      driver.register(this, when, null);
      this.state = REGISTERED;
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
    return Instant.at(this.deadlineTime());
  }

  /** For task dumps and deadlock reports: when this timer rings, on the runtime's clock. */
  [DESCRIBE](): Description {
    return {
      label:
        this.when === NEVER
          ? "sleep forever"
          : `sleep until t=${this.when - (this.driver?.origin ?? 0)} ms`,
      children: [],
    };
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
    return this.state === FIRED || this.state === DONE;
  }

  /** Unregister the timer; idempotent. */
  [Symbol.dispose](): void {
    if (this.state === REGISTERED) this.driver!.deregister(this);
    this.state = DROPPED;
    this.waker = null;
    this.driver = null;
  }

  private misuse(what: string): FutureStateError {
    const why =
      this.state === DONE
        ? "it completed (reset it first)"
        : this.state === DROPPED
          ? "it was dropped"
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
  const d = checkDuration(ms, "sleep(ms): ms");
  const now = nowMs();
  return new Sleep(now + d, now);
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
