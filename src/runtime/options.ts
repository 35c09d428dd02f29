/**
 * Runtime options: how the restaurant is run. Every option has a default that matches tokio's
 * current-thread runtime where one exists, and every option is checked here, in one place, with an
 * error that names it and its rule (option-checks.ts): a wrong type is a `TypeError`, a wrong value
 * a `RangeError`, and a key that is no option (a typo such as `seeed`) a `TypeError` naming the
 * option it probably meant. `run()` takes the runtime's keys and two of its own.
 */

import type { JoinError } from "../task/join-error.js";
import type { ClockKind } from "../time/clock.js";
import type { InstrumentListener } from "./events.js";
import {
  checkBoolean,
  checkCount,
  checkFunction,
  checkKeys,
  checkObject,
  checkOneOf,
  describeType,
} from "./option-checks.js";
import type { WatchdogOptions } from "./watchdog.js";

/**
 * What happens when a task panics and nobody is waiting for its outcome: a mode, or a function
 * that gets the `JoinError` (to hand it to an error monitor).
 */
export type UnhandledPanic = "report" | "shutdown" | "ignore" | ((error: JoinError) => void);

/** Options of `new Runtime()` and `run()`. */
export interface RuntimeOptions {
  /**
   * Permute the order of runnable tasks with this seed, reproducibly, to explore interleavings in
   * tests. Without a seed the order is FIFO. Any safe integer (`Number.isSafeInteger`); each one
   * gives its own order (all its bits count, see rng.ts).
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
   * name; `"shutdown"` ends the runtime with that error; `"ignore"` does neither; a function is
   * given the `JoinError` instead of the print (an error monitor's hook, a browser's
   * `reportError`); it is called outside any task (it cannot `spawn`), and a cleanup's `finally`
   * that threw after its task was given up on comes to it as that task's panic. A handle awaited
   * only later still gets the error; the report was already made (tokio prints every panic).
   * @default "report"
   * @example run(main, { unhandledPanic: "shutdown" })
   * @example new Runtime({ unhandledPanic: (e) => Sentry.captureException(e) })
   */
  unhandledPanic?: UnhandledPanic;
  /**
   * The runtime's clock. `"paused"` starts it stopped: it moves only with `time.advance(ms)`, or
   * by itself to the next timer when no task can run and nothing outside can wake one (so tests of
   * timers take no real time; see src/time/driver.ts). `"manual"` starts it stopped and never moves
   * it by itself: only `time.advance(ms)` does, for a test driven by native code the runtime cannot
   * see (an HTTP client awaiting the server). `time.pause()`/`time.resume()` switch later.
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
   * timer, a bridged promise, an I/O source) could ever wake any task, and check every lock wait
   * (a task locking what it holds, a cycle of tasks waiting on each other's locks). Turn it off if
   * your code wakes tasks from host callbacks it has not bridged, or hands lock guards between
   * tasks.
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
  kind: "long-poll" | "lost-waker" | "clock-held";
  /** The task's name; `""` when the message names several (a slow turn's suspects). */
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
  /** `null` when off; its fields are checked here, and again where the watchdog starts. */
  watchdog: WatchdogOptions | null;
  blockingThreads: number | undefined;
}

/** Every key of {@link RuntimeOptions}; the `satisfies` keeps the list and the type in step. */
const RUNTIME_KEYS = Object.keys({
  seed: 0,
  eventInterval: 0,
  unhandledPanic: 0,
  clock: 0,
  instrument: 0,
  trace: 0,
  longPollThreshold: 0,
  onWarning: 0,
  spawnLocations: 0,
  detectDeadlocks: 0,
  watchdog: 0,
  blockingThreads: 0,
} satisfies Record<keyof RuntimeOptions, 0>) as (keyof RuntimeOptions)[];

/** The keys only `run()` takes: it keeps them and hands the rest to its runtime. */
const RUN_ONLY = {
  signal: "an option of run(), not of new Runtime()",
  shutdownTimeout: "an option of run(), not of new Runtime(); rt.shutdown({ timeout }) takes one",
} satisfies Record<Exclude<keyof RunOptions, keyof RuntimeOptions>, string>;

const RUN_KEYS: readonly string[] = [...RUNTIME_KEYS, ...Object.keys(RUN_ONLY)];

/** tokio's names for options Brigade spells otherwise, each with the sentence that says how. */
const TOKIO_NAMES = {
  startPaused: "tokio's start_paused; here it is clock: 'paused'",
  start_paused: "tokio's start_paused; here it is clock: 'paused'",
};

const WATCHDOG_KEYS = Object.keys({ thresholdMs: 0, onReport: 0, stderr: 0 } satisfies Record<
  keyof WatchdogOptions,
  0
>);

const PANIC_MODES = ["report", "shutdown", "ignore"] as const;
const CLOCKS: readonly ClockKind[] = ["real", "paused", "manual"];

/**
 * Check `new Runtime(options)`'s options and apply their defaults. Each option must have its own
 * type (else a `TypeError`) and a value its rule allows (else a `RangeError`); an option set to
 * `undefined` takes its default; a key that is no option (a typo) is a `TypeError` that suggests
 * the option it probably meant.
 *
 * @example
 * ```ts
 * resolveOptions({ seed: 7 }).eventInterval; // 61
 * resolveOptions({ seeed: 7 } as never); // TypeError: options.seeed is not a runtime option; did you mean 'seed'?
 * ```
 */
