/**
 * The I/O model hunt's programs and their model (not a test file itself). A program is a writer
 * and a reader joined by a byte pipe (an in-memory duplex of a random capacity, or a TCP loopback
 * pair), each side through a random stack (`writeAll` or `write` direct, a `BufWriter`, a split
 * half, a `copy` from another pipe; `read`, `readExact`, `readToEnd`, a `BufReader` read, filled
 * or read by lines, a split half), optionally with a `copyBidirectional` proxy in the middle or
 * an echo at the far end, random sleeps on the paused clock between steps, and one cut: a read or
 * write dropped mid-wait (in `race`, `select` or `timeout` against a sleep), a side's task (or the
 * proxy's, the echo's) aborted or given up by `timeout`, a split half disposed by another task,
 * or, over TCP, the writer's socket reset.
 *
 * The model (`model`) is a pure function of the program: which bytes (or lines) the reader gets
 * and how each side ends, where the docs of src/io say what a cut may cost (tokio's semantics
 * where they are silent). The runner is hunt-iomodel-run.ts.
 */
import fc from "fast-check";

/**
 * How a read or write may be dropped mid-wait: raced against a sleep of `ms`. `keep` is the one
 * that drops nothing: the read or write that lost a `select` is selected again against a new sleep
 * (tokio's `&mut fut` in a `select!` loop), so one future is polled across several selects.
 */
export type Via = "race" | "select" | "timeout" | "keep";

/** The one cut a program makes. */
export type Cut =
  | { t: "none" }
  /** Every read step is raced against a sleep; a lost read is dropped and tried again. */
  | { t: "dropRead"; ms: number; via: Via }
  /** Every write step (`write`, cancellation safe) is raced against a sleep, then tried again. */
  | { t: "dropWrite"; ms: number; via: Via }
  /**
   * The side's task is aborted `at` ms in, or its whole work dropped by `timeout(at)`; or the
   * proxy's or the echo's task is aborted.
   */
  | { t: "stop"; side: "reader" | "writer" | "middle"; how: "abort" | "timeout"; at: number }
  /** TCP: the writer's socket is reset under it `at` ms in (its peer, the reader, sees an RST). */
  | { t: "reset"; at: number }
  /** Another task disposes the side's split half `at` ms in. */
  | { t: "disposeHalf"; side: "reader" | "writer"; at: number };

export interface Program {
  transport: "duplex" | "tcp";
  /**
   * Sizes (payload, chunks, reads, buffers) times this: TCP programs at 1024 move enough bytes to
   * fill the socket's buffers, so writes wait for drain there too.
   */
  scale: number;
  /** Each duplex direction holds at most this many bytes. */
  capacity: number;
  payload: Uint8Array;
  /** Sizes of the writer's chunks, cycled. */
  chunks: number[];
  /**
   * `copyBuf`: a copy into a BufWriter over the end; `zero`: a writer that passes `zeroLimit(p)`
   * bytes on and then accepts 0 (writeAll's WriteZero).
   */
  writeStack: "direct" | "buf" | "split" | "copy" | "copyBuf" | "zero";
  /** The BufWriter's and BufReader's capacity. */
  bufCap: number;
  /** Flush after every `flushEvery` chunks (0: never). */
  flushEvery: number;
  /** How the writer lets go of its end: `shutdown` (then dispose), or dispose alone. */
  writerEnd: "shutdown" | "dispose";
  writerSleeps: number[];
  proxy: boolean;
  /**
   * The far end echoes (a copy between its own split halves) and the reader reads the echo from
   * the writer's own end: that end is split, its halves in the two tasks.
   */
  echo: boolean;
  readStack:
    | "read"
    | "readExact"
    | "readToEnd"
    | "bufRead"
    | "fillBuf"
    | "readLine"
    | "lines"
    | "linesMapped"
    | "split";
  readSizes: number[];
  /** Lines: the `maxLength` given to `lines()` or `readLine()`, 0 for none. */
  maxLine: number;
  readerSleeps: number[];
  cut: Cut;
}

