/**
 * Browser programs where the runtime meets its host (run by test/browser-core.test.ts in
 * Chromium): a fetch aborted by a timeout, the event loop's share of a busy thread, a panic
 * reported on the console, the paused clock and a peer's messages, shutdown, the idle check, the
 * watchdog's Node-only error, spawn locations inside a bundle, and the docs' examples.
 */
import {
  asyncBlock,
  DeadlockError,
  DONE,
  fromEvent,
  fromPromise,
  JoinError,
  join,
  Notify,
  oneshot,
  Runtime,
  run,
  sleep,
  spawn,
  TimeoutError,
  time,
  timeout,
  yieldNow,
} from "../src/index.js";
import { cook, type Outcome, runAndMeasure } from "./browser-programs-kit.js";
import type { WorkerProgram } from "./browser-worker.js";

/**
 * A fetch bridged with `fromPromise`, cut short by a `timeout`: dropping the future aborts its
 * signal, which aborts the request (the test's server sees the connection go). On the paused
 * clock, and moved by hand only once the response's headers are back, so the deadline passes
 * while the server holds the request, however slow the machine.
 */
export function fetchAborted(url: string) {
  return runAndMeasure(
    function* () {
      const headersBack = new Notify();
      let signalAborted = false;
      let fetchRejected = "";
      let timedOut = false;
      const request = timeout(
        100,
        fromPromise((signal) => {
          signal.addEventListener("abort", () => {
            signalAborted = true;
          });
          return fetch(url, { signal })
            .then((r) => {
              headersBack.notifyOne();
              return r.text(); // the body never comes
            })
            .catch((e: unknown) => {
              fetchRejected = (e as Error).name;
              throw e;
            });
        }),
      );
      const hand = asyncBlock(function* () {
        yield* headersBack.notified();
        yield* time.advance(100);
      });
      try {
        yield* join(request, hand);
      } catch (e) {
        timedOut = e instanceof TimeoutError;
      }
      // Let the fetch's own rejection arrive (it is nobody's now): one host turn is enough.
      yield* fromPromise(() => new Promise<void>((r) => setTimeout(r, 0)));
      return { timedOut, signalAborted, fetchRejected };
    },
    { clock: "paused" },
  );
}

/**
 * A task that yields for ever (well: until a native `setTimeout(0)` says stop) does not starve the
 * page's timers: the executor gives the event loop a turn every slice.
 */
export function noStarvation() {
  return runAndMeasure(function* () {
    let rung = false;
    let yields = 0;
    setTimeout(() => {
      rung = true;
    }, 0);
    // Keep the runtime busy: this chef never sets the card aside for long. (Bounded, so that a
    // starved timer fails the test instead of hanging it.)
    while (!rung && yields < 2_000_000) {
      yields++;
      yield* yieldNow();
    }
    return { rung, yieldsBeforeTheBell: yields };
  });
}

/** A task that panics with nobody awaiting it: the runtime reports it on the console. */
export function unobservedPanic() {
  return runAndMeasure(function* () {
    spawn(
      asyncBlock(function* () {
        yield* sleep(1);
        throw new Error("the soufflé fell");
      }),
      { name: "pastry" },
    );
    yield* sleep(10);
    return "main went on";
  });
}

/** A peer the task talks to: `ask` sends a question, `replies` are its answers as events. */
interface Peer {
  replies: EventTarget | MessagePort;
  ask(question: string): void;
  hangUp(): void;
}

/** A peer on the other end of a `MessageChannel`, answering each message at once. */
function portPeer(): Peer {
  const line = new MessageChannel();
  line.port2.onmessage = (e) => line.port2.postMessage(`re: ${e.data}`);
  line.port1.start();
  return {
    replies: line.port1,
    ask: (q) => line.port1.postMessage(q),
    hangUp: () => {
      line.port1.close();
      line.port2.close();
    },
  };
}

/** A peer that answers each question from a `setTimeout(0)` of its own (a host without ports). */
function timerPeer(): Peer {
  const replies = new EventTarget();
  return {
    replies,
    ask: (q) => {
      setTimeout(() => replies.dispatchEvent(new MessageEvent("message", { data: `re: ${q}` })), 0);
    },
    hangUp: () => {},
  };
}

/**
 * The paused clock in a browser: before jumping, auto-advance lets host events already queued
 * run. A peer that answers at once (on a `MessageChannel`, or from a `setTimeout(0)` where the
 * executor's own macrotasks are timers too) is heard before a timeout fires, even though the task
 * waiting for it has a 5 s deadline on a clock that would jump straight there.
 */
