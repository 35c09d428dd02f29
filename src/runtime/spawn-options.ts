/**
 * Spawn options: checking a task's `name`, and linking a task to an `AbortSignal` so that native
 * code can cancel Brigade work with the platform's own convention.
 */

import type { Task } from "../task/task.js";
import { holdProcess, releaseProcess } from "./keep-alive.js";
import { checkKeys, describeType } from "./option-checks.js";

/** The `name` option, checked: a string or nothing. */
export function checkName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== "string") {
    throw new TypeError(`spawn options.name must be a string, got ${describeType(name)}`);
  }
  return name;
}

/** What a signal link needs from its runtime: a count of the links that may still fire. */
export interface SignalLinks {
  signalLinks: number;
}

/** The `signal` option, checked before anything is spawned: an `AbortSignal` or nothing. */
export function checkSignal(
  signal: unknown,
  where = "spawn(future, options): options.signal",
): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (
    typeof signal !== "object" ||
    signal === null ||
    typeof (signal as AbortSignal).addEventListener !== "function"
  ) {
    throw new TypeError(`${where} must be an AbortSignal, got ${describeType(signal)}`);
  }
  return signal as AbortSignal;
}

/** What `spawn(future, options)` takes. */
const SPAWN_KEYS = ["name", "signal"] as const;

/** The spawn options, checked: an object of {@link SPAWN_KEYS}, or nothing. */
export function checkSpawnOptions(options: unknown, where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `${where} must be an object like { name, signal }, got ${describeType(options)}`,
    );
  }
  checkKeys(options, where, SPAWN_KEYS, "a spawn option");
}

/**
 * Abort `task` when `signal` (checked by {@link checkSignal}) aborts, at once if it already has.
 * While linked, the task counts as wakeable from outside, so waiting on nothing else is not a
 * deadlock, and the process is held open for the signal; the link is undone when the task
 * completes.
 */
export function linkSignal(rt: SignalLinks, task: Task<any>, signal: AbortSignal): void {
  if (signal.aborted) {
    task.abortFromSignal(signal);
    return;
  }
  const onAbort = () => task.abortFromSignal(signal);
  signal.addEventListener("abort", onAbort, { once: true });
  rt.signalLinks++;
  // The signal may be all that is left to wake the task: wait for it (keep-alive.ts).
  holdProcess();
  task.unlinkSignal = () => {
    rt.signalLinks--;
    releaseProcess();
    signal.removeEventListener("abort", onAbort);
  };
}
