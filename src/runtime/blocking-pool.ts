/**
 * spawnBlocking: send the heavy prep to the back room. A chef who must knead dough for a minute
 * does not stand at the stove doing it (every other table would wait, and the long-poll warning
 * and the watchdog would name him); he hands the job to a prep cook on another thread and waits
 * for it like any other dish.
 *
 * `spawnBlocking(module, exportName, ...args)` runs a synchronous function exported by `module`
 * on a pool of worker threads (piscina) and returns a `JoinHandle`, as tokio's `spawn_blocking`
 * does. Functions cannot cross threads, so the job is named by module and export, and its
 * arguments and result are copied (structured clone). Under the hood it is an ordinary task whose
 * future bridges piscina's promise (`fromPromise`), so:
 * - the runtime counts the job as in flight (a paused clock waits for it; "all asleep" is not
 *   declared while it runs);
 * - aborting the handle, or shutting the runtime down, cancels the job: a queued job is dropped,
 *   a running one has its worker thread terminated (the pool starts a fresh one when needed);
 * - every failure is a panic `JoinError` whose cause is a {@link BlockingError} saying which
 *   module and export failed and why (missing module or export, a throw, an argument or a result
 *   that cannot be cloned, a crashed thread).
 *
 * The pool belongs to the runtime: created on the first `spawnBlocking`, sized by the runtime's
 * `blockingThreads` option, idle threads retire after 10 s (tokio's keep-alive), and
 * `rt.shutdown()` destroys it, so the process can exit.
 */
import { availableParallelism } from "node:os";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { deserialize } from "node:v8";
import { Piscina } from "piscina";
import { fromPromise } from "../future/from-promise.js";
import { JoinHandle } from "../task/join-handle.js";
import { RuntimeStateError } from "../task/runtime-state-error.js";
import { spawnerAmbient } from "../task/spawn.js";
import type { Runtime } from "./runtime.js";

/** Why a blocking job failed. */
export type BlockingFailure =
  /** The module could not be found. */
  | "module-not-found"
  /** The module was found but threw (or failed to parse) while loading. */
  | "module-failed"
  /** The module has no export of that name. */
  | "export-missing"
  /** The export is not a function. */
  | "not-a-function"
  /** The function threw: `cause` is what it threw, rebuilt on this thread. */
  | "threw"
  /** An argument cannot be structured-cloned to the worker thread. */
  | "argument-not-cloneable"
  /** The result cannot be structured-cloned back. */
  | "result-not-cloneable"
  /** The worker thread died (out of memory, `process.exit()` in the job…). */
  | "worker-crashed";

/**
 * A blocking job failed. It arrives as the `cause` of the task's panic `JoinError`.
 *
 * @example
 * ```ts
 * try {
 *   yield* spawnBlocking(jobs, "resize", image);
 * } catch (e) {
 *   const why = (e as JoinError).cause as BlockingError;
 *   why.reason; // "threw"
 *   why.cause;  // the RangeError the job threw
 * }
 * ```
 */
export class BlockingError extends Error {
  override name = "BlockingError";

  /** Not for direct use: made by the library. */
  constructor(
    /** The module, as a URL. */
    readonly module: string,
    /** The export that was called. */
    readonly exportName: string,
    readonly reason: BlockingFailure,
    detail: string,
    cause?: unknown,
  ) {
    super(`spawnBlocking(${module}, '${exportName}'): ${detail}`, { cause });
  }
}

/** A failure record thrown by blocking-worker.mjs (cloneable, so it survives the thread hop). */
interface WorkerFailure {
  brigadeBlocking: true;
  reason: BlockingFailure;
  error: ErrorPicture;
}

/** The job dispatcher every pool thread runs. */
const WORKER = new URL("./blocking-worker.mjs", import.meta.url).href;
/** Idle threads retire after this long (tokio's `thread_keep_alive`). */
const KEEP_ALIVE_MS = 10_000;

/**
 * A runtime's pool of blocking threads.
 * @internal made by `spawnBlocking` on first use; destroyed by the runtime's shutdown.
 */
export class BlockingPool {
  private readonly pool: Piscina;

  constructor(readonly threads: number) {
    this.pool = new Piscina({
      filename: WORKER,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: KEEP_ALIVE_MS,
    });
  }

  /** Run one job; settles with its result or a `BlockingError`. */
  run(module: string, exportName: string, args: unknown[], signal: AbortSignal): Promise<unknown> {
    return this.pool.run({ module, exportName, args }, { signal }).then(
      (value: unknown) => (value instanceof Uint8Array ? deserialize(value) : value),
      (e: unknown) => {
        throw toBlockingError(module, exportName, e);
      },
    );
  }

  /** Threads alive now (busy or idle). */
  get liveThreads(): number {
    return this.pool.threads.length;
  }

