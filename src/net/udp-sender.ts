/**
 * The sending side of a UDP socket: where its notes go. It keeps the peer `connect` set, the
 * connect in flight (one at a time: Node refuses a second) and the sends in flight. Those last two
 * are kept because Node never calls back an operation on a socket that was closed under it: when
 * the socket is disposed, `close` fails each of them with `NotConnected`, so no future waits
 * forever and no bridge stays open (which would hold a paused clock).
 *
 * Sends are independent of each other and of the reader: any task may send at any time, and
 * several sends may be in flight at once.
 */
import type { Socket } from "node:dgram";
import { isIP } from "node:net";
import { IoError } from "../io/error.js";
import { SocketAddr } from "./address.js";
import type { UdpConnect } from "./udp-connect.js";
import type { UdpSend } from "./udp-send.js";

/** A host and port to send to or connect to (parsed and checked). */
export interface Destination {
  readonly host: string;
  readonly port: number;
}

/** What an operation on a disposed socket fails with. */
export function closedError(local: SocketAddr, doing: string): IoError {
  return new IoError("NotConnected", `udp socket ${local}: ${doing} after the socket was disposed`);
}

/** The peer and the sends and connect in flight of one socket. */
export class DatagramSender {
  /** The peer `connect` set, `null` while not connected. */
  peer: SocketAddr | null = null;
  /** The connect in flight, if any. */
  private connecting: UdpConnect | null = null;
  /** The sends in flight. */
  private readonly sending = new Set<UdpSend>();
  private closed = false;

  constructor(
    private readonly node: Socket,
    private readonly local: SocketAddr,
  ) {}

  /** "127.0.0.1:5000" or "127.0.0.1:5000 -> 127.0.0.1:7000", for error messages. */
  describeEnds(): string {
    return this.peer === null ? String(this.local) : `${this.local} -> ${this.peer}`;
  }

  /**
   * Hand a datagram (already copied) to Node for `to`, or the peer when `to` is null; `done` is
   * Node's callback. Throws the {@link IoError} of a send that cannot start.
   */
  transmit(
    send: UdpSend,
    datagram: Uint8Array,
    to: Destination | null,
    done: (error: Error | null) => void,
  ): void {
    if (this.closed) throw closedError(this.local, "send");
    if (to === null) {
      if (this.peer === null) {
        throw new IoError(
          "NotConnected",
          `udp socket ${this.local}: send(bytes) on a socket that is not connected: connect(addr) first, or use sendTo(bytes, addr)`,
        );
      }
    } else {
      if (this.peer !== null || this.connecting !== null) {
        throw new IoError(
          "InvalidInput",
          `udp socket ${this.describeEnds()}: sendTo(bytes, addr) on a socket ${this.peer !== null ? "connected" : "being connected"} to one peer: use send(bytes), or bind another socket for other peers`,
        );
      }
      this.checkFamily(to.host, "sendTo(bytes, addr)");
    }
    this.sending.add(send);
    try {
      if (to === null) this.node.send(datagram, done);
      else this.node.send(datagram, to.port, to.host, done);
    } catch (e) {
      this.sending.delete(send);
      throw IoError.from(e, `udp socket ${this.local}: send`);
    }
  }

  /** A send settled or was dropped. */
  sent(send: UdpSend): void {
    this.sending.delete(send);
  }

  /**
   * Start connecting to `to` for the future `by`; `done` is Node's callback. Throws the
   * {@link IoError} of a connect that cannot start.
   */
  startConnect(by: UdpConnect, to: Destination, done: (e?: Error) => void): void {
    if (this.closed) throw closedError(this.local, "connect");
    if (this.connecting !== null) {
      throw new IoError(
        "InvalidInput",
        `udp socket ${this.local}: connect(addr) while another connect is in flight: await the first one`,
      );
    }
    if (this.peer !== null) {
      throw new IoError(
        "InvalidInput",
        `udp socket ${this.describeEnds()}: connect(addr) on a connected socket: a UDP socket is connected once here; bind another socket for another peer`,
      );
    }
    this.checkFamily(to.host, "connect(addr)");
    try {
      this.node.connect(to.port, to.host, done);
    } catch (e) {
      throw IoError.from(e, `udp socket ${this.local}: connect to ${to.host}:${to.port}`);
    }
    this.connecting = by;
  }

  /**
   * The connect `by` started has finished (`ok`) or failed. A connect that succeeded is recorded
   * even if its future was dropped meanwhile: the socket is connected all the same.
   */
  endConnect(by: UdpConnect, ok: boolean): void {
    if (this.connecting !== by) return;
    this.connecting = null;
    if (!ok || this.closed) return;
    const r = this.node.remoteAddress();
    this.peer = new SocketAddr(r.address, r.port);
  }

  /** The socket was disposed: fail what is in flight (Node will not call it back). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const gone = closedError(this.local, "an operation in flight");
    for (const send of [...this.sending]) send.fail(gone);
    this.sending.clear();
    const c = this.connecting;
    this.connecting = null;
    c?.fail(gone);
  }

  /** An IP literal of the other family than the socket's can never be reached from it. */
  private checkFamily(host: string, call: string): void {
    const v = isIP(host);
    if (v === 0) return; // a name: Node resolves it in the socket's own family
    const family = v === 6 ? "IPv6" : "IPv4";
    if (family === this.local.family) return;
    throw new IoError(
      "InvalidInput",
      `udp socket ${this.local}: ${call}: ${host} is an ${family} address and this socket is ${this.local.family}: bind a socket of that family`,
    );
  }
}
