/**
 * watch: the specials board. One value that the sender replaces; receivers see only the latest
 * (intermediate values they did not look at are simply gone) and can wait for the next change.
 * Each receiver remembers the version it last saw: `changed()` is ready when the board holds a
 * newer one, and marks it seen.
 *
 * Closing: when the sender is closed, `changed()` throws `ChannelClosedError` once nothing unseen
 * is left; `borrow()` still shows the last value. Closing a receiver wakes its own pending
 * `changed()` futures, which then throw `ChannelClosedError` too. When the last receiver is closed,
 * `send` fails and the sender's `tx.closed()` is ready.
 */

import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { QUEUED, WaitNode, WaitQueue } from "../sync/waiter.js";
import { pollProceed } from "../task/budget.js";
import { ChannelClosedError, SendError } from "./errors.js";
import { type ReceiversGone, receiversGone } from "./receivers-gone.js";

/** The value and version every sender and receiver of one channel share (not exported). */
class Shared<T> {
  version = 0;
  closed = false;
  receivers = 0;
  /** Waiting `changed()` and `waitFor()` futures of every receiver. */
  readonly queue = new WaitQueue<Waiting<T>>();
  /** The sender's `tx.closed()` waits for the last receiver to go, made on the first such wait. */
  closedWaiters: WaitQueue<ReceiversGone> | null = null;

  constructor(public value: T) {}

  publish(): void {
    this.version++;
    this.queue.wakeAll();
  }
}

/**
 * The sending half.
 *
 * @example
 * ```ts
 * const [tx, rx] = watch.channel("soup of the day: leek");
 * tx.send("soup of the day: tomato");
 * ```
 */
export class Sender<T> implements Disposable {
  /** Not for direct use: made by the library. */
  constructor(private readonly shared: Shared<T>) {}

  /**
   * Replace the value and notify receivers. Throws a `SendError` holding the value when no
   * receiver is left (use `sendReplace` to update anyway) or the sender is closed.
   *
   * @example
   * ```ts
   * tx.send(newSpecial);
   * ```
   */
  send(value: T): void {
    const s = this.shared;
    if (s.closed || s.receivers === 0) {
      throw new SendError(
        s.closed
          ? "watch send on a closed sender (the value is in error.value)"
          : "watch send with no receivers (the value is in error.value)",
        value,
      );
    }
    s.value = value;
    s.publish();
  }

  /**
   * Replace the value even with no receivers; returns the old one.
   *
   * @example
   * ```ts
   * const old = tx.sendReplace(next);
   * ```
   */
  sendReplace(value: T): T {
    const s = this.checkOpen("sendReplace");
    const old = s.value;
    s.value = value;
    s.publish();
    return old;
  }

  /**
   * Change the value in place with `modify(value)` (its return value, if not `undefined`,
   * replaces it) and notify receivers.
   *
   * @example
   * ```ts
   * tx.sendModify((board) => { board.specials.push("pie"); });
   * ```
   */
  sendModify(modify: (value: T) => T | undefined | void): void {
    if (typeof modify !== "function") {
      throw new TypeError(`tx.sendModify(modify): modify must be a function, got ${typeof modify}`);
    }
    const s = this.checkOpen("sendModify");
    const r = modify(s.value);
    if (r !== undefined) s.value = r as T;
    s.publish();
  }

  /**
   * Like `sendModify`, but receivers are notified only if `modify` returns `true`.
   *
   * @example
   * ```ts
   * tx.sendIfModified((b) => { if (b.open) return false; b.open = true; return true; });
   * ```
   */
  sendIfModified(modify: (value: T) => boolean): boolean {
    if (typeof modify !== "function") {
      throw new TypeError(
        `tx.sendIfModified(modify): modify must be a function, got ${typeof modify}`,
      );
    }
    const s = this.checkOpen("sendIfModified");
    const changed = modify(s.value) === true;
    if (changed) s.publish();
    return changed;
  }

  /**
   * The current value.
   *
   * @example
   * ```ts
   * const special = tx.borrow(); // what the board says now
   * ```
   */
  borrow(): T {
    return this.shared.value;
  }

  /**
   * A new receiver; the current value counts as seen.
   *
   * @example
   * ```ts
   * const rx2 = tx.subscribe(); // a new waiter; changed() waits for the next special
   * ```
   */
  subscribe(): Receiver<T> {
    return new Receiver(this.shared);
  }

  /**
   * How many receivers are open.
   *
   * @example
   * ```ts
   * if (tx.receiverCount() === 0) console.log("no one is reading the specials board");
   * ```
   */
  receiverCount(): number {
    return this.shared.receivers;
  }

  /**
   * Whether no receiver is open (a `send` would fail), as tokio's `Sender::is_closed`.
   *
   * @example
   * ```ts
   * if (tx.isClosed()) return; // nobody reads the specials board any more
   * ```
   */
  isClosed(): boolean {
    return this.shared.receivers === 0;
  }

