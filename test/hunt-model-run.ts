/**
 * Model-based hunt, the service: a program (hunt-model-support.ts) turned into Brigade futures and
 * run on the paused clock, optionally seeded, watching what the oracle predicts: the outcome, when
 * main ends, each `finally`'s starts, ends and end time, what is printed on stderr, and the
 * runtime's counters after shutdown. Not a test file itself.
 */
import { SendError } from "../src/channel/errors.js";
import * as mpsc from "../src/channel/mpsc.js";
import * as oneshot from "../src/channel/oneshot.js";
import { join, tryJoin } from "../src/combinator/join.js";
import { joinAll } from "../src/combinator/join-all.js";
import { race, select, selectAll } from "../src/combinator/select.js";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { drop } from "../src/future/cancel.js";
import { FutureStateError } from "../src/future/errors.js";
import type { Future } from "../src/future/future.js";
import { pending, ready } from "../src/future/leaf.js";
import type { RuntimeMetrics } from "../src/runtime/metrics.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { DONE } from "../src/stream/stream.js";
import { JoinSet } from "../src/task/join-set.js";
import { spawn } from "../src/task/spawn.js";
import { Instant } from "../src/time/instant.js";
import { type Sleep, sleep } from "../src/time/sleep.js";
import { timeout } from "../src/time/timeout.js";
import {
  type Catches,
  CleanupError,
  describeError,
  kidsOf,
  LeafError,
  type Node,
  type Outcome,
  type Take,
} from "./hunt-model-support.js";

/** What a run records: each node's finally entries and exits. */
interface Record {
  started: number[];
  done: number[];
  /** When each finally finished, in virtual ms from the start. */
  doneAt: (number | null)[];
  /** The program's start. */
  t0: Instant | null;
}

/** A finally finished now. */
function finished(rec: Record, id: number): void {
  rec.done[id]!++;
  rec.doneAt[id] = Instant.now().since(rec.t0!);
}

const resetLater = asyncFn(function* resetLater(timer: Sleep, at: number, to: number) {
  yield* sleep(at);
  try {
    timer.reset(Instant.now().add(to));
  } catch (e) {
    // Dropped before the reset came: nothing left to move.
    if (!(e instanceof FutureStateError)) throw e;
  }
});

const throwAfter = asyncFn(function* throwAfter(id: number, ms: number) {
  yield* sleep(ms);
  throw new LeafError(id);
});

const slowCleanup = asyncFn(function* slowCleanup(
  rec: Record,
  id: number,
  ms: number,
  cms: number,
) {
  try {
    yield* sleep(ms);
    return id;
  } finally {
    rec.started[id]!++;
    yield* sleep(cms);
    finished(rec, id);
  }
});

const badCleanup = asyncFn(function* badCleanup(rec: Record, id: number, ms: number, cms: number) {
  try {
    yield* sleep(ms);
    return id;
  } finally {
    rec.started[id]!++;
    yield* sleep(cms);
    finished(rec, id);
    // biome-ignore lint/correctness/noUnsafeFinally: a panic during drop is what is under test
    throw new CleanupError(id);
  }
});

const sendLater = asyncFn(function* sendLater(tx: mpsc.Sender<number>, id: number, at: number) {
  yield* sleep(at);
  try {
    yield* tx.send(id);
  } catch (e) {
    // The receiver was dropped first: the value comes back, nobody is left to want it.
    if (!(e instanceof SendError)) throw e;
  }
});

const sendOnceLater = asyncFn(function* sendOnceLater(
  tx: oneshot.Sender<number>,
  id: number,
  at: number,
) {
  yield* sleep(at);
  try {
    tx.send(id);
  } catch (e) {
    if (!(e instanceof SendError)) throw e;
  }
});

const recvMpsc = asyncFn(function* recvMpsc(id: number, at: number) {
  const [tx, rx] = mpsc.channel<number>(1);
  spawn(sendLater(tx, id, at), { name: `sender ${id}` });
  try {
    return yield* rx.recv();
  } finally {
    rx[Symbol.dispose]();
  }
});

const recvOneshot = asyncFn(function* recvOneshot(id: number, at: number) {
  const [tx, rx] = oneshot.channel<number>();
  spawn(sendOnceLater(tx, id, at), { name: `sender ${id}` });
  return yield* rx;
});

const seqBody = asyncFn(function* seq(rec: Record, n: Node) {
  const kids = kidsOf(n);
  const { catches, fin, eager } = n as { catches: Catches; fin: number; eager: boolean };
  // Eager: every child made now (its sleeps' deadlines count from now), awaited in turn.
  const made = eager ? kids.map((k) => build(rec, k)) : null;
  let next = 0;
  const values: unknown[] = [];
  const awaitNext = () => (made === null ? build(rec, kids[next]!) : made[next]!);
  try {
    if (catches === "none") {
      for (; next < kids.length; next++) values.push(yield* awaitNext());
      return values;
    }
    if (catches === "each") {
      for (; next < kids.length; next++) {
        try {
          values.push(yield* awaitNext());
        } catch (e) {
          values.push({ caught: describeError(e) });
        }
      }
      return values;
    }
    try {
      for (; next < kids.length; next++) values.push(yield* awaitNext());
      return values;
    } catch (e) {
      return { values, caught: describeError(e) };
    }
  } finally {
    // The children made ahead and never awaited are dropped with the body, unpolled.
    if (made !== null) for (const f of made.slice(next + 1)) drop(f);
    rec.started[n.id]!++;
    if (fin >= 0) yield* sleep(fin);
    finished(rec, n.id);
  }
});