  /** Terminate every thread; jobs still queued are rejected. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

function toBlockingError(module: string, exportName: string, e: unknown): BlockingError {
  if (isWorkerFailure(e)) {
    return new BlockingError(
      module,
      exportName,
      e.reason,
      describeFailure(e, exportName),
      rebuild(e.error),
    );
  }
  if (isDataCloneError(e)) {
    // The only message this thread posts is the job itself: an argument failed to clone.
    return new BlockingError(
      module,
      exportName,
      "argument-not-cloneable",
      `an argument cannot be structured-cloned to a worker thread (${e.message}); pass plain data`,
      e,
    );
  }
  const message = e instanceof Error ? e.message : String(e);
  return new BlockingError(
    module,
    exportName,
    "worker-crashed",
    `the worker thread died while running the job: ${message}`,
    e,
  );
}

function describeFailure({ reason, error }: WorkerFailure, exportName: string): string {
  switch (reason) {
    case "module-not-found":
      return "the module was not found";
    case "module-failed":
      return `the module failed to load: ${error.name}: ${error.message}${
        error.code === "ERR_UNKNOWN_FILE_EXTENSION"
          ? " (the pool's threads do not run the main thread's TypeScript loader: give spawnBlocking a JavaScript module)"
          : ""
      }`;
    case "export-missing":
      return `the module has no export '${exportName}': ${error.message}`;
    case "not-a-function":
      return `the export '${exportName}' is not a function: ${error.message}`;
    case "result-not-cloneable":
      return `the result cannot be structured-cloned back to the runtime's thread (${error.message}); return plain data`;
    default:
      return `the job threw ${error.name}: ${error.message}`;
  }
}

function isWorkerFailure(e: unknown): e is WorkerFailure {
  return e !== null && typeof e === "object" && (e as WorkerFailure).brigadeBlocking === true;
}

function isDataCloneError(e: unknown): e is Error {
  return e !== null && typeof e === "object" && (e as Error).name === "DataCloneError";
}

/** What the worker sends of a thrown error (blocking-worker.mjs, `describeError`). */
interface ErrorPicture {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** The error's own `cause`, pictured the same way. */
  cause?: ErrorPicture;
}

/** An error object on this thread that looks like the one thrown on the worker's. */
function rebuild(picture: ErrorPicture): Error {
  const Ctor = STANDARD_ERRORS[picture.name] ?? Error;
  const error = new Ctor(picture.message);
  if (Ctor === Error && picture.name !== "Error") error.name = picture.name;
  if (picture.stack !== undefined) error.stack = picture.stack;
  if (picture.code !== undefined) (error as Error & { code: string }).code = picture.code;
  if (picture.cause !== undefined)
    (error as Error & { cause: unknown }).cause = rebuild(picture.cause);
  return error;
}

const STANDARD_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  RangeError,
  TypeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Check `module` and make it a URL the worker can import: a `URL`, a `file:` or `node:` URL
 * string, or an absolute path. A relative path would resolve against the worker's own file, not
 * the caller's, so it is refused with the fix in the message.
 */
function moduleUrl(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== "string") {
    throw new TypeError(
      `spawnBlocking(module, exportName): module must be a URL or a string, got ${module === null ? "null" : typeof module}`,
    );
  }
  if (module.startsWith("file:") || module.startsWith("node:")) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new TypeError(
    `spawnBlocking(module, exportName): module must be absolute (a URL, a file: or node: URL, or an absolute path), got '${module}': write new URL('${module}', import.meta.url)`,
  );
}

/**
 * Run `module`'s export `exportName` with `args` on the runtime's pool of blocking threads, as a
 * task: Brigade's `spawn_blocking`. Arguments and result are structured-cloned across threads.
 * Must be called inside a runtime (from a task).
 *
 * @example
 * ```ts
 * // jobs.mjs: export function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * const jobs = new URL("./jobs.mjs", import.meta.url);
 * const handle = spawnBlocking<number>(jobs, "fib", 35);
 * yield* sleep(10);            // the executor keeps serving tables meanwhile
 * const n = yield* handle;     // 9227465
 * ```
 */
export function spawnBlocking<R = unknown>(
  module: string | URL,
  exportName: string,
  ...args: unknown[]
): JoinHandle<R> {
  const url = moduleUrl(module);
  if (typeof exportName !== "string" || exportName.length === 0) {
    throw new TypeError(
      `spawnBlocking(module, exportName): exportName must be a non-empty string, got ${typeof exportName === "string" ? "an empty string" : typeof exportName}`,
    );
  }
  const rt = spawnerAmbient.current as Runtime | null;
  if (rt === null) {
    throw new RuntimeStateError(
      "spawnBlocking() was called outside a Brigade runtime: call it from inside a task",
    );
  }
  // Hand the job to the pool just after the poll that starts it: the first job starts a worker
  // thread (~10 ms), which is the pool's cost, not the task's, and must not read as a long poll.
  const job = fromPromise((signal) =>
    Promise.resolve().then(() => {
      // Aborted (or the runtime shut down) before the job reached the pool: no pool to make.
      if (signal.aborted) throw signal.reason;
      return blockingPool(rt).run(url, exportName, args, signal);
    }),
  );
  return new JoinHandle(rt.spawnTask(job, { name: `blocking ${exportName}` })) as JoinHandle<R>;
}

/** The runtime's pool, made on first use. */
function blockingPool(rt: Runtime): BlockingPool {
  let pool = rt.blockingPool;
  if (pool === null) {
    pool = rt.blockingPool = new BlockingPool(
      rt.blockingThreads ?? Math.max(1, availableParallelism()),
    );
  }
  return pool;
}
