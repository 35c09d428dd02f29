/**
 * The I/O model hunt's runner (not a test file itself): runs a program of
 * hunt-iomodel-support.ts on the paused clock and reports what the reader got, how each side
 * ended, what the runtime printed, and its counters after shutdown. Each side's end is moved into
 * its task as an argument, so a task aborted before its first poll still lets its end go.
 */
import { race, select } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { drop } from "../src/future/cancel.js";
import type { Context } from "../src/future/context.js";
import type { Future, FutureBase, Suspend } from "../src/future/future.js";
import { pollFn } from "../src/future/leaf.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import { BufReader } from "../src/io/buf-reader.js";
import { BufWriter } from "../src/io/buf-writer.js";
import { copy, copyBidirectional } from "../src/io/copy.js";
import { duplex } from "../src/io/duplex.js";
import { IoError } from "../src/io/error.js";
import { read, readExact, readToEnd } from "../src/io/read.js";
import { split } from "../src/io/split.js";
import type { AsyncRead, AsyncWrite } from "../src/io/traits.js";
import { flush, shutdown, write, writeAll } from "../src/io/write.js";
import { TcpListener } from "../src/net/tcp-listener.js";
import { TcpStream } from "../src/net/tcp-stream.js";
import type { RuntimeMetrics } from "../src/runtime/metrics.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { DONE } from "../src/stream/stream.js";
import { JoinError } from "../src/task/join-error.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { sleep } from "../src/time/sleep.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";
import {
  type Cut,
  isLines,
  type Program,
  payloadOf,
  TOO_LONG,
  type Via,
  zeroLimit,
} from "./hunt-iomodel-support.js";

type Pipe = AsyncRead & AsyncWrite & Disposable;

/** What a run showed. */
export interface Observed {
  got: Uint8Array;
  lines: string[];
  readerEnd: string;
  writerEnd: string;
  proxyEnd: string;
  runError: unknown;
  metrics: RuntimeMetrics;
  /** What the runtime printed (a panic nobody awaited): nothing, in a program that catches all. */
  printed: string[];
}

/** A name for how a side ended. */
function endOf(e: unknown): string {
  if (e instanceof IoError) return e.kind;
  if (e instanceof TimeoutError) return "Timeout";
  if (e instanceof JoinError && e.isCancelled()) return "cancelled";
  if (e instanceof TypeError) return "TypeError";
  return `unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`;
}

/** `op` with the cut's drop applied: `null` when the sleep won and `op` was dropped. */
function* guarded<T>(
  op: FutureBase<T>,
  ms: number,
  via: Via,
): Generator<Suspend, { v: T } | null, unknown> {
  if (via === "race") {
    const lost: { lost: true } = { lost: true };
    const v = yield* race(
      op,
      asyncBlock(function* () {
        yield* sleep(ms);
        return lost;
      }),
    );
    return v === lost ? null : { v: v as T };
  }
  if (via === "select") {
    const s = yield* select(op, sleep(ms));
    if (s.index === 0) {
      drop(s.rest);
      return { v: s.value as T };
    }
    // The sleep won: the read or write is handed back still waiting; dropping it is the cut.
    drop(s.rest);
    return null;
  }
  if (via === "keep") {
    // Never dropped: the loser of each select is selected again, until it wins.
    let fut: Future<T> = op;
    for (;;) {
      const s = yield* select(fut, sleep(ms));
      if (s.index === 0) {
        drop(s.rest);
        return { v: s.value as T };
      }
      fut = s.rest;
    }
  }
  try {
    return { v: yield* timeout(ms, op) };
  } catch (e) {
    if (e instanceof TimeoutError) return null;
    throw e;
  }
}

/** A flush or shutdown, which may be dropped and started again (dropWrite cuts them too). */
function* finish(
  cut: Cut,
  op: (w: AsyncWrite) => FutureBase<void> & Disposable,
  out: AsyncWrite,
): Generator<Suspend, void, unknown> {
  if (cut.t !== "dropWrite") return yield* op(out);
  while ((yield* guarded(op(out), cut.ms, cut.via)) === null) {}
}

/** Connected pairs of ends for the program's transport, and what to close at the end. */
function* pairs(
  p: Program,
  count: number,
): Generator<Suspend, { out: [Pipe, Pipe][]; listener: TcpListener | null }, unknown> {
  if (p.transport === "duplex") {
    const out: [Pipe, Pipe][] = [];
    for (let i = 0; i < count; i++) out.push(duplex(p.capacity));
    return { out, listener: null };
  }
  const listener = yield* TcpListener.bind("127.0.0.1:0");
  const out: [Pipe, Pipe][] = [];
  for (let i = 0; i < count; i++) {
    const client = yield* TcpStream.connect(listener.localAddr());
    const server = yield* listener.accept();
    out.push([client, server]);
  }
  return { out, listener };
}

