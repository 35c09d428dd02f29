/**
 * Runtime options: how the restaurant is run. Every option has a default that matches tokio's
 * current-thread runtime where one exists, and every option is checked here, in one place, with an
 * error that names it.
 */

import type { ClockKind } from "../time/clock.js";
import type { InstrumentListener } from "./events.js";
import type { WatchdogOptions } from "./watchdog.js";

/** What happens when a task panics and nobody is waiting for its outcome. */
export type UnhandledPanic = "report" | "shutdown" | "ignore";

/** Options of `new Runtime()` and `run()`. */
export interface RuntimeOptions {
  /**
   * Permute the order of runnable tasks with this seed, reproducibly, to explore interleavings in
   * tests. Without a seed the order is FIFO.
   * @default undefined (FIFO)
   * @example new Runtime({ seed: 42 })
   */
  seed?: number;
  /**
   * Polls per executor turn before giving Node's event loop a turn, so timers and I/O are never
   * starved (tokio's `event_interval`).
   * @default 61
   * @example new Runtime({ eventInterval: 128 })
   */
  eventInterval?: number;
  /**
   * A task panicked while nothing was awaiting its handle (checked a microtask later, as Node
   * checks a rejected promise for a handler): `"report"` prints it on stderr with the task's
   * name; `"shutdown"` ends the runtime with that error; `"ignore"` does neither. A handle awaited
   * only later still gets the error; the report was already printed (tokio prints every panic).
   * @default "report"
   * @example run(main, { unhandledPanic: "shutdown" })
   */
  unhandledPanic?: UnhandledPanic;
  /**
   * The runtime's clock. `"paused"` starts it stopped: it moves only with `time.advance(ms)`, or
   * by itself to the next timer when no task can run and nothing outside can wake one (so tests of
   * timers take no real time; see src/time/driver.ts). `time.pause()`/`time.resume()` switch later.
   * @default "real"
   * @example run(main, { clock: "paused" })
   */
  clock?: ClockKind;
  /**
   * Receive every runtime event (spawn, poll, wake, timer, completion) as it happens. Off by
   * default; when off it costs one null check per poll and per wake.
   * @default undefined
   * @example new Runtime({ instrument: (e) => events.push(e) })
   */
  instrument?: InstrumentListener;
  /**
   * Record every runtime event so that `rt.traceEvents()` can export the run as a Chrome trace
   * (Perfetto, chrome://tracing). Memory grows with the run: for diagnosis, not production.
   * @default false
   * @example const rt = new Runtime({ trace: true }); … JSON.stringify(rt.traceEvents())
   */
  trace?: boolean;
  /**
   * Warn when one poll holds the thread at least this long (ms); `false` turns it off. Without
   * instrumentation the runtime times whole executor turns (two clock reads per turn) and, after
   * a slow turn, times each poll for a while to name the culprit exactly; with instrumentation
   * every poll is timed.
   * @default 10
   * @example new Runtime({ longPollThreshold: 50 })
   */
  longPollThreshold?: number | false;
  /**
   * Where warnings go.
   * @default each warning is printed with console.warn
   * @example new Runtime({ onWarning: (w) => log.warn(w.message) })
   */
  onWarning?: (warning: RuntimeWarning) => void;
  /**
   * Record where each task was spawned (a stack capture per spawn, ~1 µs), so warnings and dumps
   * can say it. On by default when instrumenting.
   * @default false (true with `instrument`)
   * @example new Runtime({ spawnLocations: true })
   */
  spawnLocations?: boolean;
  /**
   * Reject `run()` with a `DeadlockError` when `main` waits and nothing Brigade can see (a task, a
   * timer, a bridged promise, an I/O source) could ever wake any task. Turn it off if your code
   * wakes tasks from host callbacks it has not bridged.
   * @default true
   * @example run(main, { detectDeadlocks: false })
   */
  detectDeadlocks?: boolean;
  /**
   * Start the blocked-loop watchdog: a worker thread that reports, while it happens, a poll that
   * holds the thread for `thresholdMs` or more, by task name (see src/runtime/watchdog.ts).
   * Node only; stopped by `shutdown()`; never keeps the process alive.
   * @default undefined (off)
   * @example new Runtime({ watchdog: { thresholdMs: 1000 } })
   */
  watchdog?: WatchdogOptions | false;
  /**
   * Threads of the pool that runs `spawnBlocking` jobs (made on the first job, destroyed by
   * `shutdown()`). Node only.
   * @default os.availableParallelism()
   * @example new Runtime({ blockingThreads: 2 })
   */
  blockingThreads?: number;
}

