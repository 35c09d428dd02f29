/**
 * Tests written from a mutation run over the codecs (src/io/codec/bytes-buf.ts, lines-codec.ts,
 * length-delimited-codec.ts): each pins down a behaviour the rest of the suite let change
 * unnoticed (the run's notes are in scratch/mutation/).
 */
import { describe, expect, it } from "vitest";
import { BytesBuf, CodecError, LengthDelimitedCodec, LinesCodec } from "../src/io/codec/index.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** A buffer holding `s` after `skip` bytes were put and advanced past (so its read cursor is not 0). */
function shifted(s: string, skip = 3): BytesBuf {
  const buf = new BytesBuf(64);
  buf.putString(`${"\n".repeat(skip)}${s}`);
  buf.advance(skip);
  return buf;
}

describe("BytesBuf reads relative to its first buffered byte", () => {
  it("bytes were advanced past, then byteAt(-1), subarray(-2, 2), indexOf from -3 and getUint(1) are asked: none sees the bytes already consumed", () => {
    const buf = shifted("abcd");
    expect(buf.byteAt(-1)).toBeUndefined();
    expect(text(buf.subarray(-2, 2))).toBe("ab");
    expect(text(buf.subarray(1, 3))).toBe("bc");
    expect(buf.indexOf(10, -3)).toBe(-1);
    expect(buf.getUint(1, 2)).toBe(0x62 * 256 + 0x63);
  });

  it("getUint past the buffered bytes or before the first is a RangeError naming the bytes asked for", () => {
    const buf = shifted("ab");
    expect(() => buf.getUint(1, 2)).toThrow(
      new RangeError("buf.getUint(at, size): bytes 1 to 3 are not all buffered (2 are)"),
    );
    expect(() => buf.getUint(-1, 1)).toThrow(RangeError);
  });
});

describe("BytesBuf refuses bad counts", () => {
  it("a capacity that is not a number is a TypeError, and one that is not a whole number a RangeError, both naming capacity", () => {
    const e1 = thrown(() => new BytesBuf("8" as unknown as number));
    expect(e1).toBeInstanceOf(TypeError);
    expect((e1 as Error).message).toBe(
      "new BytesBuf(capacity): capacity must be an integer of at least 0, got 8",
    );
    const e2 = thrown(() => new BytesBuf(1.5));
    expect(e2).toBeInstanceOf(RangeError);
    expect((e2 as Error).message).toBe(
      "new BytesBuf(capacity): capacity must be an integer of at least 0, got 1.5",
    );
  });

  it("advance(-1), take(-1), take(one more than buffered) and take(1.5) are RangeErrors, and the buffer is unchanged", () => {
    const buf = shifted("abc");
    expect(() => buf.advance(-1)).toThrow(RangeError);
    for (const n of [-1, 4, 1.5]) {
      expect(() => buf.take(n)).toThrow(
        new RangeError(
          `buf.take(n): n must be an integer from 0 to the 3 bytes buffered, got ${n}`,
        ),
      );
    }
    expect(text(buf.subarray())).toBe("abc");
  });

  it("commit(0) after a read of nothing is fine; commit(-1) is a RangeError naming the room", () => {
    const buf = new BytesBuf(8);
    buf.putUint8(1);
    buf.commit(0);
    expect(buf.length).toBe(1);
    expect(() => buf.commit(-1)).toThrow(
      new RangeError("buf.commit(n): n must be an integer from 0 to the 7 bytes of room, got -1"),
    );
  });

  it("reserve(1.5) when the room is short is a RangeError naming additional", () => {
    const buf = new BytesBuf(0);
    expect(() => buf.reserve(1.5)).toThrow(
      new RangeError("buf.reserve(additional): additional must be an integer, got 1.5"),
    );
  });

  it("putUint8 takes 0 and 255 and refuses -1 and 256", () => {
    const buf = new BytesBuf();
    buf.putUint8(0);
    buf.putUint8(255);
    expect([...buf.subarray()]).toEqual([0, 255]);
    expect(() => buf.putUint8(-1)).toThrow(RangeError);
    expect(() => buf.putUint8(256)).toThrow(RangeError);
    expect(buf.length).toBe(2);
  });

  it("putUint writes big-endian by default, and refuses a negative value naming the range for its size", () => {
    const buf = new BytesBuf();
    buf.putUint(0x0102, 2);
    expect([...buf.subarray()]).toEqual([1, 2]);
    expect(() => buf.putUint(-1, 2)).toThrow(
      new RangeError(
        "buf.putUint(value, size): value must be an integer from 0 to 65535 for 2 bytes, got -1",
      ),
    );
  });
});

