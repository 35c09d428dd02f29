/**
 * Runtime: the restaurant's manager. It keeps the run queue of chefs ready for their next step,
 * polls them in turn, and parks on Node's event loop when nobody is ready.
 *
 * The executor loop (`tick`):
 * - A wake from outside a poll (a timer, a settled promise, a Node callback) queues the task and,
 *   if no turn is scheduled, schedules one as a microtask: a wake never waits for a macrotask.
 * - A turn polls queued tasks, up to `eventInterval` of them (tokio's 61). If work remains, the
 *   next turn is a macrotask (`setImmediate`), so Node's timers and I/O run between turns and a
 *   task that yields forever cannot starve them.
 * - Each task poll starts with a fresh cooperative budget (`task/budget.ts`).
 *
 * The reactor half (timers, promises, I/O) meets this loop only through wakers (DESIGN.md,
 * decision 7): it calls `waker.wake()`, which is `Task.wake`, which calls `schedule`.
 *
 * Shutdown (as tokio's): every live task is aborted, so its `finally` blocks run, and the runtime
 * keeps turning until the last cleanup has finished. The runtime holds no host handle of its own
 * while idle, so it never keeps a Node process alive.
 */
import { ambient } from "../future/ambient.js";
import type { Cleanup } from "../future/cancel.js";
import type { Future } from "../future/future.js";
import { assertFuture } from "../future/future.js";
import { budgetForcedYields } from "../task/budget.js";
import { JoinError } from "../task/join-error.js";
import { JoinHandle } from "../task/join-handle.js";
import { type Spawner, type SpawnOptions, spawnerAmbient } from "../task/spawn.js";
import { COMPLETE } from "../task/state.js";
import { Task } from "../task/task.js";
import { type TimeDriver, timeAmbient } from "../time/driver.js";
import { macrotask } from "./macrotask.js";
import type { RuntimeMetrics } from "./metrics.js";
import {
  type ResolvedOptions,
  type RunOptions,
  type RuntimeOptions,
  resolveOptions,
} from "./options.js";
import { Rng } from "./rng.js";
import { RunQueue } from "./run-queue.js";

const OPEN = 0; // accepting and running tasks
const SHUTTING_DOWN = 1; // every task aborted; waiting for cleanups to finish
const CLOSED = 2; // nothing left; spawning is refused

/**
 * A Brigade runtime: an executor and its reactor on the current JS thread.
 *
 * @example
 * ```ts
 * const rt = new Runtime();
 * const handle = rt.spawn(cookDish("Soup", 1000), { name: "table 1" });
 * console.log(await handle); // "Dish: Soup"
 * await rt.shutdown();
 * ```
 */
export class Runtime implements Spawner, TimeDriver {
  private readonly queue = new RunQueue();
  private readonly options: ResolvedOptions;
  private readonly rng: Rng | null;
  private readonly tickFn: () => void;
  /** A turn is scheduled (microtask or macrotask) and has not started. */
  private turnPending = false;
  /** A turn is running. */
  private ticking = false;
  private lifecycle = OPEN;
  private nextId = 1;
  private liveHead: Task<any> | null = null;
  private liveTail: Task<any> | null = null;
  private liveCount = 0;
  private spawned = 0;
  private polls = 0;
  private timers = 0;
  private bridges = 0;
  private eventLoopYields = 0;
  private readonly budgetYieldsAtStart = budgetForcedYields();
  private fatal: JoinError | null = null;
  private drained: (() => void) | null = null;
  private drainedPromise: Promise<void> | null = null;

  constructor(options?: RuntimeOptions) {
    this.options = resolveOptions(options);
    this.rng = this.options.seed === undefined ? null : new Rng(this.options.seed);
    this.tickFn = () => this.tick();
  }

  /**
   * The runtime polling the current task. Throws outside one.
   *
   * @example
   * ```ts
   * const rt = Runtime.current();
   * rt.metrics().liveTasks;
   * ```
   */
  static current(): Runtime {
    const s = spawnerAmbient.current;
    if (s === null) {
      throw new Error(
        "Runtime.current() was called outside a Brigade runtime: call it from inside a task",
      );
    }
    return s as Runtime;
  }

