/**
 * The receiving side of a UDP socket: the pigeonholes (the bounded queue of udp-queue.ts) and the
 * one chef who may wait by them. Node hands over datagrams and errors as they come (`arrive`,
 * `fail`); a receive takes the oldest datagram, or throws the error the kernel reported, or parks
 * its waker and opens a source wait (src/stream/source-wait.ts) until something arrives.
 *
 * Who may wait: one reader at a time. A poll that would park where another task's receive waits is
 * refused (one-reader.ts); the future whose poll parked last is the registrant, the only one whose
 * drop takes the waker and the wait back (`unregister`), so a receive that lost a `select` does not
 * leave the runtime believing somebody still waits on the socket.
 */
import type { RemoteInfo } from "node:dgram";
import type { ReaderRule } from "../channel/one-reader.js";
import type { Context } from "../future/context.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { IoError } from "../io/error.js";
import { IoWaitSlot } from "../io/io-wait-slot.js";
import { pollProceed } from "../task/budget.js";
import { SocketAddr } from "./address.js";
import type { DatagramQueue } from "./udp-queue.js";

/** Who woke a task waiting to receive, for the instruments. */
const UDP = { kind: "io", source: "udp socket" } as const;

/** What a second task waiting to receive is told (one-reader.ts). */
const RECV_RULE: ReaderRule = {
  subject: "this socket",
  how: "a recv(), recvFrom() or peekFrom() there",
  advice:
    "A UDP socket has one reader at a time: receive in one task and hand the datagrams on through a channel (sending needs no such care: any task may send)",
};

/** The queue of received datagrams and the one reader parked on it. */
export class DatagramReceiver {
  /** Where the one reader waits (the refusal of a second, its registrant, its source wait). */
  private readonly slot = new IoWaitSlot("udp socket receive", RECV_RULE, UDP);
  /** An error the kernel reported on the socket, not yet thrown: the next empty receive's. */
  private error: IoError | null = null;
  /** The sender of the datagram the last successful `poll` took, for `recvFrom`. */
  private lastSender: RemoteInfo | null = null;

  constructor(readonly queue: DatagramQueue) {}

  /** Node delivered a datagram: queue it (or count it dropped) and wake the reader. */
  arrive(datagram: Buffer, sender: RemoteInfo): void {
    if (this.queue.push(datagram, sender)) this.wake();
  }

  /** The kernel reported an error on the socket: kept (the first, until thrown) for the reader. */
  fail(error: IoError): void {
    this.error ??= error;
    this.wake();
  }

  /**
   * The oldest datagram copied into `buf` (its length, truncated to `buf`; taken off the queue
   * unless `peek`), the pending error thrown, or PENDING with the reader parked as `by`. The
   * sender is then read with `takeSender`.
   */
  poll(cx: Context, buf: Uint8Array, by: unknown, peek: boolean): Poll<number> {
    if (this.queue.length > 0) {
      if (!pollProceed(cx)) return PENDING;
      return this.copyOut(buf, peek);
    }
    this.throwPendingError();
    // A receive of another task waiting here is refused (one-reader.ts).
    this.slot.park(cx, by);
    return PENDING;
  }

  /** `poll` without waiting: the datagram's length, the pending error thrown, or null. */
  tryTake(buf: Uint8Array): number | null {
    if (this.queue.length > 0) return this.copyOut(buf, false);
    this.throwPendingError();
    return null;
  }

  /** Copy the oldest datagram into `buf` and note its sender; take it off unless `peek`. */
  private copyOut(buf: Uint8Array, peek: boolean): number {
    const q = this.queue;
    const datagram = q.peek();
    this.lastSender = q.peekSender();
    if (!peek) q.shift();
    const n = Math.min(datagram.length, buf.length);
    buf.set(n === datagram.length ? datagram : datagram.subarray(0, n));
    return n;
  }

  /** An error the kernel reported, thrown once (as the kernel's pending error), then forgotten. */
  private throwPendingError(): void {
    const error = this.error;
    if (error === null) return;
    this.error = null;
    throw error;
  }

  /** The sender of the datagram the last `poll` returned. */
  takeSender(): SocketAddr {
    const s = this.lastSender!;
    this.lastSender = null;
    return new SocketAddr(s.address, s.port);
  }

  /** `by` was dropped: if its poll parked the reader last, forget it and close the wait. */
  unregister(by: unknown): void {
    this.slot.unregister(by);
  }

  /** The socket was disposed: let every datagram go and wake the reader to see it closed. */
  close(): void {
    this.queue.clear();
    this.error = null;
    this.lastSender = null;
    this.wake();
  }

  private wake(): void {
    this.slot.wake();
  }
}
