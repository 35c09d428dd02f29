/**
 * The blocked-loop watchdog (opt-in): a night porter on another thread who notices the chef who
 * won't leave the stove, and says so *while* he is still there. A long-poll warning can only be
 * printed after the poll returns; a poll that never returns (a busy loop, a synchronous read of a
 * huge file, `Atomics.wait`) needs someone on another thread.
 *
 * How it works:
 * - The runtime owns a heartbeat, an `Int32Array` over a `SharedArrayBuffer`: before each poll
 *   the executor stores the task's id at index 0 and adds 1 to the poll counter at index 1; after
 *   its turn it stores 0 at index 0 (runtime.ts, `tick`).
 * - A worker thread (watchdog-worker.mjs) samples the heartbeat every `thresholdMs / 20` (at
 *   least 1 ms, at most 50 ms). The same task and counter for `thresholdMs` means one poll has
 *   held the thread that long: it writes the report to stderr at once (a synchronous write to
 *   file descriptor 2, which does not need the blocked main thread) and posts it to the main
 *   thread, where `onReport` and the instrument listeners receive it once the thread is free.
 * - Task names reach the worker through a shared name table written on spawn: slot `id % 1024`
 *   holds the id, the byte length and up to 56 bytes of UTF-8. A slot reused by a newer task, or
 *   caught mid-write, reads as the default name `task <id>`.
 *
 * The worker is unref'd once it has started (it never keeps the process alive past its own
 * start-up, a few milliseconds) and stopped by `stop()` or by the runtime's shutdown. The heartbeat
 * costs the executor one null check per poll when no watchdog runs, and two plain stores per poll
 * when one does (the worker only samples the aligned words, and a read of one is never torn).
 */
import type { Worker as NodeWorker } from "node:worker_threads";
import { describeType } from "./option-checks.js";

/** What the watchdog saw: a poll that held the thread past the threshold. */
export interface BlockedLoopReport {
  /** The id of the task whose poll held the thread. */
  task: number;
  /** Its name (as given to `spawn`, or `task <id>`). */
  name: string;
  /** How long the poll had held the thread when it was reported, ms (a lower bound). */
  heldMs: number;
  /** The sentence printed on stderr. */
  message: string;
}

/** Options of `startWatchdog` and of the runtime's `watchdog` option. */
export interface WatchdogOptions {
  /**
   * Report a poll that holds the thread at least this long, in milliseconds.
   * @example startWatchdog(rt, { thresholdMs: 1000 })
   */
  thresholdMs: number;
  /**
   * Called on the main thread with each report, once the main thread is free to run it (the
   * stderr line is printed while the block goes on).
   * @default undefined
   * @example startWatchdog(rt, { thresholdMs: 500, onReport: (r) => metrics.blocked(r.name) })
   */
  onReport?: (report: BlockedLoopReport) => void;
  /**
   * Print each report on stderr from the watchdog's thread, while the block goes on.
   * @default true
   * @example startWatchdog(rt, { thresholdMs: 500, stderr: false, onReport })
   */
  stderr?: boolean;
}

/** The runtime, as the watchdog sees it. */
export interface WatchdogHost {
  /** Written by the executor around each poll; set and cleared by the watchdog. */
  heartbeat: Int32Array | null;
  /** The watchdog attached to this runtime, if any. */
  watchdog: Watchdog | null;
  /** The live tasks, to name those spawned before the watchdog started. */
  dump(): { readonly tasks: readonly { id: number; name: string }[] };
  /** Instrumentation, when attached: reports become "blocked-loop" warning events. */
  probe: { warning(kind: "blocked-loop", task: number | null, message: string): void } | null;
}

/** Name table geometry: 1024 slots of 16 int32s (id, byte length, 56 bytes of UTF-8). */
const SLOTS = 1024;
const SLOT_INTS = 16;
const NAME_BYTES = (SLOT_INTS - 2) * 4;

const encoder = new TextEncoder();

/**
 * A running watchdog. Made by {@link startWatchdog} or the runtime's `watchdog` option.
 *
 * @example
 * ```ts
 * const dog = startWatchdog(rt, { thresholdMs: 1000 });
 * // … a chef blocking the stove for a second is reported on stderr
 * await dog.stop();
 * ```
 */
export class Watchdog {
  private readonly nameInts: Int32Array;
  private readonly nameBytes: Uint8Array;
  private worker: NodeWorker | null;
  /**
   * Settles once the watchdog's thread is sampling the heartbeat (or has failed to start). The
   * thread starts on its own even while the main thread is blocked; await this only to be sure a
   * block that starts right away is timed from its beginning.
   */
  readonly ready: Promise<void>;
  private markReady: () => void = () => {};

  /** Not for direct use: made by the library. */
  constructor(
    private readonly host: WatchdogHost,
    options: Required<Pick<WatchdogOptions, "thresholdMs" | "stderr">> &
      Pick<WatchdogOptions, "onReport">,
  ) {
    // First: without Node (a browser, where SharedArrayBuffer may not exist either) this throws
    // the error that says what the watchdog needs.
    const { Worker } = workerThreads();
    const names = new SharedArrayBuffer(SLOTS * SLOT_INTS * 4);
    this.nameInts = new Int32Array(names);
    this.nameBytes = new Uint8Array(names);
    const heartbeat = new Int32Array(new SharedArrayBuffer(8));
    for (const t of host.dump().tasks) this.nameTask(t.id, t.name);
    const worker = new Worker(new URL("./watchdog-worker.mjs", import.meta.url), {
      workerData: {
        heartbeat: heartbeat.buffer,
        names,
        slots: SLOTS,
        slotInts: SLOT_INTS,
        thresholdMs: options.thresholdMs,
        intervalMs: Math.min(50, Math.max(1, options.thresholdMs / 20)),
        stderr: options.stderr,
      },
      // The worker is plain JavaScript: no loader (tsx) is needed, and none slows its start.
      execArgv: [],
    });
    const onReport = options.onReport;
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    worker.on("message", (report: BlockedLoopReport | "watching") => {
      if (report === "watching") {
        // Held until now, so that `await dog.ready` cannot let the process exit under it; from
        // here on the watchdog never keeps the process alive.
        worker.unref();
        this.markReady();
        return;
      }
      host.probe?.warning("blocked-loop", report.task, report.message);
      onReport?.(report);
    });
    worker.on("error", (e) => {
      console.error(`brigade: the blocked-loop watchdog stopped: ${String(e)}`);
      this.stop();
    });
    this.worker = worker;
    host.heartbeat = heartbeat;
    host.watchdog = this;
  }

