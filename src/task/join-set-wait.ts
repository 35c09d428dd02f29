/**
 * Waiting for a whole JoinSet: `joinAll()` collects every dish the brigade cooks, `shutdown()`
 * sends the brigade home and waits until each chef has cleaned their station. Both are futures
 * that call `joinNext()` in a loop (tokio's `JoinSet::join_all` and `JoinSet::shutdown`), lazy as
 * every future is: nothing is aborted or taken before the first poll.
 *
 * What nobody will take is let go of by the ownership rule (`OWNED`, future/cancel.ts): the
 * outputs `joinAll` had gathered when it fails or is dropped, and the outputs `shutdown` discards.
 */
import { disposeOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { DONE, PENDING, type Poll } from "../future/poll.js";
import { BY_JOIN_ALL, BY_SET_DISPOSED } from "./abort-why.js";
import { JoinError } from "./join-error.js";
import type { JoinSet } from "./join-set.js";
import { RuntimeStateError } from "./runtime-state-error.js";

/** Not polled yet. */
const IDLE = 0;
/** Taking outcomes as they come. */
const WAITING = 1;
/** Completed, failed or dropped: polling again is a bug. */
const ENDED = 2;

/** The future behind `JoinSet.joinAll()`. */
export class JoinAll<T> extends FutureBase<T[]> implements Disposable {
  private state = IDLE;
  /** The set's `detaches` at the first poll (see `JoinSet.detaches`). */
  private detaches = 0;
  private waiting: (FutureBase<T | typeof DONE> & Disposable) | null = null;
  private outputs: T[] = [];

  constructor(private readonly set: JoinSet<T>) {
    super();
  }

  [DESCRIBE](): Description {
    return {
      label: `JoinSet.joinAll() of ${this.set.describeMembers()}`,
      children: this.waiting === null ? [] : [this.waiting],
    };
  }

  poll(cx: Context): Poll<T[]> {
    if (this.state === ENDED) {
      throw new FutureStateError(
        "JoinSet.joinAll() future was polled after it completed or was dropped: a future is awaited once",
      );
    }
    if (this.state === IDLE) {
      this.state = WAITING;
      this.detaches = this.set.detaches;
    }
    for (;;) {
      if (this.waiting === null) this.waiting = this.set.joinNext();
      let r: T | typeof DONE | typeof PENDING;
      try {
        r = this.waiting.poll(cx);
      } catch (e) {
        // A member panicked or was cancelled: the rest are called off, as tokio's join_all does.
        this.waiting = null;
        this.end(BY_JOIN_ALL);
        throw e;
      }
      if (r === PENDING) return PENDING;
      this.waiting = null;
      if (r === DONE) {
        if (this.set.detaches !== this.detaches) {
          // Emptied by detachAll() or a dispose, not by its members finishing: what came so far is
          // not every member's output, and must not pass for it.
          this.end(BY_SET_DISPOSED);
          throw letGo("joinAll");
        }
        const outputs = this.outputs;
        this.outputs = [];
        this.state = ENDED;
        return outputs;
      }
      this.outputs.push(r);
    }
  }

  /**
   * Dropped before the set ran empty: its tasks are aborted (the set is disposed, as dropping
   * tokio's `join_all` future drops the set it took) and the outputs gathered so far are let go of.
   */
  [Symbol.dispose](): void {
    if (this.state === ENDED) return;
    const next = this.waiting;
    this.waiting = null;
    next?.[Symbol.dispose]();
    this.end(BY_SET_DISPOSED);
  }

  /** The members still running are called off, `why` (abort-why.ts) saying why. */
  private end(why: number): void {
    this.state = ENDED;
    this.set.disposeAs(why);
    const outputs = this.outputs;
    this.outputs = [];
    disposeOwned(outputs);
  }
}

/** The future behind `JoinSet.shutdown()`. */
export class Shutdown<T> extends FutureBase<void> implements Disposable {
  private state = IDLE;
  /** The set's `detaches` at the first poll (see `JoinSet.detaches`). */
  private detaches = 0;
  private waiting: (FutureBase<T | typeof DONE> & Disposable) | null = null;

  constructor(private readonly set: JoinSet<T>) {
    super();
  }

  [DESCRIBE](): Description {
    return {
      label: `JoinSet.shutdown() of ${this.set.describeMembers()}`,
      children: this.waiting === null ? [] : [this.waiting],
    };
  }

  poll(cx: Context): Poll<void> {
    if (this.state === ENDED) {
      throw new FutureStateError(
        "JoinSet.shutdown() future was polled after it completed or was dropped: a future is awaited once",
      );
    }
    if (this.state === IDLE) {
      this.state = WAITING;
      this.detaches = this.set.detaches;
      this.set.beginShutdown();
    }
    for (;;) {
      if (this.waiting === null) this.waiting = this.set.joinNext();
      let r: T | typeof DONE | typeof PENDING;
      try {
        r = this.waiting.poll(cx);
      } catch (e) {
        this.waiting = null;
        // A member that was cancelled (or had panicked already): its outcome is discarded.
        if (e instanceof JoinError) continue;
        this.end();
        throw e;
      }
      if (r === PENDING) return PENDING;
      this.waiting = null;
      if (r === DONE) {
        this.end();
        // Emptied by detachAll() or a dispose: members let go of may still be cleaning up.
        if (this.set.detaches !== this.detaches) throw letGo("shutdown");
        return;
      }
      // A member that finished before its abort landed: nobody will take its output.
      disposeOwned(r);
    }
  }

  /** Dropped while members still clean up: they stay aborted, and stay in the set. */
  [Symbol.dispose](): void {
    if (this.state === ENDED) return;
    const next = this.waiting;
    this.waiting = null;
    next?.[Symbol.dispose]();
    this.end();
  }

  private end(): void {
    if (this.state === WAITING) this.set.endShutdown();
    this.state = ENDED;
  }
}

/** The error of a wait whose set was emptied under it by `detachAll()` or a dispose. */
function letGo(what: string): RuntimeStateError {
  return new RuntimeStateError(
    `JoinSet.${what}() waited while the set's members were let go of (detachAll() or a dispose): it cannot tell how they end`,
  );
}
