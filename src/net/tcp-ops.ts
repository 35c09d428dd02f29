/**
 * The futures behind `TcpStream`'s methods (`read`, `write`, `flush`, …): a pager handed back when
 * the order is cancelled. Each one polls the stream as itself (`stream.poller`), so when it parks
 * the stream knows which future stored the waker; dropped while parked, it takes that waker back
 * and closes its source wait (src/stream/source-wait.ts). Without that, a read that lost a
 * `select` kept its wait open until the next socket event, and the runtime's "all tasks asleep"
 * check believed the socket could still wake somebody: a real deadlock afterwards hung instead of
 * failing with a `DeadlockError`.
 *
 * Only the registration this future made is taken back: another future on the same stream (a new
 * read after a lost `select`, or a `read(stream, buf)` from `io/`) may have parked since, and its
 * waker stays (the same rule as a channel receiver's `registrant`).
 */
import type { Context } from "../future/context.js";
import { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";
import { disposeOf } from "../stream/stream.js";
import type { TcpStream } from "./tcp-stream.js";

/** A future on one stream that registers its waits as itself. */
abstract class StreamOp<T> extends FutureBase<T> implements Disposable {
  constructor(protected readonly stream: TcpStream) {
    super();
  }

  /** One poll of the stream; whatever parks in it is registered to this future. */
  protected abstract step(cx: Context): Poll<T>;

  poll(cx: Context): Poll<T> {
    const s = this.stream;
    const outer = s.poller;
    s.poller = this;
    try {
      return this.step(cx);
    } finally {
      s.poller = outer;
    }
  }

  /** Dropped: take back the waker this future parked, if it is still the one parked. */
  [Symbol.dispose](): void {
    this.stream.unregister(this);
  }
}

/** `stream.read(buf)`. */
export class TcpRead extends StreamOp<number> {
  constructor(
    stream: TcpStream,
    private readonly buf: Uint8Array,
  ) {
    super(stream);
  }
  protected step(cx: Context): Poll<number> {
    return this.stream.pollRead(cx, this.buf);
  }
}

/** `stream.write(buf)`. */
export class TcpWrite extends StreamOp<number> {
  constructor(
    stream: TcpStream,
    private readonly buf: Uint8Array,
  ) {
    super(stream);
  }
  protected step(cx: Context): Poll<number> {
    return this.stream.pollWrite(cx, this.buf);
  }
}

/** `stream.flush()`. */
export class TcpFlush extends StreamOp<void> {
  protected step(cx: Context): Poll<void> {
    return this.stream.pollFlush(cx);
  }
}

/** `stream.shutdown()`. */
export class TcpShutdown extends StreamOp<void> {
  protected step(cx: Context): Poll<void> {
    return this.stream.pollShutdown(cx);
  }
}

/**
 * One of `io/`'s multi-step futures (`readExact`, `readToEnd`, `writeAll`) on this stream, its
 * parking registered to the wrapper; dropping the wrapper drops the inner future too.
 */
export class TcpOp<T> extends StreamOp<T> {
  constructor(
    stream: TcpStream,
    private readonly inner: FutureBase<T>,
  ) {
    super(stream);
  }
  protected step(cx: Context): Poll<T> {
    return this.inner.poll(cx);
  }
  override [Symbol.dispose](): void {
    super[Symbol.dispose]();
    disposeOf(this.inner);
  }
}
