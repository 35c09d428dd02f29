/**
 * The shared core of an mpsc channel, and its receiver: the ticket rail between the waiters (many
 * senders) and the kitchen (one receiver). Tickets are kept in a {@link Ring}; a bounded channel
 * also counts its free slots as {@link Permits}, so a sender that finds the rail full waits in a
 * FIFO line and is let in, in order, as the receiver takes tickets off (backpressure).
 *
 * Closing: the channel is closed for the receiver once every sender handle is closed (tickets
 * already on the rail are still received, then `recv()` returns `undefined`); it is closed for the
 * senders once the receiver is closed or disposed: every send fails with the message handed back,
 * including one already handed a slot but not yet polled to deliver into it, and a reserved permit.
 * (tokio lets outstanding permits send after `close()`, and its `recv` waits for them; here the
 * receiver's end is known the moment it closes: what is buffered, then `undefined`, and no message
 * can arrive after that end to be lost.)
 *
 * Memory: the ring starts small and doubles as tickets arrive; the permits, not the ring, bound how
 * many are held. So `channel(1_000_000)` costs nothing until a million tickets are actually waiting.
 */

import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase, type Suspend, stepContext, stepResult } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Acquire } from "../sync/permits.js";
import { Permits } from "../sync/permits.js";
import { type WaitNode, type WaitQueue, WaitSlot } from "../sync/waiter.js";
import { pollProceed } from "../task/budget.js";
import { SendError } from "./errors.js";
import { RecvIterator } from "./iterate.js";
import { receiverRule, refuseSecondReader } from "./one-reader.js";
import type { ReceiversGone } from "./receivers-gone.js";
import { Ring } from "./ring.js";
import type { SenderHandle } from "./sender-handle.js";

/** The ring a channel starts with: big enough for a steady trickle, small enough to be free. */
const INITIAL_RING = 16;

/** @internal what a waiting send or reserve is to the channel (its node's owner in the line). */
export interface SendWaiter {
  /** The sender handle it waits through. */
  readonly tx: unknown;
  /** Its error when the channel or its handle closes; a send hands its message back in it. */
  sendFailed(): Error;
}

/**
 * The state both ends share (not part of the public API). Its permits are the free slots of a
 * bounded channel.
 */
export class Chan<T> extends Permits {
  readonly buf: Ring<T>;
  /** The receiver's waker, when it waits (there is one receiver: no line is needed). */
  readonly rxSlot = new WaitSlot();
  /** Open sender handles. */
  senders = 1;
  /** The most recently made of the open sender handles, which link the others (sender-handle.ts). */
  openSenders: SenderHandle<T> | null = null;
  /** How many handles that list holds (at most `LISTED`). */
  listedSenders = 0;
  /** Whether slots are counted (a bounded channel). */
  readonly bounded: boolean;
  /** Senders waiting in `tx.closed()` for the receiver to go, made on the first such wait. */
  closedWaiters: WaitQueue<ReceiversGone> | null = null;

  constructor(
    /** Slots, or `Infinity` for an unbounded channel. */
    readonly capacity: number,
    /** The name given to `mpsc.channel`, or `null`: see `title`. */
    readonly name: string | null = null,
  ) {
    super(Number.isFinite(capacity) ? capacity : 0);
    this.bounded = Number.isFinite(capacity);
    // Not `capacity` slots up front: `channel(2 ** 30)` would exhaust the heap before any send.
    this.buf = new Ring<T>(Math.min(capacity, INITIAL_RING));
  }

  /** How errors call it: `channel`, or `channel 'orders'` when it was given a name. */
  get called(): string {
    return this.name === null ? "channel" : `channel '${this.name}'`;
  }

  /** How reports and dumps name it: `mpsc`, or `mpsc 'orders'` when it was given a name. */
  get title(): string {
    return this.name === null ? "mpsc" : `mpsc '${this.name}'`;
  }

  /** Put a ticket on the rail and wake the receiver. */
  push(v: T): void {
    this.buf.push(v);
    this.rxSlot.wake();
  }

  /** A sender handle closed. */
  senderClosed(): void {
    if (--this.senders === 0) this.rxSlot.wake();
  }

  override closedError(a: Acquire<unknown>): Error {
    return (a as unknown as SendWaiter).sendFailed();
  }

