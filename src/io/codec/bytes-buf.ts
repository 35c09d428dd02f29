/**
 * BytesBuf: the cutting board a codec works on (tokio's `BytesMut`, reduced to what decoders and
 * encoders need). One `Uint8Array` with two cursors: bytes from the read cursor up to the write
 * cursor are the buffered bytes (`length` of them); past the write cursor is spare room that a
 * reader fills (`reserve`, `unfilled`, `commit`) or an encoder writes into (`put…`).
 *
 * Memory: `advance` and `take` only move the read cursor, and once the board is empty both
 * cursors go back to the start, so a stream of frames that each fit reuses one array with no
 * allocation per frame. `reserve` first slides the buffered bytes to the front (when that makes
 * room), and only then grows the array, by doubling. The array never shrinks: after one 8 MB
 * frame the board keeps its 8 MB (as `BytesMut` keeps its capacity) until the framed stream is
 * disposed.
 *
 * Views handed out (`subarray`, `unfilled`) share the array: they are valid until the next call
 * that writes or reserves. `take` copies, so its frame is the caller's for good.
 */

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

/**
 * A growable byte buffer with read and write cursors.
 *
 * @example
 * ```ts
 * const buf = new BytesBuf();
 * buf.putString("soup\nsalad\n");
 * const nl = buf.indexOf(10); // 4
 * const line = new TextDecoder().decode(buf.subarray(0, nl)); // "soup"
 * buf.advance(nl + 1); // "salad\n" is left
 * ```
 */
export class BytesBuf {
  private bytes: Uint8Array;
  /** The read cursor: the first buffered byte. */
  private start = 0;
  /** The write cursor: one past the last buffered byte. */
  private end = 0;

