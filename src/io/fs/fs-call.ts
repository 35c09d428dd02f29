/**
 * FsCall: one errand to the pantry, as a future. Every one-call helper (`readFile`, `metadata`,
 * `rename`, …) and the opening of a `File` is a promise of `node:fs/promises` bridged with
 * `fromPromise`: lazy (nothing touches the disk before the first poll), counted by the runtime
 * while in flight (a file operation will complete, so a paused clock does not jump past it), and
 * woken through the runtime when it settles.
 *
 * Node's errors become an `IoError` whose kind says what happened (`NotFound`, `AlreadyExists`,
 * `IsADirectory`, …) and whose message names the call and the path:
 * `readFile("/tmp/nope") failed: ENOENT: no such file or directory, open '/tmp/nope'`.
 *
 * Dropping the future before it settles: where Node takes an `AbortSignal` (`readFile`,
 * `writeFile`) the operation is aborted; elsewhere it still happens, and what it made is let go
 * (a `File` opened for nobody is closed, since `File` is marked `OWNED`). This is tokio's rule for
 * its `spawn_blocking`-based `fs`: not cancel safe, the operation still happens.
 */
import type { Context } from "../../future/context.js";
import { DESCRIBE, type Description } from "../../future/describe.js";
import { FutureStateError } from "../../future/errors.js";
import { fromPromise } from "../../future/from-promise.js";
import { FutureBase } from "../../future/future.js";
import { PENDING, type Poll } from "../../future/poll.js";
import { IoError } from "../error.js";

/** A bridged file-system promise, named for diagnostics and error messages. */
export class FsCall<T> extends FutureBase<T> implements Disposable {
  private readonly inner: FutureBase<T> & Disposable;
  private done = false;

  /**
   * `label` is the call as written (`readFile("/tmp/a")`); `make` starts the operation with a
   * signal that aborts when this future is dropped.
   */
  constructor(
    private readonly label: string,
    make: (signal: AbortSignal) => Promise<T>,
  ) {
    super();
    this.inner = fromPromise((signal) =>
      make(signal).then(undefined, (e: unknown) => {
        throw IoError.from(e, label);
      }),
    );
  }

  poll(cx: Context): Poll<T> {
    if (this.done) throw new FutureStateError(`${this.label} was polled after it completed`);
    let r: Poll<T>;
    try {
      r = this.inner.poll(cx);
    } catch (e) {
      this.done = true;
      throw e;
    }
    if (r !== PENDING) this.done = true;
    return r;
  }

  /** For dumps and deadlock reports: the call, a leaf waiting on the disk. */
  [DESCRIBE](): Description {
    return { label: this.label, children: [] };
  }

  [Symbol.dispose](): void {
    this.inner[Symbol.dispose]();
  }
}
