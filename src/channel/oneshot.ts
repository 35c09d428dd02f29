/**
 * oneshot: the single ticket that comes back from the pass with one answer. One value, sent once,
 * from one sender to one receiver. The receiver is itself a future of the value; if the sender is
 * closed without sending, the receiver throws a `ChannelClosedError`. If the receiver is gone,
 * `send` throws a `SendError` holding the value.
 *
 * `rx.close()` refuses a value not yet sent, but one already sent stays to be received (as in
 * tokio). Only disposing the receiver throws away a value sent and not received. Either makes the
 * sender's `tx.closed()` ready, so work whose answer nobody waits for can stop.
 *
 * Waiting with a deadline in a loop: a combinator drops the future it abandons, and dropping the
 * receiver itself closes the channel. Wait on `rx.recv()` instead, a future that borrows the
 * receiver (tokio's `&mut rx`): dropping it only stops waiting.
 */

import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { QUEUED, WaitNode, WaitQueue } from "../sync/waiter.js";
import { pollProceed } from "../task/budget.js";
import { BorrowedRecv } from "./borrowed-recv.js";
import { ChannelClosedError, SendError } from "./errors.js";
import { parkReader, receiverRule } from "./one-reader.js";
import { type ReceiversGone, receiversGone } from "./receivers-gone.js";

/** How to share the channel instead, for the error of a second reader (one-reader.ts). */
const SHARE_ONESHOT = receiverRule(
  "a oneshot value goes to one task; to hand one value to many, use a watch or broadcast channel",
);

const EMPTY = 0; // nothing sent yet
const SENT = 1; // the value waits for the receiver
const TX_CLOSED = 2; // the sender closed without sending
const RX_CLOSED = 3; // the receiver closed before a value was sent: sends fail
const TAKEN = 4; // the receiver has the value

/** What the two ends of one oneshot channel share (not exported). */
class Shared<T> {
  state = EMPTY;
  value: T | undefined = undefined;
  /** The receiver was closed (a value sent before that may still wait in `SENT`). */
  rxClosed = false;
  readonly queue = new WaitQueue<Receiver<T>>();
  /** Senders waiting in `tx.closed()` for the receiver to go, made on the first such wait. */
  closedWaiters: WaitQueue<ReceiversGone> | null = null;

  wakeReceiver(): void {
    const n = this.queue.head;
    if (n !== null) this.queue.grant(n);
  }
}

/**
 * The sending half.
 *
 * @example
 * ```ts
 * const [tx, rx] = oneshot.channel<string>();
 * tx.send("table 3 is ready");
 * ```
 */
export class Sender<T> implements Disposable {
  /** Not for direct use: made by the library. */
  constructor(private readonly shared: Shared<T>) {}

  /**
   * Send the value. Throws a `SendError` holding it if the receiver is gone, or if this sender
   * already sent or was closed. (Synchronous: nothing to cancel.) A reply the caller may have
   * given up on (its `timeout` dropped the receiver) checks first, as tokio's `let _ = tx.send(v)`
   * ignores the error.
   *
   * @example
   * ```ts
   * tx.send(answer);
   * if (!reply.isClosed()) reply.send(late); // nobody waits any more: drop it quietly
   * ```
   */
  send(value: T): void {
    const s = this.shared;
    if (s.state !== EMPTY) {
      throw new SendError(
        s.state === RX_CLOSED
          ? "oneshot send: the receiver is gone (the value is in error.value)"
          : "oneshot send: this sender already sent or was closed (the value is in error.value)",
        value,
      );
    }
    s.value = value;
    s.state = SENT;
    s.wakeReceiver();
  }

  /**
   * Whether the receiver is closed or gone (a send would fail).
   *
   * @example
   * ```ts
   * if (!tx.isClosed()) tx.send("Dish: Soup"); // the diner is still waiting
   * ```
   */
  isClosed(): boolean {
    return this.shared.state === RX_CLOSED || this.shared.rxClosed;
  }