const selectPair = asyncFn(function* selectPair(rec: Record, n: Node) {
  const { biased, finishRest } = n as { biased: boolean; finishRest: boolean };
  const [a, b] = kidsOf(n);
  const make = biased ? select.biased : select;
  using first = yield* make(build(rec, a!), build(rec, b!));
  if (!finishRest) return { index: first.index, value: first.value };
  const other: unknown = yield* first.rest;
  return [first.index, first.value, other];
});

const selectMany = asyncFn(function* selectMany(rec: Record, n: Node) {
  const biased = (n as { biased: boolean }).biased;
  const kids = kidsOf(n).map((k) => build(rec, k));
  using first = yield* biased ? selectAll.biased(kids) : selectAll(kids);
  return { index: first.index, value: first.value };
});

const awaitTask = asyncFn(function* awaitTask(rec: Record, n: Node) {
  const handle = spawn(build(rec, kidsOf(n)[0]!), { name: `task ${n.id}` });
  if (n.t === "spawnAbort") spawn(abortLater(handle, n.at), { name: `aborter ${n.id}` });
  return yield* handle;
});

const abortLater = asyncFn(function* abortLater(handle: { abort(): void }, at: number) {
  yield* sleep(at);
  handle.abort();
});

const joinSetAll = asyncFn(function* joinSetAll(rec: Record, n: Node) {
  using set = new JoinSet<unknown>();
  const handles = kidsOf(n).map((k) => set.spawn(build(rec, k), { name: `member ${k.id}` }));
  const { abortFirst } = n as { abortFirst: number };
  if (abortFirst >= 0) spawn(abortLater(handles[0]!, abortFirst), { name: `aborter ${n.id}` });
  const { take } = n as { take: Take };
  if (typeof take === "number") {
    yield* sleep(take);
    yield* set.shutdown();
    return undefined;
  }
  if (take === "joinAll") return yield* set.joinAll();
  if (take === "detach") {
    set.detachAll();
    return undefined;
  }
  const out: unknown[] = [];
  for (;;) {
    const v = yield* set.joinNext();
    if (v === DONE) return out;
    out.push(v);
  }
});

/** The futures of a node, made now (its sleeps' deadlines count from now). */
function build(rec: Record, n: Node): Future<unknown> {
  const kids = () => kidsOf(n).map((k) => build(rec, k));
  switch (n.t) {
    case "sleep":
      return sleep(n.ms);
    case "reset": {
      const timer = sleep(n.ms);
      spawn(resetLater(timer, n.at, n.to), { name: `resetter ${n.id}` });
      return timer;
    }
    case "ready":
      return ready(n.id);
    case "pending":
      return pending();
    case "throw":
      return throwAfter(n.id, n.ms);
    case "slowCleanup":
      return slowCleanup(rec, n.id, n.ms, n.cms);
    case "badCleanup":
      return badCleanup(rec, n.id, n.ms, n.cms);
    case "recv":
      return n.ch === "mpsc" ? recvMpsc(n.id, n.at) : recvOneshot(n.id, n.at);
    case "join":
      return join(...kids());
    case "tryJoin":
      return tryJoin(...kids());
    case "joinAll":
      return joinAll(kids());
    case "select":
      return selectPair(rec, n);
    case "selectAll":
      return selectMany(rec, n);
    case "race":
      return n.biased ? race.biased(...kids()) : race(...kids());
    case "timeout":
      return timeout(n.ms, build(rec, kidsOf(n)[0]!));
    case "seq":
      return seqBody(rec, n);
    case "spawn":
    case "spawnAbort":
      return awaitTask(rec, n);
    case "joinSet":
      return joinSetAll(rec, n);
  }
}

/** What one run of a program did. */
export interface Observed {
  outcome: Outcome;
  /** Virtual ms at which main ended (`Infinity` when it never did). */
  finish: number;
  /** What `run()` rejected with, if anything (a hang's `DeadlockError`). */
  runError: unknown;
  started: number[];
  done: number[];
  doneAt: (number | null)[];
  metrics: RuntimeMetrics;
  /** Lines printed on stderr by the runtime. */
  printed: string[];
  /** Promise rejections nobody handled while it ran. */
  unhandled: unknown[];
}

/**
 * Run a program on the paused clock (optionally seeded) and watch it.
 *
 * @example
 * ```ts
 * const { root, count } = number({ t: "sleep", ms: 5 });
 * const seen = await runProgram(root, count);
 * seen.finish; // 5
 * ```
 */
export async function runProgram(root: Node, count: number, seed?: number): Promise<Observed> {
  const rec: Record = {
    started: new Array(count).fill(0),
    done: new Array(count).fill(0),
    doneAt: new Array(count).fill(null),
    t0: null,
  };
  let rt: Runtime | null = null;
  let outcome: Outcome = { hang: true };
  let finish = Number.POSITIVE_INFINITY;
  const main = asyncBlock(function* main() {
    rt = Runtime.current();
    const t0 = Instant.now();
    rec.t0 = t0;
    try {
      const v: unknown = yield* build(rec, root);
      outcome = { ok: v };
    } catch (e) {
      outcome = { err: describeError(e) };
    }
    finish = Instant.now().since(t0);
  });
  const printed: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    printed.push(args.map(String).join(" "));
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  let runError: unknown = null;
  try {
    await run(main, {
      clock: "paused",
      longPollThreshold: false,
      ...(seed === undefined ? {} : { seed }),
    });
  } catch (e) {
    runError = e;
  } finally {
    // A rejection nobody handled is reported after the microtasks: give it a macrotask.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onUnhandled);
    console.error = original;
  }
  return {
    outcome,
    finish,
    runError,
    started: rec.started,
    done: rec.done,
    doneAt: rec.doneAt,
    metrics: (rt as Runtime | null)!.metrics(),
    printed,
    unhandled,
  };
}
