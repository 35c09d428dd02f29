/**
 * ReceiversGone: the future of a sender's `tx.closed()`, on every kind of channel. A waiter at the
 * pass who stops cooking once nobody is left to serve: it waits in the channel's line of such
 * senders and is ready once the channel says its receivers are gone (the mpsc or oneshot receiver
 * closed or disposed, the last broadcast or watch receiver closed); at once if they already are.
 * Cancel-safe: dropping it only takes it out of the line.
 */
import { DESCRIBE, type Description } from "../future/describe.js";
import { QueuedWait } from "../sync/queued-wait.js";
import { WaitQueue } from "../sync/waiter.js";

/** What a channel keeps for its senders' `tx.closed()` waits. */
export interface ClosedWaits {
  /** The line of waiting `tx.closed()` futures, made on the first wait (`null` until then). */
  closedWaiters: WaitQueue<ReceiversGone> | null;
}

/**
 * Wait in `shared`'s line until `gone()` says the receivers are gone; `label` names the wait in
 * errors, dumps and deadlock reports.
 *
 * @example
 * ```ts
 * closed(): FutureBase<void> & Disposable {
 *   const s = this.shared;
 *   return receiversGone(s, () => s.receivers === 0, "broadcast tx.closed()");
 * }
 * ```
 */
export function receiversGone(
  shared: ClosedWaits,
  gone: () => boolean,
  label: string,
): ReceiversGone {
  return new ReceiversGone((shared.closedWaiters ??= new WaitQueue<ReceiversGone>()), gone, label);
}

/** The future of `tx.closed()`: a place in the line of senders waiting for the receivers to go. */
export class ReceiversGone extends QueuedWait<void, ReceiversGone> {
  constructor(
    queue: WaitQueue<ReceiversGone>,
    private readonly gone: () => boolean,
    private readonly label: string,
  ) {
    super(queue);
  }
  protected ready(): boolean {
    return this.gone();
  }
  protected take(): void {}
  protected granted(): void {}
  protected what(): string {
    return this.label;
  }
  [DESCRIBE](): Description {
    return { label: this.label, children: [] };
  }
}
