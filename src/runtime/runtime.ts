/**
 * Runtime: the restaurant's manager. It keeps the run queue of chefs ready for their next step,
 * polls them in turn, and parks on Node's event loop when nobody is ready.
 *
 * The executor loop (`tick`):
 * - A wake from outside a poll (a timer, a settled promise, a Node callback) queues the task and,
 *   if no turn is scheduled, schedules one as a microtask: a wake never waits for a macrotask.
 * - A turn polls queued tasks, up to `eventInterval` of them (tokio's 61). If work remains, the
 *   next turn follows as a microtask while the current slice of the event loop's time is under
 *   1 ms, and as a macrotask (`setImmediate`) once it is spent, so Node's timers and I/O run at
 *   least every millisecond and a task that yields forever cannot starve them. (A macrotask hop
 *   costs ~1 µs; paying it after every 61 polls would cost more than the polls.)
 * - The slice is the thread's, shared by every runtime on it (event-loop-slice.ts), and lasts
 *   across turns that empty the queue, as long as the next one follows within the slice (a gap as
 *   long as a slice means the event loop has had its chance). Turns chained by wakes from
 *   microtasks (a promise already resolved, the task of another runtime on the thread: two
 *   runtimes passing a message back and forth) would otherwise keep Node's timers waiting for ever,
 *   each turn leaving nothing queued: once such a chain has made `eventInterval` polls, a
 *   macrotask is queued that ends the slice; if the slice is spent before it has run
 *   (the event loop had no turn), the next wake's turn of a runtime whose turn spent it is a
 *   macrotask too (another runtime, woken from a timer or a socket, goes on at once).
 * - Each task poll starts with a fresh cooperative budget (`task/budget.ts`).
 *
 * The reactor half (timers, promises, I/O) meets this loop only through wakers (DESIGN.md,
 * decision 7): it calls `waker.wake()`, which is `Task.wake`, which calls `schedule`.
 *
 * Around the loop, each in its own file: shutdown and `run()`'s main (lifecycle.ts), the "all
 * asleep" check when the queue empties (idle.ts), and how diagnostics attach (instrumentation.ts).
 */

