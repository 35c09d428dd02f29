/**
 * ctrlC and signal: the closing bell. A future that is ready at the next SIGINT (Ctrl-C in a
 * terminal), or at the next delivery of another process signal (`signal("SIGTERM")`, what a
 * container runtime sends), for servers that shut down gracefully: `race(serve(), ctrlC())` (the
 * serving loop that loses is dropped, and with it the listener).
 *
 * As in tokio, the first wait for a signal installs a handler that stays: here, while the runtime
 * that waited lives (until it closes). From then on Node's default reaction to that signal
 * (exiting) is off. One process listener per signal tells every future waiting at that moment,
 * in every runtime; a delivery that comes while no future waits anywhere is kept, once, for the
 * next future polled, which is then ready at once. So a loop that races `ctrlC()` against each
 * step (`race.named({ stop: ctrlC(), step })`) sees a Ctrl-C that came mid-step at its next turn,
 * instead of the process dying between two waits with its children orphaned and no `finally` run
 * (tokio drops such a delivery; keeping it is kinder to the loop). So is a delivery whose futures
 * were all dropped before they were polled again (a race whose other branch was ready in the same
 * turn): it goes to the futures waiting by then, or is kept. A second delivery while one is still
 * kept means nobody is listening (a drain that hangs): the handler goes, and the signal is sent
 * again with its usual meaning (for Ctrl-C, exit; or the program's own `process.on` listener, if
 * it has one): press Ctrl-C twice to stop a stuck program. There is no stream form (tokio's
 * `Signal::recv` loop): each wait is a new future.
 *
 * Waiting is not a deadlock (the runtime's check sees it), and it does not hold the paused clock:
 * the signal may never come. It does hold the process open, as tokio's `ctrl_c` holds its
 * runtime: `await run(ctrlC())` waits for the signal. A future polled by hand, outside any
 * runtime, listens only while it waits; so does one still waiting when its runtime closes (held
 * by native code), which holds the process until the signal comes or it is dropped.
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
import { pollProceed } from "../task/budget.js";
import { spawnerAmbient } from "../task/spawn.js";

const IDLE = 0;
const WAITING = 1;
const FIRED = 2;
const DONE = 3;

/** One delivery of a signal, told to the futures waiting when it came. */
class Delivery {
  /** The handler that received it: a delivery is passed on only while that one is still live. */
  constructor(readonly from: Dispatcher) {}
  /** Futures it woke that have not been polled since (nor dropped). */
  unheard = 0;
  /** Whether one of them was polled and so answered it. */
  heard = false;
}

/**
 * The one process listener for one signal, shared by every runtime and every future polled by
 * hand, so that one delivery is told once to everyone waiting at that moment, and kept (once)
 * when nobody was. It stays while a runtime that waited for the signal lives (`holders`), or a
 * future waits.
 */
class Dispatcher {
  readonly waiting = new Set<SignalFuture>();
  /** Runtimes that have waited for the signal and not closed: the handler stays for them. */
  holders = 0;
  /** A delivery nobody heard, kept for the next future polled (several count as one). */
  kept = false;

  constructor(private readonly name: NodeJS.Signals) {
    process.on(name, this.onSignal);
  }

  private readonly onSignal = (): void => {
    if (this.waiting.size > 0) {
      this.tell();
      return;
    }
    if (!this.kept) {
      this.kept = true;
      return;
    }
    // A second delivery while the first is still kept, unheard: the program is not listening (a
    // drain that hangs, a loop that stopped looking). Give the signal back its usual meaning, as
    // a second Ctrl-C should: the handler goes, and the signal is sent again, unless a listener
    // of the program's own is there, which has heard it already.
    this.close();
    if (process.listenerCount(this.name) === 0) process.kill(process.pid, this.name);
  };

  /** Wake every future waiting now with one new delivery. */
  tell(): void {
    const d = new Delivery(this);
    for (const f of [...this.waiting]) f.fire(d);
  }

  /** A delivery was dropped by every future it woke, unanswered: tell it again, or keep it. */
  unheard(): void {
    if (this.waiting.size > 0) this.tell();
    else this.kept = true;
  }

  /** No runtime holds the handler and no future waits: the listener goes. */
  release(): void {
    if (this.holders === 0 && this.waiting.size === 0) this.close();
  }