  /**
   * A future ready once the receiver is closed or disposed (at once if it already is): tokio's
   * `Sender::closed`, for work whose answer nobody waits for any more. Cancel safety: cancel-safe:
   * dropping it only takes it out of the line.
   *
   * @example
   * ```ts
   * // Biased: a receiver already gone wins over the work.
   * using r = yield* select.biased(tx.closed(), cookDish("Soup", 3));
   * if (r.index === 1) tx.send(r.value); // else the diner left, and `using` drops the cooking
   * ```
   */
  closed(): FutureBase<void> & Disposable {
    const s = this.shared;
    return receiversGone(s, () => s.rxClosed, "oneshot tx.closed()");
  }

  /**
   * Close without sending: the receiver throws `ChannelClosedError`. Idempotent.
   *
   * @example
   * ```ts
   * tx.close(); // out of soup: yield* rx.recv() throws ChannelClosedError
   * ```
   */
  close(): void {
    const s = this.shared;
    if (s.state !== EMPTY) return;
    s.state = TX_CLOSED;
    s.wakeReceiver();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The receiving half: a future of the value (or wait on `rx.recv()`).
 *
 * Cancel safety: polling the same receiver again is safe (the value stays until a poll returns
 * it), but a combinator that gives up on it (`timeout`, the loser of a `select`) drops it, and
 * dropping the receiver closes the channel: a value sent later is refused, one sent but not
 * received is lost, as in tokio. To wait with a deadline and try again, wait on `rx.recv()`.
 *
 * @example
 * ```ts
 * const answer = yield* rx;
 * ```
 */
export class Receiver<T> extends FutureBase<T> implements Disposable {
  private readonly node: WaitNode<Receiver<T>>;
  /**
   * @internal the future (this receiver or one of its `recv()`s) that stored the kept waker last:
   * dropping an older `recv()` must not unregister a newer one's waker.
   */
  registrant: unknown = null;
  /** @internal the context of the poll that parked last (its owner is the reader; one-reader.ts). */
  parkedBy: Context | null = null;

  /** Not for direct use: made by the library. */
  constructor(private readonly shared: Shared<T>) {
    super();
    this.node = new WaitNode<Receiver<T>>(this);
  }

  [DESCRIBE](): Description {
    return { label: "oneshot receiver", children: [] };
  }

  poll(cx: Context): Poll<T> {
    return this.pollRecv(cx, this);
  }

  /**
   * A future of the value that borrows this receiver (tokio's `&mut rx`): dropping it stops
   * waiting but leaves the channel open, so it can be abandoned by `timeout` or `select` and
   * waited for again. Throws `ChannelClosedError` as the receiver does.
   *
   * Cancel safety: cancel-safe: the value is taken only by the poll that returns it.
   *
   * @example
   * ```ts
   * const [tx, rx] = oneshot.channel<string>();
   * for (;;) {
   *   try {
   *     return yield* timeout(10, rx.recv()); // a timeout drops only this recv()
   *   } catch (e) {
   *     if (!(e instanceof TimeoutError)) throw e;
   *     console.log("still cooking"); // and wait again on the same receiver
   *   }
   * }
   * ```
   */
  recv(): FutureBase<T> & Disposable {
    return new BorrowedRecv(this, "oneshot rx.recv()");
  }

  /** @internal poll for the value on behalf of `by` (the receiver or one of its `recv()`s). */
  pollRecv(cx: Context, by: unknown): Poll<T> {
    const s = this.shared;
    switch (s.state) {
      case SENT: {
        if (!pollProceed(cx)) return PENDING;
        const v = s.value as T;
        s.value = undefined;
        s.state = TAKEN;
        return v;
      }
      case EMPTY: {
        parkReader(this.node, s.queue, cx, this.parkedBy, "oneshot receive", SHARE_ONESHOT);
        this.parkedBy = cx;
        this.registrant = by;
        return PENDING;
      }
      case TX_CLOSED:
        throw new ChannelClosedError("oneshot receive: the sender was closed without sending");
      case RX_CLOSED:
        throw new ChannelClosedError(
          "oneshot receive: the receiver was closed or disposed (a value sent before its disposal is dropped with it)",
        );
      default:
        throw new FutureStateError("oneshot receiver polled after it received its value");
    }
  }

  /** @internal forget the kept waker, if `by` stored it last. */
  unregister(by: unknown): void {
    if (by !== this.registrant) return;
    this.registrant = null;
    if (this.node.state === QUEUED) this.shared.queue.remove(this.node);
  }

  /**
   * The value if it has arrived (taking it), else `undefined`; throws `ChannelClosedError` if the
   * sender closed without sending, the receiver was closed before a value was sent, or the value
   * was already received (as tokio's `TryRecvError::Closed`: `undefined` would mean "not yet" and
   * a caller polling for it would wait forever).
   *
   * @example
   * ```ts
   * const v = rx.tryRecv();
   * ```
   */
  tryRecv(): T | undefined {
    const s = this.shared;
    if (s.state === TX_CLOSED) {
      throw new ChannelClosedError("oneshot tryRecv: the sender was closed without sending");
    }
    if (s.state === RX_CLOSED) {
      throw new ChannelClosedError(
        "oneshot tryRecv: the receiver was closed before a value was sent",
      );
    }
    if (s.state === TAKEN) {
      throw new ChannelClosedError("oneshot tryRecv: the value was already received");
    }
    if (s.state !== SENT) return undefined;
    const v = s.value as T;
    s.value = undefined;
    s.state = TAKEN;
    return v;
  }

  /**
   * Whether a value is waiting to be received.
   *
   * @example
   * ```ts
   * if (rx.hasValue()) console.log(rx.tryRecv()); // the dish is at the pass
   * ```
   */
  hasValue(): boolean {
    return this.shared.state === SENT;
  }

  /**
   * Refuse the value: a later `send` fails and hands it back. A value already sent is kept and can
   * still be received (`tryRecv()`, or by polling). A wait in progress ends: it throws
   * `ChannelClosedError`, or returns the value already sent. Idempotent.
   *
   * @example
   * ```ts
   * const [tx, rx] = oneshot.channel<string>();
   * tx.send("will receive");
   * rx.close();
   * rx.tryRecv(); // "will receive"
   * ```
   */
  close(): void {
    const s = this.shared;
    s.rxClosed = true;
    if (s.state === EMPTY) s.state = RX_CLOSED;
    const node = this.node;
    try {
      if (node.state === QUEUED) {
        // A recv() in another task would wait for a send that can no longer come.
        const w = node.waker;
        s.queue.remove(node);
        this.registrant = null;
        w?.wake();
      }
    } finally {
      // The sender's `tx.closed()` waits are told even if the receiver's waker threw.
      s.closedWaiters?.grantAll();
    }
  }

  /** Close, and drop a value sent but not received (it is lost, as in tokio). */
  [Symbol.dispose](): void {
    // Dropped while it waited as a future itself: stop waiting quietly (no pager for a task that
    // is tearing this card up). A `recv()` waiting elsewhere is still woken by the close.
    this.unregister(this);
    this.close();
    const s = this.shared;
    if (s.state === SENT) {
      s.state = RX_CLOSED;
      s.value = undefined;
    }
  }
}

/**
 * A oneshot channel.
 *
 * @example
 * ```ts
 * const [tx, rx] = oneshot.channel<number>();
 * spawn(asyncBlock(function* () { tx.send(42); }));
 * const v = yield* rx; // 42
 * ```
 */
export function channel<T>(): [Sender<T>, Receiver<T>] {
  const s = new Shared<T>();
  return [new Sender(s), new Receiver(s)];
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(Sender);
markOwned(Receiver);
