/**
 * The future behind `tracker.wait()`: the kitchen porter waiting by the door to lock up once the
 * tracker is closed and the last chef has gone. It remembers the tracker's generation when it was
 * made, and is ready once that has moved on (the tracker became closed and empty since), or at
 * once if the tracker was closed and empty when it was made. Ready stays ready: a task spawned or a
 * `reopen()` after that moment does not take it back (tokio's rule).
 *
 * Stages: IDLE ──must wait──▶ PARKED (in the tracker's line, its pager kept, counted in the
 *           │                   │     runtime's `liveWaiters`)
 *           │                   ├──woken (closed and empty)──▶ IDLE ──polled──▶ DONE
 *           │                   └──dropped──▶ DROPPED (leaves the line)
 *           └──ready, polled──▶ DONE
 * A poll that finds it ready while the task's budget is spent returns pending (the task is already
 * woken); ready stays ready, so the next poll completes it.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "./budget.js";
import { spawnerAmbient } from "./spawn.js";
import type { TaskTracker } from "./task-tracker.js";

/** Not in the line: fresh, or woken and not polled since. */
const IDLE = 0;
/** In the tracker's line with its pager. */
const PARKED = 1;
/** Completed: the tracker was closed and empty. */
const DONE = 2;
/** Dropped. */
const DROPPED = 3;

/**
 * The runtime's count of parked waiters (`rt.metrics().liveWaiters`), as the sync primitives keep
 * it (src/sync/waiter.ts). Seen through this interface: a runtime is the only spawner there is.
 */
interface WaiterCount {
  waiterOpened(): void;
  waiterClosed(): void;
}

/** A wait on a {@link TaskTracker} (see the file's opening comment). */
export class TrackerWait extends FutureBase<void> implements Disposable {
  private stage = IDLE;
  private waker: Waker | null = null;
  /** The runtime that counts this wait as a live waiter while it is parked. */
  private counter: WaiterCount | null = null;
  /** @internal where the tracker keeps this future while it is parked, or -1. */
  index = -1;

  constructor(
    private readonly tracker: TaskTracker,
    /** The tracker's generation when this future was made (or "already closed and empty"). */
    private readonly seen: number,
  ) {
    super();
  }

  /** For dumps and deadlock reports: how far the tracker is from letting this wait finish. */
  [DESCRIBE](): Description {
    return { label: `TaskTracker.wait() (${this.tracker.describeState()})`, children: [] };
  }

  poll(cx: Context): Poll<void> {
    const stage = this.stage;
    if (stage === DONE || stage === DROPPED) {
      throw new FutureStateError(
        `TaskTracker.wait() future was polled after it ${stage === DONE ? "completed" : "was dropped"}: call wait() again`,
      );
    }
    // Never passed while PARKED: the tracker takes every parked wait out of its line as it passes.
    if (this.tracker.passed(this.seen)) {
      if (!pollProceed(cx)) return PENDING;
      this.stage = DONE;
      return undefined;
    }
    this.waker = cx.waker;
    if (stage === IDLE) {
      this.stage = PARKED;
      this.tracker.park(this);
      const s = spawnerAmbient.current as unknown as WaiterCount | null;
      if (s !== null) s.waiterOpened();
      this.counter = s;
    }
    return PENDING;
  }

  /** @internal the tracker became closed and empty: out of its line; the pager to ring. */
  leaveWoken(): Waker {
    const waker = this.waker as Waker;
    this.index = -1;
    this.stage = IDLE;
    this.stopWaiting();
    return waker;
  }

  /** Out of the line: the pager is let go, and the runtime counts one live waiter less. */
  private stopWaiting(): void {
    this.waker = null;
    const c = this.counter;
    this.counter = null;
    c?.waiterClosed();
  }

  /** Dropped: leaves the line. Nothing was handed to it, so nothing is passed on. */
  [Symbol.dispose](): void {
    if (this.stage === PARKED) {
      this.tracker.unpark(this);
      this.stopWaiting();
    }
    if (this.stage !== DONE) this.stage = DROPPED;
  }
}