  /**
   * @internal the handle `tx` closed: its sends and reserves still waiting for a slot fail now
   * (each hands its message back when polled) instead of delivering after the receiver may have
   * seen the end.
   */
  failWaitersOf(tx: unknown): void {
    let n: WaitNode<Acquire<unknown>> | null = this.queue.head;
    if (n === null) return;
    while (n !== null) {
      const next: WaitNode<Acquire<unknown>> | null = n.next;
      if ((n.owner as unknown as SendWaiter).tx === tx) {
        this.onLeave(n.owner);
        this.queue.close(n);
      }
      n = next;
    }
    // A waiter that left from the head may have held back those behind it.
    this.releasePermits(0);
  }

  /** @internal the error of a send on a closed channel. */
  sendError<V>(value: V, own: boolean): SendError<V> {
    return new SendError(
      own
        ? "send on a closed sender: this handle was closed (the message is in error.value)"
        : `send on a closed ${this.called}: the receiver is gone (the message is in error.value)`,
      value,
    );
  }
}

/**
 * The receiving end of an mpsc channel (bounded or unbounded). Async-iterable from native code
 * (`for await (const order of rx)`), and pollable by hand (`pollRecv`) for the stream layer.
 *
 * @example
 * ```ts
 * const [tx, rx] = mpsc.channel<string>(16);
 * let order: string | undefined;
 * while ((order = yield* rx.recv()) !== undefined) cook(order);
 * ```
 */
export class Receiver<T> implements Disposable, AsyncIterable<T> {
  private closed = false;

  /** Not for direct use: made by the library. */
  constructor(private readonly chan: Chan<T>) {}

  /**
   * The next message, or `undefined` once every sender is closed and the channel is empty.
   *
   * Cancel safety: cancel-safe. A message is taken only in the poll that returns it, so a `recv()`
   * dropped while waiting (the loser of a `select`) has taken nothing: no message is lost.
   *
   * @example
   * ```ts
   * const order = yield* rx.recv();
   * ```
   */
  recv(): FutureBase<T | undefined> & Disposable {
    return new Recv(this);
  }

  /**
   * Poll for the next message: the message, `undefined` when closed and empty, or `PENDING` with
   * `cx.waker` kept until a message or the close arrives. Spends one unit of the task's budget per
   * message. For the stream layer and hand-written futures.
   *
   * @example
   * ```ts
   * poll(cx) { return this.rx.pollRecv(cx); }
   * ```
   */
  pollRecv(cx: Context, by: unknown = null): Poll<T | undefined> {
    const chan = this.chan;
    if (chan.buf.length > 0) {
      if (!pollProceed(cx)) return PENDING;
      const v = chan.buf.shift();
      if (chan.bounded && !chan.closed) {
        // Nobody waits for the freed slot (the common case): just count it.
        if (chan.queue.head === null) chan.permits++;
        else chan.releasePermits(1);
      }
      return v;
    }
    if (chan.senders === 0 || this.closed) {
      this.unregister();
      return undefined;
    }
    this.park(cx, "recv()");
    // Whoever stored the waker last owns the registration (a direct poller owns it as `null`).
    this.registrant = by;
    return PENDING;
  }

  /**
   * Every message ready, up to `limit`, once at least one is: tokio's `recv_many`, for a consumer
   * that handles a batch at a time (one write for many log lines, say). An empty array once every
   * sender is closed and the channel is empty.
   *
   * Cancel safety: cancel-safe, as `recv()`: messages are taken only in the poll that returns them.
   *
   * @example
   * ```ts
   * let batch: string[];
   * while ((batch = yield* rx.recvMany(64)).length > 0) yield* writeAll(log, encode(batch.join("\n")));
   * ```
   */
  recvMany(limit: number): FutureBase<T[]> & Disposable {
    checkLimit(limit, "rx.recvMany(limit)");
    return new RecvMany(this, limit);
  }

  /**
   * Poll for up to `limit` messages: those ready now (at least one), `[]` when closed and empty,
   * or `PENDING` with `cx.waker` kept. Spends one unit of the task's budget per batch.
   *
   * @example
   * ```ts
   * poll(cx) { return this.rx.pollRecvMany(cx, 16); }
   * ```
   */
  pollRecvMany(cx: Context, limit: number, by: unknown = null): Poll<T[]> {
    if (by === null) checkLimit(limit, "rx.pollRecvMany(cx, limit)");
    const chan = this.chan;
    const n = Math.min(limit, chan.buf.length);
    if (n > 0) {
      if (!pollProceed(cx)) return PENDING;
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = chan.buf.shift() as T;
      if (chan.bounded && !chan.closed) {
        if (chan.queue.head === null) chan.permits += n;
        else chan.releasePermits(n);
      }
      return out;
    }
    if (chan.senders === 0 || this.closed) {
      this.unregister();
      return [];
    }
    this.park(cx, "recvMany()");
    this.registrant = by;
    return PENDING;
  }