export function resolveOptions(options: RuntimeOptions | undefined): ResolvedOptions {
  checkObject(options, "Runtime options");
  const o = options ?? {};
  checkKeys(o, "options", RUNTIME_KEYS, "a runtime option", { ...RUN_ONLY, ...TOKIO_NAMES });
  const seed = o.seed;
  if (seed !== undefined) {
    if (typeof seed !== "number") {
      throw new TypeError(
        `options.seed must be a number (a safe integer), got ${describeType(seed)}`,
      );
    }
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(
        `options.seed must be an integer from -(2^53 - 1) to 2^53 - 1 (Number.isSafeInteger), got ${seed}`,
      );
    }
  }
  const instrument = checkFunction(o.instrument, "options.instrument", "(event) => void");
  const blockingThreads = o.blockingThreads;
  if (blockingThreads !== undefined) checkCount(blockingThreads, "options.blockingThreads");
  return {
    seed,
    eventInterval:
      o.eventInterval === undefined ? 61 : checkCount(o.eventInterval, "options.eventInterval"),
    unhandledPanic:
      typeof o.unhandledPanic === "function"
        ? o.unhandledPanic
        : (checkOneOf(
            o.unhandledPanic,
            PANIC_MODES,
            "options.unhandledPanic",
            "a function (error) => void",
          ) ?? "report"),
    clock: checkOneOf(o.clock, CLOCKS, "options.clock") ?? "real",
    instrument,
    trace: checkBoolean(o.trace, "options.trace") ?? false,
    longPollMs: checkLongPoll(o.longPollThreshold),
    onWarning: checkFunction(o.onWarning, "options.onWarning", "(warning) => void") ?? printWarning,
    spawnLocations:
      checkBoolean(o.spawnLocations, "options.spawnLocations") ?? instrument !== undefined,
    detectDeadlocks: checkBoolean(o.detectDeadlocks, "options.detectDeadlocks") ?? true,
    watchdog: checkWatchdog(o.watchdog),
    blockingThreads,
  };
}

/** `run()`'s options, split into its own and the ones its runtime takes. */
export interface SplitRunOptions {
  /** The runtime's options, for `new Runtime()` (checked there). */
  runtime: RuntimeOptions | undefined;
  /** Unchecked: `run()` checks it. */
  signal: unknown;
  /** Unchecked: `run()` checks it. */
  shutdownTimeout: unknown;
}

const NO_RUN_OPTIONS: SplitRunOptions = Object.freeze({
  runtime: undefined,
  signal: undefined,
  shutdownTimeout: undefined,
});

/**
 * Check that `run()`'s options are an object of `run()`'s own keys (the runtime's and `signal`,
 * `shutdownTimeout`), then split them: the runtime gets exactly its own keys, so that
 * `new Runtime()` can refuse `signal` and `shutdownTimeout` as keys it does not take.
 *
 * @example
 * ```ts
 * const { runtime, signal } = splitRunOptions({ clock: "paused", signal: ac.signal });
 * new Runtime(runtime); // { clock: "paused" }
 * ```
 */
export function splitRunOptions(options: RunOptions | undefined): SplitRunOptions {
  if (options === undefined) return NO_RUN_OPTIONS;
  checkObject(options, "run(main, options): options");
  checkKeys(options, "options", RUN_KEYS, "an option of run()", TOKIO_NAMES);
  const runtime: Record<string, unknown> = {};
  for (const key of RUNTIME_KEYS) {
    const value = options[key];
    if (value !== undefined) runtime[key] = value;
  }
  return { runtime, signal: options.signal, shutdownTimeout: options.shutdownTimeout };
}

/** `longPollThreshold` in milliseconds: `false` (or `Infinity`) turns the warning off. */
function checkLongPoll(value: unknown): number {
  if (value === undefined) return 10;
  if (value === false) return Number.POSITIVE_INFINITY;
  const rule = "options.longPollThreshold must be a number of milliseconds (>= 0) or false";
  if (typeof value !== "number") throw new TypeError(`${rule}, got ${describeType(value)}`);
  if (Number.isNaN(value) || value < 0) throw new RangeError(`${rule}, got ${value}`);
  return value;
}

/**
 * The `watchdog` option, with the rules `startWatchdog` applies, checked before the runtime is
 * built so that a bad one leaves nothing half made.
 */
function checkWatchdog(value: unknown): WatchdogOptions | null {
  if (value === undefined || value === false) return null;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `options.watchdog must be an object { thresholdMs } or false, got ${describeType(value)}`,
    );
  }
  checkKeys(value, "options.watchdog", WATCHDOG_KEYS, "a watchdog option");
  const { thresholdMs, onReport, stderr } = value as WatchdogOptions;
  const rule = "options.watchdog.thresholdMs must be a positive, finite number of milliseconds";
  if (typeof thresholdMs !== "number") {
    throw new TypeError(`${rule}, got ${describeType(thresholdMs)}`);
  }
  if (!Number.isFinite(thresholdMs) || thresholdMs <= 0) {
    throw new RangeError(`${rule}, got ${thresholdMs}`);
  }
  checkFunction(onReport, "options.watchdog.onReport", "(report) => void");
  checkBoolean(stderr, "options.watchdog.stderr");
  return value as WatchdogOptions;
}

function printWarning(warning: RuntimeWarning): void {
  console.warn(`brigade: ${warning.kind}: ${warning.message}`);
}