import { ambient } from "../future/ambient.js";
import { type Cleanup, cancel } from "../future/cancel.js";
import type { Future } from "../future/future.js";
import { assertFuture } from "../future/future.js";
import { SPAWNED_IN_SHUTDOWN } from "../task/abort-why.js";
import { budgetForcedYields, leaveBudget } from "../task/budget.js";
import { JoinError } from "../task/join-error.js";
import type { JoinHandle } from "../task/join-handle.js";
import { RuntimeStateError } from "../task/runtime-state-error.js";
import { type SpawnOptions, spawnerAmbient } from "../task/spawn.js";
import { COMPLETE } from "../task/state.js";
import { Task } from "../task/task.js";
import { thrownDetail } from "../task/thrown.js";
import { hostNow } from "../time/clock.js";
import { TimeDriver, timeAmbient } from "../time/driver.js";
import type { BlockingPool } from "./blocking-pool.js";
import { dumpTasks, type TaskDump } from "./dump.js";
import { eventLoopSlice } from "./event-loop-slice.js";
import type { InstrumentListener, RuntimeEvent } from "./events.js";
import { checkIdle, othersMayBeStuck, registerRuntime } from "./idle.js";
import { attachFromOptions, attachProbe, detachProbe, raiseWarning } from "./instrumentation.js";
import {
  beginShutdown,
  CLOSED,
  checkShutdownTimeout,
  drainedPromiseOf,
  finishShutdown,
  limitShutdown,
  OPEN,
  runMain,
  SHUTTING_DOWN,
  type ShutdownOptions,
  unhandledPanic,
} from "./lifecycle.js";
import { LiveTasks } from "./live-tasks.js";
import { LongPollWatch, longPollMessage, MAX_SUSPECTS } from "./long-poll.js";
import { macrotask } from "./macrotask.js";
import type { RuntimeMetrics } from "./metrics.js";
import { microtask } from "./microtask.js";
import { OpenBridges } from "./open-bridges.js";
import { checkKeys, checkObject } from "./option-checks.js";
import {
  type ResolvedOptions,
  type RunOptions,
  type RuntimeOptions,
  resolveOptions,
  splitRunOptions,
} from "./options.js";
import { callerLocation, type Probe, type TaskStats } from "./probe.js";
import { Rng } from "./rng.js";
import { RunQueue } from "./run-queue.js";
import { checkName, checkSignal, checkSpawnOptions, linkSignal } from "./spawn-options.js";
import { type TraceFile, traceEvents } from "./trace.js";
import type { Watchdog } from "./watchdog.js";

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
export class Runtime {
  // A `Spawner` (src/task/spawn.ts) and a `Scheduler` for its tasks, structurally: those members
  // are marked internal, left out of the published types, so the class does not name the
  // interfaces there.
  // Fields marked @internal are read and written by the runtime's own files (lifecycle.ts,
  // idle.ts, instrumentation.ts, watchdog.ts); their order is the object's shape: keep it.
  /** @internal tasks ready for a poll, in order. */
  readonly queue = new RunQueue();
  /** @internal the options, checked and with defaults. */
  readonly options: ResolvedOptions;
  private readonly rng: Rng | null;
  private readonly tickFn: () => void;
  /**
   * The generation of the thread's slice (event-loop-slice.ts) in which a turn of this runtime
   * ended a spent slice, or -1: while that slice lasts, the next turn is a macrotask.
   */
  private hopMark = -1;
  /** A turn run as a macrotask: the event loop has had its turn, so the thread's slice closes. */
  private readonly hopFn = (): void => {
    eventLoopSlice.close();
    this.tickFn();
  };
  /** A turn is scheduled (microtask or macrotask) and has not started. */
  private turnPending = false;
  /** A turn is running. */
  private ticking = false;
  /** @internal `OPEN`, `SHUTTING_DOWN` or `CLOSED` (lifecycle.ts), only ever forward. */
  lifecycle = OPEN;
  private nextId = 1;
  /** @internal the live tasks: their count, and the list of those that have gone idle. */
  readonly live = new LiveTasks();
  private spawned = 0;
  /** @internal polls so far. */
  polls = 0;
  /** @internal the timer half of the reactor: the clock, the timer wheel, the host timer. */
  readonly timeDriver: TimeDriver;
  /** @internal bridged promises in flight (`fromPromise`, a connect, an accept). */
  bridges = 0;
  /** @internal the bridges made by `openBridge()` still open, named in reports. */
  readonly openBridges = new OpenBridges();
  /** @internal tasks linked to an AbortSignal not yet aborted: native code may still cancel them. */
  signalLinks = 0;
  /**
   * @internal tasks waiting on a peer's I/O (src/stream/source-wait.ts): they can be woken, but
   * may wait forever.
   */
  ioWaits = 0;
  private waiters = 0;
  private eventLoopYields = 0;
  /** Polls of this runtime's tasks that the cooperative budget cut short. */
  private budgetYields = 0;
  /** @internal what `run()` rejects with over main's own outcome: a deadlock, an unhandled panic. */
  fatal: Error | null = null;
  /** Diagnostics, when attached (see probe.ts). Read by every task on every poll and wake. */
  probe: Probe | null = null;
  /**
   * The blocked-loop watchdog's view (see watchdog.ts): index 0 holds the id of the
   * task being polled (0 between polls), index 1 counts polls. `null` when no watchdog runs.
   */
  heartbeat: Int32Array | null = null;
  /** @internal the blocked-loop watchdog, when one runs; it learns each task's name on spawn. */
  watchdog: Watchdog | null = null;
  /** @internal the `spawnBlocking` thread pool (src/runtime/blocking-pool.ts), once made. */
  blockingPool: BlockingPool | null = null;
  /** The task being polled right now, if any. */
  private polling: Task<any> | null = null;
  /** The name of the task `cancelWithin` is tearing down right now (see `trackBridge`). */
  private tearingDown: string | null = null;
  /** @internal the long-poll check (see long-poll.ts). */
  readonly longPolls: LongPollWatch;
  /** @internal the task `run()` drives; its pendency is what makes "all asleep" a deadlock. */
  mainTask: Task<any> | null = null;
  /** @internal an idle check waits for the event loop's verdict (idle.ts). */
  idleCheckPending = false;
  /** A look at whether main is stuck is queued after a wait ended outside a turn (`recheckIdle`). */
  private idleRecheckQueued = false;
  /** Draws the first branch of fair combinators when the runtime has no seed. */
  private readonly fairRng = new Rng(0x5eed);
  private readonly locations = new Map<number, string>();
  /** Ids of tasks that finished in the current turn, whose locations go once the turn is checked. */
  private readonly finishedLocations: number[] = [];
  /** @internal every event so far, when the `trace` option is on. */
  recorded: RuntimeEvent[] | null = null;
  /** @internal settles the promise of `shutdown()` (rejects when it could not finish). */
  drained: ((error: Error | null) => void) | null = null;
  /** @internal the host timers of `shutdown({ timeout })`, while shutting down. */
  shutdownTimers: ReturnType<typeof setTimeout>[] | null = null;
  /** @internal what parts outside the core hold until the runtime closes (see `atClose`). */
  closers: (() => void)[] | null = null;
  /** @internal the promise every `shutdown()` call returns. */
  drainedPromise: Promise<void> | null = null;
  /** @internal this runtime in the set of runtimes whose tasks may wake each other (idle.ts). */
  readonly registration: WeakRef<Runtime>;