export function pausedPeer(kind: "port" | "timer") {
  return runAndMeasure(
    function* () {
      const rt = Runtime.current();
      const peer = kind === "port" ? portPeer() : timerPeer();
      const replies = fromEvent<MessageEvent>(peer.replies, "message");
      const answers: string[] = [];
      for (const q of ["one", "two", "three"]) {
        peer.ask(q);
        const reply = yield* timeout(5000, replies.next());
        answers.push(reply === DONE ? "ended" : String(reply.data));
      }
      const heardAt = rt.now();
      replies[Symbol.dispose]();
      peer.hangUp();
      // Nobody answers this one: the clock jumps to the deadline.
      let timedOutAt = -1;
      try {
        yield* timeout(5000, fromEvent(peer.replies, "message").next());
      } catch (e) {
        if (e instanceof TimeoutError) timedOutAt = rt.now();
      }
      return { answers, heardAt, timedOutAt };
    },
    { clock: "paused" },
  );
}

/**
 * A long-lived runtime driven from native code: `rt.spawn`, then `rt.shutdown()`, which aborts a
 * task whose `finally` block awaits a sleep of its own before the shutdown settles.
 */
export async function shutdown() {
  const rt = new Runtime();
  const log: string[] = [];
  const nightShift = rt.spawn(
    asyncBlock(function* () {
      try {
        yield* sleep(60_000);
      } finally {
        yield* sleep(1);
        log.push("station wiped down");
      }
    }),
    { name: "night shift" },
  );
  await rt.spawn(cook(log, "last order", 1));
  await rt.shutdown();
  log.push("shutdown settled");
  let ended = "";
  try {
    await nightShift;
  } catch (e) {
    ended = e instanceof JoinError && e.isCancelled() ? "cancelled" : String(e);
  }
  return { value: { log, ended }, metrics: rt.metrics() } satisfies Outcome<unknown>;
}

/**
 * Every task asleep with nothing that could wake one (the browser has no `beforeExit`: the idle
 * check alone finds it): `run()` rejects with a `DeadlockError` that says what main waits on.
 */
export async function deadlock() {
  let rt: Runtime | null = null;
  // The sender is never used, nor closed: the receiver waits for ever.
  const [, rx] = oneshot.channel<string>();
  let error = "";
  try {
    await run(
      asyncBlock(function* () {
        rt = Runtime.current();
        return yield* rx;
      }),
    );
  } catch (e) {
    error = e instanceof DeadlockError ? `DeadlockError: ${e.message}` : String(e);
  }
  return { value: error, metrics: (rt as Runtime | null)!.metrics() } satisfies Outcome<string>;
}

/** The blocked-loop watchdog needs Node's worker threads: asked for in a browser, it says so. */
export function watchdogWithoutNode(): string {
  try {
    new Runtime({ watchdog: { thresholdMs: 100 } });
    return "made";
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/**
 * Spawn locations in a bundle: the frames of Brigade's own bundle are skipped, so a task is said
 * to be spawned where this file spawned it.
 */
export async function spawnLocations() {
  let where: string | null = null;
  const rt = new Runtime({
    spawnLocations: true,
    instrument: (e) => {
      if (e.kind === "spawn" && e.name === "located") where = e.location;
    },
  });
  await rt.spawn(sleep(1), { name: "located" });
  await rt.shutdown();
  return { value: where as string | null, metrics: rt.metrics() } satisfies Outcome<string | null>;
}

/**
 * Run one of the core's programs in a dedicated Web Worker (test/browser-worker.ts), which has
 * its own event loop and its own runtime, and hand back its outcome.
 */
export function inWorker(name: WorkerProgram): Promise<unknown> {
  const worker = new Worker("/worker.js", { type: "module" });
  return new Promise<unknown>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ outcome?: unknown; error?: string }>) => {
      if (e.data.error !== undefined) reject(new Error(e.data.error));
      else resolve(e.data.outcome);
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(name);
  }).finally(() => worker.terminate());
}

/**
 * Run a docs example (an ES module at `url` that runs when imported) and hand back what it printed
 * with `console.log`, line by line, as Node's stdout would have it.
 */
export async function docExample(url: string): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    const text = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
    lines.push(...text.split("\n"));
  };
  try {
    await import(/* @vite-ignore */ url);
  } finally {
    console.log = log;
  }
  return lines;
}