  constructor(capacity = 0) {
    if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 0) {
      throw new (typeof capacity === "number" ? RangeError : TypeError)(
        `new BytesBuf(capacity): capacity must be an integer of at least 0, got ${String(capacity)}`,
      );
    }
    this.bytes = capacity === 0 ? EMPTY : new Uint8Array(capacity);
  }

  /**
   * How many bytes are buffered.
   *
   * @example
   * ```ts
   * if (buf.length < 4) return undefined; // a length field needs 4 bytes
   * ```
   */
  get length(): number {
    return this.end - this.start;
  }

  /**
   * The size of the array under the buffer (buffered bytes plus room).
   *
   * @example
   * ```ts
   * buf.reserve(8192);
   * buf.capacity >= 8192; // true
   * ```
   */
  get capacity(): number {
    return this.bytes.length;
  }

  /**
   * The buffered byte at `index` (0 is the first), or `undefined` past the end.
   *
   * @example
   * ```ts
   * const kind = buf.byteAt(0); // a protocol's tag byte
   * ```
   */
  byteAt(index: number): number | undefined {
    return index >= 0 && index < this.length ? this.bytes[this.start + index] : undefined;
  }

  /**
   * A view (no copy) of buffered bytes `begin` to `end` (default: all of them); valid until the
   * next write or `reserve`.
   *
   * @example
   * ```ts
   * const header = buf.subarray(0, 4);
   * ```
   */
  subarray(begin = 0, end = this.length): Uint8Array {
    const b = Math.max(0, Math.min(begin, this.length));
    const e = Math.max(b, Math.min(end, this.length));
    return this.bytes.subarray(this.start + b, this.start + e);
  }

  /**
   * Where `byte` first occurs among buffered bytes `from` to `to` (relative to the first one),
   * or -1.
   *
   * @example
   * ```ts
   * const nl = buf.indexOf(10); // the first "\n", or -1
   * ```
   */
  indexOf(byte: number, from = 0, to = this.length): number {
    // A plain loop: a bounded native `indexOf` would need a fresh view per call.
    const b = this.bytes;
    const stop = this.start + Math.min(to, this.length);
    for (let i = this.start + Math.max(0, from); i < stop; i++) {
      if (b[i] === byte) return i - this.start;
    }
    return -1;
  }

  /**
   * Drop the first `n` buffered bytes (a header, a frame already decoded).
   *
   * @example
   * ```ts
   * buf.advance(4); // past the length field
   * ```
   */
  advance(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.length) {
      throw new RangeError(
        `buf.advance(n): n must be an integer from 0 to the ${this.length} bytes buffered, got ${String(n)}`,
      );
    }
    this.start += n;
    // Empty: both cursors back to the front, so the next read has the whole array.
    if (this.start === this.end) this.start = this.end = 0;
  }

  /**
   * The first `n` buffered bytes, copied into an array of their own, and dropped from the buffer.
   *
   * @example
   * ```ts
   * const frame = buf.take(length); // the caller's to keep
   * ```
   */
  take(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0 || n > this.length) {
      throw new RangeError(
        `buf.take(n): n must be an integer from 0 to the ${this.length} bytes buffered, got ${String(n)}`,
      );
    }
    const out = this.bytes.slice(this.start, this.start + n);
    this.advance(n);
    return out;
  }

  /**
   * Make room for at least `additional` more bytes after the buffered ones: slide them to the
   * front if that is enough, else grow (by doubling).
   *
   * @example
   * ```ts
   * buf.reserve(frameLength); // the rest of the frame will fit without growing on every read
   * ```
   */
  reserve(additional: number): void {
    if (this.bytes.length - this.end >= additional) return;
    if (!Number.isInteger(additional)) {
      throw new RangeError(
        `buf.reserve(additional): additional must be an integer, got ${String(additional)}`,
      );
    }
    const len = this.length;
    if (this.bytes.length - len >= additional && this.start > 0) {
      this.bytes.copyWithin(0, this.start, this.end);
    } else {
      let size = Math.max(this.bytes.length * 2, 64);
      while (size < len + additional) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes.subarray(this.start, this.end));
      this.bytes = next;
    }
    this.start = 0;
    this.end = len;
  }

  /**
   * The spare room after the buffered bytes, to read into; `commit(n)` then adds what was read.
   *
   * @example
   * ```ts
   * buf.reserve(8192);
   * const n = yield* read(socket, buf.unfilled());
   * buf.commit(n);
   * ```
   */
  unfilled(): Uint8Array {
    return this.bytes.subarray(this.end);
  }

  /**
   * Count `n` bytes written into `unfilled()` as buffered.
   *
   * @example
   * ```ts
   * buf.commit(n); // after a read of n bytes into buf.unfilled()
   * ```
   */
  commit(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.bytes.length - this.end) {
      throw new RangeError(
        `buf.commit(n): n must be an integer from 0 to the ${this.bytes.length - this.end} bytes of room, got ${String(n)}`,
      );
    }
    this.end += n;
  }

  /**
   * Append bytes (copied).
   *
   * @example
   * ```ts
   * dst.put(frame);
   * ```
   */
  put(src: Uint8Array): void {
    this.reserve(src.length);
    this.bytes.set(src, this.end);
    this.end += src.length;
  }

  /**
   * Append one byte.
   *
   * @example
   * ```ts
   * dst.putUint8(10); // "\n"
   * ```
   */
  putUint8(value: number): void {
    // A typed array would keep only the low byte (256 → 0): refused, as putUint refuses it.
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new RangeError(
        `buf.putUint8(value): value must be an integer from 0 to 255, got ${String(value)}`,
      );
    }
    this.reserve(1);
    this.bytes[this.end++] = value;
  }

  /**
   * Append an unsigned integer of `size` bytes (1, 2 or 4), big-endian unless `littleEndian`.
   *
   * @example
   * ```ts
   * dst.putUint(frame.length, 4); // a 4-byte big-endian length field
   * ```
   */
  putUint(value: number, size: 1 | 2 | 4, littleEndian = false): void {
    if (size !== 1 && size !== 2 && size !== 4) {
      throw new RangeError(`buf.putUint(value, size): size must be 1, 2 or 4, got ${String(size)}`);
    }
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * size)) {
      throw new RangeError(
        `buf.putUint(value, size): value must be an integer from 0 to ${2 ** (8 * size) - 1} for ${size} bytes, got ${String(value)}`,
      );
    }
    this.reserve(size);
    const b = this.bytes;
    for (let i = 0; i < size; i++) {
      const shift = 8 * (littleEndian ? i : size - 1 - i);
      b[this.end + i] = Math.floor(value / 2 ** shift) & 0xff;
    }
    this.end += size;
  }

  /**
   * Read (without advancing) the unsigned integer of `size` bytes at buffered offset `at`.
   *
   * @example
   * ```ts
   * const length = buf.length >= 2 ? buf.getUint(0, 2) : undefined;
   * ```
   */
  getUint(at: number, size: 1 | 2 | 4, littleEndian = false): number {
    if (at < 0 || at + size > this.length) {
      throw new RangeError(
        `buf.getUint(at, size): bytes ${at} to ${at + size} are not all buffered (${this.length} are)`,
      );
    }
    const b = this.bytes;
    let v = 0;
    for (let i = 0; i < size; i++) {
      // Multiplying, not shifting: a 4-byte value past 2^31 stays positive.
      v = v * 256 + b[this.start + at + (littleEndian ? size - 1 - i : i)]!;
    }
    return v;
  }

  /**
   * Append `text` as UTF-8, without an intermediate array.
   *
   * @example
   * ```ts
   * dst.putString("table 4: soup");
   * ```
   */
  putString(text: string): void {
    // Room for ASCII first (no growth for the common case), then for the worst case of what is
    // left: at most 3 bytes per UTF-16 unit. encodeInto writes straight into the room.
    this.reserve(text.length);
    const first = utf8.encodeInto(text, this.bytes.subarray(this.end));
    this.end += first.written;
    if (first.read === text.length) return;
    const rest = text.slice(first.read);
    this.reserve(rest.length * 3);
    this.end += utf8.encodeInto(rest, this.bytes.subarray(this.end)).written;
  }

  /**
   * Cut the buffered bytes back to the first `length` (an encoder that failed half way).
   *
   * @example
   * ```ts
   * const before = dst.length;
   * try { encoder.encode(item, dst); } catch (e) { dst.truncate(before); throw e; }
   * ```
   */
  truncate(length: number): void {
    if (length < this.length) this.end = this.start + Math.max(0, length);
    if (this.start === this.end) this.start = this.end = 0;
  }

  /**
   * Drop every buffered byte (the array is kept).
   *
   * @example
   * ```ts
   * buf.clear();
   * ```
   */
  clear(): void {
    this.start = this.end = 0;
  }

  /** @internal let the array go (a disposed framed stream): what is buffered is dropped. */
  release(): void {
    this.bytes = EMPTY;
    this.start = this.end = 0;
  }
}
