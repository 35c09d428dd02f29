/**
 * How the executor gives Node's event loop a turn: a macrotask. On Node that is `setImmediate`
 * (runs after pending I/O and due timers); elsewhere a `MessageChannel` message, with `setTimeout`
 * as the last resort. Chosen once, here. Wakes never go through this path: only the "let timers
 * and I/O run" yield after an event interval does.
 */
type Schedule = (fn: () => void) => void;

function choose(): Schedule {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    const si = g.setImmediate;
    return (fn) => {
      si(fn);
    };
  }
  if (typeof MessageChannel === "function") {
    const queue: (() => void)[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(null);
    };
  }
  return (fn) => {
    setTimeout(fn, 0);
  };
}

/** Run `fn` on a later turn of the host's event loop. */
export const macrotask: Schedule = choose();
