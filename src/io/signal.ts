/**
 * ctrlC and signal: the closing bell. A future that is ready at the next SIGINT (Ctrl-C in a
 * terminal), or at the next delivery of another process signal (`signal("SIGTERM")`, what a
 * container runtime sends), for servers that shut down gracefully: `race(serve(), ctrlC())` (the
 * serving loop that loses is dropped, and with it the listener).
 *
 * While it waits, Node's default reaction to the signal (exiting) is off, because a listener is
 * installed; the listener is added at the first poll and removed when the future completes or is
 * dropped, which gives the default back. Waiting is not a deadlock (the runtime's check sees it),
 * and it does not hold the paused clock: the signal may never come. It does hold the process
 * open, as tokio's `ctrl_c` holds its runtime: `await run(ctrlC())` waits for the signal.
 */
import { constants } from "node:os";
import { wakeAs } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { holdProcess, releaseProcess } from "../runtime/keep-alive.js";
import { SourceWait } from "../stream/source-wait.js";

const IDLE = 0;
const WAITING = 1;
const FIRED = 2;
const DONE = 3;

class SignalFuture extends FutureBase<void> implements Disposable {
  private state = IDLE;
  private waker: Waker | null = null;
  private readonly wait = new SourceWait();
  constructor(private readonly name: NodeJS.Signals) {
    super();
  }
  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `signal(${this.name})`, children: [] };
  }
  private readonly onSignal = (): void => {
    if (this.state !== WAITING) return;
    this.state = FIRED;
    this.wait.close();
    process.removeListener(this.name, this.onSignal);
    releaseProcess();
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs({ kind: "io", source: `signal ${this.name}` }, w);
  };

  poll(cx: Context): Poll<void> {
    switch (this.state) {
      case IDLE:
        this.state = WAITING;
        process.on(this.name, this.onSignal);
        holdProcess(); // a listener holds nothing: Node would exit before the signal comes
        this.waker = cx.waker;
        this.wait.open();
        return PENDING;
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case FIRED:
        this.state = DONE;
        return undefined;
      default:
        throw new FutureStateError(
          `signal('${this.name}') was polled after it completed or was dropped`,
        );
    }
  }

  [Symbol.dispose](): void {
    if (this.state === WAITING) {
      process.removeListener(this.name, this.onSignal);
      releaseProcess();
    }
    this.wait.close();
    this.state = DONE;
    this.waker = null;
  }
}

/**
 * A future that is ready at the next Ctrl-C (SIGINT).
 *
 * @example
 * ```ts
 * yield* race(serveForever(listener), ctrlC()); // the loop is dropped when Ctrl-C comes
 * console.log("closing the kitchen");
 * ```
 */
export function ctrlC(): FutureBase<void> & Disposable {
  return new SignalFuture("SIGINT");
}

/**
 * A future that is ready at the next delivery of the process signal `name` (tokio's
 * `signal::unix::signal`, one delivery per future): `SIGTERM` is what Docker, Kubernetes and
 * systemd send to stop a service. While it waits, Node's default reaction to that signal is off.
 * Throws a `TypeError` for a name that is not a signal of this platform, and a `RangeError` for
 * the signals Node cannot listen to (`SIGKILL`, `SIGSTOP`).
 *
 * @example
 * ```ts
 * yield* race(serveForever(listener), race(ctrlC(), signal("SIGTERM")));
 * console.log("closing the kitchen");
 * ```
 */
export function signal(name: NodeJS.Signals): FutureBase<void> & Disposable {
  if (typeof name !== "string" || !Object.hasOwn(constants.signals, name)) {
    throw new TypeError(
      `signal(name): name must be a signal of this platform such as 'SIGTERM', got ${typeof name === "string" ? `'${name}'` : typeof name}`,
    );
  }
  if (name === "SIGKILL" || name === "SIGSTOP") {
    throw new RangeError(`signal(name): ${name} cannot be caught, only SIGTERM, SIGHUP, … can`);
  }
  return new SignalFuture(name);
}
