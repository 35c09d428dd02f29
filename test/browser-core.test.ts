/**
 * The core in a browser: `src/index.ts` (future, coroutine, combinator, task, runtime, time, sync,
 * channel, stream) is bundled for the browser with esbuild, checked for Node built-ins, and run in
 * headless Chromium, where a battery of real programs (test/browser-programs.ts) reports what
 * happened back to this test. The page's host work (MessageChannel messages, host timers) is
 * counted by test/browser-host.ts, so a runtime that has ended can be seen to leave nothing
 * scheduled behind it.
 */
import { execFile } from "node:child_process";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeMetrics } from "../src/index.js";
import type { HostCounts, HostLedger } from "./browser-host.js";
import {
  bundleCore,
  bundleExamples,
  bundleLedger,
  bundlePrograms,
  bundleWorker,
  type CoreBundle,
  coreExamples,
  type Loopback,
  serve,
} from "./browser-loopback.js";
import type { Outcome, ProgramName, programs } from "./browser-programs.js";

/**
 * Where the bundle still says `node:` (comments left out), and why each is harmless in a browser.
 * Anything else (an import of a Node built-in, above all) fails the check.
 */
const ALLOWED_NODE_MENTIONS = [
  // callerLocation (runtime/probe.ts) skips Node's internal frames when it reads a stack trace.
  '"node:internal"',
  // The watchdog (runtime/watchdog.ts) asks `process.getBuiltinModule?.(…)` for worker threads,
  // only when the `watchdog` option is on; without Node it throws an error that says so.
  '"node:worker_threads"',
];

/** A page that has loaded the core bundle and the programs, and what it said meanwhile. */
interface ProgramPage {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
}

/** README's and docs/' examples that need nothing of Node's. */
const EXAMPLES = coreExamples();

let core: CoreBundle;
let ledger: string;
let loopback: Loopback;
let browser: Browser;
/** The usual browser host: the executor yields to the event loop through a MessageChannel. */
let channelHost: ProgramPage;
/** A host without MessageChannel (nor setImmediate): the executor falls back to setTimeout(0). */
let timerHost: ProgramPage;

