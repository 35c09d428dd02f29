/**
 * The future behind `socket.sendTo(bytes, addr)` and `socket.send(bytes)`: a note pushed through
 * the slot. Lazy like every future: at the first poll the bytes are copied and handed to Node, and
 * the future is ready with the byte count once Node says the kernel took the datagram (or fails
 * with its {@link IoError}). While Node has it, the runtime counts an open bridge: the OS always
 * answers a send, so a paused clock waits for the answer.
 *
 * Dropped after the first poll, the datagram still goes (it may be in the kernel already, and Node
 * cannot call it back); the outcome is let go. Each send is its own: several may be in flight at
 * once, from any task, and none waits for another.
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

/** Who woke a task waiting on a send, for the instruments. */
const UDP_SEND = { kind: "io", source: "udp send" } as const;

const IDLE = 0; // not polled: nothing sent yet (sending is lazy, like every future)
const SENDING = 1; // handed to Node; its callback has not come
const SENT = 2; // the kernel took it: the count waits to be taken
const FAILED = 3; // the send failed: the error waits to be thrown
const TAKEN = 4; // the count or the error was handed over
const DROPPED = 5; // disposed before that

/** `sendTo` (`to` set) or `send` (`to` null). */
export class UdpSend extends FutureBase<number> implements Disposable {
  private state = IDLE;
  private error: IoError | null = null;
  private waker: Waker | null = null;
  private host: Host | null = null;
  private readonly length: number;

  constructor(
    private readonly sender: DatagramSender,
    private bytes: Uint8Array | null,
    private readonly to: Destination | null,
  ) {
    super();
    this.length = bytes!.length;
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    const to = this.to;
    const label =
      to === null
        ? `udp send(${this.length} bytes)`
        : `udp sendTo(${this.length} bytes, ${hostPort(to.host, to.port)})`;
    return { label, children: [] };
  }

  poll(cx: Context): Poll<number> {
    switch (this.state) {
      case IDLE:
        this.start();
        if ((this.state as number) === SENDING) {
          this.waker = cx.waker;
          return PENDING;
        }
        return this.poll(cx);
      case SENDING:
        this.waker = cx.waker;
        return PENDING;
      case SENT:
        this.state = TAKEN;
        return this.length;
      case FAILED:
        this.state = TAKEN;
        throw this.error!;
      default:
        throw new FutureStateError(
          `udp ${this.to === null ? "send" : "sendTo"} was polled after it ${this.state === TAKEN ? "completed" : "was dropped"}`,
        );
    }
  }

  private start(): void {
    // A copy: the caller may reuse `bytes` as soon as this future is dropped, and Node keeps what
    // it is given until the kernel has it.
    const datagram = Buffer.from(this.bytes!);
    this.bytes = null;
    try {
      this.sender.transmit(this, datagram, this.to, (e) => {
        if (e === null || e === undefined) this.settle(SENT, null);
        else this.settle(FAILED, IoError.from(e, this.doing()));
      });
    } catch (e) {
      this.state = FAILED;
      this.error = e instanceof IoError ? e : IoError.from(e, this.doing());
      return;
    }
    this.state = SENDING;
    this.host = ambient.host;
    this.host?.bridgeOpened();
  }

  /** "udp sendTo 127.0.0.1:7000" (what failed, for the error's message). */
  private doing(): string {
    const to = this.to;
    return to === null ? "udp send" : `udp sendTo ${hostPort(to.host, to.port)}`;
  }

  /** @internal the socket was disposed while this send was in flight. */
  fail(error: IoError): void {
    this.settle(FAILED, error);
  }

  private settle(state: number, error: IoError | null): void {
    if (this.state !== SENDING) return;
    this.state = state;
    this.error = error;
    this.sender.sent(this);
    this.host?.bridgeClosed();
    this.host = null;
    const w = this.waker;
    this.waker = null;
    if (w !== null) wakeAs(UDP_SEND, w);
  }

  [Symbol.dispose](): void {
    if (this.state === SENDING) {
      this.sender.sent(this);
      this.host?.bridgeClosed();
      this.host = null;
    }
    if (this.state !== TAKEN) this.state = DROPPED;
    this.bytes = null;
    this.error = null;
    this.waker = null;
  }
}
