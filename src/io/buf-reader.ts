/**
 * BufReader: a tray at the pass. It reads from its inner reader in large gulps into its own buffer
 * and hands out as much as asked, so many small reads cost one real read; and it can look for a
 * line ending inside the buffer (`readLine`, `lines()`).
 *
 * `pollFillBuf(cx)` shows the buffered bytes (reading more first if the buffer is empty; an empty
 * view means the end) and `consume(n)` marks n of them used: tokio's `AsyncBufRead`.
 *
 * A line ends at `\n`, which is removed with a `\r` just before it (a `\r` anywhere else is kept,
 * even at the very end, as tokio's `lines()` keeps it). A line that is not valid UTF-8 is an
 * `IoError` of kind `"InvalidData"` (tokio's `read_line`), not text with U+FFFD in it; the line is
 * consumed, so `lines()` goes on with the next one.
 *
 * Cancellation safety: `lines()` keeps a partial line inside the stream, so dropping a
 * `lines.next()` loses nothing (tokio's `Lines::next_line` is safe the same way). `readLine()`
 * returns a one-shot future that keeps the partial line in itself: it is not cancellation safe.
 * `pollRead` is safe, like `read`.
 */

import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import type { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { DONE, StreamBase, type StreamPoll } from "../stream/index.js";
import { CLAIM, Claim, disposeOf, WITHDRAW } from "../stream/stream.js";
import { hasBudget, pollProceed } from "../task/budget.js";
import { readCount } from "./checked-count.js";
import { IoError } from "./error.js";
import { IoFuture, type ParkSource, parkSourceOf } from "./io-future.js";
import { type AsyncRead, assertReader } from "./traits.js";

const NEWLINE = 10;
const CR = 13;
const EMPTY = new Uint8Array(0);

/**
 * A buffering wrapper around a reader.
 *
 * @example
 * ```ts
 * const reader = new BufReader(stream);
 * for (let line = yield* reader.readLine(); line !== null; line = yield* reader.readLine()) {
 *   console.log(line);
 * }
 * ```
 */
export class BufReader<R extends AsyncRead = AsyncRead> implements AsyncRead, Disposable {
  // Also `ParksOn` (io-future.ts), structurally: `parkSource` is marked internal, left out of the
  // published types, so the class does not name the interface there.
  /** @internal what a future reading through this reader parks on (see io-future.ts). */
  readonly parkSource: ParkSource | null;
  private readonly buf: Uint8Array;
  private pos = 0;
  private cap = 0;
  /**
   * @internal a line went past a `maxLength`: its bytes are skipped up to the next newline, by
   * whichever `readLine` or `lines()` reads next (so a refused line never comes back in pieces).
   */
  skippingLine = false;

  constructor(
    /** The wrapped reader; disposing the BufReader disposes it. */
    readonly inner: R,
    capacity = 8192,
  ) {
    assertReader(inner, "new BufReader(inner, capacity): inner");
    if (typeof capacity !== "number") {
      throw new TypeError(
        `new BufReader(inner, capacity): capacity must be a number, got ${typeof capacity === "string" ? JSON.stringify(capacity) : typeof capacity}`,
      );
    }
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `new BufReader(inner, capacity): capacity must be an integer of at least 1, got ${String(capacity)}`,
      );
    }
    this.buf = new Uint8Array(capacity);
    this.parkSource = parkSourceOf(inner);
  }

  /**
   * A future of the buffered bytes, reading more if there are none; an empty view at the end
   * (tokio's `fill_buf`). The view is the buffer itself, valid until this reader reads again:
   * mark what you used with `consume(n)`, and the rest stays for the next read.
   *
   * Cancellation safe: dropping it reads nothing away (bytes that arrive stay buffered), and it
   * takes back its wait on the reader.
   *
   * @example
   * ```ts
   * const bytes = yield* reader.fillBuf(); // empty at the end
   * const header = bytes.indexOf(0x0a); // a header line, if it is all here
   * if (header >= 0) reader.consume(header + 1);
   * ```
   */
  fillBuf(): FutureBase<Uint8Array> & Disposable {
    return new FillBuf(this);
  }

  /**
   * Poll for the buffered bytes (reading more if there are none), or an empty view at the end:
   * `fillBuf()`'s poll, for hand-written futures.
   *
   * @example
   * ```ts
   * poll(cx) { return this.reader.pollFillBuf(cx); }
   * ```
   */
  pollFillBuf(cx: Context): Poll<Uint8Array> {
    if (this.pos >= this.cap) {
      const n = readCount(this.inner.pollRead(cx, this.buf), this.buf, this.inner);
      if (n === PENDING) return PENDING;
      this.pos = 0;
      this.cap = n;
      if (n === 0) return EMPTY;
    }
    return this.buf.subarray(this.pos, this.cap);
  }

  /**
   * Mark `n` buffered bytes as used.
   *
   * @example
   * ```ts
   * const bytes = yield* reader.fillBuf();
   * reader.consume(Math.min(bytes.length, 4)); // take the ticket's header, leave the rest buffered
   * ```
   */
  consume(n: number): void {
    // A negative or fractional count would move `pos` back or off the byte grid, and the next
    // fill would hand out bytes already used (or garbage): refused, as tokio's `usize` refuses it.
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(
        `reader.consume(n): n must be an integer of at least 0, got ${String(n)}`,
      );
    }
    this.pos = Math.min(this.pos + n, this.cap);
  }

  /**
   * {@link AsyncRead}: copy buffered bytes into `out`, filling the buffer first when empty;
   * a read at least as large as the buffer goes straight to the inner reader.
   *
   * @example
   * ```ts
   * const n = yield* read(reader, buf); // served from the buffer while it holds bytes
   * ```
   */
  pollRead(cx: Context, out: Uint8Array): Poll<number> {
    // Nothing asked, nothing to wait for (as `TcpStream.pollRead`): filling first would park an
    // empty read until the peer sends, forever on an idle connection.
    if (out.length === 0) return 0;
    // A read as large as the buffer skips it: no point copying twice.
    if (this.pos >= this.cap && out.length >= this.buf.length) return this.inner.pollRead(cx, out);
    const avail = this.pollFillBuf(cx);
    if (avail === PENDING) return PENDING;
    const n = Math.min(avail.length, out.length);
    out.set(avail.subarray(0, n));
    this.consume(n);
    return n;
  }

  /**
   * A future of the next line without its ending (`\n` or `\r\n`), or `null` at the end; an
   * `IoError` of kind `"InvalidData"` if the line is not valid UTF-8 (the line is consumed).
   * Not cancellation safe (use `lines()` with `select`).
   *
   * @example
   * ```ts
   * const greeting = yield* reader.readLine();
   * ```
   */
  readLine(options?: LineOptions): FutureBase<string | null> & Disposable {
    return new ReadLine(this, maxLengthOf(options, "reader.readLine(options)"));
  }

  /**
   * The lines as a stream (cancellation safe), each without its `\n` or `\r\n`; the last line
   * counts without a newline. A line that is not valid UTF-8 is thrown as an `IoError` of kind
   * `"InvalidData"`, and the stream goes on with the next line. An error of the reader itself (a
   * reset connection) is thrown once, and then the stream ends. The stream borrows the reader.
   *
   * @example
   * ```ts
   * yield* new BufReader(socket).lines().forEach((line) => console.log(line));
   * ```
   */
  lines(options?: LineOptions): StreamBase<string> {
    return new Lines(this, maxLengthOf(options, "reader.lines(options)"));
  }

  /**
   * Dispose the inner reader (a socket closes, and a task parked reading it is woken to find it
   * closed), and let the bytes buffered and not yet read go: a later read gets what the disposed
   * inner reader answers (a socket's `NotConnected`). Idempotent if the inner reader's is.
   *
   * @example
   * ```ts
   * using reader = new BufReader(socket); // the socket closes at the scope's end
   * ```
   */
  [Symbol.dispose](): void {
    // The bytes not yet read go with it: a read after this one meets the inner reader's own
    // answer for a disposed stream (a socket's NotConnected), not leftovers.
    this.pos = 0;
    this.cap = 0;
    this.skippingLine = false;
    disposeOf(this.inner);
  }
}