const LINE_BYTES = [97, 98, 13, 10]; // a b \r \n

const viaArb = fc.constantFrom<Via>("race", "select", "timeout", "keep");

/** Programs; `tcp` says which transport. */
export function programArb(transport: "duplex" | "tcp"): fc.Arbitrary<Program> {
  return fc
    .record({
      capacity: fc.integer({ min: 1, max: 48 }),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 8 }),
        fc.uint8Array({ maxLength: 400, size: "max" }),
      ),
      chunks: fc.array(fc.integer({ min: 1, max: 80 }), {
        minLength: 1,
        maxLength: 5,
        size: "max",
      }),
      writeStack: fc.constantFrom<Program["writeStack"]>(
        "direct",
        "buf",
        "split",
        "copy",
        "copyBuf",
        "zero",
      ),
      bufCap: fc.integer({ min: 1, max: 40 }),
      flushEvery: fc.integer({ min: 0, max: 4 }),
      writerEnd: fc.constantFrom<Program["writerEnd"]>("shutdown", "dispose"),
      writerSleeps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
      proxy: fc.boolean(),
      echo: fc.boolean(),
      readStack: fc.constantFrom<Program["readStack"]>(
        "read",
        "readExact",
        "readToEnd",
        "bufRead",
        "fillBuf",
        "readLine",
        "lines",
        "linesMapped",
        "split",
      ),
      readSizes: fc.array(fc.integer({ min: 1, max: 64 }), {
        minLength: 1,
        maxLength: 5,
        size: "max",
      }),
      maxLine: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
      readerSleeps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
      cut: fc.oneof(
        { weight: 2, arbitrary: fc.constant<Cut>({ t: "none" }) },
        fc.record({
          t: fc.constant("dropRead" as const),
          ms: fc.integer({ min: 1, max: 3 }),
          via: viaArb,
        }),
        fc.record({
          t: fc.constant("dropWrite" as const),
          ms: fc.integer({ min: 1, max: 3 }),
          via: viaArb,
        }),
        fc.record({
          t: fc.constant("stop" as const),
          side: fc.constantFrom<"reader" | "writer" | "middle">("reader", "writer", "middle"),
          how: fc.constantFrom<"abort" | "timeout">("abort", "timeout"),
          at: fc.integer({ min: 0, max: 40 }),
        }),
        fc.record({ t: fc.constant("reset" as const), at: fc.integer({ min: 0, max: 40 }) }),
        fc.record({
          t: fc.constant("disposeHalf" as const),
          side: fc.constantFrom<"reader" | "writer">("reader", "writer"),
          at: fc.integer({ min: 0, max: 40 }),
        }),
      ),
    })
    .chain((p) =>
      (transport === "tcp" ? fc.constantFrom(1, 1024) : fc.constant(1)).map((scale) =>
        normalize({ ...p, transport, scale }),
      ),
    );
}

/**
 * Keep only programs the docs say something about: a dropped read only where the read is
 * cancellation safe (not `readExact`, `readToEnd`), a half disposed only where there is a half.
 * Lines are made of `a`, `b`, `\r` and `\n`, so every line is text.
 */
