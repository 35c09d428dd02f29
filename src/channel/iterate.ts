/**
 * The bridge from a receiver to native `for await`. Native code has no task to poll with, so each
 * `next()` polls the receiver with a waker that polls again on a microtask when woken (a wake never
 * goes through a macrotask). The budget does not apply: native code is not a task.
 */
import { Context } from "../future/context.js";
import { PENDING, type Poll } from "../future/poll.js";
import { Waker } from "../future/waker.js";
import { unconstrained } from "../task/budget.js";
import type { NativeReader } from "./one-reader.js";

/** What a receiver offers the bridge. */
export interface PollReceiver<T> {
  /** A message, `undefined` when closed and empty, or `PENDING` with the waker kept. */
  pollRecv(cx: Context): Poll<T | undefined>;
  /** Forget the kept waker (the iteration stopped). */
  unregister(): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * @internal an async iterator over `rx`'s messages, ending when the channel closes. It is the
 * owner of its polls, a reader of the receiver as a task is (one-reader.ts).
 */
export class RecvIterator<T> implements AsyncIterableIterator<T>, NativeReader {
  readonly readerLabel = "a native for await loop";
  /** The `next()` in progress: calls made meanwhile wait for it, so messages keep their order. */
  private last: Promise<IteratorResult<T, undefined>> | null = null;
  /**
   * Ends the `next()` that is waiting for a message (as done), while one is: `return()` takes its
   * waker back, so nothing else would ever settle it, nor the `next()` calls queued behind it.
   */
  private stopWaiting: (() => void) | null = null;
  /**
   * Counts `return()` calls: a `next()` queued behind the one in progress remembers the count it
   * was made under and ends as done if a `return()` came since (a later `next()` reads again).
   */
  private returns = 0;

  constructor(private readonly rx: PollReceiver<T>) {}

  /** @internal whether a `next()` waits on the receiver now. */
  isReading(): boolean {
    return this.stopWaiting !== null;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const prev = this.last;
    const made = this.returns;
    const go = (): Promise<IteratorResult<T, undefined>> | IteratorResult<T, undefined> =>
      made === this.returns ? this.recvOne() : DONE;
    const p = prev === null ? this.recvOne() : prev.then(go, go);
    this.last = p;
    return p;
  }

  private recvOne(): Promise<IteratorResult<T, undefined>> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const attempt = (): void => {
        if (settled) return;
        let r: Poll<T | undefined>;
        try {
          r = unconstrained(() => this.rx.pollRecv(cx));
        } catch (e) {
          settled = true;
          this.stopWaiting = null;
          reject(e);
          return;
        }
        if (r === PENDING) {
          this.stopWaiting = stop;
          return;
        }
        settled = true;
        this.stopWaiting = null;
        resolve(r === undefined ? DONE : { done: false, value: r });
      };
      const stop = (): void => {
        settled = true;
        resolve(DONE);
      };
      const cx = new Context(
        Waker.from(() => queueMicrotask(attempt)),
        this,
      );
      attempt();
    });
  }

  /**
   * `break` out of `for await`: stop waiting; the receiver stays open and usable. A `next()` still
   * waiting (called by hand, say in a `Promise.race`) is settled as done, and so are those queued
   * behind it; a `next()` called after `return()` receives again.
   */
  return(): Promise<IteratorResult<T, undefined>> {
    this.returns++;
    this.rx.unregister();
    const stop = this.stopWaiting;
    this.stopWaiting = null;
    stop?.();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
