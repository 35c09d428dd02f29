/**
 * How the executor gives the host's event loop a turn: a macrotask. On Node that is `setImmediate`
 * (runs after pending I/O and due timers); elsewhere (a browser, a worker) a `MessageChannel`
 * message, with `setTimeout` as the last resort. Chosen once, here. Wakes never go through this
 * path: only the waits that let timers and I/O run first do (the yield after an event interval,
 * the idle check's and the paused clock's looks before a verdict or a jump).
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
    // One message per queued function, so the queue is empty exactly when none is on its way.
    const queue: (() => void)[] = [];
    const { port1, port2 } = new MessageChannel();
    const deliver = (): void => {
      const fn = queue.shift()!;
      // Listen only while a message is on its way: a port with a listener keeps a host such as
      // Deno (or Node without setImmediate) running for ever after the runtime has ended.
      if (queue.length === 0) port1.onmessage = null;
      fn();
    };
    return (fn) => {
      if (queue.push(fn) === 1) port1.onmessage = deliver;
      port2.postMessage(null);
    };
  }
  return (fn) => {
    setTimeout(fn, 0);
  };
}

/** Run `fn` on a later turn of the host's event loop. */
export const macrotask: Schedule = choose();
