/**
 * The futures behind `socket.recvFrom(buf)`, `socket.peekFrom(buf)` and `socket.recv(buf)`: a chef
 * waiting by the note slot. Each poll asks the socket for its oldest queued datagram, which is
 * taken (a peek leaves it) only by the poll that returns it (so a receive dropped at any point
 * loses nothing: cancel safe, as tokio's `recv_from`). Dropped while it waits, a receive takes its pager and its source wait back at once
 * (`unregister`), so the runtime's "all tasks asleep" check is not fooled by a wait nobody holds.
 */
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { SocketAddr } from "./address.js";
import type { UdpSocket } from "./udp-socket.js";

/** `socket.recvFrom(buf)` (or `peekFrom`, which leaves the datagram queued): length and sender. */
export class RecvFrom extends FutureBase<[number, SocketAddr]> implements Disposable {
  constructor(
    private readonly socket: UdpSocket,
    private readonly buf: Uint8Array,
    private readonly peek = false,
  ) {
    super();
  }

  /** For dumps and deadlock reports. */
  [DESCRIBE](): Description {
    return { label: `udp ${this.call()} on ${this.socket.localAddr()}`, children: [] };
  }

  private over = false;

  private call(): string {
    return this.peek ? "peekFrom()" : "recvFrom()";
  }

  poll(cx: Context): Poll<[number, SocketAddr]> {
    if (this.over) throw pollAfterEnd(this.call());
    let n: Poll<number>;
    try {
      n = this.socket.pollRecv(cx, this.buf, this, this.peek);
    } catch (e) {
      this.over = true;
      throw e;
    }
    if (n === PENDING) return PENDING;
    this.over = true;
    return [n, this.socket.takeSender()];
  }

  [Symbol.dispose](): void {
    this.over = true;
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

  private over = false;

  poll(cx: Context): Poll<number> {
    if (this.over) throw pollAfterEnd("recv()");
    let n: Poll<number>;
    try {
      n = this.socket.pollRecv(cx, this.buf, this, false);
    } catch (e) {
      this.over = true;
      throw e;
    }
    if (n !== PENDING) this.over = true;
    return n;
  }

  [Symbol.dispose](): void {
    this.over = true;
    this.socket.unregister(this);
  }
}

/** Polling a receive again would take another datagram (or park with nobody to take it back). */
function pollAfterEnd(what: string): FutureStateError {
  return new FutureStateError(`udp ${what} was polled after it completed or was dropped`);
}