  /**
   * A future ready once no receiver is open (at once if none is): tokio's `Sender::closed`, for a
   * producer that should stop when nobody watches any more. Cancel safety: cancel-safe: dropping
   * it only takes it out of the line.
   *
   * @example
   * ```ts
   * // Biased: when the last reader is gone, stop updating the board.
   * using r = yield* select.biased(tx.closed(), updateSpecialsForever(tx));
   * ```
   */
  closed(): FutureBase<void> & Disposable {
    const s = this.shared;
    return receiversGone(s, () => s.receivers === 0, "watch tx.closed()");
  }

  /**
   * Close: receivers' `changed()` throws `ChannelClosedError` once they saw the last value.
   *
   * @example
   * ```ts
   * tx.close(); // closing time: rx.changed() throws ChannelClosedError after the last special
   * ```
   */
  close(): void {
    const s = this.shared;
    if (s.closed) return;
    s.closed = true;
    s.queue.wakeAll();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  private checkOpen(what: string): Shared<T> {
    if (this.shared.closed) throw new TypeError(`watch ${what} on a closed sender`);
    return this.shared;
  }
}

/**
 * A receiving half.
 *
 * @example
 * ```ts
 * for (;;) {
 *   yield* rx.changed();
 *   render(rx.borrow());
 * }
 * ```
 */
export class Receiver<T> implements Disposable {
  /** @internal the version last seen. */
  seen: number;
  /** @internal */
  closed = false;

  /** Not for direct use: made by the library. */
  constructor(/** @internal */ readonly shared: Shared<T>) {
    this.seen = shared.version;
    shared.receivers++;
  }

  /**
   * The current value (does not mark it seen).
   *
   * @example
   * ```ts
   * const special = rx.borrow(); // a look at the board; changed() still fires for it
   * ```
   */
  borrow(): T {
    return this.shared.value;
  }

  /**
   * The current value, marking it seen.
   *
   * @example
   * ```ts
   * yield* rx.changed();
   * const special = rx.borrowAndUpdate(); // read it and mark it seen
   * ```
   */
  borrowAndUpdate(): T {
    this.seen = this.shared.version;
    return this.shared.value;
  }

  /**
   * Whether a value newer than the last seen is there.
   *
   * @example
   * ```ts
   * if (rx.hasChanged()) console.log("new special:", rx.borrowAndUpdate());
   * ```
   */
  hasChanged(): boolean {
    return this.shared.version !== this.seen;
  }

  /**
   * Wait for a value newer than the last seen, and mark it seen. Throws `ChannelClosedError` when
   * the sender is closed and nothing unseen is left.
   *
   * Cancel safety: cancel-safe: the version is marked seen only by the poll that returns.
   *
   * @example
   * ```ts
   * yield* rx.changed();
   * ```
   */
  changed(): FutureBase<void> & Disposable {
    if (this.closed) throw new TypeError("rx.changed() on a closed watch receiver");
    return new Changed(this);
  }

  /**
   * Wait until the value satisfies `predicate`, and return it (tokio's `wait_for`). The current
   * value is checked first, even if already seen; then each newer one, as it comes. Every value
   * checked is marked seen. Throws `ChannelClosedError` when the sender is closed and the last
   * value does not satisfy it; a `predicate` that throws ends the wait with its error.
   *
   * Cancel safety: cancel-safe: dropped, it leaves nothing behind but the values it marked seen.
   *
   * @example
   * ```ts
   * const [tx, rx] = watch.channel({ open: false, table: 0 });
   * const state = yield* rx.waitFor((s) => s.open); // the first state with the doors open
   * ```
   */
  waitFor(predicate: (value: T) => boolean): FutureBase<T> & Disposable {
    if (this.closed) throw new TypeError("rx.waitFor(predicate) on a closed watch receiver");
    if (typeof predicate !== "function") {
      throw new TypeError(
        `rx.waitFor(predicate): predicate must be a function (value) => boolean, got ${typeof predicate}`,
      );
    }
    return new WaitFor(this, predicate);
  }

  /**
   * Another receiver at the same position.
   *
   * @example
   * ```ts
   * const rx2 = rx.clone(); // has seen exactly what rx has seen
   * ```
   */
  clone(): Receiver<T> {
    const r = new Receiver(this.shared);
    r.seen = this.seen;
    return r;
  }

