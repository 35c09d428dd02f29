/**
 * The time driver: the timer half of the reactor (the bells). Each runtime owns one. It holds the
 * runtime's clock and its timer wheel, and is the only thing that touches the wheel: sleep futures
 * register themselves here on their first poll and unregister when dropped; the driver fires them
 * when their time comes, and a fired sleep does nothing but wake its task (DESIGN.md, decision 7).
 *
 * One host timer per runtime. The driver keeps at most one `setTimeout` armed, for the wheel's next
 * expiration, and re-arms it only when that expiration changes. It reconciles once at the end of
 * each executor turn (many timers armed and cancelled in one turn cost nothing on the host), or on
 * a microtask when a timer changes outside a turn. A wheel with no timers holds no host timer, so
 * an idle runtime never keeps the process alive.
 *
 * Paused time. With a paused clock no host timer is armed; time moves by `time.advance(ms)` or by
 * auto-advance. The auto-advance rule (tokio's `start_paused`): when a turn ends with no task
 * runnable, the driver waits two macrotasks, three while a task waits on a socket (so promise
 * callbacks and host events already queued get their turn, and Node polls its sockets once, or
 * twice: a peer in this process that answers at once is heard first, as tokio polls its I/O
 * driver with a zero timeout before an advance), then, if still no task is runnable and nothing
 * outside the runtime can wake one (no bridged promise in flight: `fromPromise` and I/O sources
 * count themselves with the runtime), it moves the clock straight to the next timer's deadline and
 * fires it. So a three-second dish is ready at exactly 3,000 ms of virtual time, a few real
 * microseconds later. A wake the runtime cannot see (a native `setTimeout` calling a waker) does
 * not hold auto-advance back, unless a task waits on a socket meanwhile.
 *
 * Ticks: the wheel counts whole milliseconds on the process's time line (that of `performance.now()`);
 * sleeps round their deadlines up to a whole millisecond, so a timer never fires early, and timers
 * due in the same millisecond fire in registration order.
 */
import { FutureStateError } from "../future/errors.js";
import { RuntimeStateError } from "../task/runtime-state-error.js";
import {
  type Clock,
  type ClockKind,
  createClock,
  hostNow,
  PausedClock,
  RealClock,
} from "./clock.js";
import { HeldClockWatch } from "./held-watch.js";
import type { TimerProbe } from "./probe.js";
import { type TimerEntry, Wheel } from "./wheel.js";

/**
 * Macrotasks an auto-advance check waits before the clock jumps (see `TimeDriver.looksLeft`): the
 * first may run in the same event-loop iteration as the turn that went idle, so two let Node poll
 * its sockets once. While a task waits on a socket, three let it poll twice: a request to a peer
 * in this process outside the runtime (a Node server, another runtime) and that peer's reply.
 * In a browser each look is a `MessageChannel` message (macrotask.ts), queued behind the host's
 * tasks already due: a peer on another port that answers at once is heard before the jump.
 */
const LOOKS = 2;
const LOOKS_WITH_SOCKETS = 3;

/** The longest delay a host timer accepts (Node fires at once past 2^31 - 1 ms). */
const MAX_HOST_DELAY = 2 ** 31 - 1;

/** What the driver needs from its runtime. */
export interface DriverHost {
  /** No task is runnable and nothing outside the runtime (a bridged promise, I/O) can wake one. */
  isQuiescent(): boolean;
  /** Run `fn` on a later turn of the host's event loop. */
  macrotask(fn: () => void): void;
  /** A task waits on a socket (a read, an accept, a drain): a peer's bytes may be on their way. */
  ioWaiting(): boolean;
  /**
   * Bridged operations in flight while no task is runnable (what alone keeps a paused clock from
   * moving), or 0 when the runtime is busy or has none.
   */
  heldByBridges(): number;
  /** Report a paused clock held still by bridges (a `"clock-held"` warning). */
  clockHeld(message: string): void;
}

