/**
 * The futures behind `socket.recvFrom(buf)` and `socket.recv(buf)`: a chef waiting by the note
 * slot. Each poll asks the socket for its oldest queued datagram, which is taken only by the poll
 * that returns it (so a receive dropped at any point loses nothing: cancel safe, as tokio's
 * `recv_from`). Dropped while it waits, a receive takes its pager and its source wait back at once
 * (`unregister`), so the runtime's "all tasks asleep" check is not fooled by a wait nobody holds.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { SocketAddr } from "./address.js";
import type { UdpSocket } from "./udp-socket.js";

/** `socket.recvFrom(buf)`: the length and the sender. */
export class RecvFrom extends FutureBase<[number, SocketAddr]> implements Disposable {
  constructor(
    private readonly socket: UdpSocket,
    private readonly buf: Uint8Array,
  ) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `udp recvFrom() on ${this.socket.localAddr()}`, children: [] };
  }

  poll(cx: Context): Poll<[number, SocketAddr]> {
    const n = this.socket.pollRecv(cx, this.buf, this);
    if (n === PENDING) return PENDING;
    return [n, this.socket.takeSender()];
  }

  [Symbol.dispose](): void {
    this.socket.unregister(this);
  }
}

/** `socket.recv(buf)`: the length only. */
export class Recv extends FutureBase<number> implements Disposable {
  constructor(
    private readonly socket: UdpSocket,
    private readonly buf: Uint8Array,
  ) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `udp recv() on ${this.socket.localAddr()}`, children: [] };
  }

  poll(cx: Context): Poll<number> {
    return this.socket.pollRecv(cx, this.buf, this);
  }

  [Symbol.dispose](): void {
    this.socket.unregister(this);
  }
}
