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
 * `finally` run (tokio drops such a delivery; keeping it is kinder to the loop). So is a delivery
 * that woke a future dropped before it was polled again (a race whose other branch was ready in
 * the same turn). A second delivery while one is still kept means nobody is listening (a drain
 * that hangs): the handlers go and the signal is raised again, with Node's own meaning (for
 * Ctrl-C, exit): press Ctrl-C twice to force the program to stop. One process listener per
 * signal tells every runtime's futures waiting at that moment; a runtime keeps a delivery only
 * when no future anywhere was waiting.
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
 * One runtime's handler for one signal: the futures of that runtime waiting for it, and a delivery
 * that came while no future anywhere waited.
 */
class SignalHook {
  readonly waiting = new Set<SignalFuture>();
  /** A delivery nobody took, kept for the next future. */
  pending = false;
  /** Which delivery `pending` keeps: one a dropped future did not take, or 0 (none waited). */
  pendingFrom = 0;
  /** Deliveries so far, and the last one a future of this runtime took (was ready with). */
  delivered = 0;
  taken = 0;

  /** A future was ready with `delivery`: a copy of it kept by a dropped sibling is spent too. */
  take(delivery: number): void {
    this.taken = Math.max(this.taken, delivery);
    if (this.pending && this.pendingFrom !== 0 && this.pendingFrom <= delivery) {
      this.pending = false;
      this.pendingFrom = 0;
    }
  }

  constructor(readonly dispatcher: Dispatcher) {}
}

/**
 * The one process listener for one signal, shared by every runtime's handler and every future
 * polled by hand: so that one delivery is told to everyone waiting at that moment, and kept only
 * when nobody was.
 */
class Dispatcher {
  readonly hooks = new Set<SignalHook>();
  /** Futures polled by hand, outside any runtime: they wait here while they wait. */
  readonly lone = new Set<SignalFuture>();

  constructor(private readonly name: NodeJS.Signals) {
    process.on(name, this.onSignal);
  }

  private readonly onSignal = (): void => {
    let anyone = this.lone.size > 0;
    for (const h of this.hooks) if (h.waiting.size > 0) anyone = true;
    if (!anyone) {
      // A second delivery while the first is still kept, untaken: the program is not listening
      // (a drain that hangs, a loop that stopped looking). Give the signal Node's own meaning, as
      // a second Ctrl-C should: the handlers go, and the signal is sent again.
      let kept = false;
      for (const h of this.hooks) if (h.pending) kept = true;
      if (kept) {
        this.close();
        process.kill(process.pid, this.name);
        return;
      }
      for (const h of this.hooks) {
        h.pending = true;
        h.pendingFrom = 0;
      }
      return;
    }
    // Every future waiting now hears this delivery, as every tokio `ctrl_c()` future does.
    for (const f of [...this.lone]) f.fire(null);
    for (const h of this.hooks) {
      h.delivered++;
      for (const f of [...h.waiting]) f.fire(h);
    }
  };

  /** No runtime's handler and no lone future left: the listener goes. */
  release(): void {
    if (this.hooks.size === 0 && this.lone.size === 0) this.close();
  }

  private close(): void {
    process.removeListener(this.name, this.onSignal);
    if (dispatchers.get(this.name) === this) dispatchers.delete(this.name);
    for (const h of this.hooks) {
      h.pending = false;
      for (const f of [...h.waiting]) f.listenAlone();
    }
    this.hooks.clear();
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
      for (const hook of made.values()) {
        const d = hook.dispatcher;
        d.hooks.delete(hook);
        hook.pending = false;
        for (const f of [...hook.waiting]) f.listenAlone();
        hook.waiting.clear();
        d.release();
      }
    });
  }
  let hook = byName.get(name);
  if (hook === undefined || !hook.dispatcher.hooks.has(hook)) {
    const d = dispatcherFor(name);
    hook = new SignalHook(d);
    d.hooks.add(hook);
    byName.set(name, hook);
  }
  return hook;
}

class SignalFuture extends FutureBase<void> implements Disposable {
  private state = IDLE;
  private waker: Waker | null = null;
  private readonly wait = new SourceWait();
  /** The runtime's handler it waits on (or was fired by), or `null` when polled by hand. */
  private hook: SignalHook | null = null;
  /** Which of its handler's deliveries fired it. */
  private delivery = 0;

  constructor(private readonly name: NodeJS.Signals) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `signal(${this.name})`, children: [] };
  }

  /** @internal the signal came: wake the waiter. `hook`: the handler that told it, if any. */
  fire(hook: SignalHook | null): void {
    if (this.state !== WAITING) return;
    this.state = FIRED;
    this.stopWaiting();
    this.hook = hook;
    this.delivery = hook === null ? 0 : hook.delivered;
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs({ kind: "io", source: `signal ${this.name}` }, w);
  }

  poll(cx: Context): Poll<void> {
    switch (this.state) {
      case IDLE: {
        const rt = spawnerAmbient.current as Runtime | null;
        if (rt !== null) {
          const hook = hookFor(rt, this.name);
          if (hook.pending) {
            // It came while nobody took it: this future is the one it was kept for.
            hook.pending = false;
            hook.pendingFrom = 0;
            this.state = DONE;
            return undefined;
          }
          this.hook = hook;
          hook.waiting.add(this);
        } else {
          dispatcherFor(this.name).lone.add(this);
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
      case FIRED: {
        this.state = DONE;
        const hook = this.hook;
        if (hook !== null) hook.take(this.delivery);
        this.hook = null;
        return undefined;
      }
      default:
        throw new FutureStateError(
          `signal('${this.name}') was polled after it completed or was dropped`,
        );
    }
  }

  /** @internal its runtime's handler is going: wait on the process listener by itself. */
  listenAlone(): void {
    if (this.state !== WAITING || this.hook === null) return;
    this.hook = null;
    dispatcherFor(this.name).lone.add(this);
  }

  /** Leave the handler (or the lone waiters), and let the process go. */
  private stopWaiting(): void {
    const hook = this.hook;
    if (hook !== null) hook.waiting.delete(this);
    else {
      const d = dispatchers.get(this.name);
      if (d !== undefined) {
        d.lone.delete(this);
        d.release();
      }
    }
    this.hook = null;
    releaseProcess();
    this.wait.close();
  }

  [Symbol.dispose](): void {
    if (this.state === WAITING) this.stopWaiting();
    else if (this.state === FIRED) {
      // Woken by a delivery, then dropped unpolled (a race's other branch was ready in the same
      // turn): unless another future of its runtime took that delivery, it is kept for the next.
      const hook = this.hook;
      if (hook !== null && hook.taken < this.delivery && hook.dispatcher.hooks.has(hook)) {
        if (!hook.pending) hook.pendingFrom = this.delivery;
        hook.pending = true;
      }
    }
    this.hook = null;
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