  /**
   * Keep `cx.waker` in the receiver's one slot. A second task parking while the first still waits
   * would take the slot from it, and the first would sleep for good (the worker pool that is one
   * worker): that is refused. One task's several waits (`join` branches, a `select`'s `rest`)
   * share the slot, as before.
   */
  private park(cx: Context, call: string): void {
    const slot = this.chan.rxSlot;
    const waker = cx.waker;
    const parked = slot.waker;
    if (parked !== null && parked !== waker) {
      const by = this.parkedBy?.owner;
      refuseSecondReader(by, parked, cx.owner, `${this.chan.title} rx.${call}`, SHARE_MPSC);
    }
    slot.park(waker);
    // The context, not its owner: reading `owner` is a call, and only a refusal needs it.
    this.parkedBy = cx;
  }

  /**
   * A message if one is ready now, else `undefined` (empty, or closed and empty: `isClosed()`
   * tells which).
   *
   * @example
   * ```ts
   * const order = rx.tryRecv();
   * ```
   */
  tryRecv(): T | undefined {
    const chan = this.chan;
    if (chan.buf.length === 0) return undefined;
    const v = chan.buf.shift();
    if (chan.bounded && !chan.closed) chan.releasePermits(1);
    return v;
  }

  /**
   * Stop accepting messages: senders fail from now on (waiting ones at once), while messages
   * already sent can still be received. A `recv()` waiting in another task is woken: it returns
   * what is still buffered, then `undefined`.
   *
   * @example
   * ```ts
   * rx.close();
   * while (rx.tryRecv() !== undefined) {} // drain
   * ```
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Everyone waiting is told, even if a waker throws (the first error is thrown at the end).
    let failure: { error: unknown } | null = null;
    try {
      // Sends waiting for a slot fail now, each handing its message back.
      this.chan.closePermits();
    } catch (error) {
      failure = { error };
    }
    try {
      // A recv() parked in another task would otherwise sleep forever: nothing can arrive now.
      this.chan.rxSlot.wake();
    } catch (error) {
      failure ??= { error };
    }
    try {
      // Senders waiting for the receiver to go (`tx.closed()`).
      this.chan.closedWaiters?.grantAll();
    } catch (error) {
      failure ??= { error };
    }
    if (failure !== null) throw failure.error;
  }

  /**
   * Whether no more messages can arrive beyond those buffered (all senders or this end closed).
   *
   * @example
   * ```ts
   * if (rx.isClosed() && rx.length === 0) console.log("no more tickets will come");
   * ```
   */
  isClosed(): boolean {
    return this.closed || this.chan.senders === 0;
  }

  /**
   * Messages buffered now.
   *
   * @example
   * ```ts
   * console.log(`${rx.length} tickets waiting on the rail`);
   * ```
   */
  get length(): number {
    return this.chan.buf.length;
  }

  /**
   * @internal the `recv()` future that registered the kept waker last. Two `recv()` futures can be
   * alive at once (the loser of a `select` kept as `rest`, and a new one): dropping the older must
   * not unregister the newer's waker.
   */
  registrant: unknown = null;
  /** @internal the context of the poll that parked in the slot last (its owner is the reader). */
  parkedBy: Context | null = null;

  /** @internal forget the kept waker (only if `by` registered it last, when given). */
  unregister(by?: unknown): void {
    if (by !== undefined && by !== this.registrant) return;
    this.registrant = null;
    this.chan.rxSlot.clear();
  }

  /** Close, and drop the messages still buffered (a waiting `recv()` is woken and gets `undefined`). */
  [Symbol.dispose](): void {
    try {
      this.close();
    } finally {
      this.unregister();
      this.chan.buf.clear();
    }
  }

