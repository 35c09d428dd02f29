/**
 * Runtime events: what the kitchen's observer sees. With a listener attached
 * (`new Runtime({ instrument })` or `rt.instrument(listener)`), the runtime reports every spawn,
 * poll, wake, timer and completion as a plain object; with none attached, each reporting point costs
 * one null check.
 *
 * This is the runtime's own vocabulary: the probe (probe.ts) and the timer wheel (time/probe.ts)
 * speak it; the trace export (trace.ts), the kitchen and every listener read it.
 *
 * Times: `at` is the runtime's clock in milliseconds (virtual when the clock is paused, so a scene's
 * story has stable timestamps), `wall` is `performance.now()` (real, for durations and traces).
 */

/** Who rang a task's pager. */
export type WakeSource =
  /** Another task (or the task itself: a self-wake) woke it while being polled. */
  | { kind: "task"; task: number }
  /** A timer fired. */
  | { kind: "timer"; timer: number }
  /** A bridged promise settled. */
  | { kind: "promise" }
  /** An I/O source (a socket, an event emitter) became ready. */
  | { kind: "io"; source: string }
  /** Anything else outside a poll (user code calling `waker.wake()`). */
  | { kind: "external" };

/** How a poll ended. */
export type PollResult = "pending" | "ready" | "panic";

/** How a task ended. */
export type TaskOutcome = "ok" | "panic" | "cancelled";

interface Base {
  /** Runtime clock, ms. */
  at: number;
  /** `performance.now()`, ms. */
  wall: number;
}

/** Every event the runtime reports. */
export type RuntimeEvent =
  | (Base & {
      kind: "spawn";
      task: number;
      name: string;
      /** The task that spawned it, if any. */
      parent: number | null;
      /** `file:line:column` of the `spawn` call, when known. */
      location: string | null;
      /** A detached task finishing a dropped future's cleanup. */
      cleanup: boolean;
    })
  | (Base & { kind: "poll-start"; task: number })
  | (Base & {
      kind: "poll-end";
      task: number;
      result: PollResult;
      /** Real duration of the poll, ms. */
      duration: number;
      /** What the task now waits on, outermost first (set when the result is pending). */
      awaiting: string[] | null;
    })
  | (Base & { kind: "wake"; task: number; by: WakeSource; self: boolean })
  | (Base & { kind: "timer-register"; timer: number; task: number | null; deadline: number })
  | (Base & { kind: "timer-fire"; timer: number })
  | (Base & { kind: "timer-cancel"; timer: number })
  | (Base & { kind: "complete"; task: number; outcome: TaskOutcome; error: string | null })
  | (Base & { kind: "event-loop-yield" })
  | (Base & {
      kind: "warning";
      warning: "long-poll" | "lost-waker" | "clock-held" | "blocked-loop";
      task: number | null;
      message: string;
    });

/** Receives runtime events, synchronously, as they happen. Must not throw. */
export type InstrumentListener = (event: RuntimeEvent) => void;