/** A diagnostic the runtime raised (also sent to instrument listeners as a "warning" event). */
export interface RuntimeWarning {
  kind: "long-poll" | "lost-waker";
  /** The task's name. */
  task: string;
  message: string;
}

/** Options of `run()`: the runtime's, plus a signal that cancels `main`. */
export interface RunOptions extends RuntimeOptions {
  /**
   * Aborting this signal cancels `main` (its `finally` blocks run) and the runtime shuts down.
   * @example run(main, { signal: AbortSignal.timeout(5000) })
   */
  signal?: AbortSignal;
  /**
   * Once `main` has ended, give the cleanups of the tasks still alive at most this many
   * milliseconds of host time; then `run` rejects with a `ShutdownTimeoutError` naming them
   * (see `rt.shutdown({ timeout })`). Default: wait as long as they take.
   * @example run(main, { shutdownTimeout: 5000 })
   */
  shutdownTimeout?: number;
}

/** The options with defaults applied and checked. */
export interface ResolvedOptions {
  seed: number | undefined;
  eventInterval: number;
  unhandledPanic: UnhandledPanic;
  clock: ClockKind;
  instrument: InstrumentListener | undefined;
  trace: boolean;
  longPollMs: number;
  onWarning: (warning: RuntimeWarning) => void;
  spawnLocations: boolean;
  detectDeadlocks: boolean;
  /** `null` when off; its fields are checked where the watchdog starts. */
  watchdog: WatchdogOptions | null;
  blockingThreads: number | undefined;
}

export function resolveOptions(options: RuntimeOptions | undefined): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(
      `Runtime options must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  const o = options ?? {};
  const seed = o.seed;
  if (seed !== undefined && (typeof seed !== "number" || !Number.isInteger(seed))) {
    throw new TypeError(`options.seed must be an integer, got ${String(seed)}`);
  }
  const eventInterval = o.eventInterval ?? 61;
  if (typeof eventInterval !== "number" || !Number.isInteger(eventInterval) || eventInterval < 1) {
    throw new RangeError(
      `options.eventInterval must be an integer of at least 1, got ${String(eventInterval)}`,
    );
  }
  const unhandledPanic = o.unhandledPanic ?? "report";
  if (unhandledPanic !== "report" && unhandledPanic !== "shutdown" && unhandledPanic !== "ignore") {
    throw new RangeError(
      `options.unhandledPanic must be "report", "shutdown" or "ignore", got ${String(unhandledPanic)}`,
    );
  }
  const clock = o.clock ?? "real";
  if (clock !== "real" && clock !== "paused") {
    throw new RangeError(`options.clock must be "real" or "paused", got ${String(clock)}`);
  }
  const instrument = o.instrument;
  if (instrument !== undefined && typeof instrument !== "function") {
    throw new TypeError(
      `options.instrument must be a function (event) => void, got ${typeof instrument}`,
    );
  }
  const lp = o.longPollThreshold ?? 10;
  if (lp !== false && (typeof lp !== "number" || Number.isNaN(lp) || lp < 0)) {
    throw new RangeError(
      `options.longPollThreshold must be a number of milliseconds (>= 0) or false, got ${String(lp)}`,
    );
  }
  const onWarning = o.onWarning ?? printWarning;
  if (typeof onWarning !== "function") {
    throw new TypeError(`options.onWarning must be a function, got ${typeof onWarning}`);
  }
  const blockingThreads = o.blockingThreads;
  if (
    blockingThreads !== undefined &&
    (typeof blockingThreads !== "number" ||
      !Number.isInteger(blockingThreads) ||
      blockingThreads < 1)
  ) {
    throw new RangeError(
      `options.blockingThreads must be an integer of at least 1, got ${String(blockingThreads)}`,
    );
  }
  return {
    seed,
    eventInterval,
    unhandledPanic,
    clock,
    instrument,
    trace: o.trace === true,
    longPollMs: lp === false ? Number.POSITIVE_INFINITY : lp,
    onWarning,
    spawnLocations: o.spawnLocations ?? instrument !== undefined,
    detectDeadlocks: o.detectDeadlocks ?? true,
    watchdog: o.watchdog === undefined || o.watchdog === false ? null : o.watchdog,
    blockingThreads,
  };
}

function printWarning(warning: RuntimeWarning): void {
  console.warn(`brigade: ${warning.kind}: ${warning.message}`);
}
