/**
 * copy and copyBidirectional: a conveyor belt between two stations. Bytes are read into one buffer
 * and written out before the next read, so at most one buffer's worth is in hand and a slow writer
 * slows the reader down (backpressure end to end).
 *
 * As tokio's `copy`, the writer is flushed whenever the reader has nothing more for now, so bytes
 * never sit in a writer's buffer while the copy waits; and once at the end.
 *
 * When the reader can give its chunks away and the writer can take them (`OwnedRead` and
 * `OwnedWrite`: a TCP stream can do both), chunks move from one to the other without being copied,
 * as tokio's `copy_buf` avoids its buffer. Backpressure is the same: one chunk in hand at a time.
 *
 * Cancellation safety: neither is cancellation safe; bytes read but not yet written are lost with
 * the future. Neither closes its reader or writer (`copyBidirectional` half-closes each writer when
 * the opposite reader ends, as tokio's does).
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase, type Suspend, stepContext, stepResult } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { readCount, writeCount } from "./checked-count.js";
import { IoError } from "./error.js";
import { TwoSources } from "./io-future.js";
import {
  type AsyncRead,
  type AsyncWrite,
  assertReader,
  assertWriter,
  canMoveChunks,
  type OwnedRead,
  type OwnedWrite,
} from "./traits.js";

const BUFFER_SIZE = 64 * 1024;

/**
 * Bytes one poll may move before the copy yields (wakes itself and returns PENDING). The budget
 * counts operations, and a 64 KiB chunk is one: without a cap, one poll of a fast copy would move
 * megabytes and hold the thread for milliseconds, and every other connection would wait.
 */
const BYTES_PER_POLL = 256 * 1024;

/** One direction of a copy: its buffer and where it stands. */
class CopyBuffer {
  private buf: Uint8Array | null = null;
  private pos = 0;
  private cap = 0;
  /** Owned mode: the chunk taken from the reader and not yet fully written. */
  private chunk: Uint8Array | null = null;
  private readDone = false;
  private needFlush = false;
  total = 0;
  /** `total` when this poll began: the copy yields once it has moved `BYTES_PER_POLL` more. */
  private pollStart = 0;

  /** Copy until the reader ends and everything is flushed: the total, or PENDING. */
  pollCopy(cx: Context, reader: AsyncRead, writer: AsyncWrite): Poll<number> {
    this.pollStart = this.total;
    if (canMoveChunks(reader, writer)) {
      return this.pollMove(
        cx,
        reader as unknown as OwnedRead,
        writer as unknown as OwnedWrite & AsyncWrite,
      );
    }
    const buf = (this.buf ??= new Uint8Array(BUFFER_SIZE));
    for (;;) {
      if (this.pos === this.cap && !this.readDone) {
        if (this.total - this.pollStart >= BYTES_PER_POLL) return this.yieldTurn(cx, writer);
        const n = readCount(reader.pollRead(cx, buf), buf, reader);
        if (n === PENDING) return this.waitForReader(cx, writer);
        if (n === 0) this.readDone = true;
        else {
          this.pos = 0;
          this.cap = n;
        }
      }
      while (this.pos < this.cap) {
        const from = buf.subarray(this.pos, this.cap);
        const w = writeCount(writer.pollWrite(cx, from), from, writer);
        if (w === PENDING) return PENDING;
        if (w === 0) throw new IoError("WriteZero", "copy: the writer accepted 0 bytes");
        this.pos += w;
        this.total += w;
        this.needFlush = true;
      }
      if (this.readDone) return this.finish(cx, writer);
    }
  }

  /** The same loop, moving the reader's chunks to the writer without copying them. */
  private pollMove(cx: Context, reader: OwnedRead, writer: OwnedWrite & AsyncWrite): Poll<number> {
    for (;;) {
      if (this.chunk === null && !this.readDone) {
        if (this.total - this.pollStart >= BYTES_PER_POLL) return this.yieldTurn(cx, writer);
        const c = reader.pollReadOwned(cx);
        if (c === PENDING) return this.waitForReader(cx, writer);
        if (c.length === 0) this.readDone = true;
        else this.chunk = c;
      }
      const c = this.chunk;
      if (c !== null) {
        const w = writer.pollWriteOwned(cx, c);
        if (w === PENDING) return PENDING;
        // As in the copying loop: a writer that takes nothing would have this loop spin for ever.
        if (w === 0) throw new IoError("WriteZero", "copy: the writer accepted 0 bytes");
        this.chunk = w >= c.length ? null : c.subarray(w);
        this.total += w;
        this.needFlush = true;
        continue;
      }
      if (this.readDone) return this.finish(cx, writer);
    }
  }

