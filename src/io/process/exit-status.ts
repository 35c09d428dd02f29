/**
 * ExitStatus and Output: how a child process ended (Rust's `std::process::ExitStatus`), and what
 * `Command.output()` collected from it. A process ends either with an exit code it chose, or killed
 * by a signal, never both.
 */
import { constants } from "node:os";

/**
 * How a child process ended: an exit `code` (0 is success), or the `signal` that killed it.
 *
 * @example
 * ```ts
 * const status = yield* new Command("make").status();
 * if (!status.success()) console.log(`make failed: ${status}`); // "exit status: 2"
 * ```
 */
export class ExitStatus {
  constructor(
    /** The exit code, or `null` when a signal ended the process. */
    readonly code: number | null,
    /** The signal that ended the process (`"SIGKILL"`), or `null` when it exited. */
    readonly signal: NodeJS.Signals | null,
  ) {}

  /**
   * Whether the process exited with code 0.
   *
   * @example
   * ```ts
   * if ((yield* child.wait()).success()) console.log("served");
   * ```
   */
  success(): boolean {
    return this.code === 0;
  }

  /**
   * As Rust prints it: `"exit status: 1"`, or `"signal: 9 (SIGKILL)"`.
   *
   * @example
   * ```ts
   * console.log(`${yield* child.wait()}`); // "exit status: 0"
   * ```
   */
  toString(): string {
    if (this.code !== null) return `exit status: ${this.code}`;
    const n = this.signal === null ? undefined : constants.signals[this.signal];
    return n === undefined ? `signal: ${this.signal}` : `signal: ${n} (${this.signal})`;
  }
}

/**
 * What `Command.output()` collected: how the process ended, and everything it wrote to its stdout
 * and stderr.
 */
export interface Output {
  readonly status: ExitStatus;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
}
