/**
 * A sender handle of an mpsc channel: what the bounded `Sender` and the `UnboundedSender` share.
 * Each handle is one waiter's order pad: it counts once on the channel's senders, from its creation
 * (`channel()` or `clone()`) until `close()` or dispose (the same thing; idempotent), and the last
 * pad put away tells the kitchen that no more tickets will come. How a handle sends (waiting for a
 * free slot or not) is left to its subclass.
 *
 * Each handle remembers the task it was made in, and the first few open ones sit in their
 * channel's list (linked through the handles themselves, so nothing is allocated for it): a
 * receiver that waits forever can then say where the senders keeping it open came from, most often
 * a handle the making task forgot to close after giving clones away. Only {@link LISTED} handles
 * are listed at once: a program that clones a handle per request and never closes the clones (the
 * collector takes them; the channel simply never closes) must not have them kept for a report.
 */

import { ambient } from "../future/ambient.js";
import { markOwned } from "../future/cancel.js";
import type { FutureBase } from "../future/future.js";
import { currentTask } from "../sync/deadlock.js";
import type { Task } from "../task/task.js";
import type { Chan } from "./chan.js";
import { receiversGone } from "./receivers-gone.js";

/** How many open handles a channel lists for its reports, at most (see the file's comment). */
export const LISTED = 16;

/**
 * The counting and closing of an mpsc sender handle.
 *
 * @example
 * ```ts
 * class MySender<T> extends SenderHandle<T> {
 *   clone(): MySender<T> {
 *     return new MySender(this.cloned());
 *   }
 * }
 * ```
 */
export abstract class SenderHandle<T> implements Disposable {
  /** @internal this handle was closed (`close()` or dispose). */
  handleClosed = false;

  /**
   * @internal the task this handle was made in, kept for a listed handle only (its name is read
   * when a report needs it: an unnamed task's name is made on demand); `null` outside any task.
   */
  madeIn: Task<any> | null = null;
  /** @internal neighbours in the channel's list of open handles (see the file's comment). */
  prevOpen: SenderHandle<T> | null = null;
  /** @internal */
  nextOpen: SenderHandle<T> | null = null;
  /** @internal whether this handle is in that list. */
  listed = false;

  /** Not for direct use: made by the library. */
  constructor(/** @internal */ readonly chan: Chan<T>) {
    if (chan.listedSenders === LISTED) return;
    chan.listedSenders++;
    this.listed = true;
    this.madeIn = currentTask(ambient.cx?.owner);
    const head = chan.openSenders;
    if (head !== null) {
      this.nextOpen = head;
      head.prevOpen = this;
    }
    chan.openSenders = this;
  }

  /** @internal count one more handle on the channel, for a subclass's `clone()`; its channel. */
  protected cloned(): Chan<T> {
    if (this.handleClosed) {
      throw new TypeError("tx.clone(): this sender is closed; clone an open one");
    }
    this.chan.senders++;
    return this.chan;
  }

  /**
   * Close this handle. When the last one is closed, the receiver gets `undefined` after draining.
   * Sends (and reserves) of this handle still waiting for a slot fail with a `SendError` holding
   * their message, so nothing arrives after the receiver saw the end. Idempotent.
   *
   * @example
   * ```ts
   * tx.close();
   * ```
   */
  close(): void {
    if (this.handleClosed) return;
    this.handleClosed = true;
    this.unlinkOpen();
    // Before the count drops: the receiver must not see the end while our sends still wait.
    this.chan.failWaitersOf(this);
    this.chan.senderClosed();
  }

  /** Leave the channel's list of open handles, if in it. */
  private unlinkOpen(): void {
    if (!this.listed) return;
    this.listed = false;
    this.madeIn = null;
    this.chan.listedSenders--;
    const { prevOpen, nextOpen } = this;
    if (prevOpen !== null) prevOpen.nextOpen = nextOpen;
    else this.chan.openSenders = nextOpen;
    if (nextOpen !== null) nextOpen.prevOpen = prevOpen;
    this.prevOpen = this.nextOpen = null;
  }

  /**
   * Whether the receiver is gone (sends will fail).
   *
   * @example
   * ```ts
   * if (tx.isClosed()) return; // nobody is taking orders any more
   * ```
   */
  isClosed(): boolean {
    return this.chan.closed;
  }

  /**
   * A future ready once the receiver is gone (closed or disposed), at once if it already is:
   * tokio's `Sender::closed`, for a producer that should stop when nobody listens any more, in a
   * `select` beside its work. Cancellation safe: dropping it only takes it out of the line.
   *
   * @example
   * ```ts
   * // Biased, closed() first: a send parked when the receiver goes fails in the same turn.
   * const r = yield* select.biased(tx.closed(), produceForever(tx));
   * ```
   */
  closed(): FutureBase<void> & Disposable {
    const chan = this.chan;
    return receiversGone(chan, () => chan.closed, `${chan.title} tx.closed()`);
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(SenderHandle);
