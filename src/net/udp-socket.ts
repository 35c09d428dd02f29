/**
 * UdpSocket: the kitchen's note slot. TCP is a phone line to one other kitchen; UDP is notes passed
 * through a slot in the door: each datagram arrives whole or not at all, from whoever sent it, in
 * no promised order, and nothing slows a sender down. tokio's `UdpSocket` on top of `node:dgram`:
 *
 * - Two ways to use it, as in tokio. One to many: `bind`, then `sendTo(bytes, addr)` and
 *   `recvFrom(buf)`. One to one: `connect(addr)` as well, then `send(bytes)` and `recv(buf)`, and
 *   the kernel only lets that peer's datagrams in.
 * - Receiving: Node reads datagrams as they arrive; those no task has read yet wait in a bounded
 *   queue (256 datagrams or 1 MiB of payload by default, see udp-queue.ts), and past the bound a
 *   new arrival is dropped and counted (`droppedDatagrams`): UDP may drop, memory may not grow.
 *   `recvFrom(buf)` copies the oldest datagram into `buf`; one longer than `buf` is truncated,
 *   the rest of it lost, as tokio (and `recvfrom(2)`) say. A datagram is taken only by the poll
 *   that returns it, so a `recvFrom` dropped at any point loses nothing (cancel safe).
 * - One reader at a time: a second task that waits to receive where another task's receive waits
 *   is refused with a `FutureStateError` naming both (one-reader.ts), as a TCP read is. Sends are
 *   independent of one another and of the reader: any task may send at any time.
 * - Errors are `IoError`s at the future that waits, never uncaught exceptions: a send's own failure
 *   (`EMSGSIZE`, no route) at that send; an error the kernel reports on the socket (a connected
 *   socket's peer answered with ICMP "port unreachable": `"ConnectionRefused"`) at the next send,
 *   or the next receive that finds no datagram waiting, once, after which the socket goes on, as
 *   `send(2)` and `recv(2)` report it.
 * - Disposing closes the socket: a receive waiting on it fails with `"NotConnected"`, sends and a
 *   connect still in flight fail the same way, queued datagrams are let go. `netMetrics()` counts
 *   the socket in `liveSockets` until Node's `'close'` event for it.
 * - A bound socket keeps the Node process alive until it is disposed, as a listening `TcpListener`
 *   does (and as a `node:dgram` socket does): `using socket = yield* UdpSocket.bind(...)`.
 *
 * Receiving does not hold the paused clock (a peer may never send; see `net/index.ts`); binding,
 * connecting and sending do, as the OS answers them at once.
 */
