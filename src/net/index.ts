/**
 * The net module's barrel: TCP, Unix domain and UDP sockets on top of Node's, and `lookupHost`.
 *
 * Sockets, the paused clock and the "all tasks asleep" check. The runtime asks two questions of
 * whatever a task waits on: could it ever wake the task (else `run` reports a deadlock), and is
 * it bound to answer soon (else a paused clock may jump to the next timer). So:
 * - `TcpStream.connect`, `TcpListener.bind`, a UDP socket's bind, connect and sends, and
 *   `lookupHost` count as open bridges (`Host.bridgeOpened`): the OS answers them whatever the
 *   peer does, so the paused clock waits for the answer.
 * - `accept`, a read, a write waiting for drain and a UDP receive count as source waits
 *   (`SourceWait`, `ioWaitOpened` on the runtime): a peer can wake the task, so it is not a
 *   deadlock; but the peer may also never act (a server with no guests, an idle connection), so
 *   they do not hold the paused clock; the clock only lets Node poll its sockets twice before it jumps (see
 *   time/driver.ts), so a peer in this process that answers at once is heard first. Such a future dropped while it waits (a `race` loser, a
 *   `select`'s `rest` once disposed, an aborted task) closes its wait at once (`ioWaits` in
 *   `rt.metrics()`); one kept alive and never polled again keeps it open.
 */

export { parseAddr, SocketAddr, type ToSocketAddr } from "./address.js";
export { type NetMetrics, netMetrics } from "./counters.js";
export { lookupHost } from "./lookup-host.js";
export { SocketStream } from "./socket-stream.js";
export { type BindOptions, TcpListener } from "./tcp-listener.js";
export { TcpStream } from "./tcp-stream.js";
export type { UdpBindOptions } from "./udp-bind.js";
export { UdpSocket } from "./udp-socket.js";
export { UnixSocketAddr } from "./unix-addr.js";
export { UnixListener } from "./unix-listener.js";
export { UnixStream } from "./unix-stream.js";
