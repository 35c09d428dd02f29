/**
 * Runtime options: how the restaurant is run. Every option has a default that matches tokio's
 * current-thread runtime where one exists.
 */

import type { InstrumentListener } from "../diagnostics/events.js";

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
   * A task panicked and nobody awaits its handle: `"report"` prints it on stderr with the task's
   * name; `"shutdown"` ends the runtime with that error; `"ignore"` does neither.
   * @default "report"
   * @example run(main, { unhandledPanic: "shutdown" })
   */
  unhandledPanic?: UnhandledPanic;
  /**
   * Receive every runtime event (spawn, poll, wake, timer, completion) as it happens. Off by
   * default; when off it costs one null check per poll and per wake.
   * @default undefined
   * @example new Runtime({ instrument: (e) => events.push(e) })
   */
  instrument?: InstrumentListener;
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
}

/** The options with defaults applied and checked. */
export interface ResolvedOptions {
  seed: number | undefined;
  eventInterval: number;
  unhandledPanic: UnhandledPanic;
  instrument: InstrumentListener | undefined;
  longPollMs: number;
  onWarning: (warning: RuntimeWarning) => void;
  spawnLocations: boolean;
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
  return {
    seed,
    eventInterval,
    unhandledPanic,
    instrument,
    longPollMs: lp === false ? Number.POSITIVE_INFINITY : lp,
    onWarning,
    spawnLocations: o.spawnLocations ?? instrument !== undefined,
  };
}

function printWarning(warning: RuntimeWarning): void {
  console.warn(`brigade: ${warning.kind}: ${warning.message}`);
}