/** Options of `readLine` and `lines`. */
export interface LineOptions {
  /**
   * The longest line accepted, in bytes (without its ending), as tokio's
   * `LinesCodec::new_with_max_length`: a longer line is an `IoError` of kind `"InvalidData"`
   * instead of being gathered in memory whole; the rest of it is skipped, so the next `readLine()`
   * or `lines()` item is the line after it. The limit counts the line without its ending (`\n` or
   * `\r\n`). Default: no limit.
   * @example new BufReader(socket).lines({ maxLength: 8 * 1024 })
   */
  maxLength?: number;
}

/** @internal `options.maxLength` checked (`Infinity` when absent); `where` names the call. */
export function maxLengthOf(options: LineOptions | undefined, where: string): number {
  if (options === undefined) return Number.POSITIVE_INFINITY;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where}: options must be an object like { maxLength }`);
  }
  const max = options.maxLength;
  if (max === undefined) return Number.POSITIVE_INFINITY;
  if (typeof max !== "number") {
    throw new TypeError(`${where}: options.maxLength must be a number, got ${typeof max}`);
  }
  if (!(max >= 1) || (!Number.isInteger(max) && max !== Number.POSITIVE_INFINITY)) {
    throw new RangeError(
      `${where}: options.maxLength must be an integer of at least 1, got ${max}`,
    );
  }
  return max;
}

/** Accumulates the bytes of one line across polls. */
class LineAssembler {
  private parts: Uint8Array[] = [];
  private length = 0;
  /** The reader threw (its own error, not a line's): see `Lines.pollNext`. */
  readFailed = false;
  constructor(private readonly maxLength = Number.POSITIVE_INFINITY) {}
  /** Fatal: bad bytes are an error, not U+FFFD. A BOM is kept: it is text inside a line. */
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  /** One step: a full line, `null` at the end with nothing pending, or PENDING. */
  pollLine(cx: Context, reader: BufReader): Poll<string | null> {
    // A buffer full of short lines is ready many times in a row: each line spends the task's
    // budget, as a framed stream's frames do, so a loop over them still lets others run. Checked
    // before anything is taken, so a line is never taken and held back.
    if (!hasBudget() && !pollProceed(cx)) return PENDING;
    for (;;) {
      let avail: Uint8Array | typeof PENDING;
      try {
        avail = reader.pollFillBuf(cx);
      } catch (e) {
        // The reader itself failed (a reset connection): it would throw again at every read. A
        // second task refused a wait (one-reader.ts) is that task's mistake: the lines go on.
        if (!(e instanceof FutureStateError)) this.readFailed = true;
        throw e;
      }
      if (avail === PENDING) return PENDING;
      if (avail.length === 0) {
        // The end: a last line without a newline still counts. Its last `\r` is text then, not
        // half an ending, so it counts toward `maxLength` (`tooLong` let it pass while a `\n`
        // could still follow).
        if (this.length === 0) return null;
        if (this.length > this.maxLength) {
          this.parts = [];
          this.length = 0;
          throw this.tooLongError();
        }
        pollProceed(cx);
        return this.finish(EMPTY, false);
      }
      const nl = avail.indexOf(NEWLINE);
      if (reader.skippingLine) {
        // The rest of a line that was too long: dropped up to its newline.
        reader.consume(nl >= 0 ? nl + 1 : avail.length);
        if (nl >= 0) reader.skippingLine = false;
        continue;
      }
      if (this.tooLong(avail, nl)) {
        // Too long: not gathered further. What is left of it is skipped by the next polls.
        reader.consume(nl >= 0 ? nl + 1 : avail.length);
        reader.skippingLine = nl < 0;
        this.parts = [];
        this.length = 0;
        throw this.tooLongError();
      }
      if (nl >= 0) {
        // A view, not a copy: it is decoded before anything can refill the buffer under it.
        const tail = avail.subarray(0, nl);
        pollProceed(cx);
        reader.consume(nl + 1);
        return this.finish(tail, true);
      }
      this.parts.push(avail.slice());
      this.length += avail.length;
      reader.consume(avail.length);
    }
  }

  /**
   * Whether the line, with `avail` (up to its newline at `nl`, or all of it), is over `maxLength`.
   * The limit counts the line without its ending, so a `\r` just before the `\n` is not counted,
   * nor a last `\r` that a newline in the next bytes may still turn into an ending.
   */
  private tooLong(avail: Uint8Array, nl: number): boolean {
    const max = this.maxLength;
    if (nl >= 0) {
      let len = this.length + nl;
      const before = nl > 0 ? avail[nl - 1] : this.lastByte();
      if (before === CR) len--;
      return len > max;
    }
    const len = this.length + avail.length;
    return len > max + 1 || (len === max + 1 && avail[avail.length - 1] !== CR);
  }

  private tooLongError(): IoError {
    return new IoError(
      "InvalidData",
      `BufReader: a line longer than ${this.maxLength} bytes (options.maxLength)`,
    );
  }

  /** The last byte gathered so far, or -1. */
  private lastByte(): number {
    const last = this.parts[this.parts.length - 1];
    return last === undefined ? -1 : last[last.length - 1]!;
  }

  /** The line's text; `ended` says a `\n` ended it (only then is a `\r` before it removed). */
  private finish(tail: Uint8Array, ended: boolean): string {
    let bytes = tail;
    if (this.parts.length > 0) {
      bytes = new Uint8Array(this.length + tail.length);
      let at = 0;
      for (const p of this.parts) {
        bytes.set(p, at);
        at += p.length;
      }
      bytes.set(tail, at);
      this.parts = [];
      this.length = 0;
    }
    let end = bytes.length;
    if (ended && end > 0 && bytes[end - 1] === CR) end--;
    try {
      return this.decoder.decode(bytes.subarray(0, end));
    } catch (e) {
      throw new IoError("InvalidData", "BufReader: a line read was not valid UTF-8", {
        cause: e,
      });
    }
  }
}

class FillBuf extends IoFuture<Uint8Array> {
  protected what(): string {
    return "fillBuf()";
  }
  constructor(private readonly reader: BufReader) {
    super(reader);
  }
  protected step(cx: Context): Poll<Uint8Array> {
    return this.reader.pollFillBuf(cx);
  }
}

class ReadLine extends IoFuture<string | null> {
  protected what(): string {
    return "readLine()";
  }
  private readonly line: LineAssembler;
  constructor(
    private readonly reader: BufReader,
    maxLength: number,
  ) {
    super(reader);
    this.line = new LineAssembler(maxLength);
  }
  protected step(cx: Context): Poll<string | null> {
    return this.line.pollLine(cx, this.reader);
  }
}

class Lines extends StreamBase<string> {
  private readonly line: LineAssembler;
  /** What the reader parks its pollers on, if it can say who parked (see io-future.ts). */
  private readonly source: ParkSource | null;
  /** Which `next()` of an adapter on this stream holds the reader's wait (stream.ts, WITHDRAW). */
  private readonly claim = new Claim();
  /** The last answer was `DONE`: the end of the bytes so far. */
  private atEnd = false;
  constructor(
    private readonly reader: BufReader,
    maxLength: number,
  ) {
    super();
    this.line = new LineAssembler(maxLength);
    this.source = parkSourceOf(reader);
  }
  pollNext(cx: Context): StreamPoll<string> {
    // After the reader's own error (thrown once), the stream has ended: a failed socket would
    // throw it at every read, and a consumer that goes on after errors would spin on it. After
    // the end of the bytes, it reads again when polled again, as tokio's `Lines` does: a file
    // that grew since (`tail -f`) gives its new lines; a socket's end is `DONE` again.
    if (this.line.readFailed) return DONE;
    let r: string | null | typeof PENDING;
    try {
      r = this.pollLine(cx);
    } catch (e) {
      // A reader disposed after the end was seen: still the end, as before it was read again.
      if (this.atEnd && e instanceof IoError && e.kind === "NotConnected") return DONE;
      throw e;
    }
    if (r === PENDING) return PENDING;
    this.atEnd = r === null;
    return r === null ? DONE : r;
  }

  private pollLine(cx: Context): string | null | typeof PENDING {
    const src = this.source;
    if (src === null || src.poller !== null) {
      // Polled by `lines.next()` (which parks as itself), or a reader that records nobody.
      return this.line.pollLine(cx, this.reader);
    }
    // Polled through adapters or a consumer: park as this stream, so that a dropped `next()` of
    // an adapter can take the wait back (WITHDRAW).
    src.poller = this;
    let r: string | null | typeof PENDING;
    try {
      r = this.line.pollLine(cx, this.reader);
    } finally {
      src.poller = null;
    }
    if (r === PENDING) this.claim.parked();
    return r;
  }

  /** A dropped `next()` of an adapter on this stream parked on the reader: take it back. */
  override [WITHDRAW](by: unknown): void {
    if (this.claim.release(by)) this.source?.unregister(this);
  }
  override [CLAIM](by: unknown): void {
    this.claim.set(by);
  }

  /** `next()` registers as itself where it parks, so a dropped one takes its wait back. */
  override next(): FutureBase<string | typeof DONE> & Disposable {
    return new NextLine(this, this.reader);
  }
}

class NextLine extends IoFuture<string | typeof DONE> {
  protected what(): string {
    return "lines().next()";
  }
  constructor(
    private readonly lines: Lines,
    reader: BufReader,
  ) {
    super(reader);
  }
  protected step(cx: Context): StreamPoll<string> {
    return this.lines.pollNext(cx);
  }

  /** For dumps and deadlock reports. */
  override [DESCRIBE](): Description {
    return { label: "lines().next()", children: [this.lines] };
  }
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(BufReader);