  /** @internal whether the deadlock checks are on, for the locks (see `Scheduler`). */
  get detectsDeadlocks(): boolean {
    return this.options.detectDeadlocks;
  }

  constructor(options?: RuntimeOptions) {
    this.options = resolveOptions(options);
    this.rng = this.options.seed === undefined ? null : new Rng(this.options.seed);
    this.tickFn = () => {
      try {
        this.tick();
      } catch (e) {
        // A turn catches what tasks throw; what escapes it (a throwing waker, a bug) must crash
        // the process as an uncaught exception, as it did when turns were queueMicrotask jobs,
        // not become an unhandled rejection of the promise the turn was chained to (microtask.ts).
        queueMicrotask(() => {
          throw e;
        });
      }
    };
    this.longPolls = new LongPollWatch(
      this.options.longPollMs,
      (task, took) =>
        raiseWarning(
          this,
          "long-poll",
          task,
          longPollMessage(task, took, this.locations.get(task.id), task === this.mainTask),
        ),
      (message) => raiseWarning(this, "long-poll", null, message),
    );
    this.timeDriver = new TimeDriver(this.options.clock, {
      isQuiescent: () =>
        this.queue.length === 0 &&
        !this.turnPending &&
        !this.ticking &&
        this.bridges === 0 &&
        this.lifecycle !== CLOSED,
      macrotask,
      ioWaiting: () => this.ioWaits > 0,
      heldByBridges: () =>
        this.queue.length === 0 && !this.turnPending && !this.ticking && this.lifecycle !== CLOSED
          ? this.bridges
          : 0,
      clockHeld: (message) =>
        raiseWarning(
          this,
          "clock-held",
          null,
          `${message}.${this.openBridges.note(
            "reply",
            "A leaf closes its bridge when its callback fires and when it is dropped; one it forgot to close holds the clock for good.",
          )}`,
        ),
    });
    attachFromOptions(this);
    this.registration = registerRuntime(this);
  }