  /**
   * @internal Publish a task's name to the watchdog's thread. Called by the runtime on spawn.
   * ASCII names are copied byte by byte, without allocating.
   */
  nameTask(id: number, name: string): void {
    const base = (id % SLOTS) * SLOT_INTS;
    const ints = this.nameInts;
    const bytes = this.nameBytes;
    const start = (base + 2) * 4;
    Atomics.store(ints, base, 0);
    let length = 0;
    if (isAscii(name)) {
      length = Math.min(name.length, NAME_BYTES);
      for (let i = 0; i < length; i++) bytes[start + i] = name.charCodeAt(i);
    } else {
      const utf8 = encoder.encode(name);
      length = Math.min(utf8.length, NAME_BYTES);
      // Never cut a multi-byte character in half.
      while (length < utf8.length && length > 0 && (utf8[length]! & 0xc0) === 0x80) length--;
      bytes.set(utf8.subarray(0, length), start);
    }
    Atomics.store(ints, base + 1, length);
    Atomics.store(ints, base, id);
  }

  /**
   * Whether the watchdog is still watching.
   *
   * @example
   * ```ts
   * if (dog.running) await dog.stop();
   * ```
   */
  get running(): boolean {
    return this.worker !== null;
  }

  /**
   * Stop watching: the worker thread ends and the executor stops writing the heartbeat.
   * Idempotent; the runtime's shutdown calls it.
   *
   * @example
   * ```ts
   * const dog = startWatchdog(rt, { thresholdMs: 1000 });
   * // …
   * await dog.stop();
   * ```
   */
  stop(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return Promise.resolve();
    this.worker = null;
    this.markReady();
    if (this.host.watchdog === this) {
      this.host.watchdog = null;
      this.host.heartbeat = null;
    }
    return worker.terminate().then(
      () => undefined,
      () => undefined,
    );
  }
}

/**
 * Start the blocked-loop watchdog on `rt`: a worker thread that reports, while it happens, any
 * poll that holds the thread for `thresholdMs` or more, by task name. Stopped by `stop()` or by
 * `rt.shutdown()`; it never keeps the process alive. `new Runtime({ watchdog: { thresholdMs } })`
 * does the same at construction.
 *
 * @example
 * ```ts
 * const rt = new Runtime();
 * const dog = startWatchdog(rt, { thresholdMs: 1000 });
 * rt.spawn(busyLoop(), { name: "table 3" });
 * // stderr, during the loop:
 * // brigade: blocked-loop: task 'table 3' has held the thread for 1,000 ms: is it calling a blocking function? …
 * ```
 */
export function startWatchdog(rt: WatchdogHost, options: WatchdogOptions): Watchdog {
  return startWatchdogAs(rt, options, "startWatchdog(rt, options): options");
}

/** @internal `startWatchdog`, with error messages naming the option as the caller spells it. */
export function startWatchdogAs(
  rt: WatchdogHost,
  options: WatchdogOptions,
  where: string,
): Watchdog {
  if (rt === null || typeof rt !== "object" || !("heartbeat" in rt) || !("watchdog" in rt)) {
    throw new TypeError("startWatchdog(rt, options): rt must be a Brigade Runtime");
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where} must be an object { thresholdMs }, got ${options === null ? "null" : typeof options}`,
    );
  }
  const { thresholdMs, onReport, stderr = true } = options;
  const rule = `${where}.thresholdMs must be a positive, finite number of milliseconds`;
  if (typeof thresholdMs !== "number") {
    throw new TypeError(`${rule}, got ${describeType(thresholdMs)}`);
  }
  if (!Number.isFinite(thresholdMs) || thresholdMs <= 0) {
    throw new RangeError(`${rule}, got ${thresholdMs}`);
  }
  if (onReport !== undefined && typeof onReport !== "function") {
    throw new TypeError(`${where}.onReport must be a function, got ${typeof onReport}`);
  }
  if (typeof stderr !== "boolean") {
    throw new TypeError(`${where}.stderr must be a boolean, got ${typeof stderr}`);
  }
  if (rt.watchdog !== null) {
    throw new Error("startWatchdog: a watchdog already watches this runtime; stop() it first");
  }
  return new Watchdog(rt, { thresholdMs, onReport, stderr });
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * `node:worker_threads`, reached through `process.getBuiltinModule` (Node 20.16+) rather than a
 * static import: the runtime imports this file (instrumentation.ts), and must still load where
 * there is no Node (a browser), as long as no watchdog is asked for.
 */
function workerThreads(): typeof import("node:worker_threads") {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = p?.getBuiltinModule?.("node:worker_threads") as
    | typeof import("node:worker_threads")
    | undefined;
  if (mod === undefined) {
    throw new Error(
      "the blocked-loop watchdog needs Node.js 20.16 or later (worker threads and process.getBuiltinModule)",
    );
  }
  return mod;
}
