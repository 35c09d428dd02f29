/**
 * fromPromise: a bell from next door. Bridges a native Promise into a future, lazily: the promise
 * is created on the first poll, with an `AbortSignal` that fires when the future is dropped, so
 * `fromPromise((signal) => fetch(url, { signal }))` really cancels the request. Settling wakes the
 * task; a rejection is thrown to the poller. A value that arrives for a dropped future, or that
 * waits unpolled when the future is dropped, is disposed if it is `OWNED` (see cancel.ts): nobody
 * else can ever take it. While the promise is in flight the runtime counts it, so a paused clock
 * never jumps ahead of an answer that is on its way.
 */
import { ambient, type Host, wakeAs } from "./ambient.js";
import { disposeOwned } from "./cancel.js";
import type { Context } from "./context.js";
import { DESCRIBE, type Description } from "./describe.js";
import { FutureStateError } from "./errors.js";
import { FutureBase } from "./future.js";
import { PENDING, type Poll } from "./poll.js";
import type { Waker } from "./waker.js";

/** Names this bridge as the source of its wake, for diagnostics. */
const PROMISE_SOURCE = { kind: "promise" } as const;

const IDLE = 0; // not polled yet: no promise exists
const WAITING = 1; // the promise is in flight
const FULFILLED = 2;
const REJECTED = 3;
const TAKEN = 4; // the output was handed to the poller
const DROPPED = 5; // disposed before settling: the signal was aborted

class FromPromise<T> extends FutureBase<T> implements Disposable {
  private state = IDLE;
  private result: unknown = undefined;
  private waker: Waker | null = null;
  private controller: AbortController | null = null;
  private host: Host | null = null;

  constructor(private readonly make: (signal: AbortSignal) => PromiseLike<T>) {
    super();
  }

  poll(cx: Context): Poll<T> {
    switch (this.state) {
      case IDLE:
        this.start();
        if ((this.state as number) === WAITING) {
          this.waker = cx.waker;
          return PENDING;
        }
        // Disposed by `make` itself: whoever dropped it will not poll again, nor want an outcome.
        if ((this.state as number) === DROPPED) return PENDING;
        return this.poll(cx);
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case FULFILLED: {
        this.state = TAKEN;
        const v = this.result as T;
        this.result = undefined;
        return v;
      }
      case REJECTED: {
        this.state = TAKEN;
        const e = this.result;
        this.result = undefined;
        throw e;
      }
      default:
        throw new FutureStateError(
          this.state === TAKEN
            ? "fromPromise future polled after it completed"
            : "fromPromise future polled after it was disposed",
        );
    }
  }

  private start(): void {
    this.controller = new AbortController();
    let promise: PromiseLike<T>;
    try {
      promise = this.make(this.controller.signal);
    } catch (e) {
      if (this.state === DROPPED) return;
      this.state = REJECTED;
      this.result = e;
      return;
    }
    if (this.state === DROPPED) {
      // Disposed from inside `make` (a callback it ran at once): the work is not wanted. Its
      // promise, told so by the signal, rejects with nobody listening: listen, and let it go.
      this.controller.abort(new DOMException("the future was dropped", "AbortError"));
      try {
        promise?.then?.(disposeOwned, () => {});
      } catch {
        // A thenable whose then() throws: there is nothing to listen to.
      }
      return;
    }
    if (promise === null || typeof (promise as { then?: unknown })?.then !== "function") {
      this.state = REJECTED;
      this.result = new TypeError(
        `fromPromise(make): make must return a promise, got ${promise === null ? "null" : typeof promise}`,
      );
      return;
    }
    this.state = WAITING;
    this.host = ambient.host;
    this.host?.bridgeOpened();
    try {
      promise.then(
        (v) => this.settle(FULFILLED, v),
        (e) => this.settle(REJECTED, e),
      );
    } catch (e) {
      // A thenable whose then() throws: the error is the outcome (and the bridge is closed).
      this.settle(REJECTED, e);
    }
  }

  private settle(state: number, result: unknown): void {
    if (this.state !== WAITING) {
      // Dropped while in flight, and the work finished anyway: what it made (a socket, a file
      // handle) reaches nobody, so an owned value is released, as Rust drops what a dropped future
      // held.
      if (this.state === DROPPED && state === FULFILLED) disposeOwned(result);
      return;
    }
    this.state = state;
    this.result = result;
    this.host?.bridgeClosed();
    this.host = null;
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs(PROMISE_SOURCE, w);
  }

  [DESCRIBE](): Description {
    return { label: "fromPromise (a promise in flight)", children: [] };
  }

  [Symbol.dispose](): void {
    if (this.state === WAITING) {
      this.host?.bridgeClosed();
      this.host = null;
      this.controller!.abort(new DOMException("the future was dropped", "AbortError"));
    }
    const unclaimed = this.state === FULFILLED ? this.result : undefined;
    if (this.state !== TAKEN) this.state = DROPPED;
    this.waker = null;
    this.result = undefined;
    // Settled but never polled since: the value will never be handed over.
    disposeOwned(unclaimed);
  }
}

/**
 * Bridge a Promise into a future. `make` is called on the first poll with a signal that aborts
 * when the future is dropped.
 *
 * The output type comes from `make` alone (`NoInfer`): inferred from the place the future is
 * handed to as well (`timeout(ms, fromPromise(...))`), it came out as `T | PENDING`.
 *
 * @example
 * ```ts
 * const body = yield* fromPromise((signal) => fetch(url, { signal }).then((r) => r.text()));
 * ```
 */
export function fromPromise<T>(
  make: (signal: AbortSignal) => PromiseLike<T>,
): FutureBase<NoInfer<T>> & Disposable {
  if (typeof make !== "function") {
    const got =
      make === null
        ? "null"
        : typeof (make as { then?: unknown } | undefined)?.then === "function"
          ? "a Promise, already started: pass the function that starts it, fromPromise(() => promise), or better fromPromise((signal) => start(signal)), which starts it on the first poll and can abort it"
          : typeof make;
    throw new TypeError(
      `fromPromise(make): make must be a function (signal) => promise, got ${got}`,
    );
  }
  return new FromPromise(make);
}
