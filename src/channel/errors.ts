/**
 * Errors of the channels. Nothing is lost: an error about a message that could not be delivered
 * carries the message back in `value`.
 */

/**
 * A send failed because the channel is closed (every receiver is gone, or this sender was closed).
 * The message is handed back in `value`.
 *
 * @example
 * ```ts
 * try { yield* tx.send(order); } catch (e) { if (e instanceof SendError) requeue(e.value); }
 * ```
 */
export class SendError<T = unknown> extends Error {
  override name = "SendError";
  constructor(
    message: string,
    /** The message that was not sent. */
    readonly value: T,
  ) {
    super(message);
  }
}

/**
 * `trySend` failed: the channel is `"full"` (bounded, at capacity) or `"closed"`. The message is
 * handed back in `value`.
 *
 * @example
 * ```ts
 * try { tx.trySend(order); } catch (e) { if (e instanceof TrySendError && e.kind === "full") later(e.value); }
 * ```
 */
export class TrySendError<T = unknown> extends Error {
  override name = "TrySendError";
  constructor(
    message: string,
    /** Why: no free slot now, or nobody will ever receive. */
    readonly kind: "full" | "closed",
    /** The message that was not sent. */
    readonly value: T,
  ) {
    super(message);
  }
}

/**
 * A broadcast receiver fell behind: `skipped` messages were overwritten before it read them. The
 * receiver has moved on to the oldest message still kept; the next `recv()` returns it.
 *
 * @example
 * ```ts
 * try { v = yield* rx.recv(); } catch (e) { if (e instanceof RecvLaggedError) missed += e.skipped; }
 * ```
 */
export class RecvLaggedError extends Error {
  override name = "RecvLaggedError";
  constructor(
    message: string,
    /** How many messages this receiver missed. */
    readonly skipped: number,
  ) {
    super(message);
  }
}

/**
 * The other side is gone: a oneshot sender closed without sending, or a watch sender closed.
 *
 * @example
 * ```ts
 * try { yield* rx.changed(); } catch (e) { if (e instanceof ChannelClosedError) return; }
 * ```
 */
export class ChannelClosedError extends Error {
  override name = "ChannelClosedError";
}

/** Check a channel capacity: an integer of at least 1. */
export function checkCapacity(capacity: unknown, where: string, max: number): number {
  if (typeof capacity !== "number" || !Number.isInteger(capacity)) {
    throw new TypeError(
      `${where} must be an integer, got ${typeof capacity === "number" ? capacity : typeof capacity}`,
    );
  }
  if (capacity < 1) {
    throw new RangeError(
      `${where} must be at least 1, got ${capacity} (a rendezvous channel of capacity 0 is not supported: use capacity 1)`,
    );
  }
  if (capacity > max) throw new RangeError(`${where} must be at most ${max}, got ${capacity}`);
  return capacity;
}

/** Refuse `undefined` as a message where `recv()` uses it to mean "closed". */
export function checkMessage(value: unknown, where: string): void {
  if (value === undefined) {
    throw new TypeError(
      `${where}: the message must not be undefined, which recv() returns to mean "closed and empty"; send null or a value`,
    );
  }
}
