/**
 * broadcast: the kitchen's announcement board. Every receiver sees every message sent after it
 * subscribed. The board is a ring of `capacity` messages: a receiver that falls more than that far
 * behind loses the oldest ones; its next `recv()` throws a {@link RecvLaggedError} telling how many
 * it missed, and the one after returns the oldest message still on the board.
 *
 * Counting: sender handles count as in mpsc (`clone()`, `close()`/dispose); when the last is
 * closed, receivers drain what they have not read and then get `undefined`. Receivers count from
 * `subscribe()` (or `channel()`) until `close()`/dispose; `send` fails when none is left, and
 * `tx.closed()` is ready.
 *
 * A message is let go once every receiver that was subscribed when it was sent has read it (or
 * closed, or lagged past it), as in tokio: the board does not keep what nobody will read again.
 *
 * `undefined` is not a valid message: `recv()` uses it to say "closed".
 */

import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { QUEUED, WaitNode, WaitQueue } from "../sync/waiter.js";
import { pollProceed } from "../task/budget.js";
import { BorrowedRecv } from "./borrowed-recv.js";
import { checkCapacity, checkMessage, RecvLaggedError, SendError } from "./errors.js";
import { RecvIterator } from "./iterate.js";
import { parkReader, receiverRule } from "./one-reader.js";
import { type ReceiversGone, receiversGone } from "./receivers-gone.js";

/** How to share the channel instead, for the error of a second reader (one-reader.ts). */
const SHARE_BROADCAST = receiverRule(
  "give each task its own receiver (`tx.subscribe()`, or `rx.resubscribe()` for one that starts from now)",
);

/** The board every sender and receiver of one channel share (not exported). */
class Shared<T> {
  readonly ring: (T | undefined)[];
  /** For each slot of `ring`: how many receivers have yet to read the message in it. */
  readonly unread: Uint32Array;
  /** Sequence number of the next message; message `k` lives in `ring[k % capacity]`. */
  tail = 0;
  senders = 1;
  receivers = 0;
  readonly queue = new WaitQueue<Receiver<T>>();
  /** Senders waiting in `tx.closed()` for the last receiver to go, made on the first such wait. */
  closedWaiters: WaitQueue<ReceiversGone> | null = null;

  constructor(readonly capacity: number) {
    this.ring = new Array<T | undefined>(capacity).fill(undefined);
    this.unread = new Uint32Array(capacity);
  }

  /** A receiver read message `k` (or gave up on it): the last reader lets it go. */
  release(k: number): void {
    const i = k % this.capacity;
    if (--this.unread[i]! === 0) this.ring[i] = undefined;
  }
}

/**
 * The sending half (clone it for more senders).
 *
 * @example
 * ```ts
 * const [tx, rx1] = broadcast.channel<string>(16);
 * const rx2 = tx.subscribe();
 * tx.send("86 the salmon"); // both receivers see it
 * ```
 */
export class Sender<T> implements Disposable {
  /** This handle was closed (`close()` or dispose). */
  private handleClosed = false;

  /** Not for direct use: made by the library. */
  constructor(private readonly shared: Shared<T>) {}

  /**
   * Send to every current receiver; returns how many there are. Throws a `SendError` holding the
   * value when there is none (or this handle is closed). Never waits: slow receivers lag instead.
   *
   * @example
   * ```ts
   * const heard = tx.send("service!");
   * ```
   */
  send(value: T): number {
    checkMessage(value, "tx.send(value)");
    const s = this.shared;
    if (this.handleClosed || s.receivers === 0) {
      throw new SendError(
        this.handleClosed
          ? "broadcast send on a closed sender (the value is in error.value)"
          : "broadcast send with no receivers (the value is in error.value)",
        value,
      );
    }
    const i = s.tail % s.capacity;
    s.ring[i] = value;
    s.unread[i] = s.receivers;
    s.tail++;
    s.queue.wakeAll();
    return s.receivers;
  }

  /**
   * A new receiver that sees every message sent from now on.
   *
   * @example
   * ```ts
   * const rx = tx.subscribe();
   * ```
   */
  subscribe(): Receiver<T> {
    return new Receiver(this.shared, this.shared.tail);
  }

