/**
 * Counters of the sockets and listeners Brigade has opened and whose handles have not yet closed.
 * Tests read them to prove that dropping a future or a stream leaves nothing behind.
 */

/**
 * @internal mutable counters, updated by `tcp-stream.ts`, `tcp-listener.ts` and `udp-bind.ts`
 * (Unix sockets and listeners are counted by the same code, unix-connect.ts and unix-listener.ts).
 */
export const netCounters = { sockets: 0, listeners: 0 };

/** A snapshot of the open socket handles. */
export interface NetMetrics {
  /**
   * Sockets whose handle is still open: TCP and Unix (connecting, connected or closing) and UDP
   * (binding or bound; a disposed one until Node's `'close'` event for it).
   */
  liveSockets: number;
  /**
   * TCP and Unix listeners binding or listening: a listener stops counting when it is disposed (its
   * port or path is free then), although Node keeps its server object until the connections it
   * accepted close.
   */
  liveListeners: number;
}

/**
 * How many sockets and listeners are still open.
 *
 * @example
 * ```ts
 * stream[Symbol.dispose]();
 * // after the handle's 'close' event:
 * netMetrics().liveSockets; // 0
 * ```
 */
export function netMetrics(): NetMetrics {
  return { liveSockets: netCounters.sockets, liveListeners: netCounters.listeners };
}
