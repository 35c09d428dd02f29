/**
 * timeout: a dish with a deadline. `timeout(ms, future)` polls the future and, beside it, a sleep;
 * if the future finishes first its value is returned and the sleep is dropped, and if the sleep
 * fires first the future is dropped (its `finally` blocks run) and a {@link TimeoutError} is thrown.
 *
 * As in tokio: the future is polled first, so when both are ready in the same poll the future
 * wins; the sleep is made with the timeout (its deadline counts from then) but registers only if
 * the future is still pending after its first poll; and the sleep is polled without spending the
 * task's budget, so a future that keeps the budget spent cannot outrun its own deadline.
 */
import { ambient } from "../future/ambient.js";
import { CANCEL, CancellableFuture, type Cleanup, cancel, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Describable, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { assertFuture, type Future, type FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { checkDuration, checkInstant, type Instant, nowMs } from "./instant.js";
import { Sleep, sleepFor } from "./sleep.js";

/**
 * The deadline of a `timeout` or `timeoutAt` passed before its future finished.
 *
 * @example
 * ```ts
 * try {
 *   yield* timeout(500, fetchOrder());
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log("the order is late");
 * }
 * ```
 */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

class Timeout<T> extends CancellableFuture<T> {
  private inner: Future<T> | null;
  private readonly delay: Sleep;

  constructor(
    inner: Future<T>,
    /** The timer of the deadline (owned: disposed with this future). */
    delay: Sleep,
    private readonly what: string,
  ) {
    super();
    this.inner = inner;
    this.delay = delay;
  }

  poll(cx: Context): Poll<T> {
    // The deadline is a second branch: a lock waited for in here is not waited for for ever.
    ambient.branching++;
    try {
      return this.pollInner(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollInner(cx: Context): Poll<T> {
    const inner = this.inner;
    if (inner === null) throw new FutureStateError(`${this.what} was polled after it finished`);
    let r: Poll<T>;
    try {
      r = inner.poll(cx);
    } catch (e) {
      this.finish();
      throw e;
    }
    if (r !== PENDING) {
      this.finish();
      return r;
    }
    if (this.delay.pollTimer(cx, false) === PENDING) return PENDING;
    // Named before it is dropped: what it was waiting on when the deadline came.
    const waiting = firstChain(inner);
    this.inner = null;
    drop(inner);
    throw new TimeoutError(
      `${this.what}: the deadline passed before the future finished${waiting === null ? "" : ` (it was waiting on: ${waiting})`}`,
    );
  }

  private finish(): void {
    this.inner = null;
    this.delay[Symbol.dispose]();
  }

  [CANCEL](): Cleanup | null {
    const inner = this.inner;
    this.finish();
    return cancel(inner);
  }

  /** For dumps and deadlock reports: the deadline, and the future it guards. */
  [DESCRIBE](): Description {
    return { label: this.what, children: this.inner === null ? [] : [this.inner] };
  }
}

/**
 * The first await chain under `future` ("fetchFlour → mutex 'pantry'..."), following only the
 * first child at each step, so its cost is the depth and not the size of the tree; `null` if a
 * future's `[DESCRIBE]` throws (the timeout must still fire and drop it).
 */
function firstChain(future: unknown): string | null {
  const labels: string[] = [];
  let node: unknown = future;
  try {
    for (let depth = 0; depth < 32 && node !== null && typeof node === "object"; depth++) {
      const describe = (node as Partial<Describable>)[DESCRIBE];
      if (describe === undefined) {
        labels.push((node as object).constructor?.name ?? "future");
        break;
      }
      const d = describe.call(node);
      labels.push(d.label);
      node = d.children.find((c) => c !== null && c !== undefined) ?? null;
    }
  } catch {
    return null;
  }
  return labels.join(" → ");
}

/**
 * Run `future` with a time limit of `ms` milliseconds: its value, or a {@link TimeoutError} (and
 * `future` dropped) if it is not done in time. `Infinity` never times out.
 *
 * @example
 * ```ts
 * const dish = yield* timeout(5000, cookDish("Soup", 1000)); // "Dish: Soup"
 * ```
 */
export function timeout<T>(ms: number, future: Future<T>): FutureBase<T> & Disposable {
  const d = checkDuration(ms, "timeout(ms, future): ms");
  assertFuture(future, "timeout(ms, future): future");
  return new Timeout(future, sleepFor(d), `timeout(${ms})`);
}

/**
 * Run `future` until `deadline`: its value, or a {@link TimeoutError} (and `future` dropped) if the
 * deadline comes first.
 *
 * @example
 * ```ts
 * const serveBy = Instant.now().add(15 * 60_000);
 * const starter = yield* timeoutAt(serveBy, cookDish("Soup", 1000));
 * const main = yield* timeoutAt(serveBy, cookDish("Pasta", 3000));
 * ```
 */
export function timeoutAt<T>(deadline: Instant, future: Future<T>): FutureBase<T> & Disposable {
  const at = checkInstant(deadline, "timeoutAt(deadline, future): deadline").ms;
  assertFuture(future, "timeoutAt(deadline, future): future");
  return new Timeout(future, new Sleep(at, nowMs()), "timeoutAt(deadline)");
}