  /**
   * Another sender handle; counts until closed.
   *
   * @example
   * ```ts
   * const expo = tx.clone(); // a second station calling out to the same board
   * tx.close(); // the board stays open while expo is
   * ```
   */
  clone(): Sender<T> {
    if (this.handleClosed)
      throw new TypeError("tx.clone(): this sender is closed; clone an open one");
    this.shared.senders++;
    return new Sender(this.shared);
  }

  /**
   * How many receivers are subscribed.
   *
   * @example
   * ```ts
   * const [tx, rx] = broadcast.channel<string>(16);
   * console.log(tx.receiverCount()); // 1
   * ```
   */
  receiverCount(): number {
    return this.shared.receivers;
  }

  /**
   * Whether no receiver is subscribed (a `send` would fail), as tokio's `Sender::is_closed`.
   *
   * @example
   * ```ts
   * if (tx.isClosed()) return; // nobody is reading the board
   * ```
   */
  isClosed(): boolean {
    return this.shared.receivers === 0;
  }

  /**
   * A future ready once no receiver is subscribed (at once if none is): tokio's `Sender::closed`,
   * for a producer that should stop when nobody listens any more. Cancel safety: cancel-safe:
   * dropping it only takes it out of the line.
   *
   * @example
   * ```ts
   * // Biased: when the last station stops listening, stop calling out orders.
   * using r = yield* select.biased(tx.closed(), callOrdersForever(tx));
   * ```
   */
  closed(): FutureBase<void> & Disposable {
    const s = this.shared;
    return receiversGone(s, () => s.receivers === 0, "broadcast tx.closed()");
  }

