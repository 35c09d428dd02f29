/**
 * SetupFuture: the life every one-shot network setup shares (`TcpStream.connect`,
 * `UnixStream.connect`, `TcpListener.bind`, `UnixListener.bind`, `UdpSocket.bind`): ordering a new
 * line from the phone company. Lazy like every future (nothing is made before the first poll);
 * while the system has not answered, the runtime counts it as an open bridge (the paused clock
 * waits for it, see `net/index.ts`); it settles once, with the thing it made or an error.
 * Dropped before it settles, it undoes the half-made thing (`abandon`); dropped after, it disposes
 * what it made and nobody took.
 *
 * States, each changed only where named: `IDLE` → (first poll, `begin`) `RUNNING` → `READY` or
 * `FAILED` (`succeed`, `fail`) → `TAKEN` (the poll that hands it over); `DROPPED` from any but
 * `TAKEN`.
 */
import { ambient, type Host } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import type { IoError } from "../io/error.js";

const IDLE = 0; // not polled: nothing made yet
const RUNNING = 1; // made; the system has not answered
const READY = 2; // done: the result waits to be taken
const FAILED = 3; // refused, in use, unreachable: the error waits to be thrown
const TAKEN = 4; // the result or the error was handed over
const DROPPED = 5; // disposed before that

export abstract class SetupFuture<T extends Disposable>
  extends FutureBase<T>
  implements Disposable
{
  private state = IDLE;
  private result: T | null = null;
  private error: IoError | null = null;
  private waker: Waker | null = null;
  private bridgeHost: Host | null = null;

  constructor(
    /** The call, as errors and dumps name it: `"TcpStream.connect"`. */
    private readonly call: string,
    /** Its argument, as dumps show it: `"127.0.0.1:7000"`. */
    private readonly at: string,
  ) {
    super();
  }

  /** Start the operation; it ends by calling `succeed` or `fail` (later calls are ignored). */
  protected abstract begin(): void;

  /** Dropped while running: undo the half-made thing (its late events must still be heard). */
  protected abstract abandon(): void;

  /** Whether the operation still runs: not settled, not dropped. */
  protected get running(): boolean {
    return this.state === RUNNING;
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `${this.call}(${this.at})`, children: [] };
  }

  poll(cx: Context): Poll<T> {
    switch (this.state) {
      case IDLE:
        this.state = RUNNING;
        this.bridgeHost = ambient.host;
        this.bridgeHost?.bridgeOpened();
        this.waker = cx.waker;
        this.begin();
        return PENDING;
      case RUNNING:
        this.waker = cx.waker;
        return PENDING;
      case READY: {
        this.state = TAKEN;
        const r = this.result as T;
        this.result = null;
        return r;
      }
      case FAILED:
        this.state = TAKEN;
        throw this.error as IoError;
      default:
        throw new FutureStateError(
          `${this.call} was polled after it ${this.state === TAKEN ? "completed" : "was dropped"}`,
        );
    }
  }

  /** The operation made `result`: it waits to be taken. */
  protected succeed(result: T): void {
    if (this.state !== RUNNING) return;
    this.result = result;
    this.settle(READY);
  }

  /** The operation failed with `error`: it waits to be thrown. */
  protected fail(error: IoError): void {
    if (this.state !== RUNNING) return;
    this.error = error;
    this.settle(FAILED);
  }

  private settle(state: number): void {
    this.state = state;
    this.bridgeHost?.bridgeClosed();
    this.bridgeHost = null;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  [Symbol.dispose](): void {
    if (this.state === RUNNING) {
      this.bridgeHost?.bridgeClosed();
      this.bridgeHost = null;
      this.state = DROPPED;
      this.abandon();
    } else if (this.state === READY) {
      this.result?.[Symbol.dispose]();
      this.result = null;
    }
    if (this.state !== TAKEN) this.state = DROPPED;
    this.error = null;
    this.waker = null;
  }
}
