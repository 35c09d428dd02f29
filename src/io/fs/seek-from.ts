/**
 * SeekFrom: where a `File`'s cursor moves to, as Rust's `std::io::SeekFrom` says it: a byte offset
 * from the start, from the current position, or from the end of the file (the last two may be
 * negative, to step back). The cursor cannot go before byte 0; past the end it may (a write there
 * leaves a hole of zeros, as on every Unix).
 */

/** Which point an offset counts from. */
export type SeekWhence = "start" | "current" | "end";

/** A target for `File.seek`. */
export interface SeekFrom {
  readonly whence: SeekWhence;
  readonly offset: number;
}

/**
 * The ways to say where to seek.
 *
 * @example
 * ```ts
 * yield* file.seek(SeekFrom.end(-4)); // the last four bytes come next
 * ```
 */
export const SeekFrom = {
  /**
   * `offset` bytes from the start (0 or more).
   *
   * @example
   * ```ts
   * yield* file.seek(SeekFrom.start(0)); // rewind
   * ```
   */
  start(offset: number): SeekFrom {
    checkOffset(offset, "SeekFrom.start(offset)", true);
    return { whence: "start", offset };
  },
  /**
   * `offset` bytes from the current position (may be negative).
   *
   * @example
   * ```ts
   * const here = yield* file.seek(SeekFrom.current(0)); // where the cursor is
   * ```
   */
  current(offset: number): SeekFrom {
    checkOffset(offset, "SeekFrom.current(offset)", false);
    return { whence: "current", offset };
  },
  /**
   * `offset` bytes from the end of the file (may be negative).
   *
   * @example
   * ```ts
   * const size = yield* file.seek(SeekFrom.end(0));
   * ```
   */
  end(offset: number): SeekFrom {
    checkOffset(offset, "SeekFrom.end(offset)", false);
    return { whence: "end", offset };
  },
};

/** @internal a whole number of bytes a file offset can hold exactly. */
export function checkOffset(value: unknown, where: string, nonNegative: boolean): void {
  if (typeof value !== "number") {
    throw new TypeError(`${where} must be a number of bytes, got ${typeof value}`);
  }
  if (!Number.isSafeInteger(value) || (nonNegative && value < 0)) {
    throw new RangeError(
      `${where} must be a whole number of bytes${nonNegative ? ", at least 0" : ""}, got ${value}`,
    );
  }
}

/** @internal a `seek` argument: a SeekFrom, or a plain number meaning from the start. */
export function toSeekFrom(pos: unknown): SeekFrom {
  if (typeof pos === "number") return SeekFrom.start(pos);
  const p = pos as Partial<SeekFrom> | null;
  if (
    p === null ||
    typeof p !== "object" ||
    (p.whence !== "start" && p.whence !== "current" && p.whence !== "end")
  ) {
    throw new TypeError(
      `File.seek(pos): pos must be a number or a SeekFrom (SeekFrom.start/current/end), got ${pos === null ? "null" : typeof pos}`,
    );
  }
  checkOffset(p.offset, `File.seek(pos): pos.offset`, p.whence === "start");
  return p as SeekFrom;
}