  /**
   * Close this handle (idempotent); the last one closes the channel.
   *
   * @example
   * ```ts
   * tx.close(); // the last sender: receivers read the backlog, then recv() gives undefined
   * ```
   */
  close(): void {
    if (this.handleClosed) return;
    this.handleClosed = true;
    if (--this.shared.senders === 0) this.shared.queue.wakeAll();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A receiving half: its own position on the board.
 *
 * @example
 * ```ts
 * for (;;) {
 *   try {
 *     const m = yield* rx.recv();
 *     if (m === undefined) break;
 *   } catch (e) {
 *     if (!(e instanceof RecvLaggedError)) throw e; // else: skipped e.skipped, go on
 *   }
 * }
 * ```
 */
export class Receiver<T> implements Disposable, AsyncIterable<T> {
  /** Sequence number of the next message to read. */
  private next: number;
  private closed = false;
  private readonly node: WaitNode<Receiver<T>>;

  /** Not for direct use: made by the library. */
  constructor(
    private readonly shared: Shared<T>,
    from: number,
  ) {
    this.next = from;
    this.node = new WaitNode<Receiver<T>>(this);
    shared.receivers++;
  }

  /**
   * The next message; `undefined` once every sender is closed and this receiver has read all;
   * throws {@link RecvLaggedError} once if it fell behind (then goes on from the oldest kept).
   *
   * Cancel safety: cancel-safe: a message is taken only by the poll that returns it.
   *
   * @example
   * ```ts
   * const m = yield* rx.recv();
   * ```
   */
  recv(): FutureBase<T | undefined> & Disposable {
    return new BorrowedRecv(this, "broadcast rx.recv()");
  }

  /**
   * Poll for the next message (see `recv`): the message, `undefined` when closed and read out (or
   * when this receiver was closed), or `PENDING` with the waker kept. For the stream layer.
   *
   * @example
   * ```ts
   * poll(cx) { return this.rx.pollRecv(cx); }
   * ```
   */
  pollRecv(cx: Context, by: unknown = null): Poll<T | undefined> {
    // Unsubscribed: nothing more will be kept for this receiver, so it is at its end.
    if (this.closed) return undefined;
    const s = this.shared;
    const next = this.next;
    if (next < s.tail) {
      if (next < s.tail - s.capacity) throw this.lagged(next);
      if (!pollProceed(cx)) return PENDING;
      this.next = next + 1;
      const v = s.ring[next % s.capacity];
      s.release(next);
      return v;
    }
    if (s.senders === 0) {
      this.unregister();
      return undefined;
    }
    parkReader(this.node, s.queue, cx, this.parkedBy, "broadcast rx.recv()", SHARE_BROADCAST);
    this.parkedBy = cx;
    // Whoever stored the waker last owns the registration (a direct poller owns it as `null`).
    this.registrant = by;
    return PENDING;
  }

  /**
   * A message ready now (or `undefined`); throws `RecvLaggedError` as `recv` does.
   *
   * @example
   * ```ts
   * const order = rx.tryRecv(); // undefined when nothing new is on the board
   * ```
   */
  tryRecv(): T | undefined {
    const s = this.shared;
    const next = this.next;
    if (this.closed || next >= s.tail) return undefined;
    if (next < s.tail - s.capacity) throw this.lagged(next);
    this.next = next + 1;
    const v = s.ring[next % s.capacity];
    s.release(next);
    return v;
  }

  /** Fell behind the board from `next`: move on to the oldest message kept; the error to throw. */
  private lagged(next: number): RecvLaggedError {
    const oldest = this.shared.tail - this.shared.capacity;
    this.next = oldest;
    return new RecvLaggedError(
      `the broadcast receiver lagged: ${oldest - next} message(s) were overwritten before it read them`,
      oldest - next,
    );
  }

  /**
   * Whether nothing can arrive beyond what this receiver has not read yet: every sender is closed,
   * or this receiver is. Tells "closed" from "empty" when `tryRecv()` gives `undefined`.
   *
   * @example
   * ```ts
   * if (rx.tryRecv() === undefined && rx.isClosed()) console.log("the board is taken down");
   * ```
   */
  isClosed(): boolean {
    return this.closed || this.shared.senders === 0;
  }

  /**
   * Messages sent and not yet read by this receiver (lost ones included).
   *
   * @example
   * ```ts
   * if (rx.length > 10) console.log("this station is falling behind the board");
   * ```
   */
  get length(): number {
    return this.shared.tail - this.next;
  }

  /**
   * A new receiver starting from now (not from this one's position).
   *
   * @example
   * ```ts
   * const late = rx.resubscribe(); // sees only the orders called from now on
   * ```
   */
  resubscribe(): Receiver<T> {
    return new Receiver(this.shared, this.shared.tail);
  }

  /**
   * @internal the `recv()` future that registered the kept waker last. Two `recv()` futures can be
   * alive at once (the loser of a `select` kept as `rest`, and a new one): dropping the older must
   * not unregister the newer's waker.
   */
  registrant: unknown = null;
  /** @internal the context of the poll that parked last (its owner is the reader; one-reader.ts). */
  parkedBy: Context | null = null;

  /** @internal forget the kept waker (only if `by` registered it last, when given). */
  unregister(by?: unknown): void {
    if (by !== undefined && by !== this.registrant) return;
    this.registrant = null;
    if (this.node.state === QUEUED) this.shared.queue.remove(this.node);
  }

  /**
   * Unsubscribe (idempotent): senders stop counting this receiver. A `recv()` waiting on it in
   * another task is woken and returns `undefined`.
   *
   * @example
   * ```ts
   * rx.close(); // a task parked in rx.recv() now gets undefined
   * ```
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.shared;
    const waker = this.node.waker;
    this.unregister();
    s.receivers--;
    // Give up the messages it will never read (those overwritten already were let go by the send).
    for (let k = Math.max(this.next, s.tail - s.capacity); k < s.tail; k++) s.release(k);
    try {
      waker?.wake();
    } finally {
      // The last receiver is gone: the senders' `tx.closed()` waits end.
      if (s.receivers === 0) s.closedWaiters?.grantAll();
    }
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Iterate from native code; a lag rejects `next()` with `RecvLaggedError` (the receiver has
   * moved on; iterate again to continue).
   *
   * @example
   * ```ts
   * for await (const m of rx) console.log(m);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new RecvIterator<T>(this);
  }
}

/**
 * A broadcast channel keeping the last `capacity` messages (at least 1). The receiver it returns
 * is subscribed until closed: a program that only wants the sender (tokio's
 * `let (tx, _) = broadcast::channel(16)`) closes it, or `send` keeps succeeding into a receiver
 * nobody reads and `tx.closed()` never resolves.
 *
 * @example
 * ```ts
 * const [tx, rx] = broadcast.channel<string>(16);
 * ```
 *
 * @example
 * ```ts
 * const [news, unused] = broadcast.channel<string>(16);
 * unused.close(); // subscribers come later, through news.subscribe()
 * ```
 */
export function channel<T>(capacity: number): [Sender<T>, Receiver<T>] {
  const s = new Shared<T>(
    checkCapacity(capacity, "broadcast.channel(capacity): capacity", 2 ** 24),
  );
  return [new Sender(s), new Receiver(s, 0)];
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(Sender);
markOwned(Receiver);
