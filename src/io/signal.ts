/**
 * ctrlC and signal: the closing bell. A future that is ready at the next SIGINT (Ctrl-C in a
 * terminal), or at the next delivery of another process signal (`signal("SIGTERM")`, what a
 * container runtime sends), for servers that shut down gracefully: `race(serve(), ctrlC())` (the
 * serving loop that loses is dropped, and with it the listener).
 *
 * As in tokio, the first wait for a signal installs a handler that stays: here, for the life of the
 * runtime that polled it (removed when the runtime closes). From then on Node's default reaction
 * to that signal (exiting) is off, and a delivery that comes while no future waits is kept, once,
 * for the next future of that signal, which is then ready at once. So a loop that races `ctrlC()`
 * against each step (`race.named({ stop: ctrlC(), step })`) sees a Ctrl-C that came mid-step at
 * its next turn, instead of the process dying between two waits with its children orphaned and no
 * `finally` run. (tokio drops such a delivery; keeping it is kinder to the loop.)
 *
 * Waiting is not a deadlock (the runtime's check sees it), and it does not hold the paused clock:
 * the signal may never come. It does hold the process open, as tokio's `ctrl_c` holds its
 * runtime: `await run(ctrlC())` waits for the signal. A future polled by hand, outside any
 * runtime, listens only while it waits.
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
import { atClose } from "../runtime/lifecycle.js";
import type { Runtime } from "../runtime/runtime.js";
import { SourceWait } from "../stream/source-wait.js";
import { spawnerAmbient } from "../task/spawn.js";

const IDLE = 0;
const WAITING = 1;
const FIRED = 2;
const DONE = 3;

/**
 * One runtime's handler for one signal: the futures waiting for it, and a delivery that came
 * while none did.
 */
class SignalHook {
  readonly waiting = new Set<SignalFuture>();
  /** A delivery nobody was waiting for, kept for the next future (several count as one). */
  pending = false;

  constructor(private readonly name: NodeJS.Signals) {
    process.on(name, this.onSignal);
  }

  private readonly onSignal = (): void => {
    if (this.waiting.size === 0) {
      this.pending = true;
      return;
    }
    // Every future waiting now hears this delivery, as every tokio `ctrl_c()` future does.
    for (const f of [...this.waiting]) f.fire();
  };

  /** The runtime closed: a future still waiting (held by native code) listens on by itself. */
  remove(): void {
    process.removeListener(this.name, this.onSignal);
    this.pending = false;
    for (const f of [...this.waiting]) f.listenAlone();
    this.waiting.clear();
  }
}

/** Each runtime's handlers, by signal, made at the first wait and removed when it closes. */
const hooks = new WeakMap<Runtime, Map<NodeJS.Signals, SignalHook>>();

function hookFor(rt: Runtime, name: NodeJS.Signals): SignalHook {
  let byName = hooks.get(rt);
  if (byName === undefined) {
    const made = new Map<NodeJS.Signals, SignalHook>();
    byName = made;
    hooks.set(rt, made);
    atClose(rt, () => {
      hooks.delete(rt);
      for (const hook of made.values()) hook.remove();
    });
  }
  let hook = byName.get(name);
  if (hook === undefined) {
    hook = new SignalHook(name);
    byName.set(name, hook);
  }
  return hook;
}

class SignalFuture extends FutureBase<void> implements Disposable {
  private state = IDLE;
  private waker: Waker | null = null;
  private readonly wait = new SourceWait();
  /** The runtime's handler it waits on, or `null` when polled by hand (its own listener). */
  private hook: SignalHook | null = null;

  constructor(private readonly name: NodeJS.Signals) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `signal(${this.name})`, children: [] };
  }

  /** @internal the signal came (or its runtime closed): wake the waiter. */
  readonly fire = (): void => {
    if (this.state !== WAITING) return;
    this.state = FIRED;
    this.stopWaiting();
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs({ kind: "io", source: `signal ${this.name}` }, w);
  };

  poll(cx: Context): Poll<void> {
    switch (this.state) {
      case IDLE: {
        const rt = spawnerAmbient.current as Runtime | null;
        if (rt !== null) {
          const hook = hookFor(rt, this.name);
          if (hook.pending) {
            // It came while nobody waited: this future is the one it was kept for.
            hook.pending = false;
            this.state = DONE;
            return undefined;
          }
          this.hook = hook;
          hook.waiting.add(this);
        } else {
          process.on(this.name, this.fire);
        }
        this.state = WAITING;
        holdProcess(); // a listener holds nothing: Node would exit before the signal comes
        this.waker = cx.waker;
        this.wait.open();
        return PENDING;
      }
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

  /** @internal its runtime's handler is going: listen by itself while it waits. */
  listenAlone(): void {
    if (this.state !== WAITING || this.hook === null) return;
    this.hook = null;
    process.on(this.name, this.fire);
  }

  /** Leave the handler (or take the own listener away), and let the process go. */
  private stopWaiting(): void {
    if (this.hook !== null) this.hook.waiting.delete(this);
    else process.removeListener(this.name, this.fire);
    this.hook = null;
    releaseProcess();
    this.wait.close();
  }

  [Symbol.dispose](): void {
    if (this.state === WAITING) this.stopWaiting();
    this.wait.close();
    this.state = DONE;
    this.waker = null;
  }
}

/**
 * A future that is ready at the next Ctrl-C (SIGINT), or at once if one came, since the runtime
 * first waited for one, while no future waited.
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
 * systemd send to stop a service. From the first wait until the runtime closes, Node's default
 * reaction to that signal is off (see the file's comment). Throws a `TypeError` for a name that is
 * not a signal of this platform, and a `RangeError` for the signals Node cannot listen to
 * (`SIGKILL`, `SIGSTOP`).
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
