/**
 * The event loop's time slice: how long executor turns have run back to back on this thread
 * without Node's timers and I/O getting a turn. A kitchen may have several managers, but it has
 * one door: when the managers between them have kept it shut for a slice, the next one to start
 * a turn opens it first.
 *
 * The state is the thread's, not one runtime's: two runtimes whose tasks wake each other pass
 * the thread back and forth through microtasks, and each, looking only at its own turns, would
 * take the other's poll for a gap in which the event loop had its chance.
 *
 * Which runtime must wait is not the thread's, though: only one whose own turn ended in a spent
 * slice is part of the chain that starves the loop. Another runtime, woken from a timer or a
 * socket (a macrotask: the loop has turned for it), goes on at once. So a runtime marks itself
 * with the slice's `generation`, and the mark holds until the slice closes.
 *
 * States: no slice (`open` false: the next turn starts one); a slice running (`open`).
 * Transitions: `beginTurn` opens a slice when none is open or the last turn ended a slice ago;
 * `endTurn` asks for a macrotask that ends the slice (`ender`), and answers true (the runtime
 * marks itself: its next turn scheduled from outside a turn is a macrotask) if the slice is spent
 * before that macrotask has run; the ender, or a turn run as a macrotask, closes the slice
 * (`close`), which moves `generation` on and so clears every mark.
 */

import { hostNow } from "../time/clock.js";
import { macrotask } from "./macrotask.js";

/** The most time, in ms, that back-to-back executor turns may hold the thread (see runtime.ts). */
const SLICE_MS = 1;

class EventLoopSlice {
  /** Turns have followed one another without the event loop running in between. */
  open = false;
  /** When the current slice began (the host's clock, ms). */
  start = 0;
  /** Polls made in the current slice, by every runtime on the thread. */
  polls = 0;
  /** When the last turn ended: a later gap this long starts a new slice. */
  lastTurnEnd = 0;
  /** Turns running now (a runtime's turn may poll a task that drives another's: nested). */
  private turning = 0;
  /** Moves on each time the slice closes: a runtime's mark from an older one no longer holds. */
  generation = 0;
  /** `close` is queued as a macrotask and has not run: the event loop has not had a turn. */
  private enderQueued = false;
  private readonly ender = (): void => {
    this.enderQueued = false;
    this.close();
  };

  /** The event loop has had a turn: the next executor turn starts a new slice. */
  close(): void {
    this.open = false;
    this.generation++;
  }

  /** A turn starts at `now`: a new slice unless one is open and the last turn ended just now. */
  beginTurn(now: number): void {
    this.turning++;
    if (!this.open || now - this.lastTurnEnd >= SLICE_MS) {
      this.open = true;
      this.start = now;
      this.polls = 0;
    }
  }

  /** A turn's polls are over (called from its `finally`, so a turn that throws still leaves). */
  leaveTurn(): void {
    this.turning--;
  }

  /**
   * A turn that made `polled` polls ended at `now`, leaving its queue empty or not. Turns that
   * each empty their queue (chained by wakes from microtasks: a promise already resolved, the
   * task of another runtime) never see work remaining, so once they have made `eventInterval`
   * polls, a macrotask is queued that closes the slice when it runs; if the slice is spent before
   * it has run, the event loop is being starved: the answer is true, and the runtime whose turn
   * this was marks itself (see `mustHop`). (Polls, not time, ask for
   * the macrotask, as tokio's event interval does: one long poll followed by a wake is not a
   * chain, and the long-poll check, not a hop, is what answers it.) Queued
   * before the macrotasks the runtime queues after its turn (afterTurn, the idle check), so that
   * a wake they make (a paused clock's auto-advance) finds the slice closed.
   */
  endTurn(now: number, polled: number, queueEmpty: boolean, eventInterval: number): boolean {
    this.lastTurnEnd = now;
    this.polls += polled;
    if (!queueEmpty || this.polls < eventInterval) return false;
    if (!this.enderQueued) {
      this.enderQueued = true;
      macrotask(this.ender);
      return false;
    }
    return this.spent(now);
  }

  /**
   * Whether a turn scheduled now from outside a turn, by a runtime marked with `mark` (the
   * generation in which its turn ended a spent slice, or -1), must wait for the event loop: the
   * mark holds, and a turn is running (this wake comes from one of its polls) or the last ended
   * less than a slice ago (a gap as long counts, as in `beginTurn`, as the event loop's chance).
   * Clock read only for a marked runtime.
   */
  mustHop(mark: number): boolean {
    if (mark !== this.generation) return false;
    if (this.turning > 0 || hostNow() - this.lastTurnEnd < SLICE_MS) return true;
    this.close();
    return false;
  }

  /** Whether the slice is spent at `now`: work that remains waits for the event loop. */
  spent(now: number): boolean {
    return now - this.start >= SLICE_MS;
  }
}

/** The one slice of this thread, shared by every runtime on it. */
export const eventLoopSlice = new EventLoopSlice();
