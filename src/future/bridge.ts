/**
 * Bridge: a line to next door, for a hand-written leaf future. Brigade sees its own reactor
 * (timers, bridged promises, I/O sources) and nothing else. A leaf that keeps its task's waker
 * and is woken from a host callback (`dns.lookup`, a client library's callback, a worker's
 * message) is invisible to it: `run()` would find every task asleep with nothing that could wake
 * one and reject with a `DeadlockError`, and a paused clock would jump ahead of the answer.
 *
 * `openBridge()`, called in the leaf's poll where it starts the outside work, tells the runtime a
 * wake may come from outside, as `fromPromise` does for its promise; `close()` (when the callback
 * fires, or when the leaf is dropped) says it no longer will. Two kinds:
 *
 * - `"reply"` (the default): the answer to a request, which will come. While it is open, the
 *   deadlock check counts the task as one that will be woken, and the paused clock does not jump
 *   ahead (a `"clock-held"` warning tells when it holds the clock for a second of real time).
 * - `"event"`: something that may or may not ever happen (a peer's message, a click), counted as a
 *   socket read is: no deadlock is reported while it is open, but the paused clock moves on.
 *
 * Either way, if Node runs out of work while a bridge is still open, `run()` reports a wait backed
 * by nothing rather than letting the process exit under it.
 *
 * States: `OPEN` (counted by the runtime whose poll opened it) → `CLOSED`, once, by `close()` or
 * disposal. Opened outside a runtime's turn (a leaf polled by hand in a test), it counts nowhere.
 */
import { ambient, type Host } from "./ambient.js";

/** What kind of wait a bridge stands for: see the module doc. */
export type BridgeKind = "reply" | "event";

const OPEN = 0;
const CLOSED = 1;

/**
 * An outside wait the runtime counts while it is open. Made by {@link openBridge}.
 *
 * @example
 * ```ts
 * class Lookup extends FutureBase<string> {
 *   private bridge: Bridge | null = null;
 *   private answer: string | null = null;
 *   private waker: Waker | null = null;
 *   constructor(private readonly host: string) { super(); }
 *   poll(cx: Context): Poll<string> {
 *     if (this.answer !== null) return this.answer;
 *     this.waker = cx.waker;
 *     if (this.bridge === null) {
 *       this.bridge = openBridge();
 *       dns.lookup(this.host, (_err, address) => {
 *         this.answer = address;
 *         this.bridge?.close();
 *         this.waker?.wake();
 *       });
 *     }
 *     return PENDING;
 *   }
 *   [Symbol.dispose](): void {
 *     this.bridge?.close(); // dropped: no wake is coming for anyone now
 *   }
 * }
 * ```
 */
export class Bridge implements Disposable {
  private state = OPEN;
  private host: Host | null;

  /**
   * Not for direct use: made by {@link openBridge}.
   *
   * @param kind what it stands for, `"reply"` or `"event"` (`bridge.kind` reads it back)
   */
  constructor(readonly kind: BridgeKind) {
    if (kind !== "reply" && kind !== "event") {
      throw new TypeError(
        `openBridge(kind): kind must be "reply" (an answer that will come) or "event" (something that may never happen), got ${typeof kind === "string" ? `"${kind}"` : typeof kind}`,
      );
    }
    const host = ambient.host;
    this.host = host;
    if (host === null) return;
    if (kind === "reply") host.bridgeOpened();
    else host.ioWaitOpened();
    host.trackBridge(this, true);
  }

  /**
   * Whether the bridge is still open (it has not been closed or disposed).
   *
   * @example
   * ```ts
   * if (bridge.isOpen) bridge.close();
   * ```
   */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /**
   * The outside wait is over: the callback fired, or its work was cancelled. Idempotent. Close it
   * before waking the task, so the runtime sees the wake and the end of the wait together.
   *
   * @example
   * ```ts
   * client.get(key, (value) => {
   *   this.value = value;
   *   this.bridge.close();
   *   this.waker?.wake();
   * });
   * ```
   */
  close(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    const host = this.host;
    this.host = null;
    if (host === null) return;
    host.trackBridge(this, false);
    if (this.kind === "reply") host.bridgeClosed();
    else host.ioWaitClosed();
    // Closed by a callback that may wake nobody: the runtime must look again whether main is stuck.
    host.recheckIdle();
  }

  /**
   * Close the bridge (see {@link Bridge.close}): a leaf's own dispose calls this, or a `using`.
   *
   * @example
   * ```ts
   * using bridge = openBridge("event"); // closed when the scope ends
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Tell the runtime that a hand-written leaf future started work outside it, whose callback will
 * wake the task: `"reply"` (the default) for an answer that will come, `"event"` for something
 * that may never happen (see the module doc). Call it in the leaf's `poll` (it counts for the
 * runtime polling), close it when the callback fires and when the leaf is disposed.
 *
 * @example
 * ```ts
 * poll(cx: Context): Poll<Buffer> {
 *   if (this.done) return this.result;
 *   this.waker = cx.waker;
 *   this.bridge ??= openBridge(); // the worker will answer
 *   return PENDING;
 * }
 * ```
 */
export function openBridge(kind: BridgeKind = "reply"): Bridge {
  return new Bridge(kind);
}
