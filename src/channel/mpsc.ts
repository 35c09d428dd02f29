/**
 * mpsc: many waiters, one kitchen. A multi-producer, single-consumer channel, bounded (`channel(n)`:
 * at most `n` messages buffered; a sender waits for a free slot: backpressure) or unbounded
 * (`unboundedChannel()`: sending never waits).
 *
 * How senders are counted: every sender handle counts once, from its creation (`channel()` or
 * `tx.clone()`) until `tx.close()` or `tx[Symbol.dispose]()` (the same thing; idempotent). When
 * the count reaches zero the receiver drains what is buffered and then `recv()` returns
 * `undefined`. A handle that is merely forgotten still counts (JS has no destructors): close it, or
 * declare it with `using`. A send through a closed handle fails with `SendError`, as do sends
 * still waiting on it when it closes, so nothing is received after the receiver saw the end.
 *
 * `undefined` is not a valid message: `recv()` uses it to say "closed".
 */

import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase, type Suspend, stepContext, stepResult } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { ReleasedError } from "../sync/errors.js";
import { checkNameOption, type NameOptions } from "../sync/name-option.js";
import { Acquire, FAILED, HELD, MAX_PERMITS, SPENT } from "../sync/permits.js";
import { pollProceed } from "../task/budget.js";
import { Chan, Receiver, type SendWaiter } from "./chan.js";
import { checkCapacity, checkMessage, SendError, TrySendError } from "./errors.js";
import { SenderHandle } from "./sender-handle.js";

export { Receiver } from "./chan.js";
export { SharedReceiver } from "./shared-receiver.js";

/**
 * The sending end of a bounded channel.
 *
 * @example
 * ```ts
 * const [tx, rx] = mpsc.channel<string>(8);
 * yield* tx.send("soup for table 4"); // waits while 8 orders are pending
 * tx.close();
 * ```
 */
export class Sender<T> extends SenderHandle<T> {
  /**
   * Send `value`, waiting for a free slot while the channel is full. Fails with a `SendError`
   * holding the value if the receiver is gone or this handle is closed.
   *
   * Cancel safety: dropping it gives up its place in the FIFO line of waiting senders, and the
   * message is then certainly not sent (the caller still has it). A slot already handed to it is
   * passed on to the next sender.
   *
   * @example
   * ```ts
   * yield* tx.send(order);
   * ```
   */
  send(value: T): FutureBase<void> & Disposable {
    if (value === undefined) checkMessage(value, "tx.send(value)");
    return new Send(this, value);
  }

  /**
   * Send now if a slot is free and no sender waits; else throw a `TrySendError` (`kind` "full" or
   * "closed") that hands the value back.
   *
   * @example
   * ```ts
   * try { tx.trySend(order); } catch (e) { if ((e as TrySendError<string>).kind === "full") shed(order); }
   * ```
   */
  trySend(value: T): void {
    checkMessage(value, "tx.trySend(value)");
    const chan = this.chan;
    if (this.handleClosed || chan.closed) {
      throw new TrySendError(
        this.handleClosed
          ? "trySend on a closed sender"
          : `trySend on a closed ${chan.called}: the receiver is gone`,
        "closed",
        value,
      );
    }
    if (!chan.canTake(1)) {
      throw new TrySendError(
        `trySend on a full ${chan.called} (capacity ${chan.capacity})`,
        "full",
        value,
      );
    }
    chan.permits--;
    chan.push(value);
  }

  /**
   * Wait for a slot and hold it: the permit's `send(value)` then cannot wait or fail for lack of
   * room. Disposing an unused permit gives the slot back.
   *
   * Cancel safety: as `send`: the place in line is lost; a slot already handed to it is passed on.
   *
   * @example
   * ```ts
   * using permit = yield* tx.reserve();
   * permit.send(yield* prepare()); // the slot was kept for us meanwhile
   * ```
   */
  reserve(): FutureBase<Permit<T>> & Disposable {
    return new ReserveFuture(this);
  }

  /**
   * Another handle to the same channel; it counts as one more sender until closed.
   *
   * @example
   * ```ts
   * using tx2 = tx.clone();
   * spawn(produce(tx2.clone()));
   * ```
   */
  clone(): Sender<T> {
    return new Sender(this.cloned());
  }

