/**
 * oneshot: the single ticket that comes back from the pass with one answer. One value, sent once,
 * from one sender to one receiver. The receiver is itself a future of the value; if the sender is
 * closed without sending, the receiver throws a `ChannelClosedError`. If the receiver is gone,
 * `send` throws a `SendError` holding the value.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { QUEUED, WaitNode, WaitQueue } from "../sync/waiter.js";
import { pollProceed } from "../task/budget.js";
import { ChannelClosedError, SendError } from "./errors.js";

const EMPTY = 0; // nothing sent yet
const SENT = 1; // the value waits for the receiver
const TX_CLOSED = 2; // the sender closed without sending
const RX_CLOSED = 3; // the receiver is gone: sends fail
const TAKEN = 4; // the receiver has the value

/** @internal */
class Shared<T> {
  state = EMPTY;
  value: T | undefined = undefined;
  readonly queue = new WaitQueue<Receiver<T>>();

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
  /** @internal */
  constructor(private readonly shared: Shared<T>) {}

  /**
   * Send the value. Throws a `SendError` holding it if the receiver is gone, or if this sender
   * already sent or was closed. (Synchronous: nothing to cancel.)
   *
   * @example
   * ```ts
   * tx.send(answer);
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

  /** Whether the receiver is gone. */
  isClosed(): boolean {
    return this.shared.state === RX_CLOSED;
  }

  /** Close without sending: the receiver throws `ChannelClosedError`. Idempotent. */
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
 * The receiving half: a future of the value.
 *
 * Cancel safety: cancel-safe in a loop that polls the same receiver again (the value stays until a
 * poll returns it). Dropping the receiver closes the channel, and a value sent but not received is
 * lost with it, as in tokio.
 *
 * @example
 * ```ts
 * const answer = yield* rx;
 * ```
 */
export class Receiver<T> extends FutureBase<T> implements Disposable {
  private readonly node: WaitNode<Receiver<T>>;

  /** @internal */
  constructor(private readonly shared: Shared<T>) {
    super();
    this.node = new WaitNode<Receiver<T>>(this);
  }

  [DESCRIBE](): Description {
    return { label: "oneshot receiver", children: [] };
  }

  poll(cx: Context): Poll<T> {
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
        const node = this.node;
        if (node.state === QUEUED) node.waker = cx.waker;
        else s.queue.push(node, cx.waker);
        return PENDING;
      }
      case TX_CLOSED:
        throw new ChannelClosedError("oneshot receive: the sender was closed without sending");
      default:
        throw new FutureStateError(
          `oneshot receiver polled after it ${s.state === TAKEN ? "received its value" : "was closed"}`,
        );
    }
  }

  /**
   * The value if it has arrived (taking it), else `undefined`; throws `ChannelClosedError` if the
   * sender closed without sending.
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
    if (s.state !== SENT) return undefined;
    const v = s.value as T;
    s.value = undefined;
    s.state = TAKEN;
    return v;
  }

  /** Whether a value is waiting to be received. */
  hasValue(): boolean {
    return this.shared.state === SENT;
  }

  /** Refuse the value: a later `send` fails and hands it back. Idempotent. */
  close(): void {
    const s = this.shared;
    if (this.node.state === QUEUED) s.queue.remove(this.node);
    if (s.state === EMPTY || s.state === SENT) {
      s.state = RX_CLOSED;
      s.value = undefined;
    }
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
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