  /**
   * Stop receiving (idempotent). A `changed()` of this receiver waiting in another task is woken
   * and throws `ChannelClosedError`; other receivers are not disturbed.
   *
   * @example
   * ```ts
   * rx.close(); // a task parked in rx.changed() now fails with ChannelClosedError
   * ```
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.shared.receivers--;
    // The line is shared by every receiver's changed(): wake only ours (O(waiters); close is rare).
    // Each is told even if a waker throws (the first error is thrown at the end), as WaitQueue's
    // wakeAll does: one broken pager must not leave the others parked for good.
    const q = this.shared.queue;
    let failure: { error: unknown } | null = null;
    let n = q.head;
    while (n !== null) {
      const next = n.next;
      if (n.owner.rx === this) {
        const w = n.waker;
        q.remove(n);
        try {
          w?.wake();
        } catch (error) {
          failure ??= { error };
        }
      }
      n = next;
    }
    if (this.shared.receivers === 0) {
      try {
        // The last reader is gone: the sender's `tx.closed()` waits end.
        this.shared.closedWaiters?.grantAll();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** A future parked in the board's line: it belongs to one receiver (see `Receiver.close`). */
interface Waiting<T> {
  readonly rx: Receiver<T>;
}

/** Park `node` (made on the first wait) in the board's line, or refresh its waker there. */
function park<T>(s: Shared<T>, node: WaitNode<Waiting<T>>, cx: Context): typeof PENDING {
  if (node.state === QUEUED) node.waker = cx.waker;
  else s.queue.push(node, cx.waker);
  return PENDING;
}

/** What `changed()` and `waitFor()` share: a place in the board's line, and the end of it. */
abstract class BoardWait<T, R> extends FutureBase<R> implements Disposable, Waiting<T> {
  /** Completed or dropped: polling again is a bug. */
  protected done = false;
  private node: WaitNode<Waiting<T>> | null = null;

  constructor(/** @internal */ readonly rx: Receiver<T>) {
    super();
  }

  /** Refuse a poll after the end, and end on a closed receiver (`call` names the method). */
  protected begin(call: string): void {
    if (this.done)
      throw new FutureStateError(`rx.${call}() was polled after it completed or was dropped`);
    if (this.rx.closed) {
      this.done = true;
      throw new ChannelClosedError(`watch ${call}(): this receiver was closed`);
    }
  }

  /** Wait in the board's line for the next send (the node is made on the first wait). */
  protected wait(cx: Context): typeof PENDING {
    this.node ??= new WaitNode<Waiting<T>>(this);
    return park(this.rx.shared, this.node, cx);
  }

  [Symbol.dispose](): void {
    if (this.done) return;
    this.done = true;
    const node = this.node;
    if (node !== null && node.state === QUEUED) this.rx.shared.queue.remove(node);
  }
}

class Changed<T> extends BoardWait<T, void> {
  [DESCRIBE](): Description {
    return { label: "watch rx.changed()", children: [] };
  }

  poll(cx: Context): Poll<void> {
    this.begin("changed");
    const rx = this.rx;
    const s = rx.shared;
    if (s.version !== rx.seen) {
      if (!pollProceed(cx)) return PENDING;
      rx.seen = s.version;
      this.done = true;
      return undefined;
    }
    if (s.closed) {
      this.done = true;
      throw new ChannelClosedError(
        "watch changed(): the sender is closed and no newer value is left",
      );
    }
    return this.wait(cx);
  }
}

/** `rx.waitFor(predicate)`: a `changed()` loop that ends at the first value `predicate` accepts. */
class WaitFor<T> extends BoardWait<T, T> {
  /** The version last given to the predicate; -1 before the first check (the current value). */
  private checked = -1;

  constructor(
    rx: Receiver<T>,
    private readonly predicate: (value: T) => boolean,
  ) {
    super(rx);
  }

  [DESCRIBE](): Description {
    return { label: "watch rx.waitFor(predicate)", children: [] };
  }

  poll(cx: Context): Poll<T> {
    this.begin("waitFor");
    const rx = this.rx;
    const s = rx.shared;
    if (s.version !== this.checked) {
      if (!pollProceed(cx)) return PENDING;
      this.checked = rx.seen = s.version;
      // The value checked is the one returned, even if the predicate sends a newer one.
      const value = s.value;
      let ok: boolean;
      try {
        ok = this.predicate(value);
      } catch (e) {
        this[Symbol.dispose]();
        throw e;
      }
      if (ok) {
        this[Symbol.dispose]();
        return value;
      }
    }
    if (s.closed) {
      this[Symbol.dispose]();
      throw new ChannelClosedError(
        "watch waitFor(): the sender is closed and its last value does not satisfy the predicate",
      );
    }
    return this.wait(cx);
  }
}

/**
 * A watch channel holding `initial`.
 *
 * @example
 * ```ts
 * const [tx, rx] = watch.channel({ open: false });
 * tx.sendModify((s) => { s.open = true; });
 * ```
 */
export function channel<T>(initial: T): [Sender<T>, Receiver<T>] {
  const s = new Shared<T>(initial);
  return [new Sender(s), new Receiver(s)];
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(Sender);
markOwned(Receiver);