  /**
   * Free slots now.
   *
   * @example
   * ```ts
   * if (tx.capacity() === 0) console.log("the rail is full: send() will wait");
   * ```
   */
  capacity(): number {
    return this.chan.closed ? 0 : this.chan.permits;
  }

  /**
   * The channel's capacity.
   *
   * @example
   * ```ts
   * const [tx] = mpsc.channel<string>(8);
   * tx.maxCapacity(); // 8
   * ```
   */
  maxCapacity(): number {
    return this.chan.capacity;
  }
}

/** A reserved slot: `send(value)` delivers at once; dispose gives the slot back unused. */
export interface Permit<T> extends Disposable {
  /** Deliver `value` into the reserved slot. Throws `ReleasedError` on a used permit. */
  send(value: T): void;
}

/**
 * The `send()` future. The common case (a free slot, nobody in line) is served here without the
 * machinery of waiting; only a send that must wait makes a {@link SendFuture} (an `Acquire` with
 * its place in the FIFO line) and hands the rest of its life to it.
 */
class Send<T> extends FutureBase<void> implements Disposable {
  private value: T | undefined;
  /** The waiting send, once this one had to wait; `DONE` once finished or dropped. */
  private slow: SendFuture<T> | null | typeof DONE = null;

  constructor(
    private readonly tx: Sender<T>,
    value: T,
  ) {
    super();
    this.value = value;
  }

  /** `yield*`'s step, in this class so that its `poll` call sees one class (see FutureBase). */
  override next(): IteratorResult<Suspend, void> {
    return stepResult(this, this.poll(stepContext()));
  }

  poll(cx: Context): Poll<void> {
    const slow = this.slow;
    if (slow !== null) {
      if (slow === DONE)
        throw new FutureStateError("tx.send() was polled after it completed or was dropped");
      const r = slow.poll(cx);
      if (r !== PENDING) this.slow = DONE;
      return r;
    }
    const chan = this.tx.chan;
    if (chan.permits > 0 && chan.queue.head === null && !chan.closed && !this.tx.handleClosed) {
      if (!pollProceed(cx)) return PENDING;
      chan.permits--;
      this.slow = DONE;
      const v = this.value as T;
      this.value = undefined;
      chan.push(v);
      return undefined;
    }
    if (this.tx.handleClosed) {
      // A send through a handle already closed fails at once, value handed back, even when the
      // channel is full (it would otherwise wait for a slot only to fail then).
      this.slow = DONE;
      const v = this.value as T;
      this.value = undefined;
      throw chan.sendError(v, true);
    }
    const waiting = new SendFuture(this.tx, this.value);
    this.value = undefined;
    this.slow = waiting;
    try {
      const r = waiting.poll(cx);
      if (r !== PENDING) this.slow = DONE;
      return r;
    } catch (e) {
      this.slow = DONE;
      throw e;
    }
  }

  [DESCRIBE](): Description {
    const slow = this.slow;
    if (slow instanceof SendFuture) return slow[DESCRIBE]();
    return { label: `${this.tx.chan.title} tx.send()`, children: [] };
  }

  /** Dropped: a waiting send leaves the line (a slot already handed to it goes to the next). */
  [Symbol.dispose](): void {
    const slow = this.slow;
    this.slow = DONE;
    this.value = undefined;
    if (slow !== null && slow !== DONE) slow[Symbol.dispose]();
  }
}

const DONE: unique symbol = Symbol("done");

class SendFuture<T> extends Acquire<void> implements SendWaiter {
  constructor(
    /** @internal the handle it sends through (the channel fails it if that handle closes). */
    readonly tx: Sender<T>,
    private value: T | undefined,
  ) {
    super(tx.chan, 1);
  }

  protected acquired(): void {
    const v = this.value as T;
    this.value = undefined;
    const chan = this.tx.chan;
    if (this.tx.handleClosed || chan.closed) {
      // The handle or the receiver closed between the grant and this poll: the receiver may have
      // seen its end already, so pushing now could lose the message. Give the slot back and hand
      // the value back, as `Permit.send` does (see chan.ts, "Closing").
      this.stage = FAILED;
      this.core.releasePermits(1);
      throw chan.sendError(v, this.tx.handleClosed);
    }
    this.stage = SPENT;
    chan.push(v);
  }

  /** @internal the error when the receiver is gone or the handle closed while waiting. */
  sendFailed(): Error {
    const v = this.value as T;
    this.value = undefined;
    return this.tx.chan.sendError(v, this.tx.handleClosed);
  }

