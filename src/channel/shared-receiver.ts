/**
 * SharedReceiver: one order rail read by several cooks. An mpsc receiver has one reader at a time
 * (tokio's `&mut rx`), so a pool of workers taking jobs from one channel (Go's workers ranging over
 * one channel; tokio's `Arc<Mutex<Receiver>>`) shares it through a lock: each `recv()` takes the
 * lock, waits for a message, and lets the lock go. The lock is fair, so workers are served in the
 * order they asked; each message goes to exactly one of them; and a dropped `recv()` loses no
 * message (the receive under the lock is cancel safe), only its place in line.
 */
import { asyncFn } from "../coroutine/async-fn.js";
import type { FutureBase } from "../future/future.js";
import { Mutex } from "../sync/mutex.js";
import { checkNameOption, type NameOptions } from "../sync/name-option.js";
import { Receiver } from "./chan.js";

/** One worker's turn at the rail: wait for the lock, then for a message, then let the lock go. */
const takeTurn = asyncFn(function* sharedRecv<T>(lock: Mutex<Receiver<T>>) {
  using rail = yield* lock.lock();
  return yield* rail.value.recv();
});

/**
 * An mpsc receiver shared by several tasks: each `recv()` gets the next message, or `undefined`
 * once the channel is closed and empty, for every worker.
 *
 * @example
 * ```ts
 * const [tx, rx] = mpsc.channel<Job>(16);
 * const jobs = new mpsc.SharedReceiver(rx, { name: "jobs" });
 * for (let i = 0; i < 4; i++) {
 *   spawn(asyncBlock(function* worker() {
 *     let job: Job | undefined;
 *     while ((job = yield* jobs.recv()) !== undefined) yield* run(job);
 *   }));
 * }
 * ```
 */
export class SharedReceiver<T> implements Disposable {
  private readonly lock: Mutex<Receiver<T>>;
  private readonly rx: Receiver<T>;

  /** Share `rx`; `options.name` names the lock the workers queue on, in reports and dumps. */
  constructor(rx: Receiver<T>, options?: NameOptions) {
    if (!(rx instanceof Receiver)) {
      throw new TypeError(
        `new SharedReceiver(rx): rx must be an mpsc receiver, got ${rx === null ? "null" : typeof rx}`,
      );
    }
    const name = checkNameOption(options, "new SharedReceiver(rx, options)");
    this.rx = rx;
    this.lock = new Mutex(rx, { name: name ?? "shared receiver" });
  }

  /**
   * The next message, once it is this caller's turn; `undefined` once the channel is closed and
   * drained. Cancel safety: cancel safe for messages (a dropped `recv()` took none), not for the
   * place in line. One task waits in one `recv()` at a time (two at once in one task would wait
   * on the lock it holds: a `DeadlockError`).
   *
   * @example
   * ```ts
   * const job = yield* jobs.recv(); // undefined: no more jobs, ever
   * ```
   */
  recv(): FutureBase<T | undefined> & Disposable {
    return takeTurn(this.lock) as FutureBase<T | undefined> & Disposable;
  }

  /**
   * Close the channel from the receiving side (`rx.close()`): sends fail from now on, handing
   * their values back, and the workers drain what was already sent.
   *
   * @example
   * ```ts
   * jobs.close(); // no new jobs; the workers finish the queued ones
   * ```
   */
  close(): void {
    this.rx.close();
  }

  /**
   * Drop the receiver (and so the channel's receiving side). Idempotent.
   *
   * @example
   * ```ts
   * using jobs = new mpsc.SharedReceiver(rx); // the receiver goes with the scope
   * ```
   */
  [Symbol.dispose](): void {
    this.rx[Symbol.dispose]();
  }
}