  /** Spawn `future` as a task on this runtime, from anywhere (inside or outside a task). */
  spawn<T>(future: Future<T>, options?: SpawnOptions): JoinHandle<T> {
    assertFuture(future, "rt.spawn(future): future");
    return new JoinHandle(this.spawnTask(future, options));
  }

  /** @internal the one place tasks are made. */
  spawnTask<T>(future: Future<T>, options: SpawnOptions | undefined): Task<T> {
    const id = this.nextId++;
    let name: string;
    let signal: AbortSignal | undefined;
    if (options === undefined) {
      name = `task ${id}`;
    } else {
      name = checkName(options.name) ?? `task ${id}`;
      signal = options.signal;
    }
    const task = new Task<T>(id, name, future, this, null, false);
    this.admit(task);
    if (signal !== undefined) linkSignal(task, signal);
    if (this.lifecycle !== OPEN) task.abort();
    return task;
  }

  /** @internal finish a dropped future's async cleanup as a detached task. */
  spawnCleanup(cleanup: Future<void>, owner: unknown): void {
    const id = this.nextId++;
    const task = new Task<void>(id, `cleanup ${id}`, cleanup as Cleanup, this, owner, true);
    task.observed = false;
    this.admit(task);
  }

  private admit(task: Task<any>): void {
    this.spawned++;
    this.liveCount++;
    const tail = this.liveTail;
    if (tail === null) this.liveHead = task;
    else {
      tail.nextLive = task;
      task.prevLive = tail;
    }
    this.liveTail = task;
    this.schedule(task);
  }

  /** @internal a task was marked scheduled: queue it and make sure a turn is coming. */
  schedule(task: Task<any>): void {
    this.queue.push(task);
    if (!this.ticking && !this.turnPending) {
      this.turnPending = true;
      queueMicrotask(this.tickFn);
    }
  }

  /** @internal */
  taskCompleted(task: Task<any>): void {
    const prev = task.prevLive;
    const next = task.nextLive;
    if (prev === null) this.liveHead = next;
    else prev.nextLive = next;
    if (next === null) this.liveTail = prev;
    else next.prevLive = prev;
    task.prevLive = task.nextLive = null;
    this.liveCount--;
    const error = task.error;
    if (error !== null && error.isPanic() && !task.observed) this.unhandledPanic(task, error);
  }

  private unhandledPanic(task: Task<any>, error: JoinError): void {
    const mode = this.options.unhandledPanic;
    if (mode === "ignore") return;
    if (mode === "shutdown" && !task.isCleanup) {
      if (this.fatal === null) this.fatal = error;
      this.beginShutdown();
      return;
    }
    const cause = error.cause;
    const detail = cause instanceof Error && cause.stack ? cause.stack : String(cause);
    console.error(
      `brigade: ${task.isCleanup ? "the cleanup of a dropped future" : `task '${task.name}'`} panicked and nobody awaits it: ${detail}`,
    );
  }

  /** One executor turn: poll up to `eventInterval` queued tasks. */
  private tick(): void {
    this.turnPending = false;
    if (this.ticking) return;
    this.ticking = true;
    const outerSpawner = spawnerAmbient.current;
    const outerHost = ambient.host;
    const outerDriver = timeAmbient.driver;
    spawnerAmbient.current = this;
    ambient.host = this;
    timeAmbient.driver = this;
    const queue = this.queue;
    const rng = this.rng;
    let left = this.options.eventInterval;
    try {
      while (left > 0) {
        const task = rng === null ? queue.shift() : queue.shiftAt(rng.below(queue.length));
        if (task === undefined) break;
        if ((task.state & COMPLETE) !== 0) continue;
        left--;
        this.polls++;
        task.run();
      }
    } finally {
      spawnerAmbient.current = outerSpawner;
      ambient.host = outerHost;
      timeAmbient.driver = outerDriver;
      this.ticking = false;
    }
    if (queue.length > 0) {
      // Work remains: let Node's timers and I/O run first.
      this.eventLoopYields++;
      this.turnPending = true;
      macrotask(this.tickFn);
    } else if (this.lifecycle === SHUTTING_DOWN && this.liveCount === 0) {
      this.finishShutdown();
    }
  }

  /** @internal a bridged promise started. */
  bridgeOpened(): void {
    this.bridges++;
  }