  protected label(): string {
    return `${this.tx.chan.title} tx.send()`;
  }

  override describeWait(): string {
    return `${this.label()}, channel full (capacity ${this.tx.chan.capacity})`;
  }
}

class ReserveFuture<T> extends Acquire<Permit<T>> implements Permit<T>, SendWaiter {
  constructor(
    /** @internal the handle it reserves through (the channel fails it if that handle closes). */
    readonly tx: Sender<T>,
  ) {
    super(tx.chan, 1);
  }

  protected acquired(): Permit<T> {
    if (this.tx.handleClosed || this.tx.chan.closed) {
      // Closed between the grant and this poll: a permit nobody can use is no permit.
      this.stage = FAILED;
      this.core.releasePermits(1);
      throw this.sendFailed();
    }
    return this;
  }

  /** @internal */
  sendFailed(): Error {
    return new SendError(
      this.tx.handleClosed
        ? "reserve on a closed sender"
        : `reserve on a closed ${this.tx.chan.called}: the receiver is gone`,
      undefined,
    );
  }

  protected label(): string {
    return `${this.tx.chan.title} tx.reserve()`;
  }

  override describeWait(): string {
    return `${this.label()}, channel full (capacity ${this.tx.chan.capacity})`;
  }

  send(value: T): void {
    checkMessage(value, "permit.send(value)");
    if (this.stage !== HELD) {
      throw new ReleasedError("permit.send() on a permit that was already used or released");
    }
    const chan = this.tx.chan;
    // After the receiver closed, nothing is delivered any more (see chan.ts, "Closing"): the value
    // is handed back.
    if (this.tx.handleClosed || chan.closed) {
      this.releaseHeld();
      throw chan.sendError(value, this.tx.handleClosed);
    }
    this.stage = SPENT;
    chan.push(value);
  }
}

/**
 * The sending end of an unbounded channel: `send` never waits.
 *
 * @example
 * ```ts
 * const [tx, rx] = mpsc.unboundedChannel<string>();
 * tx.send("bread");
 * ```
 */
export class UnboundedSender<T> extends SenderHandle<T> {
  /**
   * Send `value` now. Throws a `SendError` holding the value if the receiver is gone or this handle
   * is closed. (Synchronous, so there is nothing to cancel.)
   *
   * @example
   * ```ts
   * tx.send(order);
   * ```
   */
  send(value: T): void {
    checkMessage(value, "tx.send(value)");
    if (this.handleClosed || this.chan.closed) throw this.chan.sendError(value, this.handleClosed);
    this.chan.push(value);
  }

  /**
   * Another handle; counts as one more sender until closed.
   *
   * @example
   * ```ts
   * spawn(produce(tx.clone()));
   * ```
   */
  clone(): UnboundedSender<T> {
    return new UnboundedSender(this.cloned());
  }
}

/**
 * A bounded channel of `capacity` slots (at least 1). `options.name` names it in deadlock reports,
 * dumps and errors (`mpsc 'orders' tx.send(), channel full (capacity 8)`).
 *
 * @example
 * ```ts
 * const [tx, rx] = mpsc.channel<number>(1);
 * spawn(asyncBlock(function* () { yield* tx.send(1); tx.close(); }));
 * const one = yield* rx.recv(); // 1
 * const [orders, kitchen] = mpsc.channel<string>(8, { name: "orders" });
 * ```
 */
export function channel<T>(capacity: number, options?: NameOptions): [Sender<T>, Receiver<T>] {
  const chan = new Chan<T>(
    checkCapacity(capacity, "mpsc.channel(capacity): capacity", MAX_PERMITS),
    checkNameOption(options, "mpsc.channel(capacity, options)"),
  );
  return [new Sender(chan), new Receiver(chan)];
}

/**
 * An unbounded channel.
 *
 * @example
 * ```ts
 * const [tx, rx] = mpsc.unboundedChannel<string>();
 * ```
 */
export function unboundedChannel<T>(options?: NameOptions): [UnboundedSender<T>, Receiver<T>] {
  const chan = new Chan<T>(
    Number.POSITIVE_INFINITY,
    checkNameOption(options, "mpsc.unboundedChannel(options)"),
  );
  return [new UnboundedSender(chan), new Receiver(chan)];
}