/** A writer that passes `limit` bytes on, and then accepts 0 of every write (a full disk). */
class Stingy implements AsyncWrite {
  private passed = 0;
  constructor(
    private readonly inner: AsyncWrite,
    private readonly limit: number,
  ) {}
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.passed >= this.limit) return 0;
    const n = this.inner.pollWrite(cx, buf.subarray(0, this.limit - this.passed));
    if (n !== PENDING) this.passed += n;
    return n;
  }
  pollFlush(cx: Context): Poll<void> {
    return this.inner.pollFlush(cx);
  }
  pollShutdown(cx: Context): Poll<void> {
    return this.inner.pollShutdown(cx);
  }
}

/** What the writer, the reader and the main task of one run share. */
interface Shared {
  p: Program;
  cut: Cut;
  seen: Observed;
  gotParts: Uint8Array[];
  /** The split halves another task may dispose (a `disposeHalf` cut). */
  halves: { reader: Disposable | null; writer: Disposable | null };
}

/** `timeout(at, work)` when the cut gives this side up by timeout. */
function limited(cut: Cut, work: FutureBase<void> & Disposable, which: "reader" | "writer") {
  return cut.t === "stop" && cut.side === which && cut.how === "timeout"
    ? timeout(cut.at, work)
    : work;
}

/**
 * The writer's task: the payload in chunks through its stack, then its end let go. Its end is
 * moved in as an argument: a task aborted before its first poll still lets it go.
 */
function writerOf({ p, cut, seen, halves }: Shared) {
  return asyncFn(function* writing(w: AsyncWrite & Disposable) {
    let copier: JoinHandle<void> | null = null;
    let copyFailed: unknown = null;
    const owned: Disposable[] = [w];
    const work = asyncBlock(function* () {
      let out: AsyncWrite = w;
      let source: Pipe | null = null;
      if (p.writeStack === "buf") {
        const bw = new BufWriter(w, p.bufCap);
        owned.push(bw);
        out = bw;
      }
      if (p.writeStack === "zero") out = new Stingy(w, zeroLimit(p));
      if (p.writeStack === "split" && !p.echo) {
        const [rd, wr] = split(w as Pipe);
        owned.push(rd, wr);
        halves.writer = wr;
        out = wr;
      }
      // A copy's destination: the end, or a BufWriter over it (which the copy flushes).
      let dest: AsyncWrite = w;
      if (p.writeStack === "copy" || p.writeStack === "copyBuf") {
        if (p.writeStack === "copyBuf") {
          const bw = new BufWriter(w, p.bufCap);
          owned.push(bw);
          dest = bw;
        }
        // The chunks go into another pipe, and a copy moves them on to the end.
        const [into, from] = duplex(p.capacity);
        source = from;
        out = into;
        owned.push(into);
      }
      if (source !== null) {
        const from = source;
        copier = spawn(
          asyncFn(function* copier(from: Pipe) {
            try {
              yield* copy(from, dest);
            } catch (e) {
              // The writer rethrows it once the copy is awaited (if it gets that far).
              copyFailed = e;
            } finally {
              from[Symbol.dispose]();
            }
          })(from),
          { name: "copier" },
        );
      }
      let at = 0;
      const payload = payloadOf(p);
      for (let i = 0; at < payload.length; i++) {
        const pause = p.writerSleeps[i % p.writerSleeps.length]!;
        if (pause > 0) yield* sleep(pause);
        const chunk = payload.subarray(at, at + p.chunks[i % p.chunks.length]!);
        if (cut.t === "dropWrite") {
          for (let done = 0; done < chunk.length; ) {
            const r = yield* guarded(write(out, chunk.subarray(done)), cut.ms, cut.via);
            if (r !== null) done += r.v;
          }
        } else yield* writeAll(out, chunk);
        at += chunk.length;
        if (p.flushEvery > 0 && (i + 1) % p.flushEvery === 0) yield* finish(cut, flush, out);
      }
      if (copier !== null) {
        // The copy ends at the source's end, then the end itself is let go as below.
        yield* shutdown(out);
        yield* copier;
        if (copyFailed !== null) throw copyFailed;
        out = dest;
      }
      if (p.writerEnd === "shutdown") yield* finish(cut, shutdown, out);
    });
    try {
      yield* limited(cut, work, "writer");
      seen.writerEnd = "ok";
    } catch (e) {
      seen.writerEnd = endOf(e);
    } finally {
      (copier as JoinHandle<void> | null)?.abort();
      // Last made, first let go: a write half before its read half, a BufWriter before its end.
      for (const o of owned.reverse()) o[Symbol.dispose]();
    }
  });
}

