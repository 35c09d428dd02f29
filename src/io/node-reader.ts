/**
 * NodeReader: any Node `Readable` of bytes as an {@link AsyncRead} — a child's stdout, the
 * process's stdin, a file's read stream, a gunzip. A tap fitted to somebody else's pipe: Node keeps
 * filling its own tank (the stream's buffer, up to its `highWaterMark`), and the chef who waits for
 * water hangs a pager on the tap.
 *
 * The stream is read in Node's paused mode (`'readable'` and `read()`), so Node stops pulling from
 * the source once its buffer is full and nothing is read: a slow reader slows the writer on the
 * other side of the pipe, and memory stays bounded. A chunk bigger than the caller's buffer is kept
 * and handed out over the next reads. An `'error'` is stored as an {@link IoError} and thrown at
 * the next read, never as an uncaught exception; a stream destroyed before its end is an
 * `UnexpectedEof`.
 *
 * Disposing lets the stream go: with `close` (the default for a stream the reader owns, such as a
 * child's stdout) the stream is destroyed; without it (`stdin()`), the reader's listeners are
 * removed, bytes it took but did not hand out are put back, and the stream is paused, so the
 * program can exit and someone else can read on.
 */
import { Readable } from "node:stream";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import { IoError } from "./error.js";
import { IoWaitSlot } from "./io-wait-slot.js";
import type { AsyncRead } from "./traits.js";

/** How a {@link NodeReader} treats the stream it reads. */
export interface NodeReaderOptions {
  /** Destroy the stream when the reader is disposed (default `true`). */
  readonly close?: boolean;
  /** Names the stream in errors and dumps (default `"readable"`): `"child stdout"`. */
  readonly name?: string;
}

// The reader's life, in this order.
const FRESH = 0; // no listener yet: made, not polled
const READING = 1; // listeners on: bytes flow through `read()`
const ENDED = 2; // 'end' seen: every read returns 0
const DISPOSED = 3; // let go: every read fails

export class NodeReader implements AsyncRead, Disposable {
  private state = FRESH;
  /** The chunk a read could not take whole, and how much of it was taken. */
  private rest: Uint8Array | null = null;
  private restAt = 0;
  /** An `'error'` from the stream, thrown at every read from now on. */
  private error: IoError | null = null;
  private readonly slot: IoWaitSlot;
  private readonly closes: boolean;
  private readonly name: string;
  /**
   * @internal the future polling this reader right now (an `IoFuture`, src/io/io-future.ts):
   * whoever parks records it, the only future allowed to take that wait back.
   */
  poller: unknown = null;

  /** Not for direct use: made by {@link fromReadable}, `stdin()` and `Command.spawn()`. */
  constructor(
    private readonly stream: Readable,
    options?: NodeReaderOptions,
  ) {
    this.closes = options?.close ?? true;
    this.name = options?.name ?? "readable";
    this.slot = new IoWaitSlot(
      `${this.name} read`,
      {
        subject: `this ${this.name}`,
        how: "a read there",
        advice: `A ${this.name} has one reader at a time: read in one task and hand what it reads on through a channel`,
      },
      { kind: "io", source: this.name },
    );
    // At once, not at the first read: an error before it must be kept, not thrown by Node.
    stream.on("error", this.onError);
    // An owned stream is listened to from the start: a child's stdout that nobody listens to
    // yet is resumed (its bytes thrown away) by Node when the child exits. A stream not owned
    // (stdin) is left alone until read, so that making the handle starts no reading.
    if (this.closes) this.start();
  }

  private readonly onReadable = (): void => {
    this.slot.wake();
  };

  private readonly onEnd = (): void => {
    if (this.state === READING) this.state = ENDED;
    this.slot.wake();
  };

  private readonly onError = (e: unknown): void => {
    this.error ??= IoError.from(e, `${this.name} read`);
    this.slot.wake();
  };

  private readonly onClose = (): void => {
    // The read it wakes finds the stream destroyed, and says how (see `pollRead`).
    this.slot.wake();
  };

