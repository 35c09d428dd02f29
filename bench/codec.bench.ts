/**
 * Codec benchmark: the same 10 MB of text lines (in 64 KiB chunks) read as lines four ways, in one
 * process, interleaved, medians with ratios (first column / the others):
 *
 * - `framedRead`: `new FramedRead(reader, new LinesCodec())`, drained with `fold`;
 * - `bufReader`: `new BufReader(reader).lines()`, Brigade's older way, the same fold;
 * - `readline`: Node's `readline` over a `Readable` of the same chunks (`for await`);
 * - `effect`: Effect 4's `Stream.decodeText` then `Stream.splitLines`, the same count.
 *
 * The Brigade reader hands out the chunks at once (no socket), so what is timed is the framing
 * and decoding, not I/O (it spends the task's budget per read, as a socket does). Every variant
 * must count the same lines and characters, or it fails. Per line, `LinesCodec` allocates the
 * line's string and one view of its bytes for `TextDecoder`; the buffer itself is reused.
 *
 * Run: `node --expose-gc --import tsx bench/run.ts codec`. `BENCH_QUICK=1` for a smoke test.
 */

import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { Effect, Stream } from "effect";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Context } from "../src/future/context.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { BufReader } from "../src/io/buf-reader.js";
import { FramedRead, LinesCodec } from "../src/io/codec/index.js";
import { run } from "../src/runtime/runtime.js";
import { pollProceed } from "../src/task/budget.js";
import { compare } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const LINES = QUICK ? 20_000 : 200_000;
const CHUNK = 64 * 1024;

const TEXT = Array.from(
  { length: LINES },
  (_, i) =>
    `order ${i}: table ${i % 40}, ${"soup ".repeat(i % 7)}and bread${i % 5 === 0 ? "\r" : ""}`,
).join("\n");
const BYTES = new TextEncoder().encode(`${TEXT}\n`);
const CHUNKS: Uint8Array[] = [];
for (let at = 0; at < BYTES.length; at += CHUNK) CHUNKS.push(BYTES.subarray(at, at + CHUNK));

/** What every variant must count: lines, and characters without the endings. */
const EXPECTED = TEXT.split("\n").reduce((n, l) => n + l.replace(/\r$/, "").length, 0);

function check(name: string, lines: number, chars: number): void {
  if (lines !== LINES || chars !== EXPECTED) {
    throw new Error(
      `${name} read ${lines} lines of ${chars} chars, expected ${LINES} of ${EXPECTED}`,
    );
  }
}

/** An AsyncRead over the chunks, each ready at once (copied, as a socket's read copies). */
class ChunkReader {
  private i = 0;
  private at = 0;
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    // A runtime leaf spends the task's budget, as a socket's read does.
    if (!pollProceed(cx)) return PENDING;
    const c = CHUNKS[this.i];
    if (c === undefined) return 0;
    const n = Math.min(buf.length, c.length - this.at);
    buf.set(c.subarray(this.at, this.at + n));
    this.at += n;
    if (this.at === c.length) {
      this.i++;
      this.at = 0;
    }
    return n;
  }
}

async function framedRead(): Promise<void> {
  const [lines, chars] = await run(
    asyncBlock(function* () {
      const s = new FramedRead(new ChunkReader(), new LinesCodec());
      return yield* s.fold([0, 0], (acc, line) => [acc[0]! + 1, acc[1]! + line.length]);
    }),
    { onWarning: () => {} },
  );
  check("framedRead", lines!, chars!);
}

async function bufReader(): Promise<void> {
  const [lines, chars] = await run(
    asyncBlock(function* () {
      const s = new BufReader(new ChunkReader(), CHUNK).lines();
      return yield* s.fold([0, 0], (acc, line) => [acc[0]! + 1, acc[1]! + line.length]);
    }),
    { onWarning: () => {} },
  );
  check("bufReader", lines!, chars!);
}

async function readline(): Promise<void> {
  const rl = createInterface({
    input: Readable.from(CHUNKS.map((c) => Buffer.from(c))),
    crlfDelay: Infinity,
  });
  let lines = 0;
  let chars = 0;
  for await (const line of rl) {
    lines++;
    chars += line.length;
  }
  check("readline", lines, chars);
}

async function effect(): Promise<void> {
  const [lines, chars] = await Effect.runPromise(
    Stream.fromIterable(CHUNKS).pipe(
      Stream.decodeText,
      Stream.splitLines,
      Stream.runFold(
        () => [0, 0] as [number, number],
        (acc, line) => [acc[0] + 1, acc[1] + line.length] as [number, number],
      ),
    ),
  );
  check("effect", lines, chars);
}

export async function main(): Promise<void> {
  await compare(
    `lines of ${(BYTES.length / 1e6).toFixed(1)} MB in 64 KiB chunks (framedRead, bufReader, readline, effect)`,
    { ops: LINES, unit: "ns/line", rounds: QUICK ? 3 : 9 },
    [
      { name: "framedRead", run: framedRead },
      { name: "bufReader", run: bufReader },
      { name: "readline", run: readline },
      { name: "effect", run: effect },
    ],
  );
}