/** The reader's task: everything it reads, through its stack, into `seen`; then its end let go. */
function readerOf({ p, cut, seen, gotParts, halves }: Shared) {
  return asyncFn(function* reading(r: AsyncRead & Disposable) {
    const owned: Disposable[] = [r];
    const work = asyncBlock(function* () {
      let input: AsyncRead = r;
      if (p.readStack === "bufRead" || p.readStack === "fillBuf" || isLines(p)) {
        const br = new BufReader(r, p.bufCap);
        owned.push(br);
        input = br;
      }
      if (p.readStack === "split" && !p.echo) {
        const [rd, wr] = split(r as Pipe);
        wr[Symbol.dispose]();
        owned.push(rd);
        halves.reader = rd;
        input = rd;
      }
      if (p.readStack === "readToEnd") {
        const all = yield* readToEnd(input);
        gotParts.push(all);
        return;
      }
      const lineOptions = p.maxLine > 0 ? { maxLength: p.maxLine } : undefined;
      if (p.readStack === "readLine") {
        const br = input as BufReader;
        for (let i = 0; ; i++) {
          const pause = p.readerSleeps[i % p.readerSleeps.length]!;
          if (pause > 0) yield* sleep(pause);
          let line: string | null;
          try {
            line = yield* br.readLine(lineOptions);
          } catch (e) {
            if (!(e instanceof IoError && e.kind === "InvalidData")) throw e;
            line = TOO_LONG;
          }
          if (line === null) return;
          seen.lines.push(line);
        }
      }
      if (p.readStack === "lines" || p.readStack === "linesMapped") {
        // Mapped, `next()` is the adapter's, which parks as the lines stream (stream.ts, CLAIM).
        const lines =
          p.readStack === "lines"
            ? (input as BufReader).lines(lineOptions)
            : (input as BufReader).lines(lineOptions).map((line) => line);
        for (let i = 0; ; i++) {
          const pause = p.readerSleeps[i % p.readerSleeps.length]!;
          if (pause > 0) yield* sleep(pause);
          let line: string | typeof DONE;
          try {
            if (cut.t === "dropRead") {
              const got = yield* guarded(lines.next(), cut.ms, cut.via);
              if (got === null) continue;
              line = got.v;
            } else line = yield* lines.next();
          } catch (e) {
            if (!(e instanceof IoError && e.kind === "InvalidData")) throw e;
            line = TOO_LONG;
          }
          if (line === DONE) return;
          seen.lines.push(line);
        }
      }
      for (let i = 0; ; i++) {
        const pause = p.readerSleeps[i % p.readerSleeps.length]!;
        if (pause > 0) yield* sleep(pause);
        const buf = new Uint8Array(p.readSizes[i % p.readSizes.length]!);
        if (p.readStack === "readExact") {
          if (cut.t === "dropRead") {
            let got: { v: void } | null;
            try {
              got = yield* guarded(readExact(input, buf), cut.ms, cut.via);
            } catch (e) {
              // At the end part way: here too, what it read is in `buf`.
              gotParts.push(buf.subarray(0, filledOf(buf)).slice());
              throw e;
            }
            // Dropped part way: what it read is in `buf` (no payload byte is 0), the rest unread.
            if (got === null) gotParts.push(buf.subarray(0, filledOf(buf)).slice());
            else gotParts.push(buf.slice());
            continue;
          }
          yield* readExact(input, buf);
          gotParts.push(buf.slice());
          continue;
        }
        if (p.readStack === "fillBuf") {
          // tokio's fill_buf and consume: look at what is buffered, take some of it.
          const br = input as BufReader;
          const fill = pollFn((cx) => br.pollFillBuf(cx));
          let avail: Uint8Array;
          if (cut.t === "dropRead") {
            const got = yield* guarded(fill, cut.ms, cut.via);
            if (got === null) continue;
            avail = got.v;
          } else avail = yield* fill;
          if (avail.length === 0) return;
          const take = Math.min(avail.length, buf.length);
          gotParts.push(avail.subarray(0, take).slice());
          br.consume(take);
          continue;
        }
        let n: number;
        if (cut.t === "dropRead") {
          const got = yield* guarded(read(input, buf), cut.ms, cut.via);
          if (got === null) continue;
          n = got.v;
        } else n = yield* read(input, buf);
        if (n === 0) return;
        gotParts.push(buf.subarray(0, n).slice());
      }
    });
    try {
      yield* limited(cut, work, "reader");
      seen.readerEnd = "eof";
    } catch (e) {
      seen.readerEnd = endOf(e);
    } finally {
      for (const o of owned.reverse()) o[Symbol.dispose]();
    }
  });
}

