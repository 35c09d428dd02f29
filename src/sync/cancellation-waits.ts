/**
 * The futures a {@link CancellationToken} hands out. `Cancelled` (`token.cancelled()`) is a place
 * in the token's line: a diner waiting for the closing call, who keeps the token reachable from
 * its ancestors while in line and lets go when leaving it. `RunUntilCancelled`
 * (`token.runUntilCancelled(future)`) is a dish cooked only until the call: it polls its future
 * first and queues a `Cancelled` of its own only once the future is pending.
 */
import { ambient } from "../future/ambient.js";
import { CANCEL, CancellableFuture, type Cleanup, cancel, drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import type { Future } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { CancellationToken } from "./cancellation-token.js";
import { QueuedWait } from "./queued-wait.js";
import type { WaitQueue } from "./waiter.js";

/** The future of `token.cancelled()`: a place in the token's line, linked into the tree while it waits. */
export class Cancelled extends QueuedWait<void, Cancelled> {
  constructor(
    private readonly token: CancellationToken,
    queue: WaitQueue<Cancelled>,
  ) {
    super(queue);
  }

  override poll(cx: Context): Poll<void> {
    const r = super.poll(cx);
    // Pending: in line now (or still), so the ancestors' cancel() must be able to reach the token.
    // Pending for the budget's sake (the token is cancelled) links nothing: retain stops there.
    if (r === PENDING) this.token.retain();
    return r;
  }

  [DESCRIBE](): Description {
    return { label: "CancellationToken.cancelled()", children: [] };
  }

  protected ready(): boolean {
    return this.token.isCancelled();
  }

  protected take(): void {}

  protected granted(): void {}

  protected what(): string {
    return "token.cancelled()";
  }

  override [Symbol.dispose](): void {
    super[Symbol.dispose]();
    this.token.release();
  }
}

/** The future of `token.runUntilCancelled(future)`. */
export class RunUntilCancelled<T> extends CancellableFuture<T | undefined> {
  private inner: Future<T> | null;
  /** The place in the token's line, made only once `inner` is pending. */
  private wait: Cancelled | null = null;
  private polled = false;

  constructor(
    private readonly token: CancellationToken,
    inner: Future<T>,
  ) {
    super();
    this.inner = inner;
  }

  [DESCRIBE](): Description {
    return { label: "CancellationToken.runUntilCancelled()", children: [this.inner] };
  }

  poll(cx: Context): Poll<T | undefined> {
    // The token is a second branch: a lock waited for in here may be given up by cancellation.
    ambient.branching++;
    try {
      return this.pollInner(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollInner(cx: Context): Poll<T | undefined> {
    const inner = this.inner;
    if (inner === null) {
      throw new FutureStateError("token.runUntilCancelled(future) was polled after it finished");
    }
    if (!this.polled) {
      this.polled = true;
      if (this.token.isCancelled()) return this.stop(inner);
    }
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
    if (this.token.isCancelled()) return this.stop(inner);
    const w = (this.wait ??= this.token.cancelled() as Cancelled);
    // Not cancelled (just checked), so this only queues the wait or renews its waker.
    w.poll(cx);
    return PENDING;
  }

  /** The token won: drop `inner` (its `finally` blocks run) and leave the line. */
  private stop(inner: Future<T>): undefined {
    this.finish();
    drop(inner);
    return undefined;
  }

  private finish(): void {
    this.inner = null;
    const w = this.wait;
    this.wait = null;
    w?.[Symbol.dispose]();
  }

  [CANCEL](): Cleanup | null {
    const inner = this.inner;
    this.finish();
    return cancel(inner);
  }
}
