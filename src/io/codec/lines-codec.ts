/**
 * LinesCodec: text lines, one frame per line (tokio-util's `LinesCodec`), the order slips of the
 * kitchen's ticket printer. A line ends at `\n`, which is removed with a `\r` just before it; the
 * last line of a stream counts without a newline, and a `\r` at its end is removed too, as
 * tokio-util's codec does (`BufReader.lines()`, like tokio's `lines()`, keeps it as text). Lines are UTF-8; since a line is decoded only once all of it has
 * arrived, a character split across two reads is whole by then. A line that is not valid UTF-8 is
 * a `CodecError` of kind `"InvalidUtf8"`; the line is consumed and the stream goes on.
 *
 * `maxLength` bounds the memory one line may take: a line longer than that (counted in bytes,
 * without its `\n` or `\r\n`, as `BufReader`'s option) is a `CodecError` of kind
 * `"MaxLineLengthExceeded"` as soon as its length shows, and the rest of it is thrown away up to
 * the next newline; the stream goes on with the line after it (tokio's discarding mode).
 *
 * The search for a newline starts where the last one stopped (`nextIndex`), so a long line that
 * arrives in many small reads is scanned once, not once per read.
 */
import { maxLengthOf } from "../buf-reader.js";
import type { BytesBuf } from "./bytes-buf.js";
import { CodecError, type Decoder, type Encoder } from "./codec.js";

const NEWLINE = 10;
const CR = 13;

/** Options of {@link LinesCodec}. */
export interface LinesCodecOptions {
  /**
   * The longest line accepted, in bytes, without its ending.
   * @default Infinity (no limit: a peer that never sends a newline fills memory)
   * @example new LinesCodec({ maxLength: 8 * 1024 })
   */
  maxLength?: number;
}

/**
 * Lines of text as frames: decodes to strings without their ending, encodes a string with `\n`.
 *
 * @example
 * ```ts
 * const lines = new FramedRead(socket, new LinesCodec({ maxLength: 1024 }));
 * for (let line = yield* lines.next(); line !== DONE; line = yield* lines.next()) console.log(line);
 * ```
 */
export class LinesCodec implements Decoder<string>, Encoder<string> {
  /** The longest line accepted, in bytes (without its ending). */
  readonly maxLength: number;
  /** Buffered bytes before this one hold no newline: the next search starts here. */
  private nextIndex = 0;
  /** A line was too long: its bytes are dropped up to the next newline. */
  private discarding = false;
  /** Fatal: bad bytes are an error, not U+FFFD. A BOM is text inside a line. */
  private readonly text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  constructor(options?: LinesCodecOptions) {
    this.maxLength = maxLengthOf(options, "new LinesCodec(options)");
  }

  /**
   * The next whole line, or `undefined` while it is incomplete.
   *
   * @example
   * ```ts
   * const buf = new BytesBuf();
   * buf.putString("soup\r\nsal");
   * codec.decode(buf); // "soup"
   * codec.decode(buf); // undefined: "sal" waits for its newline
   * ```
   */
  decode(buf: BytesBuf): string | undefined {
    const max = this.maxLength;
    for (;;) {
      if (this.discarding) {
        // The rest of a line that was too long, however long: dropped up to its newline.
        const nl = buf.indexOf(NEWLINE);
        if (nl < 0) {
          buf.advance(buf.length);
          this.nextIndex = 0;
          return undefined;
        }
        buf.advance(nl + 1);
        this.discarding = false;
        this.nextIndex = 0;
        continue;
      }
      // A line of `max` bytes ends with "\r\n" at index max + 1 at the latest: no need to look past.
      const readTo = Math.min(max + 2, buf.length);
      const nl = buf.indexOf(NEWLINE, this.nextIndex, readTo);
      if (nl >= 0) {
        this.nextIndex = 0;
        const end = nl > 0 && buf.byteAt(nl - 1) === CR ? nl - 1 : nl;
        if (end > max) {
          buf.advance(nl + 1);
          throw this.tooLong();
        }
        return this.take(buf, end, nl + 1);
      }
      const len = buf.length;
      // No newline yet: too long once more than `max` bytes are text for sure (a last "\r" may
      // still turn out to be half of the ending).
      if (len > max + 1 || (len === max + 1 && buf.byteAt(max) !== CR)) {
        // What was searched holds no newline: drop it; the rest is searched while discarding.
        buf.advance(readTo);
        this.nextIndex = 0;
        this.discarding = true;
        throw this.tooLong();
      }
      this.nextIndex = readTo;
      return undefined;
    }
  }

  /**
   * At the end of the stream: the lines `decode` finds, then the last line without a newline
   * (its `\r` kept as text), then `undefined`.
   *
   * @example
   * ```ts
   * buf.putString("last");
   * codec.decodeEof(buf); // "last"
   * ```
   */
  decodeEof(buf: BytesBuf): string | undefined {
    const line = this.decode(buf);
    if (line !== undefined || buf.length === 0) return line;
    this.nextIndex = 0;
    const all = buf.length;
    // A last `\r` goes as it would before a `\n`; a lone `\r` is no line (tokio-util's rule).
    const end = buf.byteAt(all - 1) === CR ? all - 1 : all;
    if (end === 0) {
      buf.advance(all);
      return undefined;
    }
    if (end > this.maxLength) {
      buf.advance(all);
      throw this.tooLong();
    }
    return this.take(buf, end, all);
  }

  /**
   * The stream goes on after a line that was too long (the rest of it is skipped) or not UTF-8
   * (it was consumed).
   *
   * @example
   * ```ts
   * codec.recoverable(new CodecError("MaxLineLengthExceeded", "…")); // true
   * ```
   */
  recoverable(error: unknown): boolean {
    return (
      error instanceof CodecError &&
      (error.kind === "MaxLineLengthExceeded" || error.kind === "InvalidUtf8")
    );
  }

  /**
   * Append `line` and a `\n`. A line with a `\n` in it would come back as two: refused.
   *
   * @example
   * ```ts
   * codec.encode("table 4: soup", dst); // "table 4: soup\n"
   * ```
   */
  encode(line: string, dst: BytesBuf): void {
    if (typeof line !== "string") {
      throw new TypeError(
        `LinesCodec.encode(line, dst): line must be a string, got ${typeof line}`,
      );
    }
    if (line.includes("\n")) {
      throw new RangeError(
        `LinesCodec.encode(line, dst): line must not contain "\\n" (it would be read back as two lines)`,
      );
    }
    dst.putString(line);
    dst.putUint8(NEWLINE);
  }

  /** The text of the first `end` bytes, with `consumed` bytes dropped from `buf`. */
  private take(buf: BytesBuf, end: number, consumed: number): string {
    try {
      return this.text.decode(buf.subarray(0, end));
    } catch (e) {
      throw new CodecError("InvalidUtf8", "LinesCodec: a line was not valid UTF-8", {
        cause: e,
      });
    } finally {
      buf.advance(consumed);
    }
  }

  private tooLong(): CodecError {
    return new CodecError(
      "MaxLineLengthExceeded",
      `LinesCodec: a line longer than ${this.maxLength} bytes (options.maxLength)`,
    );
  }
}