  /** This poll moved its share: flush, and come back after the other tasks had their turn. */
  private yieldTurn(cx: Context, writer: AsyncWrite): typeof PENDING {
    cx.waker.wake();
    return this.waitForReader(cx, writer);
  }

  /** Nothing more to read for now: push out what was written before waiting. */
  private waitForReader(cx: Context, writer: AsyncWrite): typeof PENDING {
    if (this.needFlush && writer.pollFlush(cx) !== PENDING) this.needFlush = false;
    return PENDING;
  }

  private finish(cx: Context, writer: AsyncWrite): Poll<number> {
    if (writer.pollFlush(cx) === PENDING) return PENDING;
    this.needFlush = false;
    return this.total;
  }
}

class Copy extends FutureBase<number> implements Disposable {
  private readonly state = new CopyBuffer();
  /** Where it parks, so that dropped, it takes its waits back (see io-future.ts). */
  private readonly sources: TwoSources;
  constructor(
    private readonly reader: AsyncRead,
    private readonly writer: AsyncWrite,
  ) {
    super();
    this.sources = new TwoSources(reader, writer);
  }
  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: "copy(reader, writer)", children: [] };
  }
  /** `yield*`'s step, in this class so that its `poll` call sees one class (see FutureBase). */
  override next(): IteratorResult<Suspend, number> {
    return stepResult(this, this.poll(stepContext()));
  }

  poll(cx: Context): Poll<number> {
    const sources = this.sources;
    sources.enter(this);
    try {
      return this.state.pollCopy(cx, this.reader, this.writer);
    } finally {
      sources.leave();
    }
  }

  [Symbol.dispose](): void {
    this.sources.unregister(this);
  }
}

/**
 * Copy every byte from `reader` to `writer` until the reader ends: the number of bytes copied.
 * Not cancellation safe.
 *
 * @example
 * ```ts
 * const echoed = yield* copy(readHalf, writeHalf); // an echo server's whole job
 * ```
 */
export function copy(reader: AsyncRead, writer: AsyncWrite): FutureBase<number> & Disposable {
  assertReader(reader, "copy(reader, writer): reader");
  assertWriter(writer, "copy(reader, writer): writer");
  return new Copy(reader, writer);
}

const COPYING = 0;
const SHUTTING_DOWN = 1;
const FINISHED = 2;

class CopyBidirectional extends FutureBase<[number, number]> implements Disposable {
  private readonly aToB = new CopyBuffer();
  private readonly bToA = new CopyBuffer();
  private stateAB = COPYING;
  private stateBA = COPYING;
  /** Where it parks, so that dropped, it takes its waits back (see io-future.ts). */
  private readonly sources: TwoSources;

  constructor(
    private readonly a: AsyncRead & AsyncWrite,
    private readonly b: AsyncRead & AsyncWrite,
  ) {
    super();
    this.sources = new TwoSources(a, b);
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: "copyBidirectional(a, b)", children: [] };
  }

  poll(cx: Context): Poll<[number, number]> {
    this.sources.enter(this);
    try {
      this.stateAB = this.step(cx, this.aToB, this.stateAB, this.a, this.b);
      this.stateBA = this.step(cx, this.bToA, this.stateBA, this.b, this.a);
    } finally {
      this.sources.leave();
    }
    if (this.stateAB !== FINISHED || this.stateBA !== FINISHED) return PENDING;
    return [this.aToB.total, this.bToA.total];
  }

  [Symbol.dispose](): void {
    this.sources.unregister(this);
  }

  private step(
    cx: Context,
    buffer: CopyBuffer,
    state: number,
    from: AsyncRead,
    to: AsyncWrite,
  ): number {
    if (state === COPYING) {
      if (buffer.pollCopy(cx, from, to) === PENDING) return COPYING;
      state = SHUTTING_DOWN;
    }
    if (state === SHUTTING_DOWN) {
      // The source ended: pass the end on, so the other side reads it too.
      if (to.pollShutdown(cx) === PENDING) return SHUTTING_DOWN;
    }
    return FINISHED;
  }
}

/**
 * Copy both ways between `a` and `b` until both directions have ended; when one side's reading
 * ends, the other side's writing is shut down. Resolves to `[bytes a→b, bytes b→a]`.
 * Not cancellation safe.
 *
 * @example
 * ```ts
 * const [up, down] = yield* copyBidirectional(client, upstream); // a proxy
 * ```
 */
export function copyBidirectional(
  a: AsyncRead & AsyncWrite,
  b: AsyncRead & AsyncWrite,
): FutureBase<[number, number]> & Disposable {
  assertReader(a, "copyBidirectional(a, b): a");
  assertWriter(a, "copyBidirectional(a, b): a");
  assertReader(b, "copyBidirectional(a, b): b");
  assertWriter(b, "copyBidirectional(a, b): b");
  return new CopyBidirectional(a, b);
}
