/**
 * The codecs on their own, fed a BytesBuf by hand: the buffer's cursors and growth, LinesCodec's
 * endings, limit and discarding, LengthDelimitedCodec's field sizes and limits, BytesCodec, and
 * the typed errors for bad options and bad items.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BytesBuf,
  BytesCodec,
  CodecError,
  type Decoder,
  decodeEof,
  LengthDelimitedCodec,
  LinesCodec,
} from "../src/io/codec/index.js";

const bytes = (s: string) => new TextEncoder().encode(s);

/** Every frame `decoder` finds in `input`, fed in pieces of `sizes` (cycled), then at the end. */
function decodeAll<T>(decoder: Decoder<T>, input: Uint8Array, sizes: number[]): (T | string)[] {
  const buf = new BytesBuf();
  const out: (T | string)[] = [];
  let ended = false;
  // As FramedRead does: an error the decoder does not call recoverable ends the frames.
  const drain = (step: () => T | undefined) => {
    for (let i = 0; i < 1000 && !ended; i++) {
      try {
        const f = step();
        if (f === undefined) return;
        out.push(f);
      } catch (e) {
        out.push(`error: ${(e as CodecError).kind}`);
        if (decoder.recoverable?.(e) !== true) ended = true;
      }
    }
    if (!ended) throw new Error("decoder never said it needs more bytes");
  };
  for (let at = 0, i = 0; at < input.length && !ended; i++) {
    const n = sizes[i % sizes.length]!;
    buf.put(input.subarray(at, at + n));
    at += n;
    drain(() => decoder.decode(buf));
  }
  drain(() => decodeEof(decoder, buf));
  return out;
}

describe("BytesBuf", () => {
  it("advance to empty puts both cursors back, so the next frames reuse the same array", () => {
    const buf = new BytesBuf(16);
    buf.putString("0123456789");
    buf.advance(10);
    expect(buf.length).toBe(0);
    expect(buf.unfilled().length).toBe(16);
    buf.putString("abcdefghijklmnop");
    expect(buf.capacity).toBe(16);
  });

  it("reserve slides the buffered bytes to the front before it grows", () => {
    const buf = new BytesBuf(16);
    buf.putString("0123456789abcdef");
    buf.advance(12);
    buf.reserve(10); // 4 buffered + 10 fit in 16 once slid
    expect(buf.capacity).toBe(16);
    expect(new TextDecoder().decode(buf.subarray())).toBe("cdef");
    buf.reserve(20);
    expect(buf.capacity).toBeGreaterThanOrEqual(24);
    expect(new TextDecoder().decode(buf.subarray())).toBe("cdef");
  });

  it("take copies out and advances; indexOf, byteAt and getUint read relative to the first byte", () => {
    const buf = new BytesBuf();
    buf.put(Uint8Array.of(9, 9, 1, 2, 10, 3));
    buf.advance(2);
    expect(buf.indexOf(10)).toBe(2);
    expect(buf.indexOf(10, 0, 2)).toBe(-1);
    expect(buf.byteAt(0)).toBe(1);
    expect(buf.byteAt(4)).toBeUndefined();
    expect(buf.getUint(0, 2)).toBe(0x0102);
    expect(buf.getUint(0, 2, true)).toBe(0x0201);
    const head = buf.take(2);
    buf.putUint8(7); // writes after the take do not reach the copy
    expect([...head]).toEqual([1, 2]);
    expect([...buf.subarray()]).toEqual([10, 3, 7]);
  });

  it("putUint and getUint agree for every size and byte order, up to the field's largest value (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1 as const, 2 as const, 4 as const),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (size, little, frac) => {
          const value = Math.floor(frac * (2 ** (8 * size) - 1));
          const buf = new BytesBuf();
          buf.putUint(value, size, little);
          expect(buf.length).toBe(size);
          expect(buf.getUint(0, size, little)).toBe(value);
        },
      ),
    );
  });

  it("bad counts are RangeErrors that name the argument and the rule", () => {
    const buf = new BytesBuf();
    buf.putString("ab");
    expect(() => buf.advance(3)).toThrow(/buf.advance\(n\): n must be an integer from 0 to the 2/);
    expect(() => buf.take(-1)).toThrow(RangeError);
    expect(() => buf.commit(buf.unfilled().length + 1)).toThrow(/buf.commit\(n\)/);
    expect(() => new BytesBuf(-1)).toThrow(/capacity must be an integer of at least 0, got -1/);
    expect(() => buf.putUint(256, 1)).toThrow(
      /value must be an integer from 0 to 255 for 1 bytes, got 256/,
    );
    expect(() => buf.putUint(1, 3 as 4)).toThrow(/size must be 1, 2 or 4, got 3/);
    expect(() => buf.putUint8(256)).toThrow(
      new RangeError("buf.putUint8(value): value must be an integer from 0 to 255, got 256"),
    );
    expect(() => buf.putUint8(1.5)).toThrow(RangeError);
    expect(() => buf.reserve(Number.NaN)).toThrow(RangeError);
    expect(buf.length).toBe(2); // nothing was written by the refused calls
  });
});

