/**
 * BorrowedRecv: `rx.recv()` of a oneshot or broadcast receiver, a ticket stub the waiter keeps
 * while the order is still the receiver's (tokio's `&mut rx`). It waits on the receiver without
 * owning it, so dropping it (a timeout that ran out, a select's loser) only stops waiting: the
 * receiver stays open, and a value sent later is still there for the next `recv()`.
 *
 * It registers as itself (`pollRecv(cx, this)`), so dropping it takes back only its own waker,
 * never that of a newer `recv()` on the same receiver. (mpsc's `recv()`, on the ping-pong hot
 * path, keeps a class of its own: one call site that sees a single receiver class stays inlined.)
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";

/** A receiver that a borrowing `recv()` can wait on. */
export interface RecvSource<T> {
  /** The message, or PENDING with `by` recorded as the one waiting. */
  pollRecv(cx: Context, by: unknown): Poll<T>;
  /** `by` stopped waiting: forget its waker if it is still the one registered. */
  unregister(by: unknown): void;
}

/** @internal the future of `rx.recv()` for oneshot and broadcast receivers. */
export class BorrowedRecv<T> extends FutureBase<T> implements Disposable {
  private done = false;

  constructor(
    private readonly rx: RecvSource<T>,
    /** For dumps: "oneshot rx.recv()", "broadcast rx.recv()". */
    private readonly label: string,
  ) {
    super();
  }

  [DESCRIBE](): Description {
    return { label: this.label, children: [] };
  }

  poll(cx: Context): Poll<T> {
    if (this.done)
      throw new FutureStateError("rx.recv() was polled after it completed or was dropped");
    let r: Poll<T>;
    try {
      r = this.rx.pollRecv(cx, this);
    } catch (e) {
      this.done = true;
      throw e;
    }
    if (r !== PENDING) this.done = true;
    return r;
  }

  [Symbol.dispose](): void {
    if (this.done) return;
    this.done = true;
    this.rx.unregister(this);
  }
}