/** Run a program on the paused clock; what the reader got, how each side ended, the counters. */
export async function runIo(p: Program): Promise<Observed> {
  const seen: Observed = {
    got: new Uint8Array(0),
    lines: [],
    readerEnd: "running",
    writerEnd: "running",
    proxyEnd: "none",
    runError: null,
    metrics: undefined as unknown as RuntimeMetrics,
    printed: [],
  };
  let rt: Runtime | null = null;
  const cut = p.cut;
  const gotParts: Uint8Array[] = [];

  const main = asyncBlock(function* () {
    rt = Runtime.current();
    const made = yield* pairs(p, p.proxy ? 2 : 1);
    made.listener?.[Symbol.dispose]();
    const [a, first] = made.out[0]!;
    let w: AsyncWrite & Disposable = a;
    let r: AsyncRead & Disposable = a;
    let far = first;
    let proxy: JoinHandle<void> | null = null;
    if (p.proxy) {
      const [pB, r2] = made.out[1]!;
      r = r2;
      far = r2;
      const pA = first;
      seen.proxyEnd = "running";
      // The ends are moved in as arguments: a task aborted before its first poll still lets them go.
      proxy = spawn(
        asyncFn(function* proxy(pA: Pipe, pB: Pipe) {
          try {
            yield* copyBidirectional(pA, pB);
            seen.proxyEnd = "ok";
          } catch (e) {
            seen.proxyEnd = endOf(e);
          } finally {
            pA[Symbol.dispose]();
            pB[Symbol.dispose]();
          }
        })(pA, pB),
        { name: "proxy" },
      );
    }
    const halves: { reader: Disposable | null; writer: Disposable | null } = {
      reader: null,
      writer: null,
    };
    let echo: JoinHandle<void> | null = null;
    if (p.echo) {
      // The reader reads what comes back to the writer's end, through that end's read half.
      const [rdA, wrA] = split(a);
      w = wrA;
      r = rdA;
      halves.writer = wrA;
      echo = spawn(
        asyncFn(function* echo(b: Pipe) {
          const [rd, wr] = split(b);
          try {
            yield* copy(rd, wr);
            yield* shutdown(wr);
          } catch {
            // The writer's end went away: the sides say how.
          } finally {
            wr[Symbol.dispose]();
            rd[Symbol.dispose]();
          }
        })(far),
        { name: "echo" },
      );
    } else r = far;

    const shared: Shared = { p, cut, seen, gotParts, halves };
    const writing = writerOf(shared);
    const reading = readerOf(shared);
    const handles = {
      writer: spawn(writing(w), { name: "writer" }),
      reader: spawn(reading(r), { name: "reader" }),
    };
    if (cut.t === "stop" && cut.how === "abort") {
      yield* sleep(cut.at);
      if (cut.side === "middle") (proxy ?? echo)?.abort();
      else handles[cut.side].abort();
    }
    if (cut.t === "reset") {
      yield* sleep(cut.at);
      // What a crashed peer's kernel does: an RST, no FIN (the socket is private to TcpStream).
      (a as unknown as { socket: { resetAndDestroy(): void } }).socket.resetAndDestroy();
    }
    if (cut.t === "disposeHalf") {
      yield* sleep(cut.at);
      halves[cut.side]?.[Symbol.dispose]();
    }
    for (const which of ["writer", "reader"] as const) {
      try {
        yield* handles[which];
      } catch (e) {
        if (which === "reader") seen.readerEnd = endOf(e);
        else seen.writerEnd = endOf(e);
      }
    }
    for (const middle of [proxy, echo]) {
      if (middle === null) continue;
      try {
        yield* middle;
      } catch (e) {
        if (!(e instanceof JoinError && e.isCancelled())) throw e;
        if (middle === proxy) seen.proxyEnd = "cancelled";
      }
    }
  });

  const original = console.error;
  console.error = (...args: unknown[]) => void seen.printed.push(args.map(String).join(" "));
  try {
    await run(main, { clock: "paused", longPollThreshold: false });
  } catch (e) {
    seen.runError = e;
  } finally {
    console.error = original;
  }
  seen.got = concat(gotParts);
  seen.metrics = (rt as Runtime | null)!.metrics();
  return seen;
}

/** The reader's pieces, in order, as one array. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** How much of `buf` a dropped readExact filled: up to its first 0 (no payload byte is 0). */
function filledOf(buf: Uint8Array): number {
  const z = buf.indexOf(0);
  return z < 0 ? buf.length : z;
}