  /** @internal a bridged promise settled or was dropped. */
  bridgeClosed(): void {
    this.bridges--;
  }

  /** @internal */
  timerOpened(): void {
    this.timers++;
  }

  /** @internal */
  timerClosed(): void {
    this.timers--;
  }

  /**
   * A snapshot of the runtime's counters.
   *
   * @example
   * ```ts
   * await rt.shutdown();
   * rt.metrics().liveTasks; // 0
   * ```
   */
  metrics(): RuntimeMetrics {
    return {
      liveTasks: this.liveCount,
      spawnedTotal: this.spawned,
      pollsTotal: this.polls,
      queueDepth: this.queue.length,
      liveTimers: this.timers,
      pendingBridges: this.bridges,
      eventLoopYields: this.eventLoopYields,
      budgetForcedYields: budgetForcedYields() - this.budgetYieldsAtStart,
    };
  }

  /**
   * Shut down: abort every live task (their `finally` blocks run, awaiting cleanups finish) and
   * resolve once none is left. Tasks spawned afterwards are aborted at once.
   *
   * @example
   * ```ts
   * const rt = new Runtime();
   * rt.spawn(serveForever());
   * await rt.shutdown(); // serveForever's finally blocks have run
   * ```
   */
  shutdown(): Promise<void> {
    this.beginShutdown();
    return this.drainedPromise!;
  }

  private beginShutdown(): void {
    if (this.drainedPromise === null) {
      this.drainedPromise = new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
    if (this.lifecycle !== OPEN) return;
    this.lifecycle = SHUTTING_DOWN;
    // Abort from the oldest task on; cleanup tasks are never aborted: they are the teardown.
    const outerSpawner = spawnerAmbient.current;
    spawnerAmbient.current = this;
    try {
      for (let t = this.liveHead; t !== null; ) {
        const next = t.nextLive;
        if (!t.isCleanup) t.abort();
        t = next;
      }
    } finally {
      spawnerAmbient.current = outerSpawner;
    }
    if (this.liveCount === 0) this.finishShutdown();
    else if (!this.ticking && !this.turnPending && this.queue.length > 0) {
      this.turnPending = true;
      queueMicrotask(this.tickFn);
    }
  }

  private finishShutdown(): void {
    if (this.lifecycle === CLOSED) return;
    this.lifecycle = CLOSED;
    this.drained?.();
    this.drained = null;
  }

  /** @internal run `main` to its end, then shut down (what `run()` does). */
  async runMain<T>(main: Future<T>, signal: AbortSignal | undefined): Promise<T> {
    const handle = this.spawn(
      main,
      signal === undefined ? { name: "main" } : { name: "main", signal },
    );
    let value: T | undefined;
    let failure: { error: unknown } | null = null;
    try {
      value = await handle;
    } catch (e) {
      failure = { error: e instanceof JoinError && e.isPanic() ? e.cause : e };
    }
    await this.shutdown();
    if (this.fatal !== null) throw this.fatal;
    if (failure !== null) throw failure.error;
    return value as T;
  }
}

function checkName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== "string") {
    throw new TypeError(`spawn options.name must be a string, got ${typeof name}`);
  }
  return name;
}

function linkSignal(task: Task<any>, signal: AbortSignal): void {
  if (
    typeof signal !== "object" ||
    signal === null ||
    typeof signal.addEventListener !== "function"
  ) {
    throw new TypeError("spawn options.signal must be an AbortSignal");
  }
  if (signal.aborted) {
    task.abort();
    return;
  }
  const onAbort = () => task.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  task.unlinkSignal = () => signal.removeEventListener("abort", onAbort);
}

/**
 * Run `main` on a new runtime: Brigade's `#[tokio::main]`. Resolves with main's value, or rejects
 * with what main threw. When main ends, every task still alive is aborted and its cleanup finishes
 * before the promise settles.
 *
 * @example
 * ```ts
 * const dishes = await run(asyncBlock(function* () {
 *   return yield* join(cookDish("Pasta", 3000), cookDish("Salad", 2000));
 * }));
 * ```
 */
export function run<T>(main: Future<T>, options?: RunOptions): Promise<T> {
  assertFuture(main, "run(main): main");
  const rt = new Runtime(options);
  return rt.runMain(main, options?.signal);
}