describe("LinesCodec", () => {
  it("splits at \\n and \\r\\n, keeps a lone \\r inside a line, and gives the last line without a newline at the end, its \\r removed as tokio-util does", () => {
    const input = bytes("soup\r\nsalad\na\rb\n\nlast\r");
    expect(decodeAll(new LinesCodec(), input, [1])).toEqual(["soup", "salad", "a\rb", "", "last"]);
    // A lone "\r" at the end is no line at all.
    expect(decodeAll(new LinesCodec(), bytes("one\n\r"), [1])).toEqual(["one"]);
  });

  it("a character split across reads is decoded whole once its line is complete", () => {
    const input = bytes("crème brûlée 🍮\n");
    for (const n of [1, 2, 3]) {
      expect(decodeAll(new LinesCodec(), input, [n])).toEqual(["crème brûlée 🍮"]);
    }
  });

  it("a line over maxLength is an error as soon as its length shows, and the rest of it is skipped to the next newline", () => {
    const input = bytes("ok\nmuch too long a line\nafter\n");
    expect(decodeAll(new LinesCodec({ maxLength: 5 }), input, [1])).toEqual([
      "ok",
      "error: MaxLineLengthExceeded",
      "after",
    ]);
    expect(decodeAll(new LinesCodec({ maxLength: 5 }), input, [100])).toEqual([
      "ok",
      "error: MaxLineLengthExceeded",
      "after",
    ]);
  });

  it("each line over maxLength becomes one error in its place, whatever the chunking, and the others come through (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc
              .string({ unit: "binary", maxLength: 30 })
              .filter((l) => !l.includes("\n") && !l.endsWith("\r")),
            fc.boolean(),
          ),
          { maxLength: 20 },
        ),
        fc.integer({ min: 1, max: 25 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        (lines, maxLength, sizes) => {
          const wire = bytes(lines.map(([l, crlf]) => l + (crlf ? "\r\n" : "\n")).join(""));
          const expected = lines.map(([l]) =>
            bytes(l).length <= maxLength ? l : "error: MaxLineLengthExceeded",
          );
          expect(decodeAll(new LinesCodec({ maxLength }), wire, sizes)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("maxLength counts the line without its ending: exactly maxLength bytes with \\r\\n passes, one more fails", () => {
    const codec = () => new LinesCodec({ maxLength: 4 });
    expect(decodeAll(codec(), bytes("abcd\r\nabcde\r\nz\n"), [1])).toEqual([
      "abcd",
      "error: MaxLineLengthExceeded",
      "z",
    ]);
    // At the end a last "\r" goes, as before a newline, so it does not count.
    expect(decodeAll(codec(), bytes("abcd\r"), [1])).toEqual(["abcd"]);
    expect(decodeAll(codec(), bytes("abcde\r"), [1])).toEqual(["error: MaxLineLengthExceeded"]);
  });

  it("invalid UTF-8 is a CodecError of kind InvalidUtf8, and the next line still comes", () => {
    const input = Uint8Array.of(...bytes("a\n"), 0xff, 0xfe, 10, ...bytes("b\n"));
    expect(decodeAll(new LinesCodec(), input, [2])).toEqual(["a", "error: InvalidUtf8", "b"]);
  });

  it("calls its own line errors recoverable, and nothing else", () => {
    const c = new LinesCodec();
    expect(c.recoverable(new CodecError("MaxLineLengthExceeded", "x"))).toBe(true);
    expect(c.recoverable(new CodecError("InvalidUtf8", "x"))).toBe(true);
    expect(c.recoverable(new CodecError("BytesRemaining", "x"))).toBe(false);
    expect(c.recoverable(new Error("x"))).toBe(false);
  });

  it("bad options and lines are typed errors naming the argument and the rule", () => {
    expect(() => new LinesCodec({ maxLength: 0 })).toThrow(
      /new LinesCodec\(options\): options.maxLength must be an integer of at least 1, got 0/,
    );
    expect(() => new LinesCodec({ maxLength: -3 })).toThrow(RangeError);
    expect(() => new LinesCodec({ maxLength: 1.5 })).toThrow(RangeError);
    expect(() => new LinesCodec({ maxLength: "8" as unknown as number })).toThrow(TypeError);
    const dst = new BytesBuf();
    expect(() => new LinesCodec().encode("two\nlines", dst)).toThrow(/line must not contain/);
    expect(() => new LinesCodec().encode(42 as unknown as string, dst)).toThrow(TypeError);
    expect(dst.length).toBe(0);
  });
});

describe("LengthDelimitedCodec", () => {
  it("round-trips frames for every field size and byte order, in any chunking (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1 as const, 2 as const, 4 as const),
        fc.boolean(),
        fc.array(fc.uint8Array({ maxLength: 255 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        (lengthFieldBytes, littleEndian, frames, sizes) => {
          const codec = new LengthDelimitedCodec({ lengthFieldBytes, littleEndian });
          const wire = new BytesBuf();
          for (const f of frames) codec.encode(f, wire);
          const got = decodeAll(codec, wire.take(wire.length), sizes);
          expect(got).toEqual(frames);
        },
      ),
    );
  });

  it("writes the length in the field size and byte order asked for", () => {
    const dst = new BytesBuf();
    new LengthDelimitedCodec({ lengthFieldBytes: 2, littleEndian: true }).encode(
      Uint8Array.of(7, 8, 9),
      dst,
    );
    expect([...dst.subarray()]).toEqual([3, 0, 7, 8, 9]);
  });

  it("a header over maxFrameLength is a FrameTooLong error that leaves the buffer as it was", () => {
    const codec = new LengthDelimitedCodec({ lengthFieldBytes: 2, maxFrameLength: 4 });
    const buf = new BytesBuf();
    buf.put(Uint8Array.of(0, 5, 1, 2, 3, 4, 5));
    expect(() => codec.decode(buf)).toThrow(/5 bytes announced, over maxFrameLength \(4\)/);
    expect(buf.length).toBe(7);
  });

  it("encoding a frame over maxFrameLength (or over what the field holds) writes nothing", () => {
    const dst = new BytesBuf();
    const small = new LengthDelimitedCodec({ maxFrameLength: 3 });
    expect(() => small.encode(new Uint8Array(4), dst)).toThrow(CodecError);
    const oneByte = new LengthDelimitedCodec({ lengthFieldBytes: 1 });
    expect(oneByte.maxFrameLength).toBe(255);
    expect(() => oneByte.encode(new Uint8Array(256), dst)).toThrow(/over maxFrameLength \(255\)/);
    expect(dst.length).toBe(0);
  });

  it("defaults to tokio's: a 4-byte big-endian field and 8 MiB frames", () => {
    const c = new LengthDelimitedCodec();
    expect([c.lengthFieldBytes, c.littleEndian, c.maxFrameLength]).toEqual([
      4,
      false,
      8 * 1024 * 1024,
    ]);
  });

  it("a partial frame at the end is a BytesRemaining error (the default decodeEof)", () => {
    const input = Uint8Array.of(0, 0, 0, 2, 1, 2, 0, 0, 0, 9, 1);
    expect(decodeAll(new LengthDelimitedCodec(), input, [3])).toEqual([
      Uint8Array.of(1, 2),
      "error: BytesRemaining",
    ]);
  });

  it("bad options are typed errors naming the argument and the rule", () => {
    expect(() => new LengthDelimitedCodec({ lengthFieldBytes: 3 as 4 })).toThrow(
      /options.lengthFieldBytes must be 1, 2 or 4, got 3/,
    );
    expect(() => new LengthDelimitedCodec({ maxFrameLength: -1 })).toThrow(
      /options.maxFrameLength must be an integer of at least 0, got -1/,
    );
    expect(() => new LengthDelimitedCodec({ maxFrameLength: "1" as unknown as number })).toThrow(
      TypeError,
    );
    expect(() => new LengthDelimitedCodec({ littleEndian: 1 as unknown as boolean })).toThrow(
      TypeError,
    );
    expect(() =>
      new LengthDelimitedCodec().encode("x" as unknown as Uint8Array, new BytesBuf()),
    ).toThrow(/frame must be a Uint8Array, got string/);
  });
});

describe("BytesCodec", () => {
  it("hands out what is buffered, in order, whatever the chunking (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 500 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 }),
        (input, sizes) => {
          const got = decodeAll(new BytesCodec(), input, sizes) as Uint8Array[];
          expect(got.every((c) => c.length > 0)).toBe(true);
          const joined = new BytesBuf();
          for (const c of got) joined.put(c);
          expect([...joined.subarray()]).toEqual([...input]);
        },
      ),
    );
  });
});