  /**
   * Iterate from native code: `for await (const m of rx)`. Ends when the channel is closed and
   * empty. `break` stops waiting but leaves the receiver open.
   *
   * @example
   * ```ts
   * for await (const order of rx) console.log(order);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new RecvIterator<T>(this);
  }

  /**
   * @internal for dumps and deadlock reports: what a receive waits for. A receiver whose loop
   * never ends is most often waiting on a sender somebody forgot to close: say how many are open,
   * and which tasks made them.
   */
  describeWait(call: string): string {
    const chan = this.chan;
    if (chan.buf.length > 0 || this.closed || chan.senders === 0) return `${chan.title} rx.${call}`;
    const open = chan.senders === 1 ? "1 sender still open" : `${chan.senders} senders still open`;
    return `${chan.title} rx.${call}, channel empty, ${open} (${madeIn(chan.openSenders, chan.senders - chan.listedSenders)})`;
  }
}

/** How to share an mpsc receiver, for the error of a second reader. */
const SHARE_MPSC = receiverRule(
  "to share it among workers, use `new mpsc.SharedReceiver(rx)` (a fair lock around each recv), or give each worker its own channel",
);

/** Most places named in a sender report; the rest are counted. */
const MAX_PLACES = 4;

/**
 * Where the open handles from `head` on were made, oldest first, each place once with a count:
 * "made in task 'main'", "made in task 'main' (2), in task 'producer'", "made outside any task";
 * `unlisted` more open handles (past the list's limit) are counted at the end.
 */
function madeIn(head: SenderHandle<unknown> | null, unlisted: number): string {
  const newestFirst: string[] = [];
  for (let h = head; h !== null; h = h.nextOpen) {
    newestFirst.push(h.madeIn === null ? "outside any task" : `in task '${h.madeIn.name}'`);
  }
  const places = new Map<string, number>();
  for (const place of newestFirst.reverse()) places.set(place, (places.get(place) ?? 0) + 1);
  const named = [...places];
  const parts = named
    .slice(0, MAX_PLACES)
    .map(([place, n]) => (n === 1 ? place : `${place} (${n})`));
  if (named.length > MAX_PLACES) parts.push(`and ${named.length - MAX_PLACES} more places`);
  if (unlisted > 0) parts.push(`and ${unlisted} more made later`);
  return `made ${parts.join(", ")}`;
}

class Recv<T> extends FutureBase<T | undefined> implements Disposable {
  private done = false;

  constructor(private readonly rx: Receiver<T>) {
    super();
  }

  [DESCRIBE](): Description {
    return { label: this.rx.describeWait("recv()"), children: [] };
  }

  /** `yield*`'s step, in this class so that its `poll` call sees one class (see FutureBase). */
  override next(): IteratorResult<Suspend, T | undefined> {
    return stepResult(this, this.poll(stepContext()));
  }

  poll(cx: Context): Poll<T | undefined> {
    if (this.done)
      throw new FutureStateError("rx.recv() was polled after it completed or was dropped");
    const r = this.rx.pollRecv(cx, this);
    if (r !== PENDING) this.done = true;
    return r;
  }

  [Symbol.dispose](): void {
    if (this.done) return;
    this.done = true;
    this.rx.unregister(this);
  }
}

/** The future of `rx.recvMany(limit)`. */
class RecvMany<T> extends FutureBase<T[]> implements Disposable {
  private done = false;

  constructor(
    private readonly rx: Receiver<T>,
    private readonly limit: number,
  ) {
    super();
  }

  [DESCRIBE](): Description {
    return { label: this.rx.describeWait(`recvMany(${this.limit})`), children: [] };
  }

  poll(cx: Context): Poll<T[]> {
    if (this.done)
      throw new FutureStateError("rx.recvMany() was polled after it completed or was dropped");
    const r = this.rx.pollRecvMany(cx, this.limit, this);
    if (r !== PENDING) this.done = true;
    return r;
  }

  [Symbol.dispose](): void {
    if (this.done) return;
    this.done = true;
    this.rx.unregister(this);
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(Receiver);

/** A batch's limit is a whole number of messages, at least 1 (`where` names the call). */
function checkLimit(limit: number, where: string): void {
  if (typeof limit === "number" && Number.isInteger(limit) && limit >= 1) return;
  const rule = "limit must be a whole number of messages, at least 1";
  if (typeof limit !== "number") throw new TypeError(`${where}: ${rule}, got ${typeof limit}`);
  throw new RangeError(`${where}: ${rule}, got ${limit}`);
}
