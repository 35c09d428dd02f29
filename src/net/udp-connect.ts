/**
 * The future behind `socket.connect(addr)`: choosing the one kitchen a note slot talks to. UDP has
 * no handshake, so nothing goes over the wire; the kernel records the peer (after Node resolves a
 * name), sends to it by default, and lets only its datagrams in. Lazy: nothing happens before the
 * first poll. While Node works on it the runtime counts an open bridge (it answers at once), so a
 * paused clock waits.
 *
 * Dropped after its first poll, the connect still happens (Node cannot call it back, and undoing
 * it would cost the socket its port, see `UdpSocket.connect`); the outcome is let go, and
 * `peerAddr()` tells whether the socket is connected.
 */
import { ambient, type Host, wakeAs } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { IoError } from "../io/error.js";
import { hostPort } from "./address.js";
import type { DatagramSender, Destination } from "./udp-sender.js";

/** Who woke a task waiting on a connect, for the instruments. */
const UDP_CONNECT = { kind: "io", source: "udp connect" } as const;

const IDLE = 0; // not polled: nothing asked of Node yet
const CONNECTING = 1; // Node is resolving and connecting
const CONNECTED = 2; // done: ready to report it
const FAILED = 3; // the error waits to be thrown
const TAKEN = 4; // the outcome was handed over
const DROPPED = 5; // disposed before that

/** `socket.connect(addr)`. */
export class UdpConnect extends FutureBase<void> implements Disposable {
  private state = IDLE;
  private error: IoError | null = null;
  private waker: Waker | null = null;
  private host: Host | null = null;

  constructor(
    private readonly sender: DatagramSender,
    private readonly to: Destination,
  ) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    const { host, port } = this.to;
    return {
      label: `udp connect(${hostPort(host, port)})`,
      children: [],
    };
  }

  poll(cx: Context): Poll<void> {
    switch (this.state) {
      case IDLE:
        this.start();
        if ((this.state as number) === CONNECTING) {
          this.waker = cx.waker;
          return PENDING;
        }
        return this.poll(cx);
      case CONNECTING:
        this.waker = cx.waker;
        return PENDING;
      case CONNECTED:
        this.state = TAKEN;
        return undefined;
      case FAILED:
        this.state = TAKEN;
        throw this.error!;
      default:
        throw new FutureStateError(
          `udp connect was polled after it ${this.state === TAKEN ? "completed" : "was dropped"}`,
        );
    }
  }

  private start(): void {
    const { host, port } = this.to;
    try {
      this.sender.startConnect(this, this.to, (e) => {
        const ok = e === null || e === undefined;
        this.sender.endConnect(this, ok);
        if (ok) this.settle(CONNECTED, null);
        else this.settle(FAILED, IoError.from(e, `udp connect to ${hostPort(host, port)}`));
      });
    } catch (e) {
      this.state = FAILED;
      this.error =
        e instanceof IoError ? e : IoError.from(e, `udp connect to ${hostPort(host, port)}`);
      return;
    }
    this.state = CONNECTING;
    this.host = ambient.host;
    this.host?.bridgeOpened();
  }

  /** @internal the socket was disposed while this connect was in flight. */
  fail(error: IoError): void {
    this.settle(FAILED, error);
  }

  private settle(state: number, error: IoError | null): void {
    if (this.state !== CONNECTING) return;
    this.state = state;
    this.error = error;
    this.host?.bridgeClosed();
    this.host = null;
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs(UDP_CONNECT, w);
  }

  [Symbol.dispose](): void {
    if (this.state === CONNECTING) {
      // Node finishes the connect anyway, and the socket records it (endConnect).
      this.host?.bridgeClosed();
      this.host = null;
    }
    if (this.state !== TAKEN) this.state = DROPPED;
    this.error = null;
    this.waker = null;
  }
}