/** A runtime's clock, timer wheel and host timer. */
export class TimeDriver {
  /** The clock's time when the runtime started (a whole ms): the runtime's clock counts from it. */
  readonly origin: number;
  /** Diagnostics, while the runtime is instrumented (see probe.ts); `null` costs one check. */
  probe: TimerProbe | null = null;
  private clock: Clock;
  private readonly wheel: Wheel<TimeDriver>;
  private hostTimer: ReturnType<typeof setTimeout> | null = null;
  /** The tick the host timer is armed for, or -1. */
  private armedTick = -1;
  /** The wheel changed since the host timer was last reconciled. */
  private dirty = false;
  /**
   * The auto-advance check: 0 when none is queued; else how many more macrotasks, counting the one
   * queued, the runtime must still be idle at before the clock jumps (`LOOKS`, see `autoAdvance`).
   */
  private looksLeft = 0;
  /** The latest reading of the clock (see `hasPassed`). */
  private lastNow: number;
  private closed = false;
  /** A paused clock jumped inside a poll (`holdThread`): timers due by now have not fired yet. */
  private overdue = false;
  /**
   * A timer changed outside this runtime's turns (a task of another runtime awaits a sleep made
   * here): reconcile as the end of a turn would, as if idle; the auto-advance itself checks that
   * the runtime is quiescent.
   */
  private readonly syncFn = (): void => {
    this.afterTurn(true);
  };
  private readonly hostTimerFn = (): void => this.onHostTimer();
  private readonly autoAdvanceFn = (): void => this.autoAdvance();
  /** Warns when bridges hold an idle paused clock for a second of real time (held-watch.ts). */
  private readonly held = new HeldClockWatch((since) => this.reportHeld(since));

  /** Whether `time.pause()` makes a manual clock (the runtime was made with `clock: "manual"`). */
  private pausesManual: boolean;

  constructor(
    kind: ClockKind,
    private readonly host: DriverHost,
  ) {
    this.pausesManual = kind === "manual";
    // Start on a whole millisecond, so that a paused clock moved by whole ms stays on ticks.
    const origin = Math.floor(hostNow());
    this.origin = origin;
    this.clock = createClock(kind, origin);
    this.lastNow = origin;
    this.wheel = new Wheel<TimeDriver>(this, origin);
  }

  /** The current time on this runtime's clock, in ms. */
  now(): number {
    const now = this.clock.now();
    this.lastNow = now;
    return now;
  }

  /**
   * Whether `deadline` had come at the latest reading of the clock. Never true early; it may say
   * false for a deadline that passed since (the timer is then registered and fires on the host
   * timer's next turn). Reading the host's clock here would box a number per sleep registered,
   * so the hot path uses the last reading, which making a sleep has just refreshed.
   */
  hasPassed(deadline: number): boolean {
    return deadline <= this.lastNow;
  }

  /** Whether the clock is paused. */
  get paused(): boolean {
    return this.clock.paused;
  }

  /** Timers registered on the wheel. */
  get liveTimers(): number {
    return this.wheel.size;
  }

  /** Whether the host timer is armed (for tests of "holds no host timer"). */
  get hostTimerArmed(): boolean {
    return this.hostTimer !== null;
  }

  /**
   * Hang `entry` on the wheel for `deadline`, a whole ms later than the last `now()`; `owner` is
   * the context owner of the poll that registers it (for diagnostics).
   */
  register(entry: TimerEntry<TimeDriver>, deadline: number, owner: unknown): void {
    if (this.closed) {
      throw new FutureStateError("a timer was polled after its runtime shut down");
    }
    const elapsed = this.wheel.elapsed;
    this.wheel.insert(entry, deadline > elapsed ? deadline : elapsed + 1);
    this.changed();
    if (this.probe !== null) this.probe.registered(entry, entry.when, owner);
  }

  /** Take `entry` off the wheel (it must be on it). */
  deregister(entry: TimerEntry<TimeDriver>): void {
    this.wheel.remove(entry);
    this.changed();
    if (this.probe !== null) this.probe.cancelled(entry);
  }

  /** Whether the runtime shut down: nothing can be registered on its wheel any more. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether the clock is manual: paused, and never moved by an idle runtime (`clock: "manual"`). */
  get manual(): boolean {
    return !this.clock.autoAdvances && this.clock.paused;
  }

