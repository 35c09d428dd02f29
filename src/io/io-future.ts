/**
 * IoFuture: the base of the futures that wait on a reader or writer (`read`, `readExact`,
 * `readToEnd`, `write`, `writeAll`, `flush`, `shutdown`), a pager handed back when the order is
 * cancelled.
 *
 * A source that can say who parked on it (a {@link ParkSource}: `TcpStream`, a split half of one)
 * is polled with this future as its `poller`, so when the future parks the source records it as
 * the registrant of that direction. Dropped while parked, the future takes back that waker and
 * closes the source's wait (src/stream/source-wait.ts). Without that, a read that lost a `select`
 * kept its wait open until the next socket event, and the runtime's "all tasks asleep" check
 * believed the socket could still wake somebody. Only the registration this future made is taken
 * back: another future on the same source may have parked since, and its waker stays.
 */
import type { Context } from "../future/context.js";
import { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";

/** A reader or writer that records which future parked on it, and lets it take that back. */
export interface ParkSource {
  /** The future polling the source right now (set around each poll), else `null`. */
  poller: unknown;
  /** `by` was dropped: if it parked a waker and nobody has parked since, forget it. */
  unregister(by: unknown): void;
}

/** `io` as a {@link ParkSource}, or `null` when it is not one. */
export function parkSourceOf(io: unknown): ParkSource | null {
  return io !== null &&
    typeof io === "object" &&
    "poller" in io &&
    typeof (io as Partial<ParkSource>).unregister === "function"
    ? (io as ParkSource)
    : null;
}

/** A future on one reader or writer, whose parking is registered to itself. */
export abstract class IoFuture<T> extends FutureBase<T> implements Disposable {
  private readonly source: ParkSource | null;

  constructor(io: unknown) {
    super();
    this.source = parkSourceOf(io);
  }

  /** One poll of the reader or writer. */
  protected abstract step(cx: Context): Poll<T>;

  poll(cx: Context): Poll<T> {
    const src = this.source;
    if (src === null) return this.step(cx);
    const outer = src.poller;
    src.poller = this;
    try {
      return this.step(cx);
    } finally {
      src.poller = outer;
    }
  }

  /** Dropped: take back the waker this future parked, if it is still the one parked. */
  [Symbol.dispose](): void {
    this.source?.unregister(this);
  }
}
