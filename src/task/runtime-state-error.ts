/**
 * RuntimeStateError: asking the manager for something he cannot do right now. Thrown when an
 * operation needs a runtime and there is none (`spawn` outside a task), or needs the runtime in
 * another state (`time.advance` on a clock that is not paused, `rt.traceEvents()` without `trace`).
 * The message names the operation and what would make it valid.
 *
 * @example
 * ```ts
 * try { spawn(ready(1)); } catch (e) { e instanceof RuntimeStateError; } // true: no runtime here
 * ```
 */
export class RuntimeStateError extends Error {
  override name = "RuntimeStateError";
}
