/**
 * Waker: the pager a chef carries. A future that returns `PENDING` keeps the waker it was polled
 * with; whatever it waits on (a timer, a promise, another task) calls `wake()` when progress is
 * possible, and the executor polls the task again. Waking is idempotent and cheap: one waker
 * object exists per task and is reused for every poll.
 */

/**
 * A handle that asks for its task to be polled again.
 *
 * Any object with `wake()` and `willWake()` is a waker (tasks are their own wakers);
 * `Waker.from(fn)` and `Waker.noop()` make standalone ones for tests and adapters.
 *
 * @example
 * ```ts
 * let woken = 0;
 * const waker = Waker.from(() => woken++);
 * waker.wake(); // woken === 1
 * ```
 */
export abstract class Waker {
  /**
   * Ask for the task behind this waker to be polled again. Safe to call any number of times.
   *
   * @example
   * ```ts
   * bell.waker?.wake(); // the dish is up: the chef waiting on it is polled again
   * ```
   */
  abstract wake(): void;

  /**
   * Whether waking `other` would wake the same task as waking this one.
   *
   * @example
   * ```ts
   * if (!this.waker?.willWake(cx.waker)) this.waker = cx.waker; // keep the newest chef's pager
   * ```
   */
  willWake(other: Waker): boolean {
    return this === other;
  }

  /**
   * A waker that does nothing when woken.
   *
   * @example
   * ```ts
   * const r = soup.poll(new Context(Waker.noop())); // a one-off look, no one to wake
   * ```
   */
  static noop(): Waker {
    return NOOP_WAKER;
  }

  /**
   * A waker that calls `fn` on every wake.
   *
   * @example
   * ```ts
   * const pager = Waker.from(() => console.log("order up"));
   * ```
   */
  static from(fn: () => void): Waker {
    if (typeof fn !== "function") {
      throw new TypeError(`Waker.from(fn): fn must be a function, got ${typeof fn}`);
    }
    return new FnWaker(fn);
  }
}

class FnWaker extends Waker {
  constructor(private readonly fn: () => void) {
    super();
  }
  wake(): void {
    this.fn();
  }
}

class NoopWaker extends Waker {
  wake(): void {}
}

const NOOP_WAKER: Waker = new NoopWaker();
