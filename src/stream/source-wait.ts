/**
 * SourceWait: one task waiting on an outside event source that may or may not ever fire: a socket's
 * peer (a read, a write waiting for drain, an accept), an emitter (`fromEvent`), a signal. It is
 * reported to the runtime that polled it. Such a wait is not a deadlock (the peer can wake the task at any
 * time), so the runtime's "all tasks asleep" check must see it; but the peer may also never act (an
 * idle connection, a server with no guests), so it does not hold the paused clock back the way a
 * bridged promise does. See `net/index.ts` for the
 * rule as it applies to sockets.
 *
 * A future polled by hand, with no runtime, tells nobody.
 *
 * Whoever opens a wait must also close it when the future that parked is dropped, not only when
 * the source fires: a wait left open by a dropped future hides a real deadlock. The source keeps
 * which future parked last (its registrant) so that dropping an older one closes nothing of a
 * newer one's (see `io/io-future.ts` and `io/io-wait-slot.ts`, `fromEvent`'s `next()`,
 * `TcpListener`'s `accept()`).
 */
import { ambient, type Host } from "../future/ambient.js";

/** One kind of wait on one socket: open while a waker is stored, closed when it fires or drops. */
export class SourceWait {
  private host: Host | null = null;

  /** A poll returned PENDING and stored a waker. Idempotent until `close`. */
  open(): void {
    if (this.host !== null) return;
    const h = ambient.host;
    if (h === null) return;
    h.ioWaitOpened();
    this.host = h;
  }

  /** The waker fired, or the wait was dropped. Idempotent. */
  close(): void {
    const h = this.host;
    if (h === null) return;
    this.host = null;
    h.ioWaitClosed();
  }
}
