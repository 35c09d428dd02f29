/**
 * The timer half of the reactor, as the `time/` leaf futures see it: something that counts live
 * timers for the runtime's metrics. Set by the runtime while it polls its tasks.
 *
 * (Interim: the timer wheel and the paused clock replace this with a real driver.)
 */

/** What a runtime offers to timer futures. */
export interface TimeDriver {
  /** A timer was armed. */
  timerOpened(): void;
  /** A timer fired or was cancelled. */
  timerClosed(): void;
}

/** The driver of the runtime polling right now. */
export const timeAmbient: { driver: TimeDriver | null } = { driver: null };
