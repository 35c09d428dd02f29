/**
 * The receive queue of a UDP socket: the pigeonholes by the kitchen door where notes from other
 * kitchens wait for a chef to read them. Node reads datagrams off the kernel as soon as they
 * arrive and cannot be told to stop (a dgram socket has no `pause`), so what no task has read yet
 * waits here, and the queue is bounded: past `maxDatagrams` notes, or `maxBytes` of payload, a new
 * arrival is dropped and counted, as a full kernel receive buffer drops it. UDP promises no
 * delivery, so a drop is the protocol's own answer to a reader that falls behind; memory stays
 * bounded whatever a sender does.
 *
 * A ring of two parallel arrays (the payload, and Node's description of its sender), grown by
 * doubling up to what the bound needs: an idle socket holds a few slots, a busy one never moves
 * its datagrams around.
 */
import type { RemoteInfo } from "node:dgram";

/** Ring slots allocated for a new queue (grown by doubling, as far as the bound needs). */
const INITIAL_SLOTS = 8;

/** A bounded FIFO of received datagrams. */
export class DatagramQueue {
  private data: (Buffer | null)[] = [];
  private from: (RemoteInfo | null)[] = [];
  /** Index of the oldest datagram. */
  private head = 0;
  /** Datagrams queued. */
  length = 0;
  /** Payload bytes queued. */
  bytes = 0;
  /** Datagrams turned away because the queue was full, since the socket was bound. */
  dropped = 0;

  constructor(
    private readonly maxDatagrams: number,
    private readonly maxBytes: number,
  ) {}

  /** Queue a datagram, or count it dropped when it would pass either bound. */
  push(datagram: Buffer, sender: RemoteInfo): boolean {
    if (this.length >= this.maxDatagrams || this.bytes + datagram.length > this.maxBytes) {
      this.dropped++;
      return false;
    }
    if (this.length === this.data.length) this.grow();
    const i = (this.head + this.length) & (this.data.length - 1);
    this.data[i] = datagram;
    this.from[i] = sender;
    this.length++;
    this.bytes += datagram.length;
    return true;
  }

  /** The oldest datagram (the queue must not be empty). */
  peek(): Buffer {
    return this.data[this.head]!;
  }

  /** Who sent the oldest datagram (the queue must not be empty). */
  peekSender(): RemoteInfo {
    return this.from[this.head]!;
  }

  /** Forget the oldest datagram (the queue must not be empty). */
  shift(): void {
    const h = this.head;
    this.bytes -= this.data[h]!.length;
    this.data[h] = null;
    this.from[h] = null;
    this.head = (h + 1) & (this.data.length - 1);
    this.length--;
  }

  /** Let every queued datagram go (the socket was disposed). */
  clear(): void {
    this.data = [];
    this.from = [];
    this.head = this.length = this.bytes = 0;
  }

  /** Double the ring (a power of two, so an index wraps with a mask), oldest first. */
  private grow(): void {
    const size = this.data.length === 0 ? INITIAL_SLOTS : this.data.length * 2;
    const data: (Buffer | null)[] = new Array(size).fill(null);
    const from: (RemoteInfo | null)[] = new Array(size).fill(null);
    for (let k = 0; k < this.length; k++) {
      const i = (this.head + k) & (this.data.length - 1);
      data[k] = this.data[i]!;
      from[k] = this.from[i]!;
    }
    this.data = data;
    this.from = from;
    this.head = 0;
  }
}
