/**
 * Runtime options: how the restaurant is run. Every option has a default that matches tokio's
 * current-thread runtime where one exists.
 */

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
  return { seed, eventInterval, unhandledPanic };
}
