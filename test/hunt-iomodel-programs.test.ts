/**
 * Model-based hunt through the I/O stack: random writers and readers over a duplex of random
 * capacity (and, in fewer runs, TCP loopback), through random stacks of BufWriter, BufReader,
 * split halves, copy, lines, a copyBidirectional proxy or an echo, on the paused clock, with one
 * cut at a random point (a read, write, flush or shutdown dropped mid-wait in race, select or
 * timeout; a side, the proxy or the echo aborted or timed out; a split half disposed by another
 * task; over TCP, the writer's socket reset).
 * Each run is checked against the model in hunt-iomodel-support.ts: the bytes or lines the reader
 * got, how each side ended, and that the runtime (and, over TCP, the socket counters) reads zero
 * afterwards. A longer hunt: `HUNT_IO_RUNS=30000 HUNT_IO_TCP_RUNS=500 npx vitest run
 * test/hunt-iomodel`; a failure prints its program and fast-check's seed (replay it with
 * `HUNT_IO_SEED=<seed> HUNT_IO_PATH=<path>`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Observed, runIo } from "./hunt-iomodel-run.js";
import {
  model,
  type Prediction,
  type Program,
  payloadOf,
  programArb,
  show,
  TOO_LONG,
} from "./hunt-iomodel-support.js";
import { settled } from "./net-testkit.js";

const RUNS = Number(process.env.HUNT_IO_RUNS ?? 2000);
const TCP_RUNS = Number(process.env.HUNT_IO_TCP_RUNS ?? 40);
/** A failure's replay: the seed and path fast-check printed (`HUNT_IO_SEED=… HUNT_IO_PATH=…`). */
const SEED = process.env.HUNT_IO_SEED === undefined ? undefined : Number(process.env.HUNT_IO_SEED);
const PATH = process.env.HUNT_IO_PATH;

function isPrefix(got: ArrayLike<number>, of: ArrayLike<number>): boolean {
  if (got.length > of.length) return false;
  for (let i = 0; i < got.length; i++) if (got[i] !== of[i]) return false;
  return true;
}

/** Where two byte strings first differ, and their lengths; `null` if they are equal. */
function difference(got: Uint8Array, want: Uint8Array): string | null {
  const n = Math.min(got.length, want.length);
  let i = 0;
  while (i < n && got[i] === want[i]) i++;
  if (i === n && got.length === want.length) return null;
  return `got ${got.length} bytes, want ${want.length}; first difference at ${i}`;
}

/** The model's checks of one run. */
function check(p: Program, m: Prediction, seen: Observed): void {
  expect(seen.runError).toBe(null);
  expect(seen.printed).toEqual([]);
  expect(m.readerEnds).toContain(seen.readerEnd);
  expect(m.writerEnds).toContain(seen.writerEnd);
  if (seen.proxyEnd !== "none")
    expect(["ok", "BrokenPipe", "ConnectionReset", "NotConnected", "cancelled"]).toContain(
      seen.proxyEnd,
    );
  // A writer that ran to its end without a cut, read by a reader that did too, through a middle
  // nobody stopped: all of it.
  const whole =
    m.delivery === "exact" ||
    (p.cut.t !== "none" &&
      !(p.cut.t === "stop" && p.cut.side === "middle") &&
      seen.writerEnd === "ok" &&
      (seen.readerEnd === "eof" || seen.readerEnd === "UnexpectedEof") &&
      !(p.writeStack === "buf" && p.writerEnd === "dispose"));
  if (m.lines !== null) {
    if (whole) expect(seen.lines).toEqual(m.lines);
    else {
      // Whole lines of the payload, the last perhaps cut short where the writer stopped.
      const raw = new TextDecoder().decode(payloadOf(p)).split("\n");
      seen.lines.forEach((line, i) => {
        if (i < seen.lines.length - 1) expect(line).toBe(m.lines![i]);
        else if (line !== TOO_LONG) expect(raw[i]!.startsWith(line)).toBe(true);
      });
    }
    return;
  }
  if (whole) expect(difference(seen.got, m.bytes)).toBe(null);
  else {
    expect(isPrefix(seen.got, payloadOf(p))).toBe(true);
    if (seen.readerEnd === "eof") expect(seen.got.length).toBeGreaterThanOrEqual(m.atLeast);
  }
}

function released(seen: Observed): void {
  const r = seen.metrics;
  expect({
    liveTasks: r.liveTasks,
    liveTimers: r.liveTimers,
    liveWaiters: r.liveWaiters,
    ioWaits: r.ioWaits,
    queueDepth: r.queueDepth,
  }).toEqual({ liveTasks: 0, liveTimers: 0, liveWaiters: 0, ioWaits: 0, queueDepth: 0 });
}

async function hunt(transport: "duplex" | "tcp", numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(programArb(transport), async (p) => {
      const m = model(p);
      const seen = await runIo(p);
      try {
        check(p, m, seen);
        released(seen);
        if (transport === "tcp")
          expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
      } catch (e) {
        (e as Error).message +=
          `\n  program: ${show(p)}\n  model: ${JSON.stringify({ ...m, bytes: m.bytes.length })}` +
          `\n  seen: ${JSON.stringify({ ...seen, got: seen.got.length, metrics: undefined, runError: String(seen.runError) })}`;
        throw e;
      }
    }),
    {
      numRuns,
      // A hang (a wake lost where the deadlock check cannot see it, over TCP) fails its run.
      timeout: 10_000,
      ...(SEED === undefined ? {} : { seed: SEED }),
      ...(PATH === undefined ? {} : { path: PATH }),
    },
  );
}

describe("I/O model hunt", () => {
  it(
    "over a duplex, every program's reader gets what the model says, each side ends as it says, and nothing is left live",
    async () => {
      await hunt("duplex", RUNS);
    },
    Math.max(60_000, RUNS * 20),
  );

  it(
    "over TCP loopback, the same, and every socket and listener closes",
    async () => {
      await hunt("tcp", TCP_RUNS);
    },
    Math.max(60_000, TCP_RUNS * 300),
  );
});