  /** @internal the `blockingThreads` option, for the blocking pool. */
  get blockingThreads(): number | undefined {
    return this.options.blockingThreads;
  }

  /**
   * Attach an instrumentation listener: it receives every runtime event from now on. Returns the
   * function that detaches it.
   *
   * @example
   * ```ts
   * const events: RuntimeEvent[] = [];
   * const stop = rt.instrument((e) => events.push(e));
   * ```
   */
  instrument(listener: InstrumentListener): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        `rt.instrument(listener): listener must be a function, got ${typeof listener}`,
      );
    }
    const probe = this.probe ?? attachProbe(this);
    const unsubscribe = probe.subscribe(listener);
    return () => {
      unsubscribe();
      // The last listener gone: back to one null check per poll, and no events built.
      if (probe.listenerCount === 0 && this.probe === probe) detachProbe(this);
    };
  }

  /**
   * The run so far as a Chrome Trace Event file (open it in Perfetto or chrome://tracing): one
   * track per task, polls as slices, wakes as flow arrows. Needs the `trace` option.
   *
   * @example
   * ```ts
   * const rt = new Runtime({ trace: true });
   * await rt.spawn(main);
   * await writeFile("kitchen.json", JSON.stringify(rt.traceEvents())); // node:fs/promises
   * ```
   */
  traceEvents(): TraceFile {
    if (this.recorded === null) {
      throw new RuntimeStateError(
        "rt.traceEvents() needs the runtime to record: create it with new Runtime({ trace: true })",
      );
    }
    return traceEvents(this.recorded);
  }

  /**
   * The runtime's clock, in milliseconds since it was created (virtual when paused).
   *
   * @example
   * ```ts
   * const t0 = rt.now();
   * await rt.spawn(cookDish("Soup", 1000));
   * console.log(`the soup took ${rt.now() - t0} ms`); // 1000 exactly on a paused clock
   * ```
   */
  now(): number {
    return this.timeDriver.now() - this.timeDriver.origin;
  }

  /**
   * Per-task statistics (tokio-console's columns: polls, busy, scheduled and idle time, wakes,
   * self-wakes) for every task spawned since instrumentation was attached; empty without it.
   *
   * @example
   * ```ts
   * const rt = new Runtime({ instrument: () => {} });
   * // … later
   * for (const t of rt.taskStats()) console.log(t.name, t.polls, t.busyMs);
   * ```
   */
  taskStats(): TaskStats[] {
    return this.probe === null ? [] : this.probe.stats();
  }

  /**
   * Every live task with its await tree. `String(rt.dump())` draws them.
   *
   * @example
   * ```ts
   * console.log(String(rt.dump()));
   * // task 2 'table 1' (idle)
   * // └─ serveTable
   * //    └─ sleep until t=3000 ms
   * ```
   */
  dump(): TaskDump {
    return dumpTasks(this.liveTasks());
  }

  /** @internal every live task, in spawn order. */
  liveTasks(): Task<any>[] {
    return this.live.gather(this.queue, this.polling);
  }

  /** @internal a poll returned pending without taking its waker. */
  lostWaker(task: Task<any>): void {
    if (task.future === null) return;
    raiseWarning(
      this,
      "lost-waker",
      task,
      `task '${task.name}' returned Pending without reading cx.waker: nothing can ever wake it (a future must store cx.waker before returning PENDING)`,
    );
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
      throw new RuntimeStateError(
        "Runtime.current() was called outside a Brigade runtime: call it from inside a task",
      );
    }
    return s as Runtime;
  }

  /**
   * Spawn `future` as a task on this runtime, from anywhere (inside or outside a task).
   *
   * @example
   * ```ts
   * const handle = rt.spawn(cookDish("Soup", 1000), { name: "table 1" });
   * console.log(await handle); // "Dish: Soup"
   * ```
   */
  spawn<T>(future: Future<T>, options?: SpawnOptions): JoinHandle<T> {
    assertFuture(future, "rt.spawn(future): future");
    return this.spawnTask(future, options).asHandle();
  }

  /** @internal the one place tasks are made. */
  spawnTask<T>(future: Future<T>, options: SpawnOptions | undefined): Task<T> {
    // No name given: the task makes `task <id>` only if asked (no string per spawn). The options
    // are checked before the task exists: a spawn that fails spawns nothing.
    let name: string | null = null;
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      checkSpawnOptions(options, "spawn(future, options): options");
      name = checkName(options.name) ?? null;
      signal = checkSignal(options.signal);
    }
    const id = this.nextId++;
    const task = new Task<T>(id, name, future, this, null, false);
    if (this.probe !== null || this.options.spawnLocations) this.announce(task);
    this.admit(task);
    if (signal !== undefined) linkSignal(this, task, signal);
    if (this.lifecycle !== OPEN) task.abortAs(SPAWNED_IN_SHUTDOWN);
    return task;
  }

  /** @internal finish a dropped future's async cleanup as a detached task. */
  spawnCleanup(cleanup: Future<void>, owner: unknown): void {
    const id = this.nextId++;
    const task = new Task<void>(id, null, cleanup as Cleanup, this, owner, true);
    task.observed = false;
    if (this.probe !== null) this.announce(task);
    this.admit(task);
  }

  /** Tell the probe about a new task, with its parent and spawn location. */
  private announce(task: Task<any>): void {
    const location = this.options.spawnLocations ? callerLocation() : null;
    if (location !== null) this.locations.set(task.id, location);
    this.probe?.spawned(task, this.polling, location);
  }

  private admit(task: Task<any>): void {
    if (this.watchdog !== null) this.watchdog.nameTask(task.id, task.name);
    this.spawned++;
    this.live.count++;
    this.schedule(task);
  }

  /** @internal a poll left `task` idle for the first time: put it on the list of live tasks. */
  list(task: Task<any>): void {
    this.live.list(task);
  }

  /** @internal a task was marked scheduled: queue it and make sure a turn is coming. */
  schedule(task: Task<any>): void {
    this.queue.push(task);
    if (!this.ticking && !this.turnPending) {
      this.turnPending = true;
      // One flag read per turn scheduled from outside one, not per wake (event-loop-slice.ts).
      if (eventLoopSlice.mustHop(this.hopMark)) this.yieldToEventLoop();
      else microtask(this.tickFn);
    }
  }

  /** The next turn waits for Node's timers and I/O: a macrotask, which starts a new slice. */
  private yieldToEventLoop(): void {
    this.eventLoopYields++;
    this.probe?.eventLoopYield();
    macrotask(this.hopFn);
  }

  /** @internal */
  taskCompleted(task: Task<any>): void {
    this.live.completed(task);
    // Finished outside a turn (aborted from native code): what it waited on is gone with it.
    if (!this.ticking) this.recheckIdle();
    if (this.probe !== null) this.probe.completed(task);
    let spawnedAt: string | undefined;
    if (this.locations.size > 0) {
      spawnedAt = this.locations.get(task.id);
      if (this.ticking) this.finishedLocations.push(task.id);
      else this.locations.delete(task.id);
    }
    const error = task.error;
    if (error !== null && error.isPanic() && !task.observed) {
      // `await handle` calls `then()` a job after the await begins, and that job may itself be
      // queued behind one the await needs first (a handle aborted from native code panics at
      // once, inside `abort()`, before the caller's `await h` has run): look again two microtask
      // hops later, once `then()` has had its chance.
      queueMicrotask(() => {
        queueMicrotask(() => {
          if (!task.observed) this.unhandledPanic(task, error, spawnedAt);
        });
      });
    }
  }

  private forgetFinishedLocations(): void {
    for (const id of this.finishedLocations) this.locations.delete(id);
    this.finishedLocations.length = 0;
  }

  /** @internal a JoinSet let a member's panic go without anyone taking it (see `detachAll`). */
  panicLeftUntaken(task: Task<any>): void {
    const error = task.error;
    if (error === null || !error.isPanic()) return;
    unhandledPanic(this, task, error, "panicked, and its JoinSet let the outcome go untaken");
  }

  /** @internal a cleanup given up on threw as it was left (see `Task.abandon`). */
  cleanupLeftFailed(task: Task<any>, error: unknown): void {
    const mode = this.options.unhandledPanic;
    if (mode === "ignore") return;
    if (typeof mode === "function") {
      // Told as a panic of the task whose cleanup it was: the monitor's one kind of report.
      unhandledPanic(this, task, JoinError.panic(task.id, task.name, error));
      return;
    }
    const who = task.isCleanup ? "the cleanup of a dropped future" : `task '${task.name}'`;
    console.error(
      `brigade: ${who} was given up on while cleaning up, and a finally block threw as it was left: ${thrownDetail(error)}`,
    );
  }

  /** A panic nobody awaits: the `unhandledPanic` option says what follows (lifecycle.ts). */
  private unhandledPanic(task: Task<any>, error: JoinError, spawnedAt: string | undefined): void {
    unhandledPanic(this, task, error, undefined, spawnedAt);
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
    timeAmbient.driver = this.timeDriver;
    const queue = this.queue;
    const rng = this.rng;
    const hb = this.heartbeat;
    // Each turn is timed (two clock reads per turn, not per poll): for the slice of the event
    // loop's time it may take, and for the long-poll check unless the probe already times every
    // poll (or, while hunting a culprit, each poll is timed on its own).
    const turnStart = hostNow();
    const slice = eventLoopSlice;
    slice.beginTurn(turnStart);
    const longPolls = this.longPolls;
    const timeTurn =
      this.probe === null &&
      longPolls.hunting === 0 &&
      longPolls.thresholdMs !== Number.POSITIVE_INFINITY;
    const suspects = longPolls.turn;
    let polled = 0;
    let left = this.options.eventInterval;
    const yieldsBefore = budgetForcedYields();
    try {
      while (left > 0) {
        const task = rng === null ? queue.shift() : queue.shiftAt(rng.below(queue.length));
        if (task === undefined) break;
        if ((task.state & COMPLETE) !== 0) continue;
        left--;
        this.polls++;
        this.polling = task;
        if (hb !== null) {
          // Plain stores: the watchdog only samples these aligned words, and a read of one is
          // never torn; Atomics calls cost several times more on this path.
          hb[0] = task.id;
          hb[1] = (hb[1]! + 1) | 0;
        }
        // While hunting a culprit, time each poll, unless the probe already times every poll.
        if (timeTurn && polled < MAX_SUSPECTS) suspects[polled] = task;
        if (longPolls.hunting > 0 && this.probe === null) longPolls.runTimed(task);
        else task.run();
        polled++;
      }
    } finally {
      if (hb !== null) hb[0] = 0;
      this.polling = null;
      this.budgetYields += budgetForcedYields() - yieldsBefore;
      leaveBudget();
      if (this.probe !== null) this.probe.turnEnded();
      // Drop the reference to the last suspended future, or an idle runtime stays reachable.
      ambient.suspended = null;
      spawnerAmbient.current = outerSpawner;
      ambient.host = outerHost;
      timeAmbient.driver = outerDriver;
      this.ticking = false;
      slice.leaveTurn();
    }
    const turnEnd = hostNow();
    // Before afterTurn: the macrotask it may queue to end the slice must run before afterTurn's.
    if (slice.endTurn(turnEnd, polled, queue.length === 0, this.options.eventInterval)) {
      this.hopMark = slice.generation;
    }
    if (timeTurn) longPolls.turnEnded(turnEnd - turnStart, polled, turnEnd);
    // The spawn locations of the tasks that finished in this turn are kept until its long-poll
    // check has run: a task that blocks in its last poll is still named with where it was spawned.
    if (this.finishedLocations.length > 0) this.forgetFinishedLocations();
    this.timeDriver.afterTurn(queue.length === 0);
    if (queue.length > 0) {
      // Timers that afterTurn fired (see TimeDriver.holdThread) may have scheduled a turn already.
      if (this.turnPending) return;
      this.turnPending = true;
      if (!slice.spent(turnEnd)) {
        // Work remains and the slice is young: the next turn follows as a microtask.
        microtask(this.tickFn);
      } else {
        // The slice is spent: let Node's timers and I/O run first.
        this.yieldToEventLoop();
      }
      return;
    }
    if (this.lifecycle === SHUTTING_DOWN && this.live.count === 0) {
      this.finishShutdown();
    } else {
      this.idle();
    }
  }

  /** Nothing is runnable: if main waits on what nothing can wake, a deadlock (idle.ts). */
  private idle(): void {
    checkIdle(this);
    // Out of work: a runtime whose check waited for this one to stop moving looks again.
    othersMayBeStuck(this, null);
  }

  /** @internal where a fair combinator starts (see `Host.fairStart`). */
  fairStart(n: number): number {
    return (this.rng ?? this.fairRng).below(n);
  }

  /** @internal a task began waiting on a socket (not a deadlock; does not hold the paused clock). */
  ioWaitOpened(): void {
    this.ioWaits++;
  }

  /** @internal that wait ended (woken or dropped). */
  ioWaitClosed(): void {
    this.ioWaits--;
  }

  /** @internal a bridge made by `openBridge()` opened or closed (see `OpenBridges`). */
  trackBridge(bridge: { readonly kind: "reply" | "event" }, open: boolean): void {
    // Opened by a task's teardown (run inside whoever aborted it, maybe another task's poll), or
    // by a task's poll.
    if (open) this.openBridges.open(bridge, this.tearingDown ?? this.polling?.name ?? null);
    else this.openBridges.close(bridge);
  }

  /**
   * @internal a wait ended outside any turn, maybe with nobody woken (a bridge closed by a host
   * callback, a task aborted from native code): nothing else would look again whether main is
   * stuck, so look once the current job is done (by then a wake that came with it has queued a
   * turn, which checks when it ends).
   */
  recheckIdle(): void {
    if (this.ticking || this.turnPending || this.idleRecheckQueued) return;
    this.idleRecheckQueued = true;
    microtask(() => {
      this.idleRecheckQueued = false;
      if (!this.ticking && !this.turnPending && this.queue.length === 0) this.idle();
    });
  }

  /**
   * @internal start tearing `future` down as if inside a turn of this runtime: its `finally`
   * blocks can use timers, spawn cleanups and reach the host, even when `abort()` or `shutdown()`
   * is called from native code.
   */
  cancelWithin(future: unknown, task?: { readonly name: string }): Cleanup | null {
    const outerSpawner = spawnerAmbient.current;
    const outerHost = ambient.host;
    const outerDriver = timeAmbient.driver;
    const outerTearing = this.tearingDown;
    this.tearingDown = task?.name ?? null;
    // What the teardown's own awaits leave in `suspended` is not the caller's: put the caller's
    // back (from native code, none: the torn-down futures must not stay reachable from it).
    const outerSuspended = ambient.suspended;
    spawnerAmbient.current = this;
    ambient.host = this;
    timeAmbient.driver = this.timeDriver;
    try {
      return cancel(future);
    } finally {
      spawnerAmbient.current = outerSpawner;
      ambient.host = outerHost;
      timeAmbient.driver = outerDriver;
      ambient.suspended = outerSuspended;
      this.tearingDown = outerTearing;
    }
  }

  /** @internal a bridged promise started. */
  bridgeOpened(): void {
    this.bridges++;
  }

  /** @internal a bridged promise settled or was dropped. */
  bridgeClosed(): void {
    this.bridges--;
    // Closed outside a turn, maybe with nobody woken (the task that started a file write has
    // finished): nothing else would look again whether the paused clock may move.
    // Progress: whatever held a paused clock still, the watch starts over (held-watch.ts).
    this.timeDriver.bridgeSettled();
    if (this.bridges !== 0) return;
    if (!this.ticking && !this.turnPending) this.timeDriver.afterTurn(true);
  }

  /** @internal a future joined a sync/channel waiter queue (src/sync/waiter.ts). */
  waiterOpened(): void {
    this.waiters++;
  }

  /** @internal a future left a sync/channel waiter queue. */
  waiterClosed(): void {
    this.waiters--;
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
      liveTasks: this.live.count,
      spawnedTotal: this.spawned,
      pollsTotal: this.polls,
      queueDepth: this.queue.length,
      liveTimers: this.timeDriver.liveTimers,
      pendingBridges: this.bridges,
      liveWaiters: this.waiters,
      ioWaits: this.ioWaits,
      eventLoopYields: this.eventLoopYields,
      budgetForcedYields: this.budgetYields,
    };
  }

  /**
   * Shut down: abort every live task (their `finally` blocks run, awaiting cleanups finish) and
   * resolve once none is left. Tasks spawned afterwards are aborted at once. Rejects, with the
   * runtime closed all the same, when cleanups cannot finish: they wait on nothing that can wake
   * them (a `DeadlockError`), or `options.timeout` ran out (a `ShutdownTimeoutError`); see
   * lifecycle.ts. Rejects too when the runtime ended itself for a fatal error: the `JoinError` of
   * a panic nothing awaited, under `unhandledPanic: "shutdown"`.
   *
   * @example
   * ```ts
   * const rt = new Runtime();
   * rt.spawn(serveForever());
   * await rt.shutdown({ timeout: 5000 }); // serveForever's finally blocks have run
   * ```
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    checkObject(options, "shutdown(options): options");
    if (options !== undefined) {
      checkKeys(options, "shutdown(options): options", ["timeout"], "a shutdown option");
    }
    const timeout = checkShutdownTimeout(options?.timeout, "shutdown(options): options.timeout");
    beginShutdown(this);
    limitShutdown(this, timeout);
    return this.drainedPromise!;
  }

  /**
   * A promise of the runtime's end, however it comes: `shutdown()`, or the runtime ending itself
   * for a fatal error (a panic nobody awaited, under `unhandledPanic: "shutdown"`; a deadlock). It
   * settles as `shutdown()`'s does: resolved once every task has ended, rejected with what ended
   * the runtime. Starts nothing: for a server whose entry points are native code, to stop serving
   * when the runtime is gone (its `spawn` then gives tasks that are cancelled at once).
   *
   * @example
   * ```ts
   * const rt = new Runtime({ unhandledPanic: "shutdown" });
   * rt.closed().catch((e) => {
   *   console.error("the kitchen closed:", e);
   *   server.close();
   * });
   * ```
   */
  closed(): Promise<void> {
    return drainedPromiseOf(this);
  }

  /** @internal the queue has tasks that a turn must poll: make sure one is coming. */
  ensureTurn(): void {
    if (!this.ticking && !this.turnPending && this.queue.length > 0) {
      this.turnPending = true;
      microtask(this.tickFn);
    }
  }

  /** The last task is gone: close (lifecycle.ts). */
  private finishShutdown(): void {
    finishShutdown(this);
  }
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
  // The runtime takes exactly its own keys: `signal` and `shutdownTimeout` stay here.
  const own = splitRunOptions(options);
  const timeout = checkShutdownTimeout(own.shutdownTimeout, "options.shutdownTimeout");
  const signal = checkSignal(own.signal, "run(main, options): options.signal");
  return runMain(new Runtime(own.runtime), main, signal, timeout);
}