  /** The listener goes (nobody waits: `release`, or a second unheard delivery). */
  private close(): void {
    process.removeListener(this.name, this.onSignal);
    this.kept = false;
    if (dispatchers.get(this.name) === this) dispatchers.delete(this.name);
  }
}

const dispatchers = new Map<NodeJS.Signals, Dispatcher>();

function dispatcherFor(name: NodeJS.Signals): Dispatcher {
  let d = dispatchers.get(name);
  if (d === undefined) {
    d = new Dispatcher(name);
    dispatchers.set(name, d);
  }
  return d;
}

/** The signals each runtime holds a handler for, until it closes. */
const held = new WeakMap<Runtime, Map<NodeJS.Signals, Dispatcher>>();

/** The dispatcher for `name`, held for `rt` until it closes. */
function holdFor(rt: Runtime, name: NodeJS.Signals): Dispatcher {
  let byName = held.get(rt);
  if (byName === undefined) {
    const made = new Map<NodeJS.Signals, Dispatcher>();
    byName = made;
    held.set(rt, made);
    atClose(rt, () => {
      held.delete(rt);
      for (const d of made.values()) {
        d.holders--;
        d.release();
      }
    });
  }
  let d = byName.get(name);
  if (d === undefined || dispatchers.get(name) !== d) {
    // First wait in this runtime, or the one it held was closed (by a second delivery).
    d = dispatcherFor(name);
    d.holders++;
    byName.set(name, d);
  }
  return d;
}

class SignalFuture extends FutureBase<void> implements Disposable {
  private state = IDLE;
  private waker: Waker | null = null;
  private readonly wait = new SourceWait();
  /** The dispatcher it waits on while `WAITING`. */
  private dispatcher: Dispatcher | null = null;
  /** The delivery that woke it, while `FIRED`. */
  private delivery: Delivery | null = null;

  constructor(private readonly name: NodeJS.Signals) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `signal(${this.name})`, children: [] };
  }

  /** @internal the signal came: wake the waiter. */
  fire(delivery: Delivery): void {
    if (this.state !== WAITING) return;
    this.state = FIRED;
    this.stopWaiting();
    this.delivery = delivery;
    delivery.unheard++;
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs({ kind: "io", source: `signal ${this.name}` }, w);
  }

  poll(cx: Context): Poll<void> {
    switch (this.state) {
      case IDLE: {
        const rt = spawnerAmbient.current as Runtime | null;
        const d = rt !== null ? holdFor(rt, this.name) : dispatcherFor(this.name);
        if (d.kept) {
          // It came while nobody heard it: this future is the one it was kept for.
          if (!pollProceed(cx)) return PENDING;
          d.kept = false;
          this.state = DONE;
          return undefined;
        }
        this.dispatcher = d;
        d.waiting.add(this);
        this.state = WAITING;
        holdProcess(); // a listener holds nothing: Node would exit before the signal comes
        this.waker = cx.waker;
        this.wait.open();
        return PENDING;
      }
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case FIRED: {
        if (!pollProceed(cx)) return PENDING;
        this.state = DONE;
        const d = this.delivery as Delivery;
        this.delivery = null;
        d.unheard--;
        d.heard = true;
        return undefined;
      }
      default:
        throw new FutureStateError(
          `signal('${this.name}') was polled after it completed or was dropped`,
        );
    }
  }

  /** Leave the dispatcher, and let the process go. */
  private stopWaiting(): void {
    const d = this.dispatcher;
    this.dispatcher = null;
    if (d !== null) {
      d.waiting.delete(this);
      d.release();
    }
    releaseProcess();
    this.wait.close();
  }

  [Symbol.dispose](): void {
    if (this.state === WAITING) this.stopWaiting();
    else if (this.state === FIRED) {
      // Woken by a delivery, then dropped unpolled (a race's other branch was ready in the same
      // turn). If every future it woke went that way, nobody heard it: tell it again, or keep it.
      const d = this.delivery as Delivery;
      this.delivery = null;
      // Its handler gone (every runtime that held one closed), nobody is left to keep it for: a
      // handler installed since came after the signal, and must not hear it.
      if (--d.unheard === 0 && !d.heard && dispatchers.get(this.name) === d.from) d.from.unheard();
    }
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
