/**
 * Child: a process started by `Command.spawn()`, tokio's `process::Child`. A cook hired from
 * outside the kitchen: the brigade talks to them through three hatches (stdin, stdout, stderr, each
 * an `AsyncWrite` or `AsyncRead` when piped) and a pager rings when they leave (`wait()`).
 *
 * Dropping is not waiting: disposing a `Child` lets its process run on (and lets this program exit
 * without it, as an orphan), unless the command said `killOnDrop(true)`, which sends `SIGKILL`.
 * The hatches still held by the `Child` are closed either way; take one out first
 * (`const out = child.stdout; child.stdout = null;`) to keep it past the `Child`.
 *
 * Waiting for a process to exit is an outside wait, as a socket's read is: the runtime's "all
 * tasks asleep" check sees it, and it does not hold the paused clock back (the process may run
 * for as long as it likes).
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { markOwned } from "../../future/cancel.js";
import type { Context } from "../../future/context.js";
import { PENDING, type Poll } from "../../future/poll.js";
import { pollProceed } from "../../task/budget.js";
import { IoError } from "../error.js";
import { IoFuture } from "../io-future.js";
import { IoWaitSlot } from "../io-wait-slot.js";
import type { NodeReader } from "../node-reader.js";
import type { NodeWriter } from "../node-writer.js";
import { processCounters } from "./counters.js";
import { ExitStatus } from "./exit-status.js";

// The child's life, as this program sees it, in this order.
const STARTING = 0; // spawn() returned, but Node has not said whether the program started
const RUNNING = 1; // it has a pid and has not exited
const EXITED = 2; // 'exit' seen: `status` is set
const FAILED = 3; // it never started: `failure` is set

export class Child implements Disposable {
  /** The child's stdin when the command said `stdin("piped")`, else `null`. */
  stdin: NodeWriter | null;
  /** The child's stdout when the command said `stdout("piped")`, else `null`. */
  stdout: NodeReader | null;
  /** The child's stderr when the command said `stderr("piped")`, else `null`. */
  stderr: NodeReader | null;
  private state: number;
  private status: ExitStatus | null = null;
  private failure: IoError | null = null;
  private disposed = false;
  /** What Node reported while `startKill` sent its signal (emitted, not thrown), if anything. */
  private killError: unknown = undefined;
  private readonly slot: IoWaitSlot;
  /**
   * @internal the future polling this child right now (`wait()`, `kill()`), else null: whoever
   * parks records it, the only future allowed to take that wait back.
   */
  poller: unknown = null;

  /** Not for direct use: made by `Command.spawn()`. */
  constructor(
    private readonly proc: ChildProcess,
    /** What the errors call it: `'ls -l'`. */
    private readonly label: string,
    private readonly killsOnDrop: boolean,
    stdio: [NodeWriter | null, NodeReader | null, NodeReader | null],
  ) {
    [this.stdin, this.stdout, this.stderr] = stdio;
    // Node says a program could not start (ENOENT, EACCES) with an 'error' on the next tick, and
    // leaves the pid unset meanwhile.
    this.state = proc.pid === undefined ? STARTING : RUNNING;
    if (this.state === RUNNING) processCounters.live++;
    this.slot = new IoWaitSlot(
      `child ${label} wait()`,
      {
        subject: `child ${label}`,
        how: "a wait() there",
        advice:
          "A child has one waiter at a time: wait in one task and send the status on (a oneshot or watch channel)",
      },
      { kind: "io", source: `child ${label}` },
    );
    proc.on("exit", this.onExit);
    proc.on("error", this.onError);
  }

  private readonly onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    if (this.state === RUNNING) processCounters.live--;
    this.state = EXITED;
    this.status = new ExitStatus(code, signal);
    this.slot.wake();
  };

  private readonly onError = (e: unknown): void => {
    // After a start, an 'error' is a signal Node could not send (EPERM), emitted inside
    // `proc.kill`: `startKill` throws it.
    if (this.state !== STARTING) {
      this.killError = e;
      return;
    }
    this.state = FAILED;
    const code = (e as { code?: unknown } | null)?.code;
    this.failure =
      code === "ENOENT"
        ? new IoError(
            "NotFound",
            `spawn ${this.label} failed: no such program on the PATH, or no such working directory (ENOENT)`,
            { code, cause: e },
          )
        : IoError.from(e, `spawn ${this.label}`);
    this.slot.wake();
  };

  /**
   * The process id, or `undefined` before the program started, once it failed to start, and once
   * its exit was seen (the id may then belong to another process).
   *
   * @example
   * ```ts
   * console.log(`started pid ${child.id}`);
   * ```
   */
  get id(): number | undefined {
    return this.state === RUNNING ? this.proc.pid : undefined;
  }

  /**
   * A future of how the process ended. Closes the child's stdin first (held by the `Child`), so a
   * child that reads its input to the end is not left waiting for more while we wait for it, as
   * tokio does. Throws an `IoError` if the program could not start (`NotFound`: no such program).
   *
   * Cancel-safe: dropped, it leaves the process as it was (the stdin stays closed); a later
   * `wait()` gives the status.
   *
   * @example
   * ```ts
   * const child = new Command("make").arg("dinner").spawn();
   * const status = yield* child.wait();
   * ```
   */
  wait(): IoFuture<ExitStatus> {
    return new ChildWait(this, false);
  }

  /**
   * Send `SIGKILL`, then wait for the process to end: the future of its status. If it already
   * exited, only the wait. Cancel-safe as `wait()`; the signal, once sent, is sent.
   *
   * @example
   * ```ts
   * yield* child.kill(); // the child is gone when this returns
   * ```
   */
  kill(): IoFuture<ExitStatus> {
    return new ChildWait(this, true);
  }

  /**
   * Send a signal (default `SIGKILL`) without waiting for the process to end. Nothing happens if
   * it already exited or never started, so a cleanup may call it whatever happened. Throws an
   * `IoError` if the system refused the signal, a `NotConnected` one once the `Child` is disposed,
   * and a `TypeError` for a name that is not a signal of this platform.
   *
   * @example
   * ```ts
   * child.startKill("SIGTERM"); // ask it to stop; `yield* child.wait()` for the status
   * ```
   */
  startKill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (typeof signal !== "string" || !Object.hasOwn(constants.signals, signal)) {
      throw new TypeError(
        `child.startKill(signal): signal must be a signal of this platform such as 'SIGTERM', got ${typeof signal === "string" ? `'${signal}'` : typeof signal}`,
      );
    }
    // Nothing runs: a program that never started (or is about to be reported so), or one that
    // has exited. A cleanup that kills whatever is left need not ask first.
    if (this.state !== RUNNING) return;
    if (this.disposed) this.checkLive("startKill()");
    this.killError = undefined;
    try {
      this.proc.kill(signal);
    } catch (e) {
      throw IoError.from(e, `kill ${this.label}`);
    }
    const refused = this.killError;
    this.killError = undefined;
    if (refused !== undefined) throw IoError.from(refused, `kill ${this.label}`);
  }

  /**
   * How the process ended if it has, else `undefined`, without waiting. Throws an `IoError` if the
   * program could not start.
   *
   * @example
   * ```ts
   * if (child.tryWait() === undefined) console.log("still cooking");
   * ```
   */
  tryWait(): ExitStatus | undefined {
    if (this.state === FAILED) throw this.failure as IoError;
    return this.status ?? undefined;
  }

  /** @internal throw if the Child was disposed: `what` ("wait()") names the call. */
  checkLive(what: string): void {
    if (this.disposed) {
      throw new IoError(
        "NotConnected",
        `child ${this.label}: ${what} after the Child was disposed`,
      );
    }
  }

  /** @internal one poll of `wait()`: see there. */
  pollWait(cx: Context, what = "wait()"): Poll<ExitStatus> {
    this.checkLive(what);
    const stdin = this.stdin;
    if (stdin !== null) {
      this.stdin = null;
      stdin.disposeFor(
        "closed by child.wait(), which closes the stdin the Child holds (take it out first to write while waiting: const stdin = child.stdin; child.stdin = null)",
      );
    }
    if (this.state === FAILED) throw this.failure as IoError;
    if (this.state !== EXITED) {
      this.slot.park(cx, this.poller);
      return PENDING;
    }
    if (!pollProceed(cx)) return PENDING;
    return this.status as ExitStatus;
  }

  /** @internal `by` (a `wait()`) was dropped: take back the wait it parked, if it is still its. */
  unregister(by: unknown): void {
    this.slot.unregister(by);
  }

  /**
   * Let the child go: its process is killed if the command said `killOnDrop(true)`, else it runs
   * on without holding this program open. The stdin, stdout and stderr still held here are closed.
   * Idempotent.
   *
   * @example
   * ```ts
   * using child = new Command("tail").args(["-f", "orders.log"]).killOnDrop(true).spawn();
   * // … when the scope ends, tail is killed
   * ```
   */
  [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    const p = this.proc;
    if (this.state === RUNNING || this.state === STARTING) {
      if (this.killsOnDrop && this.state === RUNNING) p.kill("SIGKILL");
      else p.unref();
    }
    for (const io of [this.stdin, this.stdout, this.stderr]) io?.[Symbol.dispose]();
    this.stdin = this.stdout = this.stderr = null;
    this.slot.wake();
  }
}

/** The future of `child.wait()` and `child.kill()`. */
class ChildWait extends IoFuture<ExitStatus> {
  constructor(
    private readonly child: Child,
    /** Send SIGKILL at the first poll: `kill()`. */
    private readonly kills: boolean,
  ) {
    super(child);
  }

  private signalled = false;

  protected step(cx: Context): Poll<ExitStatus> {
    const child = this.child;
    if (this.kills && !this.signalled) {
      // A disposed Child's process is not ours to signal any more.
      child.checkLive("kill()");
      this.signalled = true;
      // Not started (a program that fails to start): the wait throws why.
      if (child.id !== undefined) child.startKill();
    }
    return child.pollWait(cx, this.what());
  }

  protected what(): string {
    return this.kills ? "child.kill()" : "child.wait()";
  }
}

// One holder: left over where nobody can take it (a task aborted before its first poll), it is
// disposed (see `OWNED`), and with it, by the command's rule, its process.
markOwned(Child);
