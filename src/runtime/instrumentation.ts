/**
 * Instrumentation glue: how the manager's notebook, the night porter and the warnings plug into a
 * runtime. Nothing here runs per poll or per spawn: the executor and each task only test
 * `rt.probe` (and `rt.heartbeat`, `rt.watchdog`) for null.
 *
 * - The `instrument` option and `rt.instrument(listener)`: the first listener makes the probe
 *   (probe.ts) and gives the timer wheel a probe of its own (time/probe.ts), so timers report too.
 * - The `trace` option: a listener that keeps every event, for `rt.traceEvents()` (trace.ts).
 * - The `watchdog` option: starts the blocked-loop watchdog (watchdog.ts).
 * - Warnings (a long poll, a lost waker) go to the probe as events and to `onWarning`.
 */
import type { Task } from "../task/task.js";
import { timerProbe } from "../time/probe.js";
import type { RuntimeEvent } from "./events.js";
import { Probe, reportCallbackError } from "./probe.js";
import type { Runtime } from "./runtime.js";
import { startWatchdogAs } from "./watchdog.js";

/** Attach what the runtime's options ask for: listeners, trace recording, the watchdog. */
export function attachFromOptions(rt: Runtime): void {
  const options = rt.options;
  if (options.instrument !== undefined) rt.instrument(options.instrument);
  if (options.trace) {
    const recorded: RuntimeEvent[] = [];
    rt.recorded = recorded;
    rt.instrument((e) => recorded.push(e));
  }
  if (options.watchdog !== null) startWatchdogAs(rt, options.watchdog, "options.watchdog");
}

/** Make `rt`'s probe, and its timer wheel's, on the first listener. */
export function attachProbe(rt: Runtime): Probe {
  const probe = new Probe({ now: () => rt.now(), longPolls: rt.longPolls });
  rt.probe = probe;
  rt.timeDriver.probe = timerProbe(
    (e) => probe.emit(e),
    () => rt.now(),
    rt.timeDriver.origin,
  );
  return probe;
}

/**
 * The last listener left: drop the probe and the timer wheel's, so the hot path is back to one
 * null check. The statistics of `rt.taskStats()` go with them.
 */
export function detachProbe(rt: Runtime): void {
  rt.probe = null;
  rt.timeDriver.probe = null;
}

/** Report a diagnostic: as a "warning" event to the probe, and to the `onWarning` option. */
export function raiseWarning(
  rt: Runtime,
  kind: "long-poll" | "lost-waker" | "clock-held",
  task: Task<any> | null,
  message: string,
): void {
  rt.probe?.warning(kind, task, message);
  try {
    rt.options.onWarning({ kind, task: task === null ? "" : task.name, message });
  } catch (e) {
    reportCallbackError("options.onWarning", e);
  }
}
