/**
 * Test kit for the runtime core: instrumented futures that count their polls and drops (smol's
 * test style), and a mock task (tokio-test's `task::spawn`) that polls a future by hand with a
 * waker that counts its wakes. Not a test file itself; the core's tests import it.
 */
import { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { DONE, StreamBase, type StreamPoll } from "../src/stream/stream.js";
import { resetBudget } from "../src/task/budget.js";

/**
 * A leaf future completed by hand: `resolve(v)` or `reject(e)` makes it ready and wakes whoever
 * polled it last; `wake()` rings the pager without making it ready (a spurious wake).
 */
export class Gate<T = string> extends FutureBase<T> implements Disposable {
  polls = 0;
  drops = 0;
  /** The waker stored by the last pending poll, until it is used or the gate is dropped. */
  waker: Waker | null = null;
  private outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;

  constructor(readonly label = "gate") {
    super();
  }

  poll(cx: Context): Poll<T> {
    this.polls++;
    if (this.drops > 0) throw new Error(`${this.label} polled after it was dropped`);
    const o = this.outcome;
    if (o === null) {
      this.waker = cx.waker;
      return PENDING;
    }
    this.waker = null;
    if (!o.ok) throw o.error;
    return o.value;
  }

  resolve(value: T): void {
    this.outcome = { ok: true, value };
    this.wake();
  }

  reject(error: unknown): void {
    this.outcome = { ok: false, error };
    this.wake();
  }

  wake(): void {
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  /** Whether a task is parked on this gate (it was polled pending and not dropped). */
  get parked(): boolean {
    return this.waker !== null;
  }

  [Symbol.dispose](): void {
    this.drops++;
    this.waker = null;
  }
}

/** A future ready with `value` on its first poll, counting polls and drops. */
export class Instant<T> extends FutureBase<T> implements Disposable {
  polls = 0;
  drops = 0;
  constructor(private readonly value: T) {
    super();
  }
  poll(_cx: Context): Poll<T> {
    this.polls++;
    return this.value;
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
}

/** A future that wakes itself and is pending `n` times, then is ready with `value`. */
export class Countdown<T> extends FutureBase<T> implements Disposable {
  polls = 0;
  drops = 0;
  constructor(
    private left: number,
    private readonly value: T,
  ) {
    super();
  }
  poll(cx: Context): Poll<T> {
    this.polls++;
    if (this.left-- > 0) {
      cx.waker.wake();
      return PENDING;
    }
    return this.value;
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
}

/** A future whose poll throws `error`. */
export class Failing extends FutureBase<never> implements Disposable {
  polls = 0;
  drops = 0;
  constructor(private readonly error: unknown) {
    super();
  }
  poll(_cx: Context): Poll<never> {
    this.polls++;
    throw this.error;
  }
  [Symbol.dispose](): void {
    this.drops++;
  }
}

/**
 * A mock task: polls one future by hand with its own counting waker (tokio-test's `Spawn`). Each
 * poll starts with a fresh cooperative budget, as a task poll by the executor does.
 */
export class MockTask<T, F extends FutureBase<T> = FutureBase<T>> {
  wakes = 0;
  readonly waker: Waker = Waker.from(() => {
    this.wakes++;
  });
  readonly cx: Context = new Context(this.waker);

  constructor(readonly future: F & FutureBase<T>) {}

  poll(): Poll<T> {
    resetBudget();
    return this.future.poll(this.cx);
  }

  /** Whether the waker was woken since the last call (and reset the count). */
  isWoken(): boolean {
    const w = this.wakes > 0;
    this.wakes = 0;
    return w;
  }
}

/** Wait for the microtask queue and one macrotask turn to drain (lets a runtime run its tasks). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Wait `turns` macrotask turns. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await flush();
}

export { PENDING };

/**
 * A stream of 0, 1, 2, … up to `n` that counts its disposals, and fails if polled after one (a
 * disposed stream must never be polled again).
 */
export class Counter extends StreamBase<number> {
  i = 0;
  drops = 0;
  constructor(private readonly n: number) {
    super();
  }
  pollNext(_cx: Context): StreamPoll<number> {
    if (this.drops > 0) throw new Error("polled after dispose");
    return this.i < this.n ? this.i++ : DONE;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}
