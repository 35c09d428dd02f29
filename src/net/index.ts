/**
 * The net module's barrel: TCP on top of Node sockets.
 *
 * The paused clock and sockets (which operations count as open bridges, `Host.bridgeOpened`):
 * a paused clock may jump to the next timer only when nothing outside the runtime is about to wake
 * a task. A socket operation counts when the operating system is bound to answer it soon whatever
 * the peer does: `TcpStream.connect` (connected, refused or timed out) and `TcpListener.bind`.
 * Operations that wait on a peer do not count: `accept` (a server waits for guests forever), a
 * read (the peer may stay silent), a write waiting for drain (the peer may never read). Counting
 * them would freeze the paused clock behind any idle connection; not counting them means a test on
 * the paused clock that races a read against a timeout should let the peer's bytes arrive first.
 */

export { parseAddr, SocketAddr, type ToSocketAddr } from "./address.js";
export { type NetMetrics, netMetrics } from "./counters.js";
export { type BindOptions, TcpListener } from "./tcp-listener.js";
export { TcpStream } from "./tcp-stream.js";