function normalize(p: Program): Program {
  let cut = p.cut;
  // readExact is not cancellation safe, but its docs promise the bytes read before the drop are
  // in `buf`: the runner takes them from there (which is why its payload has no zero byte).
  if (cut.t === "dropRead" && (p.readStack === "readToEnd" || p.readStack === "readLine")) {
    cut = { t: "none" };
  }
  // `write` of 0 bytes is not a wait to drop: the loop that retries would spin.
  if (cut.t === "dropWrite" && (isCopy(p) || p.writeStack === "zero")) cut = { t: "none" };
  // Echoing, the reader's end is the writer's too: given up alone, it would be held open by the
  // write half, and the echo would fill the pipe back for ever (as tokio's halves do).
  if (p.echo && (cut.t === "stop" || cut.t === "disposeHalf") && cut.side === "reader") {
    cut = { t: "none" };
  }
  if (cut.t === "reset" && (p.transport !== "tcp" || p.echo)) cut = { t: "none" };
  if (cut.t === "stop" && cut.side === "middle") {
    if (!p.proxy && !p.echo) cut = { t: "none" };
    else if (cut.how === "timeout") cut = { ...cut, how: "abort" };
  }
  if (cut.t === "disposeHalf" && !p.echo) {
    const stack = cut.side === "reader" ? p.readStack : p.writeStack;
    if (stack !== "split") cut = { t: "none" };
  }
  if (p.scale > 1) {
    const times = (xs: number[]) => xs.map((x) => x * p.scale);
    p = {
      ...p,
      chunks: times(p.chunks),
      readSizes: times(p.readSizes),
      bufCap: p.bufCap * p.scale,
    };
  }
  const payload = isLines(p)
    ? p.payload.map((b) => LINE_BYTES[b % 4]!)
    : p.readStack === "readExact" && cut.t === "dropRead"
      ? p.payload.map((b) => (b === 0 ? 1 : b))
      : p.payload;
  return { ...p, payload, cut };
}

const scaled = new WeakMap<Program, Uint8Array>();

/**
 * The bytes the writer writes: the generated ones, repeated `scale` times, each round rotated by
 * one more byte so that rounds differ (the same bytes in another order: no 0 where `normalize`
 * removed them, and only line bytes in lines).
 */
export function payloadOf(p: Program): Uint8Array {
  if (p.scale === 1) return p.payload;
  let out = scaled.get(p);
  if (out === undefined) {
    const small = p.payload;
    const round = small.length;
    out = new Uint8Array(round * p.scale);
    for (let i = 0; i < out.length; i++) out[i] = small[(i + Math.floor(i / round)) % round]!;
    scaled.set(p, out);
  }
  return out;
}

/** The reader's and writer's ends as the model sees them. */
export interface Prediction {
  /**
   * `exact`: the reader gets exactly `bytes` (or `lines`); `prefix`: a prefix of the payload
   * (lines: whole lines of it, the last perhaps cut short), at least `atLeast` bytes.
   */
  delivery: "exact" | "prefix";
  bytes: Uint8Array;
  lines: string[] | null;
  atLeast: number;
  /** The ways the reader may end. */
  readerEnds: string[];
  /** The ways the writer may end. */
  writerEnds: string[];
}

/**
 * What the model says of a program: exactly which bytes (or lines) the reader gets where nothing
 * can be lost, else a prefix; and every way each side may end.
 */