  /** Freeze the clock at the next whole millisecond; due timers fire. */
  pause(): void {
    if (this.clock.paused) throw new RuntimeStateError("time.pause(): the clock is already paused");
    const tick = Math.ceil(this.clock.now());
    this.clock = new PausedClock(tick, !this.pausesManual);
    this.lastNow = tick;
    this.wheel.advanceTo(tick);
    this.sync();
  }

  /** Let the clock run again from the paused time. */
  resume(): void {
    if (!this.clock.paused) throw new RuntimeStateError("time.resume(): the clock is not paused");
    this.clock = new RealClock(this.clock.now());
    this.sync();
  }

  /** Move the paused clock `ms` forward and fire every timer due by then, in order. */
  advance(ms: number): void {
    const clock = this.clock;
    if (!(clock instanceof PausedClock)) {
      throw new RuntimeStateError(
        "time.advance(ms): the clock is not paused (use { clock: 'paused' } or time.pause())",
      );
    }
    clock.moveTo(this.now() + ms);
    this.held.stop();
    this.wheel.advanceTo(Math.floor(this.now()));
  }

  /**
   * A bridge settled or was dropped: something outside moved, so a paused clock held still by
   * bridges is watched afresh (a second with none settling is what gets reported).
   */
  bridgeSettled(): void {
    this.held.stop();
  }

  /**
   * @internal the kitchen's blocked stove: a poll holds the thread for `ms` of paused time. The
   * clock jumps as the real one would while the thread is held, but no timer fires before the poll
   * is over (nothing can ring on a stuck thread); the end of the turn fires those now due, late.
   */
  holdThread(ms: number): void {
    const clock = this.clock;
    if (!(clock instanceof PausedClock)) {
      throw new RuntimeStateError("holdThread(ms): the clock is not paused");
    }
    clock.moveTo(this.now() + ms);
    this.overdue = true;
  }

  /**
   * Called by the runtime at the end of every turn. Reconciles the host timer; with a paused clock
   * and no runnable task (`idle`), schedules an auto-advance check.
   */
  afterTurn(idle: boolean): void {
    if (this.overdue) {
      // The thread was held past some deadlines (see `holdThread`): they ring now.
      this.overdue = false;
      this.wheel.advanceTo(Math.floor(this.now()));
    }
    if (this.dirty) this.sync();
    if (idle && this.clock.autoAdvances && this.wheel.size > 0 && !this.closed) {
      const sockets = this.host.ioWaiting();
      if (this.looksLeft === 0) {
        this.looksLeft = sockets ? LOOKS_WITH_SOCKETS : LOOKS;
        this.host.macrotask(this.autoAdvanceFn);
      } else if (sockets) {
        // A check already queued looks afresh while a task waits on a socket: this turn may have
        // sent bytes its peer answers at once. Only then: turns that wake every iteration for
        // reasons the runtime cannot see (a setImmediate loop) would otherwise hold time still.
        this.looksLeft = LOOKS_WITH_SOCKETS;
      }
    }
  }

  /**
   * The runtime begins to shut down: a manual clock auto-advances from now on. No task is left to
   * call `time.advance` (a spawn is cancelled at once), and a cleanup that sleeps must still run
   * to its end, in virtual time.
   */
  shutdownBegun(): void {
    this.pausesManual = false;
    if (this.manual) this.clock = new PausedClock(this.clock.now(), true);
  }

  /**
   * The runtime has shut down: disarm the host timer and take every timer still registered (by
   * futures nobody dropped) off the wheel, so the runtime ends with zero live timers.
   */
  shutdown(): void {
    this.closed = true;
    this.held.stop();
    this.wheel.clear(abandonEntry);
    this.disarm();
  }

  private changed(): void {
    if (this.dirty) return;
    this.dirty = true;
    // Inside a turn the runtime reconciles at its end; outside one nobody will, so ask for it.
    if (timeAmbient.driver !== this) queueMicrotask(this.syncFn);
  }

