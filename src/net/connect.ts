/**
 * Connecting: dialing another kitchen (`TcpStream.connect`) or ringing the intercom next door
 * (`UnixStream.connect`). The life of every network setup (net/setup-future.ts): lazy, an open
 * bridge while the OS has not answered; dropped before it is ready, it destroys the half-open
 * socket; dropped after connecting but before handing the stream over, it closes that stream.
 */
import { type NetConnectOpts, connect as netConnect, type Socket } from "node:net";
import { IoError } from "../io/error.js";
import { SetupFuture } from "./setup-future.js";
import { trackSocket } from "./tcp-stream.js";

/**
 * The future behind `TcpStream.connect` and `UnixStream.connect`: a socket connected to `options`
 * (a host and port, or a path), handed over as `wrap` makes it a stream.
 */
export class Connect<T extends Disposable> extends SetupFuture<T> {
  private socket: Socket | null = null;

  constructor(
    call: string,
    at: string,
    private readonly options: NetConnectOpts,
    /** What a failure says it was doing: `"connect to 127.0.0.1:7000"`. */
    private readonly doing: string,
    /** The stream over the connected socket (it takes over every event from then on). */
    private readonly wrap: (socket: Socket) => T,
  ) {
    super(call, at);
  }

  protected begin(): void {
    const socket = netConnect({ ...this.options, allowHalfOpen: true });
    this.socket = socket;
    trackSocket(socket);
    const onError = (e: Error) => {
      this.socket = null;
      this.fail(IoError.from(e, this.doing));
      socket.destroy();
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.removeListener("error", onError);
      this.socket = null;
      // The stream takes over every event from here on, so no error goes unheard.
      this.succeed(this.wrap(socket));
    });
  }

  protected abandon(): void {
    const socket = this.socket as Socket;
    this.socket = null;
    // A late error from the half-open socket must still have a listener.
    socket.on("error", () => {});
    socket.destroy();
  }
}