export function model(p: Program): Prediction {
  const cut = p.cut;
  const reset = p.transport === "tcp" ? ["ConnectionReset", "BrokenPipe"] : ["BrokenPipe"];
  // The bytes a whole writer hands over: all of them, but a BufWriter disposed without a last
  // flush loses what it still buffers (documented in buf-writer.ts): at least up to the last flush.
  let atLeast = payloadOf(p).length;
  let delivery: Prediction["delivery"] = "exact";
  if (p.writeStack === "buf" && p.writerEnd === "dispose") {
    const n = chunkCount(p);
    const lastFlush = p.flushEvery === 0 ? 0 : n - (n % p.flushEvery);
    atLeast = prefixOfChunks(p, lastFlush);
    if (atLeast < payloadOf(p).length) delivery = "prefix";
  }
  let readerEnds = ["eof"];
  let writerEnds = ["ok"];
  let whole = payloadOf(p);
  if (p.writeStack === "zero" && whole.length > zeroLimit(p)) {
    // writeAll fails with WriteZero once the writer takes no more; what it took arrives.
    whole = whole.subarray(0, zeroLimit(p));
    atLeast = whole.length;
    writerEnds = ["WriteZero"];
  }
  if (cut.t === "reset") {
    // The writer's own socket is gone: its next write finds it closed; the reader reads what
    // arrived, then the reset (or the end, if the writer's FIN got there first).
    delivery = "prefix";
    atLeast = 0;
    readerEnds = ["eof", "ConnectionReset"];
    writerEnds = [...writerEnds, "BrokenPipe", "ConnectionReset"];
  }
  if (cut.t === "stop" || cut.t === "disposeHalf") {
    delivery = "prefix";
    atLeast = 0;
    const stopped =
      cut.t === "stop" ? (cut.how === "abort" ? "cancelled" : "Timeout") : "TypeError";
    if (cut.side === "middle") {
      // The proxy or the echo lets its ends go: each side meets the end, or a broken pipe.
      readerEnds = ["eof", ...reset];
      writerEnds = [...writerEnds, ...reset];
    } else if (cut.side === "writer") {
      // The writer may have finished first; else it stops, and the reader reads what got through.
      writerEnds = [...writerEnds, stopped];
      // Writing through a copy, the copy meets the disposed half first and lets its source go.
      if (cut.t === "disposeHalf" && isCopy(p)) writerEnds.push("BrokenPipe");
    } else {
      readerEnds = ["eof", stopped];
      writerEnds = [...writerEnds, ...reset];
    }
  }
  if (p.readStack === "readExact")
    readerEnds = readerEnds.map((e) => (e === "eof" ? "UnexpectedEof" : e));
  let bytes = whole;
  if (p.readStack === "readExact" && cut.t !== "dropRead") {
    // Whole reads only: the last one meets the end part way and throws, its bytes uncounted.
    let at = 0;
    for (let i = 0; ; i++) {
      const size = p.readSizes[i % p.readSizes.length]!;
      if (at + size > bytes.length) break;
      at += size;
    }
    bytes = bytes.subarray(0, at);
    atLeast = Math.min(atLeast, at);
  }
  return {
    delivery,
    bytes,
    lines: isLines(p)
      ? linesOf(bytes).map((l) => (p.maxLine > 0 && l.length > p.maxLine ? TOO_LONG : l))
      : null,
    atLeast,
    readerEnds,
    writerEnds,
  };
}

/** The bytes a `zero` writer passes on before it accepts 0. */
export function zeroLimit(p: Program): number {
  return 3 * p.bufCap;
}

/** Whether the writer writes through a copy. */
function isCopy(p: Program): boolean {
  return p.writeStack === "copy" || p.writeStack === "copyBuf";
}

/** Whether the reader reads lines. */
export function isLines(p: Program): boolean {
  return p.readStack === "lines" || p.readStack === "linesMapped" || p.readStack === "readLine";
}

/** How many chunks the writer cuts the payload into. */
export function chunkCount(p: Program): number {
  let n = 0;
  for (let at = 0; at < payloadOf(p).length; n++) at += p.chunks[n % p.chunks.length]!;
  return n;
}

/** Bytes in the first `k` chunks. */
function prefixOfChunks(p: Program, k: number): number {
  let at = 0;
  for (let i = 0; i < k; i++) at += p.chunks[i % p.chunks.length]!;
  return Math.min(at, payloadOf(p).length);
}

/** In place of a line longer than `maxLine`: `lines()` and `readLine()` throw InvalidData for it. */
export const TOO_LONG = "(InvalidData: too long)";

/** tokio's `lines()` over `bytes`: split at `\n`, a `\r` before it removed, a last line kept. */
export function linesOf(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  const parts = text.split("\n");
  const last = parts.pop()!;
  const out = parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (last !== "") out.push(last);
  return out;
}

/** A short text of a program, for failure messages. */
export function show(p: Program): string {
  const payload =
    p.payload.length <= 500 ? Array.from(p.payload) : `${p.payload.length} bytes (scaled)`;
  return JSON.stringify({ ...p, payload });
}