/** Open a page on the loopback server with the ledger installed, `setup` run, and programs loaded. */
async function openPage(setup?: () => void): Promise<ProgramPage> {
  const page = await browser.newPage();
  const opened: ProgramPage = { page, consoleErrors: [], pageErrors: [] };
  page.on("console", (m) => {
    if (m.type() === "error") opened.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => opened.pageErrors.push(String(e)));
  await page.addInitScript({ content: ledger });
  if (setup !== undefined) await page.addInitScript(setup);
  await page.goto(`${loopback.origin}/`);
  await page.addScriptTag({ type: "module", url: "/programs.js" });
  await page.waitForFunction(() => "brigadePrograms" in globalThis);
  return opened;
}

beforeAll(async () => {
  const [c, programsText, workerText, l, exampleTexts] = await Promise.all([
    bundleCore(),
    bundlePrograms(),
    bundleWorker(),
    bundleLedger(),
    bundleExamples(EXAMPLES),
  ]);
  core = c;
  ledger = l;
  loopback = await serve({
    "/": "<!doctype html><meta charset=utf-8><title>Brigade in a browser</title>",
    "/brigade.js": core.text,
    "/programs.js": programsText,
    "/worker.js": workerText,
    ...Object.fromEntries(exampleTexts.map((text, i) => [`/examples/${i}.js`, text])),
  });
  // The launch options CI uses (see test/kitchen-page.test.ts).
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  [channelHost, timerHost] = await Promise.all([
    openPage(),
    openPage(() => {
      delete (globalThis as { MessageChannel?: unknown }).MessageChannel;
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => loopback?.server.close(resolve));
});

type Programs = typeof programs;
type ValueOf<N extends ProgramName> = Awaited<ReturnType<Programs[N]>>;
type Quiet = { during: HostCounts; now: HostCounts };

/**
 * Run program `name` in `host`'s page, then let 30 ms of real time pass: what the runtime posted
 * or armed after it ended, and what is still pending, comes back with its outcome.
 */
async function runInPage<N extends ProgramName>(
  host: ProgramPage,
  name: N,
  ...args: Parameters<Programs[N]>
): Promise<{ outcome: ValueOf<N>; after: Quiet }> {
  const outcome = (await host.page.evaluate(
    ([n, a]) => {
      const all = (globalThis as unknown as { brigadePrograms: Record<string, Function> })
        .brigadePrograms;
      return all[n]!(...a);
    },
    [name, args] as const,
  )) as ValueOf<N>;
  const after = await host.page.evaluate(() =>
    (globalThis as unknown as { hostLedger: HostLedger }).hostLedger.quietFor(30),
  );
  return { outcome, after };
}

/** What the page's ledger has counted so far. */
function countsOf(host: ProgramPage): Promise<HostCounts> {
  return host.page.evaluate(() =>
    (globalThis as unknown as { hostLedger: HostLedger }).hostLedger.counts(),
  );
}

/** The reasons of the page's promise rejections that nobody handled. */
function unhandledIn(host: ProgramPage): Promise<string[]> {
  return host.page.evaluate(() =>
    (globalThis as unknown as { hostLedger: HostLedger }).hostLedger.unhandled(),
  );
}

/** The runtime ended with nothing alive, and left nothing scheduled on the page's host. */
function expectNothingLeft(metrics: RuntimeMetrics, after: Quiet) {
  expect(metrics).toMatchObject({
    liveTasks: 0,
    queueDepth: 0,
    liveTimers: 0,
    pendingBridges: 0,
    liveWaiters: 0,
    ioWaits: 0,
  });
  // No MessageChannel ping posted or still in flight (delivered) after the end, no host timer
  // armed after it or left pending.
  expect(after.during).toEqual({ posts: 0, delivered: 0, timersArmed: 0, pendingTimers: 0 });
}

const TASKS = {
  both: ["soup", "salad"],
  selected: 1,
  loserTimers: [1, 0],
  raced: "fast",
  joined: ["a", "b", "c"],
  log: ["salad", "soup", "tea", "fast", "a", "b", "c", "linked"],
  linked: "linked",
};

const REAL_TIME = {
  log: ["5", "10", "15"],
  timedOut: true,
  timersAfterTimeout: 0,
  ticks: 4,
  inOrder: true,
  early: [],
};

const PAUSED_TIME = {
  log: ["dessert", "appetizer", "main", "tea"],
  at: { order: 4000, souffle: 4500, bells: 6500, advanced: 6750 },
  teaDone: true,
};

const PEER_HEARD = {
  answers: ["re: one", "re: two", "re: three"],
  heardAt: 0,
  timedOutAt: 5000,
};

const CHANNELS = {
  events: ["sent 1", "got 1", "sent 2", "got 2", "sent 3", "got 3"],
  fullValue: "full 99",
  returned: "lost?",
  bill: "the bill",
  heard: [
    ["order up", "table 4"],
    ["order up", "table 4"],
  ],
  special: "stew",
};

const SYNC = {
  till: 23,
  most: 2,
  order: ["bell rung", "waiter heard the bell"],
  stopped: "stopped by the token",
};

describe("the core's browser bundle", () => {
  it("builds from src/index.ts with no import left to the host and no Node built-in", () => {
    expect(core.external).toEqual([]);
    expect(core.inputs.filter((f) => f.startsWith("node:") || !f.startsWith("src/"))).toEqual([]);
    // The Node-only folders are not in it.
    expect(core.inputs.filter((f) => /^src\/(io|net|cli|kitchen)\//.test(f))).toEqual([]);
    const mentions = [...core.text.matchAll(/.{0,20}node:[\w/]*.?/g)].map((m) => m[0]);
    const unexplained = mentions.filter((m) => !ALLOWED_NODE_MENTIONS.some((a) => m.includes(a)));
    expect(unexplained).toEqual([]);
  });

  it("loads in Chromium, where neither process, Buffer nor setImmediate exists", async () => {
    const host = await channelHost.page.evaluate(() => ({
      process: typeof (globalThis as { process?: unknown }).process,
      Buffer: typeof (globalThis as { Buffer?: unknown }).Buffer,
      setImmediate: typeof (globalThis as { setImmediate?: unknown }).setImmediate,
      MessageChannel: typeof MessageChannel,
      loaded: typeof (globalThis as { brigadePrograms?: unknown }).brigadePrograms,
    }));
    expect(host).toEqual({
      process: "undefined",
      Buffer: "undefined",
      setImmediate: "undefined",
      MessageChannel: "function",
      loaded: "object",
    });
    expect(channelHost.pageErrors).toEqual([]);
  });
});

describe("real programs in headless Chromium", () => {
  it("spawned tasks finish in the order of their sleeps; join, select, race and a JoinSet hand back the right dishes", async () => {
    const { outcome, after } = await runInPage(channelHost, "tasks");
    expect(outcome.value).toEqual(TASKS);
    expectNothingLeft(outcome.metrics, after);
  });

  it("on the real clock, sleeps wake in deadline order and never early, a timeout drops its future's timer, and an interval ticks in order", async () => {
    const { outcome, after } = await runInPage(channelHost, "realTime");
    expect(outcome.value).toEqual(REAL_TIME);
    expectNothingLeft(outcome.metrics, after);
  });

  it("on the paused clock, auto-advance jumps from deadline to deadline and time.advance fires a sleep it passes", async () => {
    const { outcome, after } = await runInPage(channelHost, "pausedTime");
    expect(outcome.value).toEqual(PAUSED_TIME);
    expectNothingLeft(outcome.metrics, after);
  });

  it("mpsc applies backpressure and hands a failed send's value back; oneshot, broadcast and watch deliver", async () => {
    const { outcome, after } = await runInPage(channelHost, "channels");
    expect(outcome.value).toEqual(CHANNELS);
    expectNothingLeft(outcome.metrics, after);
  });

  it("a Mutex serialises its holders across awaits, a Semaphore caps them, Notify wakes a waiter after the bell, a token stops a worker", async () => {
    const { outcome, after } = await runInPage(channelHost, "sync");
    expect(outcome.value).toEqual(SYNC);
    expectNothingLeft(outcome.metrics, after);
  });

  it("streams read an async generator, merge two sources, buffer unordered by finishing time, and serve a native for-await", async () => {
    const { outcome, after } = await runInPage(channelHost, "streams");
    expect(outcome.value).toEqual({
      fromIterable: ["bread", "soup", "fish"],
      merged: ["q1", "q2", "s1", "s2"],
      buffered: ["short", "mid", "long"],
    });
    expect(outcome.looped).toEqual([10, 20, 30, 40]);
    expectNothingLeft(outcome.metrics, after);
  });

  it("a fetch bridged with fromPromise and cut short by a timeout is aborted: the server sees the request go", async () => {
    const { outcome, after } = await runInPage(
      channelHost,
      "fetchAborted",
      `${loopback.origin}/slow`,
    );
    expect(outcome.value).toEqual({
      timedOut: true,
      signalAborted: true,
      fetchRejected: "AbortError",
    });
    await expect.poll(() => loopback.slow.aborted, { timeout: 5000 }).toBe(1);
    expect(loopback.slow.requests).toBe(1);
    expectNothingLeft(outcome.metrics, after);
  });

  it("a task that yields for ever does not starve a setTimeout of the page: the executor yields through a MessageChannel", async () => {
    const before = await countsOf(channelHost);
    const { outcome, after } = await runInPage(channelHost, "noStarvation");
    expect(outcome.value.rung).toBe(true);
    expect(outcome.value.yieldsBeforeTheBell).toBeGreaterThan(0);
    expect(outcome.metrics.eventLoopYields).toBeGreaterThan(0);
    expect(after.now.posts - before.posts).toBeGreaterThanOrEqual(outcome.metrics.eventLoopYields);
    expectNothingLeft(outcome.metrics, after);
  });

  it("a task that panics with nobody awaiting it is reported on the browser's console, and main goes on", async () => {
    const before = channelHost.consoleErrors.length;
    const { outcome, after } = await runInPage(channelHost, "unobservedPanic");
    expect(outcome.value).toBe("main went on");
    const reports = channelHost.consoleErrors.slice(before);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(
      /^brigade: task 'pastry' panicked while nothing was awaiting it: Error: the soufflé fell/,
    );
    expectNothingLeft(outcome.metrics, after);
  });

  it("on the paused clock, a MessageChannel peer that answers at once is heard before the clock jumps; one that never answers times out at the deadline", async () => {
    const { outcome, after } = await runInPage(channelHost, "pausedPeer", "port");
    expect(outcome.value).toEqual(PEER_HEARD);
    expectNothingLeft(outcome.metrics, after);
  });

  it("rt.shutdown() aborts a task, waits for the sleep in its finally block, then settles", async () => {
    const { outcome, after } = await runInPage(channelHost, "shutdown");
    expect(outcome.value).toEqual({
      log: ["last order", "station wiped down", "shutdown settled"],
      ended: "cancelled",
    });
    expectNothingLeft(outcome.metrics, after);
  });

  it("main waiting on a oneshot nobody will send is found asleep by the idle check alone: run() rejects with a DeadlockError", async () => {
    const { outcome, after } = await runInPage(channelHost, "deadlock");
    expect(outcome.value).toMatch(/^DeadlockError: all tasks are asleep: main is waiting/);
    expect(outcome.value).toContain("main → asyncBlock → oneshot receiver");
    expectNothingLeft(outcome.metrics, after);
  });

  it("the watchdog option says it needs Node's worker threads, rather than failing on a missing global", async () => {
    const { outcome } = await runInPage(channelHost, "watchdogWithoutNode");
    expect(outcome).toMatch(/^Error: the blocked-loop watchdog needs Node\.js 20\.16 or later/);
  });

  it("a spawn location names the program's file, not a frame inside Brigade's bundle", async () => {
    const { outcome, after } = await runInPage(channelHost, "spawnLocations");
    expect(outcome.value).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/programs\.js:\d+:\d+$/);
    expectNothingLeft(outcome.metrics, after);
  });
});

describe("the same programs in a dedicated Web Worker, off the page's main thread", () => {
  it("tasks, both clocks, channels and locks give the same outcomes, and each runtime ends empty", async () => {
    const expected = { tasks: TASKS, pausedTime: PAUSED_TIME, channels: CHANNELS, sync: SYNC };
    for (const [name, value] of Object.entries(expected)) {
      const { outcome } = await runInPage(channelHost, "inWorker", name as keyof typeof expected);
      const { value: got, metrics } = outcome as Outcome<unknown>;
      expect(got).toEqual(value);
      expect(metrics).toMatchObject({ liveTasks: 0, liveTimers: 0, pendingBridges: 0 });
    }
  });
});

describe("README's and docs/' examples that use only the core, run in Chromium", () => {
  it("there are such examples, and each promises its output", () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(15);
    expect(EXAMPLES.filter((ex) => ex.expected === null).map((ex) => ex.name)).toEqual([]);
  });

  EXAMPLES.forEach((ex, i) => {
    it(`${ex.name} prints what it says, and leaves nothing scheduled`, async () => {
      const { outcome: printed, after } = await runInPage(
        channelHost,
        "docExample",
        `/examples/${i}.js`,
      );
      expect(printed).toEqual(ex.expected);
      expect(after.during).toEqual({ posts: 0, delivered: 0, timersArmed: 0, pendingTimers: 0 });
    });
  });
});

describe("real programs on a host without MessageChannel: the executor falls back to setTimeout(0)", () => {
  it("the page really lacks MessageChannel and setImmediate", async () => {
    const kinds = await timerHost.page.evaluate(() => [
      typeof (globalThis as { MessageChannel?: unknown }).MessageChannel,
      typeof (globalThis as { setImmediate?: unknown }).setImmediate,
    ]);
    expect(kinds).toEqual(["undefined", "undefined"]);
  });

  it("tasks, real-clock timers and the paused clock's auto-advance behave as with a MessageChannel", async () => {
    const tasks = await runInPage(timerHost, "tasks");
    expect(tasks.outcome.value).toEqual(TASKS);
    expectNothingLeft(tasks.outcome.metrics, tasks.after);
    const real = await runInPage(timerHost, "realTime");
    expect(real.outcome.value).toEqual(REAL_TIME);
    expectNothingLeft(real.outcome.metrics, real.after);
    const paused = await runInPage(timerHost, "pausedTime");
    expect(paused.outcome.value).toEqual(PAUSED_TIME);
    expectNothingLeft(paused.outcome.metrics, paused.after);
  });

  it("a task that yields for ever does not starve the page's setTimeout: the executor yields through its own", async () => {
    const before = await countsOf(timerHost);
    const { outcome, after } = await runInPage(timerHost, "noStarvation");
    expect(outcome.value.rung).toBe(true);
    expect(outcome.metrics.eventLoopYields).toBeGreaterThan(0);
    expect(after.now.posts).toBe(0);
    // The page's own timer is one of them.
    expect(after.now.timersArmed - before.timersArmed).toBeGreaterThan(
      outcome.metrics.eventLoopYields,
    );
    expectNothingLeft(outcome.metrics, after);
  });

  it("on the paused clock, a peer answering from a setTimeout(0) is heard before the clock jumps; one that never answers times out at the deadline", async () => {
    const { outcome, after } = await runInPage(timerHost, "pausedPeer", "timer");
    expect(outcome.value).toEqual(PEER_HEARD);
    expectNothingLeft(outcome.metrics, after);
  });

  it("the idle check finds a deadlock there too", async () => {
    const { outcome, after } = await runInPage(timerHost, "deadlock");
    expect(outcome.value).toMatch(/^DeadlockError: all tasks are asleep/);
    expectNothingLeft(outcome.metrics, after);
  });
});

describe("both pages, once every program and example has run", () => {
  it("nothing threw an uncaught error in either page, nor left a promise rejection unhandled", async () => {
    expect(channelHost.pageErrors).toEqual([]);
    expect(timerHost.pageErrors).toEqual([]);
    expect(await unhandledIn(channelHost)).toEqual([]);
    expect(await unhandledIn(timerHost)).toEqual([]);
  });
});

describe("a host without setImmediate whose MessagePorts keep it running (Deno's kind, here Node without setImmediate)", () => {
  it("run() settles, and the process then exits by itself: the executor's port listens only while a message is on its way", async () => {
    const core = new URL("../src/index.ts", import.meta.url).href;
    const program = `
      delete globalThis.setImmediate;
      let posts = 0;
      const post = MessagePort.prototype.postMessage;
      MessagePort.prototype.postMessage = function (...a) { posts++; return post.apply(this, a); };
      const b = await import(${JSON.stringify(core)});
      const dish = await b.run(b.asyncBlock(function* () {
        yield* b.sleep(1);
        for (let i = 0; i < 300; i++) yield* b.yieldNow();
        return "served";
      }));
      console.log(dish, posts > 0 ? "through a MessageChannel" : "without one");
    `;
    const result = await new Promise<{ stdout: string; killed: boolean }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", program],
        { timeout: 15_000 },
        (error, stdout) => resolve({ stdout, killed: error?.killed ?? false }),
      );
    });
    expect(result).toEqual({ stdout: "served through a MessageChannel\n", killed: false });
  });
});
