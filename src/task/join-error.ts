/**
 * JoinError: why a chef did not bring the dish. A task that threw ends with a panic (`isPanic()`,
 * the thrown value in `cause`); a task that was aborted ends cancelled (`isCancelled()`).
 */
import { thrownDetail } from "./thrown.js";

/**
 * The error a `JoinHandle` throws when its task did not produce a value.
 *
 * @example
 * ```ts
 * try {
 *   yield* handle;
 * } catch (e) {
 *   if (e instanceof JoinError && e.isPanic()) console.log(`${e.taskName} dropped the dish`, e.cause);
 * }
 * ```
 */
export class JoinError extends Error {
  override name = "JoinError";
  private readonly kind: "panic" | "cancelled";
  /** The id of the task. */
  readonly taskId: number;
  /** The name of the task. */
  readonly taskName: string;

  private constructor(
    kind: "panic" | "cancelled",
    taskId: number,
    taskName: string,
    cause: unknown,
    why: string | null,
  ) {
    super(
      kind === "panic"
        ? `task '${taskName}' panicked: ${thrownDetail(cause, false)}`
        : `task '${taskName}' was cancelled${why === null ? "" : `: ${why}`}`,
      { cause },
    );
    this.kind = kind;
    this.taskId = taskId;
    this.taskName = taskName;
  }

  /**
   * A task that threw `cause`.
   *
   * @example
   * ```ts
   * const burnt = JoinError.panic(7, "table 7", new Error("burnt")); // a test's stand-in
   * ```
   */
  static panic(taskId: number, taskName: string, cause: unknown): JoinError {
    return new JoinError("panic", taskId, taskName, cause, null);
  }

  /**
   * A task that was aborted (`cause` is the abort reason, if any; `why` says who aborted it, for
   * the message).
   *
   * @example
   * ```ts
   * const calledOff = JoinError.cancelled(7, "table 7"); // calledOff.isCancelled() === true
   * ```
   */
  static cancelled(taskId: number, taskName: string, cause?: unknown, why?: string): JoinError {
    return new JoinError("cancelled", taskId, taskName, cause, why ?? null);
  }

  /**
   * Whether the task threw.
   *
   * @example
   * ```ts
   * if (e instanceof JoinError && e.isPanic()) throw e.cause; // the chef's own error
   * ```
   */
  isPanic(): boolean {
    return this.kind === "panic";
  }

  /**
   * Whether the task was aborted.
   *
   * @example
   * ```ts
   * if (e instanceof JoinError && e.isCancelled()) console.log("the order was called off");
   * ```
   */
  isCancelled(): boolean {
    return this.kind === "cancelled";
  }
}
