/**
 * The future behind `UdpSocket.bind(addr, options)`: opening a note slot in the door. Lazy: the
 * socket is made at the first poll, an IPv6 one for an IPv6 address and an IPv4 one otherwise
 * (`udp6`/`udp4`; a name such as `"localhost"` is resolved as IPv4). While the OS has not answered,
 * the runtime counts an open bridge, so a paused clock waits. Dropped before it is ready it closes
 * the half-made socket; dropped once bound but before handing the socket over, it disposes it.
 * From its birth to Node's `'close'` event the socket counts in `netMetrics().liveSockets`.
 */
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { IoError } from "../io/error.js";
import { hostPort, parseAddr, type ToSocketAddr } from "./address.js";
import { netCounters } from "./counters.js";
import { SetupFuture } from "./setup-future.js";
import { DatagramQueue } from "./udp-queue.js";
import { DatagramReceiver } from "./udp-receiver.js";
import { UdpSocket } from "./udp-socket.js";

/** The largest UDP payload (IPv4's; a datagram this long must always fit in the queue). */
const MAX_DATAGRAM = 65_535;

/** Options of `UdpSocket.bind`: the bound of the queue of datagrams received and not yet read. */
export interface UdpBindOptions {
  /**
   * Datagrams that may wait to be read; past it, new arrivals are dropped (and counted in
   * `droppedDatagrams`).
   * @default 256
   * @example UdpSocket.bind("0.0.0.0:5353", { queueDatagrams: 4096 })
   */
  queueDatagrams?: number;
  /**
   * Payload bytes that may wait to be read; a datagram that would pass it is dropped. At least
   * 65535, so that the largest datagram always fits in an empty queue.
   * @default 1048576 (1 MiB)
   * @example UdpSocket.bind("0.0.0.0:5353", { queueBytes: 8 << 20 })
   */
  queueBytes?: number;
}

function checkBound(value: unknown, name: string, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `UdpSocket.bind options.${name} must be a number, got ${typeof value === "string" ? JSON.stringify(value) : typeof value}`,
    );
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `UdpSocket.bind options.${name} must be an integer of at least ${min}, got ${String(value)}`,
    );
  }
  return value;
}

/** `UdpSocket.bind(addr, options)`: the life of every network setup (net/setup-future.ts). */
export class UdpBind extends SetupFuture<UdpSocket> {
  private node: Socket | null = null;

  private constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly queueDatagrams: number,
    private readonly queueBytes: number,
  ) {
    super("UdpSocket.bind", hostPort(host, port));
  }

  /** Check the arguments (a typed error now, not at the first poll) and make the future. */
  static make(addr: ToSocketAddr, options?: UdpBindOptions): UdpBind {
    const { host, port } = parseAddr(addr, "UdpSocket.bind(addr): addr");
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new TypeError(
        `UdpSocket.bind(addr, options): options must be an object, got ${options === null ? "null" : typeof options}`,
      );
    }
    const datagrams = checkBound(options?.queueDatagrams ?? 256, "queueDatagrams", 1);
    const bytes = checkBound(options?.queueBytes ?? 1 << 20, "queueBytes", MAX_DATAGRAM);
    return new UdpBind(host, port, datagrams, bytes);
  }

  protected begin(): void {
    const node = createSocket({ type: isIP(this.host) === 6 ? "udp6" : "udp4" });
    this.node = node;
    netCounters.sockets++;
    node.once("close", () => {
      netCounters.sockets--;
    });
    const onError = (e: Error) => {
      this.node = null;
      this.fail(IoError.from(e, `udp bind to ${hostPort(this.host, this.port)}`));
      closeQuietly(node);
    };
    node.once("error", onError);
    node.bind(this.port, this.host, () => {
      node.removeListener("error", onError);
      if (!this.running) {
        closeQuietly(node); // dropped meanwhile: a bind that lands after the drop is undone
        return;
      }
      this.node = null;
      // The socket takes over every event from here on, so no error goes unheard.
      const queue = new DatagramQueue(this.queueDatagrams, this.queueBytes);
      this.succeed(new UdpSocket(node, new DatagramReceiver(queue)));
    });
  }

  protected abandon(): void {
    const node = this.node as Socket;
    this.node = null;
    node.on("error", () => {}); // a late error from the half-made socket must have a listener
    closeQuietly(node);
  }
}

/** Close a Node socket that may already be closed (Node throws for a second close). */
function closeQuietly(node: Socket): void {
  try {
    node.close();
  } catch {
    // Already closed: its 'close' event came or is on its way.
  }
}