  /** Arm, move or disarm the host timer so it matches the wheel's next expiration. */
  private sync(): void {
    this.dirty = false;
    const wheel = this.wheel;
    if (wheel.size === 0 || this.clock.paused || this.closed) {
      this.disarm();
      return;
    }
    const next = wheel.nextExpiration();
    if (next === this.armedTick) return;
    this.disarm();
    const delay = Math.ceil(next - this.clock.now());
    this.armedTick = next;
    this.hostTimer = setTimeout(this.hostTimerFn, delay <= 0 ? 0 : Math.min(delay, MAX_HOST_DELAY));
  }

  private disarm(): void {
    if (this.hostTimer !== null) {
      clearTimeout(this.hostTimer);
      this.hostTimer = null;
    }
    this.armedTick = -1;
  }

  private onHostTimer(): void {
    this.hostTimer = null;
    this.armedTick = -1;
    if (this.closed || this.clock.paused) return;
    this.wheel.advanceTo(Math.floor(this.now()));
    this.sync();
  }

  /**
   * Report a paused clock held since `since` (held-watch.ts), if it still is: idle but for
   * bridges, timers waiting, the clock unmoved. Says whether it reported.
   */
  private reportHeld(since: number): boolean {
    const bridges = this.host.heldByBridges();
    const wheel = this.wheel;
    if (this.closed || !this.clock.paused || this.now() !== since || wheel.size === 0) return false;
    if (bridges === 0) return false;
    const timers = wheel.size === 1 ? "1 timer" : `${wheel.size} timers`;
    const ops = bridges === 1 ? "1 bridged operation is" : `${bridges} bridged operations are`;
    this.host.clockHeld(
      `the paused clock has stood at t=${Math.round(since - this.origin)} ms for a second of real time with ${timers} waiting: ${ops} in flight (a fromPromise, an openBridge(), a connect, a file operation, …), and a paused clock does not move while one is. If one of them waits for this runtime's own timers (a Promise API built on Brigade, awaited through fromPromise), it never settles: move the clock by hand (clock: "manual" and time.advance) or run that code on the real clock; rt.dump() shows what each task waits on`,
    );
    return true;
  }

  private autoAdvance(): void {
    const clock = this.clock;
    if (
      !(clock instanceof PausedClock) ||
      !clock.autoAdvances ||
      this.closed ||
      !this.host.isQuiescent()
    ) {
      this.looksLeft = 0;
      // Idle but for a bridge: fine for a while, a hang if it lasts (see held-watch.ts).
      if (clock.paused && !this.closed && this.host.heldByBridges() > 0) {
        this.held.start(clock.now());
      }
      return;
    }
    if (--this.looksLeft > 0) {
      // Still idle, but this macrotask may have run in the same event-loop iteration as the turn
      // that went idle, before Node polled its sockets: a peer's bytes already in the kernel (a
      // loopback reply) would not have woken anyone yet. A macrotask queued from here runs in the
      // next iteration, after a poll for I/O (tokio polls its I/O driver once, with a zero
      // timeout, before it advances a paused clock).
      this.host.macrotask(this.autoAdvanceFn);
      return;
    }
    this.held.stop();
    const wheel = this.wheel;
    // Jump from expiration to expiration (a higher slot only cascades) until something fires.
    while (wheel.size > 0) {
      clock.moveTo(wheel.nextExpiration());
      if (wheel.advanceTo(Math.floor(this.now())) > 0) break;
    }
    // The timers that fired woke nobody who runs (a hand-polled future): keep time moving.
    if (this.host.isQuiescent()) this.afterTurn(true);
  }
}

function abandonEntry(entry: TimerEntry<TimeDriver>): void {
  entry.abandon();
}

/** The driver of the runtime polling right now (set by the runtime for each turn). */
export const timeAmbient: { driver: TimeDriver | null } = { driver: null };

/** The current runtime's driver; `what` names the caller in the error thrown outside a runtime. */
export function currentDriver(what: string): TimeDriver {
  const driver = timeAmbient.driver;
  if (driver === null) {
    throw new FutureStateError(`${what} must be used by a task inside a Brigade runtime`);
  }
  return driver;
}
