/**
 * `brigade/node`: the Node-only half of Brigade (sockets, byte streams, signals). Kept apart from
 * the main entry so that the core stays browser-safe.
 *
 * @example
 * ```ts
 * import { run, asyncBlock } from "brigade";
 * import { TcpListener } from "brigade/node";
 * ```
 */

export { writeTrace } from "./diagnostics/trace-file.js";
export * from "./io/index.js";
export * from "./net/index.js";
export {
  BlockingError,
  type BlockingFailure,
  spawnBlocking,
} from "./runtime/blocking-pool.js";
export { startWatchdog, Watchdog } from "./runtime/watchdog.js";
