/**
 * time: the hands of the test-bench clock. `time.pause()` stops the runtime's clock, `time.advance`
 * moves it, `time.resume()` lets it run again (tokio's `time::pause`, `advance`, `resume`). Start a
 * runtime paused with `run(main, { clock: "paused" })` or `new Runtime({ clock: "paused" })`.
 *
 * While paused, the clock also moves by itself when nothing else can happen (auto-advance): once no
 * task is runnable and no bridged promise or I/O is in flight, it jumps to the next timer's
 * deadline. So tests of timers take no real time and see exact virtual times. The full rule is in
 * `driver.ts`.
 *
 * These act on the runtime whose task calls them, and throw outside a runtime.
 */
import type { Context } from "../future/context.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { currentDriver } from "./driver.js";
import { checkDuration } from "./instant.js";

/** The clock has not been moved yet. */
const UNMOVED = 0;
/** Moved; waiting one turn behind the tasks the fired timers woke. */
const MOVED = 1;
/** Returned ready: a further poll is a misuse. */
const DONE = 2;

/** Moves the clock on its first poll, then steps aside once so the woken tasks run first. */
class Advance extends FutureBase<void> {
  private state: typeof UNMOVED | typeof MOVED | typeof DONE = UNMOVED;

  constructor(private readonly ms: number) {
    super();
  }

  poll(cx: Context): Poll<void> {
    if (this.state === MOVED) {
      this.state = DONE;
      return undefined;
    }
    if (this.state === DONE) {
      throw new FutureStateError(`time.advance(${this.ms}) was polled after it completed`);
    }
    this.state = MOVED;
    currentDriver("time.advance(ms)").advance(this.ms);
    // Queue ourselves behind the tasks the fired timers woke, as tokio's advance does.
    cx.waker.wake();
    return PENDING;
  }
}

/**
 * Control of the current runtime's clock.
 *
 * @example
 * ```ts
 * await run(asyncBlock(function* () {
 *   const start = Instant.now();
 *   yield* time.advance(60_000);
 *   start.elapsed(); // 60000
 * }), { clock: "paused" });
 * ```
 */
export const time = {
  /**
   * Stop the clock (at the next whole millisecond). Timers then fire only through `advance` or
   * auto-advance. Throws if already paused.
   *
   * @example
   * ```ts
   * time.pause();
   * yield* sleep(86_400_000); // a day passes in no real time
   * ```
   */
  pause(): void {
    currentDriver("time.pause()").pause();
  },

  /**
   * Let the clock run again, from where it was paused. Throws if it is not paused.
   *
   * @example
   * ```ts
   * time.resume();
   * ```
   */
  resume(): void {
    currentDriver("time.resume()").resume();
  },

  /**
   * A future that moves the paused clock `ms` forward, fires every timer due by then (in deadline
   * order), and lets the tasks they woke run before it completes. Throws if the clock is not paused.
   * It is one jump, as tokio's: the woken tasks read the clock at its end, not at their own
   * deadlines, so a retry whose 100 ms backoff fired inside `advance(150)` counts its next delay
   * from 150. To see each deadline's moment, advance to each in turn (auto-advance does).
   *
   * @example
   * ```ts
   * const dish = spawn(cookDish("Pasta", 3000));
   * yield* yieldNow(); // the chef starts: the 3 s sleep counts from now
   * yield* time.advance(3000);
   * dish.isFinished(); // true (spawned and advanced at once, its sleep would start at t=3000)
   * ```
   */
  advance(ms: number): FutureBase<void> {
    const d = checkDuration(ms, "time.advance(ms): ms");
    if (d === Number.POSITIVE_INFINITY) {
      throw new RangeError("time.advance(ms): ms must be finite, got Infinity");
    }
    return new Advance(d);
  },

  /**
   * Whether the current runtime's clock is paused.
   *
   * @example
   * ```ts
   * if (time.isPaused()) yield* time.advance(1000);
   * ```
   */
  isPaused(): boolean {
    return currentDriver("time.isPaused()").paused;
  },
};