describe("BytesBuf's memory", () => {
  it("8 bytes of room, 6 put, 2 consumed, then 10 put: the buffer grows rather than only sliding, and holds all 14 bytes in order", () => {
    const buf = new BytesBuf(8);
    buf.putString("xxabcd");
    buf.advance(2);
    buf.put(new TextEncoder().encode("efghijklmn"));
    expect(text(buf.subarray())).toBe("abcdefghijklmn");
  });

  it("truncate keeps the first bytes, ignores a length past the end, and empties to the front at 0 or below", () => {
    const buf = shifted("abcde");
    buf.truncate(10);
    expect(text(buf.subarray())).toBe("abcde");
    buf.truncate(2);
    expect(text(buf.subarray())).toBe("ab");
    buf.truncate(-1);
    expect(buf.length).toBe(0);
    // Emptied: both cursors are back at the front, so the whole array is room again.
    expect(buf.unfilled().length).toBe(buf.capacity);
  });

  it("clear drops the bytes and keeps the array; release lets the array go", () => {
    const buf = shifted("abc");
    const capacity = buf.capacity;
    buf.clear();
    expect(buf.length).toBe(0);
    expect(buf.capacity).toBe(capacity);
    buf.putString("z");
    buf.release();
    expect(buf.length).toBe(0);
    expect(buf.capacity).toBe(0);
  });
});

describe("LinesCodec", () => {
  it("a line that starts with a byte order mark is decoded with the mark kept as text", () => {
    const buf = new BytesBuf();
    buf.putString("\uFEFFsoup\n");
    expect(new LinesCodec().decode(buf)).toBe("\uFEFFsoup");
  });

  it("maxLength 3 and 4 bytes with no newline (the last not a \\r) arrive: the error comes at once", () => {
    const codec = new LinesCodec({ maxLength: 3 });
    const buf = new BytesBuf();
    buf.putString("abcd");
    const e = thrown(() => codec.decode(buf));
    expect(e).toBeInstanceOf(CodecError);
    expect((e as CodecError).kind).toBe("MaxLineLengthExceeded");
    expect((e as Error).message).toBe("LinesCodec: a line longer than 3 bytes (options.maxLength)");
  });

  it("at the end of the stream with two lines buffered, decodeEof gives the first, then the last without its newline, then undefined", () => {
    const codec = new LinesCodec();
    const buf = new BytesBuf();
    buf.putString("soup\nsalad");
    expect(codec.decodeEof(buf)).toBe("soup");
    expect(codec.decodeEof(buf)).toBe("salad");
    expect(codec.decodeEof(buf)).toBeUndefined();
  });

  it("a line that is not UTF-8 is a CodecError whose message says so and whose cause is the decoder's error", () => {
    const buf = new BytesBuf();
    buf.put(Uint8Array.of(0xff, 10));
    const e = thrown(() => new LinesCodec().decode(buf)) as CodecError;
    expect(e.kind).toBe("InvalidUtf8");
    expect(e.message).toBe("LinesCodec: a line was not valid UTF-8");
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  it("encoding a number is a TypeError naming line, and nothing is written", () => {
    const dst = new BytesBuf();
    const e = thrown(() => new LinesCodec().encode(42 as unknown as string, dst));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe(
      "LinesCodec.encode(line, dst): line must be a string, got number",
    );
    expect(dst.length).toBe(0);
  });
});

describe("LengthDelimitedCodec", () => {
  it("options that are null or a number are a TypeError naming options", () => {
    for (const bad of [null, 5]) {
      const e = thrown(() => new LengthDelimitedCodec(bad as never));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe(
        "new LengthDelimitedCodec(options): options must be an object like { lengthFieldBytes, maxFrameLength }",
      );
    }
  });

  it("a littleEndian or maxFrameLength of the wrong type is a TypeError naming that option", () => {
    expect(() => new LengthDelimitedCodec({ littleEndian: 1 as never })).toThrow(
      new TypeError(
        "new LengthDelimitedCodec(options): options.littleEndian must be a boolean, got number",
      ),
    );
    expect(() => new LengthDelimitedCodec({ maxFrameLength: "9" as never })).toThrow(
      new TypeError(
        "new LengthDelimitedCodec(options): options.maxFrameLength must be a number, got string",
      ),
    );
  });

  it("maxFrameLength 0 is allowed: an empty frame round-trips and a 1-byte frame is FrameTooLong", () => {
    const codec = new LengthDelimitedCodec({ maxFrameLength: 0, lengthFieldBytes: 1 });
    const dst = new BytesBuf();
    codec.encode(new Uint8Array(0), dst);
    expect([...dst.subarray()]).toEqual([0]);
    expect(codec.decode(dst)).toEqual(new Uint8Array(0));
    const e = thrown(() => codec.encode(Uint8Array.of(1), dst)) as CodecError;
    expect(e).toBeInstanceOf(CodecError);
    expect(e.kind).toBe("FrameTooLong");
    expect(dst.length).toBe(0);
  });

  it("encoding null is a TypeError that says it got null", () => {
    expect(() => new LengthDelimitedCodec().encode(null as never, new BytesBuf())).toThrow(
      new TypeError(
        "LengthDelimitedCodec.encode(frame, dst): frame must be a Uint8Array, got null",
      ),
    );
  });
});
