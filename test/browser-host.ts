/**
 * The page's ledger of host work: installed before anything else runs in the Chromium page of
 * test/browser-core.test.ts, it counts every `MessagePort` message posted and delivered and every
 * host timer armed and not yet fired or cleared, so the test can see whether a runtime that has
 * ended still keeps anything scheduled (the bells all silent, the door shut behind the last chef).
 *
 * Bundled on its own as a classic script (`page.addInitScript`); it imports nothing.
 */

/** What the ledger has seen so far. */
export interface HostCounts {
  /** `postMessage` calls on any `MessagePort` (the executor's yield to the event loop). */
  posts: number;
  /** Messages handed to an `onmessage` handler (the executor's macrotask listens that way). */
  delivered: number;
  /** Host timers (`setTimeout`, `setInterval`) armed and neither fired (once) nor cleared. */
  pendingTimers: number;
  /** Host timers armed in all. */
  timersArmed: number;
}

/** The ledger as the page exposes it (`globalThis.hostLedger`). */
export interface HostLedger {
  counts(): HostCounts;
  /** The reasons of the promise rejections nobody handled, so far. */
  unhandled(): string[];
  /**
   * Wait `ms` of real time on a timer the ledger does not count, then return what was posted,
   * delivered or armed meanwhile, and what is pending now.
   */
  quietFor(ms: number): Promise<{ during: HostCounts; now: HostCounts }>;
}

function install(): void {
  const g = globalThis as typeof globalThis & { hostLedger?: HostLedger };
  if (g.hostLedger !== undefined) return;
  let posts = 0;
  let delivered = 0;
  let timersArmed = 0;
  const pending = new Set<unknown>();
  const unhandled: string[] = [];
  g.addEventListener("unhandledrejection", (e) => {
    unhandled.push(String(e.reason));
  });

  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (this: MessagePort, ...args: any[]) {
    posts++;
    return (post as (...a: any[]) => void).apply(this, args);
  };

  const handler = Object.getOwnPropertyDescriptor(MessagePort.prototype, "onmessage")!;
  Object.defineProperty(MessagePort.prototype, "onmessage", {
    configurable: true,
    enumerable: handler.enumerable ?? true,
    get(this: MessagePort) {
      return handler.get!.call(this);
    },
    set(this: MessagePort, fn: ((e: MessageEvent) => void) | null) {
      handler.set!.call(
        this,
        fn === null
          ? null
          : (e: MessageEvent) => {
              delivered++;
              fn.call(this, e);
            },
      );
    },
  });

  const setT = g.setTimeout.bind(g);
  const clearT = g.clearTimeout.bind(g);
  const setI = g.setInterval.bind(g);
  const clearI = g.clearInterval.bind(g);
  g.setTimeout = ((fn: (...a: any[]) => void, ms?: number, ...rest: any[]) => {
    timersArmed++;
    const id = setT(
      (...a: any[]) => {
        pending.delete(id);
        fn(...a);
      },
      ms,
      ...rest,
    );
    pending.add(id);
    return id;
  }) as typeof setTimeout;
  g.clearTimeout = ((id?: number) => {
    pending.delete(id);
    clearT(id);
  }) as typeof clearTimeout;
  g.setInterval = ((fn: (...a: any[]) => void, ms?: number, ...rest: any[]) => {
    timersArmed++;
    const id = setI(fn, ms, ...rest);
    pending.add(id);
    return id;
  }) as typeof setInterval;
  g.clearInterval = ((id?: number) => {
    pending.delete(id);
    clearI(id);
  }) as typeof clearInterval;

  const counts = (): HostCounts => ({
    posts,
    delivered,
    pendingTimers: pending.size,
    timersArmed,
  });
  g.hostLedger = {
    counts,
    unhandled: () => [...unhandled],
    quietFor(ms) {
      const before = counts();
      return new Promise((resolve) => {
        setT(() => {
          const now = counts();
          resolve({
            during: {
              posts: now.posts - before.posts,
              delivered: now.delivered - before.delivered,
              pendingTimers: now.pendingTimers,
              timersArmed: now.timersArmed - before.timersArmed,
            },
            now,
          });
        }, ms);
      });
    },
  };
}

install();