  /**
   * Read into `buf`: the count, `0` at the end of the stream, or `PENDING` while nothing is
   * buffered. Throws the stream's `IoError`, or `NotConnected` once the reader is disposed.
   * Cancel-safe: bytes are taken only by the poll that returns them.
   *
   * @example
   * ```ts
   * const n = yield* read(fromReadable(createReadStream("menu.txt")), buf);
   * ```
   */
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.state === FRESH) this.start();
    if (this.state === DISPOSED) {
      throw new IoError("NotConnected", `${this.name} read after the reader was disposed`);
    }
    if (buf.length === 0) return 0;
    let chunk = this.rest;
    let at = this.restAt;
    if (chunk === null) {
      if (this.error !== null) throw this.error;
      if (this.state === ENDED) return 0;
      const got: unknown = this.stream.read();
      if (got === null) {
        if (this.error !== null) throw this.error;
        if (this.stream.readableEnded) {
          this.state = ENDED;
          return 0;
        }
        // Destroyed before this reader listened for 'close': no event is coming. Its error may
        // be on its way (emitted on the next tick): take it from the stream.
        if (this.stream.destroyed) {
          const why = this.stream.errored;
          this.error =
            why !== null
              ? IoError.from(why, `${this.name} read`)
              : new IoError(
                  "UnexpectedEof",
                  `${this.name} read: the stream was destroyed before its end`,
                );
          throw this.error;
        }
        this.slot.park(cx, this.poller);
        return PENDING;
      }
      chunk = toBytes(got, this.name);
      at = 0;
      if (!pollProceed(cx)) {
        // Out of budget: the chunk waits for the next poll (the task was already woken).
        this.rest = chunk;
        this.restAt = 0;
        return PENDING;
      }
    } else if (!pollProceed(cx)) {
      return PENDING;
    }
    const n = Math.min(buf.length, chunk.length - at);
    buf.set(chunk.subarray(at, at + n), 0);
    if (at + n === chunk.length) {
      this.rest = null;
      this.restAt = 0;
    } else {
      this.rest = chunk;
      this.restAt = at + n;
    }
    return n;
  }

  /** The first read: Node's paused mode, from now on. */
  private start(): void {
    const s = this.stream;
    this.state = s.readableEnded ? ENDED : READING;
    s.on("readable", this.onReadable);
    s.on("end", this.onEnd);
    s.on("close", this.onClose);
  }

  /**
   * @internal `by` (an `IoFuture`) was dropped: take back the wait it parked, if it is still its.
   */
  unregister(by: unknown): void {
    this.slot.unregister(by);
  }

  /**
   * Let the stream go: destroyed if the reader owns it (`close`), else left paused with the
   * reader's listeners removed. A read parked here is woken and fails. Idempotent.
   *
   * @example
   * ```ts
   * using input = stdin(); // process.stdin is paused again when the scope ends, not closed
   * ```
   */
  [Symbol.dispose](): void {
    if (this.state === DISPOSED) return;
    const started = this.state !== FRESH;
    this.state = DISPOSED;
    const s = this.stream;
    // A chunk taken from the stream and not all read yet goes back, for whoever reads next.
    const rest = this.rest;
    if (!this.closes && rest !== null && !s.readableEnded) s.unshift(rest.subarray(this.restAt));
    this.rest = null;
    if (started) {
      s.removeListener("readable", this.onReadable);
      s.removeListener("end", this.onEnd);
      s.removeListener("close", this.onClose);
    }
    if (this.closes) {
      // The error listener stays: a stream being destroyed may still emit one, and nobody else
      // listens on a stream this reader owned.
      s.destroy();
    } else {
      s.removeListener("error", this.onError);
      // Paused, so that it stops pulling from its source (process.stdin then stops reading the
      // pipe or terminal, and the program can exit). Not now: while Node still counts a
      // 'readable' listener (it recounts on the next tick), the stream is already not flowing,
      // and pause() would not say 'pause', which is what stdin listens for.
      if (started) process.nextTick(pauseUnread, s);
    }
    this.slot.wake();
  }
}

/** Pause a stream let go of, unless someone else has started reading it since. */
function pauseUnread(s: Readable): void {
  if (s.listenerCount("readable") === 0 && s.listenerCount("data") === 0) s.pause();
}

/** A chunk from `read()` as bytes; a stream with an encoding set hands out strings. */
function toBytes(chunk: unknown, name: string): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(
    `${name}: the stream handed out a ${typeof chunk}, not bytes (was setEncoding called on it?)`,
  );
}

markOwned(NodeReader);

/** A Node `Readable`, or something shaped like one. */
function isNodeReadable(s: unknown): s is Readable {
  return (
    typeof s === "object" &&
    s !== null &&
    typeof (s as Partial<Readable>).read === "function" &&
    typeof (s as Partial<Readable>).on === "function"
  );
}

/** A web `ReadableStream` (not a Node stream, which has `read` and `on` instead of `getReader`). */
function isWebStream(s: unknown): s is ReadableStream<Uint8Array> {
  return (
    typeof s === "object" &&
    s !== null &&
    typeof (s as { getReader?: unknown }).getReader === "function" &&
    typeof (s as { on?: unknown }).on !== "function"
  );
}

/**
 * A Node `Readable` of bytes as an `AsyncRead`, to use with `read`, `readToEnd`, `copy`,
 * `BufReader(…).lines()` and `FramedRead`. The stream is destroyed when the reader is disposed,
 * unless `{ close: false }`. A web `ReadableStream` of bytes (a `fetch` body) is read through
 * Node's `Readable.fromWeb`, and disposing the reader cancels it, even in the middle of a read:
 * the request behind a body that stalls is closed.
 *
 * @example
 * ```ts
 * import { createReadStream } from "node:fs";
 * using menu = fromReadable(createReadStream("menu.txt"));
 * const dishes = yield* new BufReader(menu).lines().collect();
 * ```
 */
export function fromReadable(
  stream: Readable | ReadableStream<Uint8Array>,
  options?: NodeReaderOptions,
): NodeReader {
  if (isWebStream(stream)) {
    // A `fetch` body: Node's own bridge makes it a Readable, whose destroy cancels the web stream.
    // That bridge keeps the stream locked for good, so nobody could read on after this reader.
    if (options?.close === false) {
      throw new TypeError(
        "fromReadable(stream, options): options.close false cannot apply to a web ReadableStream: the reader keeps it locked, so nobody could read on; read it through fromAsyncIterable(stream) to share it, or let this reader close it",
      );
    }
    return new NodeReader(
      Readable.fromWeb(stream as Parameters<typeof Readable.fromWeb>[0]),
      options,
    );
  }
  if (!isNodeReadable(stream)) {
    throw new TypeError(
      `fromReadable(stream): stream must be a Node Readable or a web ReadableStream of bytes, got ${stream === null ? "null" : typeof stream}`,
    );
  }
  if (stream.readableObjectMode) {
    throw new TypeError(
      "fromReadable(stream): stream is in object mode, not a byte stream: use fromAsyncIterable(stream) for its objects",
    );
  }
  if (stream.readableEncoding != null) {
    throw new TypeError(
      `fromReadable(stream): stream hands out text (setEncoding('${stream.readableEncoding}') was called), not bytes`,
    );
  }
  return new NodeReader(stream, options);
}