import type { RemoteInfo, Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { markOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import type { FutureBase } from "../future/future.js";
import type { Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { assertBuffer } from "../io/traits.js";
import { parseAddr, SocketAddr, type ToSocketAddr } from "./address.js";
import { UdpBind, type UdpBindOptions } from "./udp-bind.js";
import { UdpConnect } from "./udp-connect.js";
import type { DatagramReceiver } from "./udp-receiver.js";
import { Recv, RecvFrom } from "./udp-recv.js";
import { UdpSend } from "./udp-send.js";
import { closedError, DatagramSender } from "./udp-sender.js";

/**
 * A UDP socket, bound to a local address. Get one from `UdpSocket.bind(addr)`.
 *
 * @example
 * ```ts
 * using socket = yield* UdpSocket.bind("127.0.0.1:0");
 * yield* socket.sendTo(new TextEncoder().encode("ping"), "127.0.0.1:7000");
 * const buf = new Uint8Array(1500);
 * const [n, from] = yield* socket.recvFrom(buf);
 * ```
 */
export class UdpSocket implements Disposable {
  private disposed = false;
  /** The peer, and the sends and connect in flight (udp-sender.ts). */
  private readonly sender: DatagramSender;
  private broadcastOn = false;
  private ttlSet: number | null = null;
  private readonly local: SocketAddr;

  /** Not for direct use: sockets are made by `UdpSocket.bind`. */
  constructor(
    private readonly socket: Socket,
    private readonly receiver: DatagramReceiver,
  ) {
    const a = socket.address();
    this.local = new SocketAddr(a.address, a.port);
    this.sender = new DatagramSender(socket, this.local);
    socket.on("message", (datagram: Buffer, from: RemoteInfo) => {
      if (!this.disposed) this.receiver.arrive(datagram, from);
    });
    socket.on("error", (e) => {
      if (this.disposed) return;
      this.receiver.fail(IoError.from(e, `udp socket ${this.sender.describeEnds()}: receive`));
    });
  }

  /**
   * Bind a socket to `addr` (`"127.0.0.1:0"` picks a free port; an IPv6 address such as
   * `"[::1]:0"` makes an IPv6 socket, anything else an IPv4 one). Fails with an {@link IoError} of
   * kind `"AddrInUse"` when the port is taken. `options` sets the receive queue's bound.
   *
   * @example
   * ```ts
   * using socket = yield* UdpSocket.bind("0.0.0.0:5353");
   * ```
   */
  static bind(addr: ToSocketAddr, options?: UdpBindOptions): FutureBase<UdpSocket> & Disposable {
    return UdpBind.make(addr, options);
  }

  /**
   * The address the socket is bound to (with the real port when bound to port 0).
   *
   * @example
   * ```ts
   * const socket = yield* UdpSocket.bind("127.0.0.1:0");
   * console.log(`listening on udp ${socket.localAddr()}`);
   * ```
   */
  localAddr(): SocketAddr {
    return this.local;
  }

  /**
   * The address `connect` set. An {@link IoError} of kind `"NotConnected"` while there is none, as
   * tokio's `peer_addr`.
   *
   * @example
   * ```ts
   * yield* socket.connect("127.0.0.1:7000");
   * console.log(socket.peerAddr().port); // 7000
   * ```
   */
  peerAddr(): SocketAddr {
    const peer = this.sender.peer;
    if (peer === null) {
      throw new IoError(
        "NotConnected",
        `udp socket ${this.local}: peerAddr(): the socket is not connected`,
      );
    }
    return peer;
  }

  /**
   * Set the socket's one peer: `send` goes there, and only its datagrams are received from then on
   * (datagrams already queued from others stay, as the kernel's queue keeps them). Once polled, the
   * connect happens even if the future is dropped (Node cannot call it back; `peerAddr` tells).
   * A socket is connected once: connecting again fails with an {@link IoError} of kind
   * `"InvalidInput"` (tokio reconnects; Node must disconnect first, and on Linux that gives up a
   * port the system chose, so the socket would move): bind another socket for another peer.
   *
   * @example
   * ```ts
   * yield* socket.connect("127.0.0.1:7000");
   * yield* socket.send(ping);
   * ```
   */
  connect(addr: ToSocketAddr): FutureBase<void> & Disposable {
    const to = parseAddr(addr, "udp socket.connect(addr): addr");
    checkDestinationPort(to.port, "udp socket.connect(addr): addr");
    return new UdpConnect(this.sender, to);
  }

  /**
   * Send `bytes` as one datagram to `addr`: the byte count once Node has handed it to the kernel.
   * The bytes are copied at the first poll (reuse `bytes` at once). Once polled, the datagram is on
   * its way: dropping the future does not call it back (tokio's `send_to`, cancelled, sent
   * nothing; here the send may already be in the kernel, so the other reading would be a lie).
   * Fails with an {@link IoError}: too long for a datagram, no route, an address of the other IP
   * family than the socket's (`"InvalidInput"`), or on a connected socket (use `send`).
   *
   * @example
   * ```ts
   * const n = yield* socket.sendTo(new TextEncoder().encode("order up"), "127.0.0.1:7000");
   * ```
   */
  sendTo(bytes: Uint8Array, addr: ToSocketAddr): FutureBase<number> & Disposable {
    assertBuffer(bytes, "udp socket.sendTo(bytes, addr): bytes");
    const to = parseAddr(addr, "udp socket.sendTo(bytes, addr): addr");
    checkDestinationPort(to.port, "udp socket.sendTo(bytes, addr): addr");
    return new UdpSend(this.sender, bytes, to);
  }

  /**
   * Send `bytes` as one datagram to the connected peer (see `sendTo` for what a drop means).
   * Fails with an {@link IoError} of kind `"NotConnected"` on a socket that is not connected.
   *
   * @example
   * ```ts
   * yield* socket.connect("127.0.0.1:7000");
   * const n = yield* socket.send(new TextEncoder().encode("ping"));
   * ```
   */
  send(bytes: Uint8Array): FutureBase<number> & Disposable {
    assertBuffer(bytes, "udp socket.send(bytes): bytes");
    return new UdpSend(this.sender, bytes, null);
  }

  /**
   * Receive one datagram into `buf`: its length (truncated to `buf.length`: the rest of a longer
   * datagram is lost) and its sender. Waits while none is queued. Cancel safe: a datagram is taken
   * only by the poll that returns it.
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(1500);
   * const [n, from] = yield* socket.recvFrom(buf);
   * yield* socket.sendTo(buf.subarray(0, n), from); // echo it back
   * ```
   */
  recvFrom(buf: Uint8Array): FutureBase<[number, SocketAddr]> & Disposable {
    assertBuffer(buf, "udp socket.recvFrom(buf): buf");
    return new RecvFrom(this, buf);
  }

  /**
   * The oldest queued datagram, as `recvFrom`, but left in the queue: the next receive gets it
   * again. Waits while none is queued. Cancel safe. tokio's `peek_from`.
   *
   * @example
   * ```ts
   * const [n, from] = yield* socket.peekFrom(header); // the first bytes, to choose a handler
   * const whole = new Uint8Array(1500);
   * yield* socket.recv(whole); // the same datagram, taken
   * ```
   */
  peekFrom(buf: Uint8Array): FutureBase<[number, SocketAddr]> & Disposable {
    assertBuffer(buf, "udp socket.peekFrom(buf): buf");
    return new RecvFrom(this, buf, true);
  }

  /**
   * Take a datagram now if one is queued: its length and sender, or `null` when none is (tokio's
   * `try_recv_from`, whose `WouldBlock` is `null` here). Throws an error the kernel reported, as a
   * receive would, and `NotConnected` on a disposed socket. Never waits, so it is not subject to
   * the one-reader rule.
   *
   * @example
   * ```ts
   * for (let got = socket.tryRecvFrom(buf); got !== null; got = socket.tryRecvFrom(buf)) {
   *   handle(buf.subarray(0, got[0]), got[1]); // drain what is queued, then go on
   * }
   * ```
   */
  tryRecvFrom(buf: Uint8Array): [number, SocketAddr] | null {
    assertBuffer(buf, "udp socket.tryRecvFrom(buf): buf");
    if (this.disposed) throw this.closedError("receive");
    const n = this.receiver.tryTake(buf);
    return n === null ? null : [n, this.receiver.takeSender()];
  }

  /**
   * Receive one datagram into `buf`, as `recvFrom` without the sender (on a connected socket it is
   * the peer). Cancel safe.
   *
   * @example
   * ```ts
   * const n = yield* socket.recv(buf);
   * console.log(new TextDecoder().decode(buf.subarray(0, n)));
   * ```
   */
  recv(buf: Uint8Array): FutureBase<number> & Disposable {
    assertBuffer(buf, "udp socket.recv(buf): buf");
    return new Recv(this, buf);
  }

  /**
   * Allow sending to a broadcast address (`SO_BROADCAST`), or forbid it again.
   *
   * @example
   * ```ts
   * socket.setBroadcast(true);
   * yield* socket.sendTo(announcement, "255.255.255.255:9999");
   * ```
   */
  setBroadcast(on: boolean): void {
    if (typeof on !== "boolean") {
      throw new TypeError(`udp socket.setBroadcast(on): on must be a boolean, got ${typeof on}`);
    }
    this.node("setBroadcast").setBroadcast(on);
    this.broadcastOn = on;
  }

  /**
   * Whether sending to a broadcast address is allowed (`setBroadcast`; off when bound).
   *
   * @example
   * ```ts
   * if (!socket.broadcast()) socket.setBroadcast(true);
   * ```
   */
  broadcast(): boolean {
    return this.broadcastOn;
  }

  /**
   * Set the time-to-live of outgoing unicast datagrams (IPv4 `IP_TTL`, IPv6's unicast hop limit):
   * how many routers a datagram may pass. An integer from 1 to 255.
   *
   * @example
   * ```ts
   * socket.setTtl(1); // stay on the local network
   * ```
   */
  setTtl(ttl: number): void {
    if (typeof ttl !== "number") {
      throw new TypeError(`udp socket.setTtl(ttl): ttl must be a number, got ${typeof ttl}`);
    }
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) {
      throw new RangeError(
        `udp socket.setTtl(ttl): ttl must be an integer from 1 to 255, got ${String(ttl)}`,
      );
    }
    this.node("setTtl").setTTL(ttl);
    this.ttlSet = ttl;
  }

  /**
   * The time-to-live of outgoing datagrams: what `setTtl` set, else the system's default (Node
   * cannot read the option back; on Linux the default is read from `/proc`, elsewhere it is 64).
   *
   * @example
   * ```ts
   * console.log(socket.ttl()); // 64 on most systems
   * ```
   */
  ttl(): number {
    return this.ttlSet ?? systemTtl(this.local.family);
  }

  /**
   * Datagrams received and not yet read (at most the queue's bound).
   *
   * @example
   * ```ts
   * if (socket.recvQueueLength > 100) console.log("the reader is falling behind");
   * ```
   */
  get recvQueueLength(): number {
    return this.receiver.queue.length;
  }

  /**
   * Datagrams dropped since the socket was bound because the receive queue was full (those the
   * kernel or the network dropped are not seen, and not counted).
   *
   * @example
   * ```ts
   * if (socket.droppedDatagrams > 0) console.log("some notes fell on the floor");
   * ```
   */
  get droppedDatagrams(): number {
    return this.receiver.queue.dropped;
  }

  /**
   * @internal the oldest datagram copied into `buf` (its length, truncated to `buf`), or PENDING
   * with the reader parked as `by` (udp-receiver.ts). The sender is then read with `takeSender`.
   */
  pollRecv(cx: Context, buf: Uint8Array, by: unknown, peek: boolean): Poll<number> {
    if (this.disposed) throw this.closedError("receive");
    return this.receiver.poll(cx, buf, by, peek);
  }

  /** @internal the sender of the datagram the last `pollRecv` returned. */
  takeSender(): SocketAddr {
    return this.receiver.takeSender();
  }

  /** @internal `by` was dropped: if its poll parked the reader last, forget it and close the wait. */
  unregister(by: unknown): void {
    this.receiver.unregister(by);
  }

  /** The Node socket, for an option change; disposed, there is none to change. */
  private node(call: string): Socket {
    if (this.disposed) throw this.closedError(call);
    return this.socket;
  }

  private closedError(doing: string): IoError {
    return closedError(this.local, doing);
  }

  /**
   * Close the socket: every waiting or in-flight operation fails with `NotConnected`. Idempotent.
   *
   * @example
   * ```ts
   * using socket = yield* UdpSocket.bind("127.0.0.1:0"); // closed when the scope ends
   * ```
   */
  [Symbol.dispose](): void {
    if (this.disposed) return;
    this.disposed = true;
    this.socket.close();
    this.sender.close();
    this.receiver.close();
  }
}

/** A port to send to or connect to: 0 is only for binding. */
function checkDestinationPort(port: number, where: string): void {
  if (port === 0) {
    throw new RangeError(`${where}: the port must be from 1 to 65535 to send there, got 0`);
  }
}

/** The system's default TTL (IPv4) or hop limit (IPv6), read once per family. */
const defaultTtl: { IPv4?: number; IPv6?: number } = {};

function systemTtl(family: "IPv4" | "IPv6"): number {
  const known = defaultTtl[family];
  if (known !== undefined) return known;
  let ttl = 64;
  try {
    const path =
      family === "IPv4"
        ? "/proc/sys/net/ipv4/ip_default_ttl"
        : "/proc/sys/net/ipv6/conf/default/hop_limit";
    const n = Number(readFileSync(path, "utf8").trim());
    if (Number.isInteger(n) && n > 0) ttl = n;
  } catch {
    // Not Linux: 64 is the default of Linux, macOS and the BSDs.
  }
  defaultTtl[family] = ttl;
  return ttl;
}

// One holder each: left over where nobody can take it, it is disposed (see `OWNED`).
markOwned(UdpSocket);
