/**
 * hold: Rust's move, for a value that must reach a task. A chef takes a ticket from the rail
 * (a permit), then waits for a guest (an accept); if the shift ends during the wait, the ticket
 * must go back, but once the guest comes it goes with the chef who serves them. In Rust the
 * ticket is a local that the dropped future drops, or that `spawn(async move { … })` moves out.
 * JavaScript has `using` for the first half and nothing for the second: a `using` variable is
 * disposed at the end of its scope even after it was handed on.
 *
 * `using held = hold(permit)` disposes the value at the end of the scope, unless `held.take()`
 * moved it out first. (Node 24's `DisposableStack.move()` does the same for a whole stack.)
 *
 * States: `HELD` (disposed with the scope) → `TAKEN` by `take()`, or `RELEASED` by disposal.
 */

const HELD = 0;
const TAKEN = 1;
const RELEASED = 2;

/**
 * A value held for the end of a scope, until it is moved out with `take()`.
 *
 * @example
 * ```ts
 * using permit = hold(yield* connections.acquire());
 * const conn = yield* listener.accept(); // dropped here: the permit goes back
 * spawn(serve(conn, permit.take())); // from here on, the task's to release
 * ```
 */
export class Held<T extends Disposable> implements Disposable {
  private phase = HELD;
  private value: T | undefined;

  /** Not for direct use: made by {@link hold}. */
  constructor(value: T) {
    this.value = value;
  }

  /**
   * Whether the value is still held: neither moved out by `take()` nor released at the end of the
   * scope.
   *
   * @example
   * ```ts
   * if (permit.isHeld) spawn(serve(conn, permit.take())); // still ours to hand on
   * ```
   */
  get isHeld(): boolean {
    return this.phase === HELD;
  }

  /**
   * Move the value out: the end of the scope no longer disposes it. Taking it twice, or after the
   * scope released it, throws a `TypeError` (a value has one owner).
   *
   * @example
   * ```ts
   * spawn(serve(conn, permit.take()));
   * ```
   */
  take(): T {
    if (this.phase !== HELD) {
      throw new TypeError(
        `held.take(): the value was already ${this.phase === TAKEN ? "taken" : "released at the end of its scope"}: a value has one owner`,
      );
    }
    const v = this.value as T;
    this.phase = TAKEN;
    this.value = undefined;
    return v;
  }

  /**
   * Dispose the value if it is still held (the end of a `using` scope calls this); a value already
   * taken is left to its new owner. Idempotent.
   *
   * @example
   * ```ts
   * {
   *   using permit = hold(yield* connections.acquire());
   * } // not taken: the permit goes back here
   * ```
   */
  [Symbol.dispose](): void {
    if (this.phase !== HELD) return;
    const v = this.value as T;
    this.phase = RELEASED;
    this.value = undefined;
    v[Symbol.dispose]();
  }
}

/**
 * Hold `value` for the end of the scope (`using`), until `take()` moves it out: Rust's move into
 * a spawned task, for a value acquired before an await that may be dropped.
 *
 * @example
 * ```ts
 * using permit = hold(yield* connections.acquire());
 * const conn = yield* listener.accept();
 * spawn(serve(conn, permit.take()));
 * ```
 */
export function hold<T extends Disposable>(value: T): Held<T> {
  if (
    value === null ||
    (typeof value !== "object" && typeof value !== "function") ||
    typeof (value as Partial<Disposable>)[Symbol.dispose] !== "function"
  ) {
    const got = value === null ? "null" : typeof value;
    throw new TypeError(
      `hold(value): value must be disposable (have [Symbol.dispose]), got ${got}`,
    );
  }
  return new Held(value);
}
