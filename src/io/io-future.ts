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
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";

/** A reader or writer that records which future parked on it, and lets it take that back. */
export interface ParkSource {
  /** The future polling the source right now (set around each poll), else `null`. */
  poller: unknown;
  /** `by` was dropped: if it parked a waker and nobody has parked since, forget it. */
  unregister(by: unknown): void;
}

/**
 * A wrapper of a reader or writer (a split half, a `BufReader`) names the object its pollers park
 * on, so that a future polled through the wrapper registers there.
 */
export interface ParksOn {
  readonly parkSource: ParkSource | null;
}

/** The {@link ParkSource} that `io` parks its pollers on (itself, or what it wraps), or `null`. */
export function parkSourceOf(io: unknown): ParkSource | null {
  if (io === null || typeof io !== "object") return null;
  const via = (io as Partial<ParksOn>).parkSource;
  if (via !== undefined) return via;
  return "poller" in io && typeof (io as Partial<ParkSource>).unregister === "function"
    ? (io as ParkSource)
    : null;
}

/**
 * The sources a future on two readers or writers (`copy`, `copyBidirectional`) parks on, each
 * once (both sides of an echo are one stream).
 */
export class TwoSources {
  readonly first: ParkSource | null;
  readonly second: ParkSource | null;
  private outerFirst: unknown = null;
  private outerSecond: unknown = null;

  constructor(a: unknown, b: unknown) {
    this.first = parkSourceOf(a);
    const second = parkSourceOf(b);
    this.second = second === this.first ? null : second;
  }

  /** `owner` polls both from now until `leave`. */
  enter(owner: unknown): void {
    const a = this.first;
    const b = this.second;
    if (a !== null) {
      this.outerFirst = a.poller;
      a.poller = owner;
    }
    if (b !== null) {
      this.outerSecond = b.poller;
      b.poller = owner;
    }
  }

  leave(): void {
    if (this.second !== null) this.second.poller = this.outerSecond;
    if (this.first !== null) this.first.poller = this.outerFirst;
  }

  /** `owner` was dropped: take back what it parked on either. */
  unregister(owner: unknown): void {
    this.first?.unregister(owner);
    this.second?.unregister(owner);
  }
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

  /** The operation, named as it was called ("writeAll()"): a literal, which a minifier keeps. */
  protected abstract what(): string;

  /**
   * For dumps and deadlock reports: the operation, a leaf whose waker is the reader's or writer's
   * own (not one Brigade cannot look into).
   */
  [DESCRIBE](): Description {
    return { label: this.what(), children: [] };
  }

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
