/**
 * FileOp: a `File` method that is one operation on the disk (`seek`, `setLen`, `syncAll`,
 * `syncData`, `metadata`), as a future. It waits its turn (the file runs one operation at a time:
 * a buffered write in flight is finished first), starts its operation as the file's operation in
 * flight, and hands back the outcome when it settles.
 *
 * Dropped while waiting its turn, it started nothing. Dropped once started, the operation still
 * happens (the disk is not told to stop) and its outcome is let go: not cancellation safe, as
 * tokio documents its `File` methods.
 */
import type { Context } from "../../future/context.js";
import { DESCRIBE, type Description } from "../../future/describe.js";
import { FutureStateError } from "../../future/errors.js";
import { FutureBase } from "../../future/future.js";
import { PENDING, type Poll } from "../../future/poll.js";
import { pollProceed } from "../../task/budget.js";
import { IoError } from "../error.js";
import type { FileCore } from "./file-core.js";

/** Where the file reports the outcome of an operation a FileOp started. */
export interface OpClient {
  settled(ok: boolean, value: unknown): void;
}

const WAITING = 0; // for the file to be idle: nothing started
const RUNNING = 1; // the operation is the file's operation in flight
const SUCCEEDED = 2;
const FAILED = 3;
const TAKEN = 4; // the outcome was handed over
const DROPPED = 5;

/** One operation of a `File`, as a future. */
export class FileOp<T> extends FutureBase<T> implements OpClient, Disposable {
  private state = WAITING;
  private outcome: unknown = undefined;

  /**
   * `start` runs when the file is idle: a value at once, or the promise of the operation it began.
   * `label` names the call in errors and dumps.
   */
  constructor(
    private readonly file: FileCore,
    private readonly label: string,
    private readonly start: () => T | Promise<T>,
  ) {
    super();
  }

  poll(cx: Context): Poll<T> {
    switch (this.state) {
      case WAITING: {
        if (!this.file.readyFor(cx, this, this.label)) return PENDING;
        // A seek from the start is ready at once: a loop of them must still spend the budget.
        if (!pollProceed(cx)) return PENDING;
        let r: T | Promise<T>;
        try {
          r = this.start();
        } catch (e) {
          this.state = TAKEN;
          throw e;
        }
        if (!(r instanceof Promise)) {
          this.state = TAKEN;
          return r;
        }
        this.state = RUNNING;
        this.file.beginFor(r, this, cx, this);
        return PENDING;
      }
      case RUNNING:
        this.file.waitFor(cx, this, this.label);
        return PENDING;
      case SUCCEEDED: {
        if (!pollProceed(cx)) return PENDING;
        this.state = TAKEN;
        const v = this.outcome as T;
        this.outcome = undefined;
        return v;
      }
      case FAILED: {
        this.state = TAKEN;
        const e = this.outcome;
        this.outcome = undefined;
        throw e;
      }
      default:
        throw new FutureStateError(
          `${this.label} was polled after it ${this.state === TAKEN ? "completed" : "was dropped"}`,
        );
    }
  }

  /** The file's operation for this future settled (called by the file; not for direct use). */
  settled(ok: boolean, value: unknown): void {
    if (this.state !== RUNNING) return;
    this.state = ok ? SUCCEEDED : FAILED;
    this.outcome = ok ? value : IoError.from(value, this.label);
  }

  /** For dumps and deadlock reports: the call, a leaf waiting on the disk. */
  [DESCRIBE](): Description {
    return { label: this.label, children: [] };
  }

  [Symbol.dispose](): void {
    if (this.state === TAKEN || this.state === DROPPED) return;
    this.file.unregister(this);
    this.state = DROPPED;
    this.outcome = undefined;
  }
}
