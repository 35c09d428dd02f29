/**
 * The futures and the stream that wait for a listener's next connection, shared by
 * `TcpListener` and `UnixListener`: the host at the door, paged when a guest arrives. Dropped while
 * waiting, each takes its pager and its I/O wait back (the listener's `unregister`), so a dropped
 * accept hides no deadlock and keeps nobody's wait open.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { DONE, StreamBase, type StreamPoll } from "../stream/index.js";
import { CLAIM, Claim, WITHDRAW } from "../stream/stream.js";

/** What these futures need of a listener. */
export interface AcceptSource<C> {
  /** The next connection, parking as `by`; throws `NotConnected` once the listener is disposed. */
  pollAccept(cx: Context, by: unknown): Poll<C>;
  /** `by` was dropped: take back the wait it parked, if it is still its. */
  unregister(by: unknown): void;
  /** Where it listens, for dumps (may throw once the listener is gone). */
  localAddr(): { toString(): string };
}

/** `listener.accept()`; dropped while parked, it takes its waker and its wait back. */
export class Accept<C> extends FutureBase<C> implements Disposable {
  constructor(private readonly listener: AcceptSource<C>) {
    super();
  }
  /** For dumps and deadlock reports: the listener's address, while it is known. */
  [DESCRIBE](): Description {
    let at = "";
    try {
      at = ` on ${this.listener.localAddr()}`;
    } catch {
      // A listener that is gone has no address to show.
    }
    return { label: `listener.accept()${at}`, children: [] };
  }
  poll(cx: Context): Poll<C> {
    return this.listener.pollAccept(cx, this);
  }
  [Symbol.dispose](): void {
    this.listener.unregister(this);
  }
}

/**
 * `listener.incoming()`. An accept error is thrown as the stream's item and the stream goes on
 * (one-shot); a disposed listener ends it.
 */
export class Incoming<C> extends StreamBase<C> {
  /** Which `next()` of an adapter holds the accept wait for this stream (stream.ts, WITHDRAW). */
  private readonly claim = new Claim();
  constructor(private readonly listener: AcceptSource<C>) {
    super();
  }
  pollNext(cx: Context): StreamPoll<C> {
    const r = this.pollAs(cx, this);
    if (r === PENDING) this.claim.parked();
    return r;
  }
  override [CLAIM](by: unknown): void {
    this.claim.set(by);
  }
  /** The `next()` of an adapter that parked here last was dropped: take the wait back. */
  override [WITHDRAW](by: unknown): void {
    if (this.claim.release(by)) this.listener.unregister(this);
  }
  /** @internal the next connection, parking as `by`. */
  pollAs(cx: Context, by: unknown): StreamPoll<C> {
    try {
      return this.listener.pollAccept(cx, by);
    } catch (e) {
      // A disposed listener ends the stream; any other failure is the consumer's to see.
      if (e instanceof IoError && e.kind === "NotConnected") return DONE;
      throw e;
    }
  }
  /** Like `StreamBase.next()`, but dropping the future takes its waker back. */
  override next(): FutureBase<C | typeof DONE> & Disposable {
    return new IncomingNext(this, this.listener);
  }
  /** The listener is borrowed, not closed: only a wait this stream parked is taken back. */
  override [Symbol.dispose](): void {
    this.listener.unregister(this);
  }
}

/** `incoming.next()`. */
class IncomingNext<C> extends FutureBase<C | typeof DONE> implements Disposable {
  constructor(
    private readonly incoming: Incoming<C>,
    private readonly listener: AcceptSource<C>,
  ) {
    super();
  }
  poll(cx: Context): Poll<C | typeof DONE> {
    return this.incoming.pollAs(cx, this);
  }
  [Symbol.dispose](): void {
    this.listener.unregister(this);
  }
}
