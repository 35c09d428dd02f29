/**
 * Notify: the bell on the pass. `notifyOne()` wakes the first waiter in line, or, when nobody
 * waits, leaves a single permit so the next `notified()` is ready at once (several notifications
 * with nobody waiting still leave one permit). `notifyWaiters()` wakes everyone waiting now (and
 * every `notified()` future created before the call, even if not yet polled) and stores nothing.
 */
import { DESCRIBE, type Description } from "../future/describe.js";
import type { FutureBase } from "../future/future.js";
import { checkNameOption, type NameOptions } from "./name-option.js";
import { QueuedWait } from "./queued-wait.js";
import { WaitQueue } from "./waiter.js";

/**
 * A task notification primitive.
 *
 * @example
 * ```ts
 * const orderUp = new Notify();
 * spawn(asyncBlock(function* () {
 *   yield* orderUp.notified();
 *   console.log("carry the plate");
 * }));
 * orderUp.notifyOne();
 * ```
 */
export class Notify {
  /** The name given in the options, for reports and dumps; `null` without one. */
  readonly name: string | null;
  /** @internal */
  readonly queue = new WaitQueue<Notified>();
  /** @internal one stored notification. */
  permit = false;
  /** @internal how many times `notifyWaiters` was called. */
  waitersCalls = 0;

  constructor(options?: NameOptions) {
    this.name = checkNameOption(options, "new Notify(options)");
  }

  /**
   * Wait for a notification.
   *
   * Cancel safety: dropping it loses its place in line; a `notifyOne` already handed to it is passed
   * to the next waiter (or stored), so no notification is lost.
   *
   * @example
   * ```ts
   * yield* bell.notified();
   * ```
   */
  notified(): FutureBase<void> & Disposable {
    return new Notified(this);
  }

  /**
   * Wake the first waiter, or store one permit for the next `notified()`.
   *
   * @example
   * ```ts
   * bell.notifyOne();
   * ```
   */
  notifyOne(): void {
    const head = this.queue.head;
    if (head === null) {
      this.permit = true;
      return;
    }
    head.owner.byOne = true;
    this.queue.grant(head);
  }

  /**
   * Wake every waiter now; stores nothing for later ones.
   *
   * @example
   * ```ts
   * bell.notifyWaiters();
   * ```
   */
  notifyWaiters(): void {
    this.waitersCalls++;
    this.queue.grantAll((owner) => {
      owner.byOne = false;
    });
  }
}

class Notified extends QueuedWait<void, Notified> {
  /** `notifyWaiters` calls seen at creation: a later call notifies this future too. */
  private readonly calls: number;
  /** @internal whether the grant came from `notifyOne` (and must be passed on if dropped). */
  byOne = false;

  constructor(private readonly notify: Notify) {
    super(notify.queue);
    this.calls = notify.waitersCalls;
  }

  [DESCRIBE](): Description {
    const name = this.notify.name;
    return {
      label: name === null ? "Notify.notified()" : `notify '${name}'.notified()`,
      children: [],
    };
  }

  /** A stored permit, or a `notifyWaiters` since this future was made. */
  protected ready(): boolean {
    return this.notify.waitersCalls !== this.calls || this.notify.permit;
  }

  /** Only a stored permit is used up: a `notifyWaiters` call serves every future made before it. */
  protected take(): void {
    if (this.notify.waitersCalls === this.calls) this.notify.permit = false;
  }

  protected granted(): void {}

  protected what(): string {
    return "notify.notified()";
  }

  /** A `notifyOne` handed to a future that left goes to the next waiter (or is stored). */
  protected override dropGranted(): void {
    if (this.byOne) this.notify.notifyOne();
  }
}
