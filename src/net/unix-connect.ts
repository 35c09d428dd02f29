/**
 * The future behind `UnixStream.connect`: ringing the intercom of the kitchen next door. The same
 * life as `TcpStream.connect`'s (net/connect.ts): lazy (the socket is made at the first poll), an
 * open bridge while the OS has not answered, and dropped before it is ready it destroys the
 * half-open socket; dropped after connecting but before handing the stream over, it closes that
 * stream.
 */
import { connect as netConnect, type Socket } from "node:net";
import { ambient, type Host } from "../future/ambient.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { IoError } from "../io/error.js";
import { TcpStream, trackSocket } from "./tcp-stream.js";
import { UNNAMED, UnixSocketAddr } from "./unix-addr.js";
import { UnixStream } from "./unix-stream.js";

const IDLE = 0; // not polled: no socket yet
const CONNECTING = 1; // the socket exists; the OS has not answered
const CONNECTED = 2; // connected: the stream waits to be taken
const FAILED = 3; // no file, nobody listening, no permission: the error waits to be thrown
const TAKEN = 4; // the stream or error was handed over
const DROPPED = 5; // disposed before that

/** The future behind `UnixStream.connect`. */
export class UnixConnect extends FutureBase<UnixStream> implements Disposable {
  private state = IDLE;
  private socket: Socket | null = null;
  private stream: UnixStream | null = null;
  private error: IoError | null = null;
  private waker: Waker | null = null;
  private host: Host | null = null;

  constructor(private readonly path: string) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `UnixStream.connect(${this.path})`, children: [] };
  }

  poll(cx: Context): Poll<UnixStream> {
    switch (this.state) {
      case IDLE:
        this.start();
        this.waker = cx.waker;
        return PENDING;
      case CONNECTING:
        this.waker = cx.waker;
        return PENDING;
      case CONNECTED: {
        this.state = TAKEN;
        const s = this.stream!;
        this.stream = null;
        return s;
      }
      case FAILED:
        this.state = TAKEN;
        throw this.error!;
      default:
        throw new FutureStateError(
          `UnixStream.connect was polled after it ${this.state === TAKEN ? "completed" : "was dropped"}`,
        );
    }
  }

  private start(): void {
    this.state = CONNECTING;
    this.host = ambient.host;
    this.host?.bridgeOpened();
    const socket = netConnect({ path: this.path, allowHalfOpen: true });
    this.socket = socket;
    trackSocket(socket);
    const onError = (e: Error) => {
      this.settle(FAILED, IoError.from(e, `connect to unix socket ${this.path}`));
      socket.destroy();
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.removeListener("error", onError);
      // The stream takes over every event from here on, so no error goes unheard.
      this.stream = new UnixStream(new TcpStream(socket), UNNAMED, new UnixSocketAddr(this.path));
      this.settle(CONNECTED, null);
    });
  }

  private settle(state: number, error: IoError | null): void {
    if (this.state !== CONNECTING) return;
    this.state = state;
    this.error = error;
    this.socket = null;
    this.host?.bridgeClosed();
    this.host = null;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  [Symbol.dispose](): void {
    if (this.state === CONNECTING) {
      this.host?.bridgeClosed();
      this.host = null;
      const socket = this.socket!;
      this.socket = null;
      // A late error from the half-open socket must still have a listener.
      socket.on("error", () => {});
      socket.destroy();
    } else if (this.state === CONNECTED) {
      this.stream![Symbol.dispose]();
      this.stream = null;
    }
    if (this.state !== TAKEN) this.state = DROPPED;
    this.waker = null;
  }
}
