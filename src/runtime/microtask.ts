/**
 * How the executor asks for its next turn straight after the current job: a microtask. The manager
 * is paged at once, not at the next round of the dining room (that is `macrotask.ts`).
 *
 * `queueMicrotask` is the platform's way, but Node wraps every call for async-context tracking (an
 * async resource and a bound callback per call), which cost ~70 ns a call on the development
 * machine; an I/O-driven runtime asks once per socket event. A reaction on a promise that is
 * already resolved goes into the same microtask queue, in the same order, for ~30 ns. The callback
 * must not throw: it would surface as an unhandled rejection rather than an uncaught exception (the
 * executor's turn function rethrows what escapes a turn from a `queueMicrotask` job of its own).
 */
const resolved: Promise<void> = Promise.resolve();

/**
 * Run `fn` once the current job and the microtasks already queued have run.
 *
 * @example
 * ```ts
 * microtask(() => console.log("after this job")); // before any timer or I/O callback
 * ```
 */
export function microtask(fn: () => void): void {
  resolved.then(fn);
}
