/**
 * sleep: the kitchen timer. A leaf future that is ready once its duration has passed. It arms
 * nothing until its first poll (lazy, as tokio's `Sleep`), and disposing it disarms the timer.
 *
 * (Interim: one host timer per sleep. The timer wheel replaces it.)
 */
import type { Context } from "../future/context.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "../task/budget.js";
import { type TimeDriver, timeAmbient } from "./driver.js";

const IDLE = 0;
const ARMED = 1;
const FIRED = 2;
const DONE = 3;
const DROPPED = 4;

class Sleep extends FutureBase<void> implements Disposable {
  private state = IDLE;
  private handle: ReturnType<typeof setTimeout> | undefined = undefined;
  private waker: Waker | null = null;
  private driver: TimeDriver | null = null;

  constructor(private readonly ms: number) {
    super();
  }

  poll(cx: Context): Poll<void> {
    switch (this.state) {
      case IDLE:
        this.arm();
        this.waker = cx.waker;
        return PENDING;
      case ARMED:
        this.waker = cx.waker;
        return PENDING;
      case FIRED:
        if (!pollProceed(cx)) return PENDING;
        this.state = DONE;
        return undefined;
      default:
        throw new FutureStateError(
          `sleep(${this.ms}) was polled after it ${this.state === DONE ? "completed" : "was dropped"}`,
        );
    }
  }

  private arm(): void {
    const driver = timeAmbient.driver;
    if (driver === null) {
      throw new FutureStateError("sleep() must be polled by a task inside a Brigade runtime");
    }
    this.state = ARMED;
    this.driver = driver;
    driver.timerOpened();
    if (this.ms !== Number.POSITIVE_INFINITY) {
      this.handle = setTimeout(() => this.fire(), this.ms);
    }
  }

  private fire(): void {
    if (this.state !== ARMED) return;
    this.state = FIRED;
    this.handle = undefined;
    this.driver!.timerClosed();
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  [Symbol.dispose](): void {
    if (this.state === ARMED) {
      if (this.handle !== undefined) clearTimeout(this.handle);
      this.handle = undefined;
      this.driver!.timerClosed();
    }
    if (this.state !== DONE) this.state = DROPPED;
    this.waker = null;
  }
}

/** Check a duration argument: a number of milliseconds, not negative, not NaN. */
export function checkDuration(ms: unknown, where: string): number {
  if (typeof ms !== "number") {
    throw new TypeError(`${where} must be a number of milliseconds, got ${typeof ms}`);
  }
  if (Number.isNaN(ms)) throw new RangeError(`${where} must be a number of milliseconds, got NaN`);
  if (ms < 0) throw new RangeError(`${where} must not be negative, got ${ms}`);
  return ms;
}

/**
 * A future that is ready after `ms` milliseconds (`Infinity`: never).
 *
 * @example
 * ```ts
 * yield* sleep(3000); // the pasta boils
 * ```
 */
export function sleep(ms: number): FutureBase<void> & Disposable {
  return new Sleep(checkDuration(ms, "sleep(ms): ms"));
}
