/**
 * The docs as a map that must match the territory: every link between them lands on a file and a
 * heading that exist, every API their prose names is exported under that name, the runtime's
 * option table lists exactly the options the runtime checks (with the defaults it applies), and
 * README's quick start is the two commands it promises. The examples themselves are run by
 * docs-examples.test.ts; this file checks what the prose around them says.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as core from "../src/index.js";
import * as node from "../src/node.js";
import { resolveOptions, splitRunOptions } from "../src/runtime/options.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DOCS = [
  "README.md",
  "docs/runtime.md",
  "docs/cancellation.md",
  "docs/channels.md",
  "docs/diagnostics.md",
  "docs/kitchen.md",
  "docs/streams-and-net.md",
  "docs/browser.md",
  "docs/time.md",
];

function read(file: string): string {
  return readFileSync(join(root, file), "utf8");
}

/** The text outside fenced code blocks: what a reader takes for prose. */
function prose(file: string): string {
  return read(file).replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, "")
    .replace(/ /g, "-");
}

function anchorsOf(file: string): string[] {
  return [...prose(file).matchAll(/^#+\s+(.*)$/gm)].map((m) => anchor(m[1]!));
}

describe("docs: links between them", () => {
  it("every relative link in README and docs/ names a file that exists, and every #anchor a heading in it", () => {
    const checked: string[] = [];
    const broken: string[] = [];
    for (const file of DOCS) {
      for (const m of prose(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue; // https://…
        const [path, hash] = target.split("#") as [string, string | undefined];
        const resolved = path === "" ? file : normalize(join(dirname(file), path));
        checked.push(`${file} → ${target}`);
        if (!existsSync(join(root, resolved))) broken.push(`${file} → ${target}: no such file`);
        else if (hash !== undefined && !anchorsOf(resolved).includes(hash)) {
          broken.push(`${file} → ${target}: no heading #${hash} in ${resolved}`);
        }
      }
    }
    expect(checked.length).toBeGreaterThan(10);
    expect(broken).toEqual([]);
  });

  it("the anchors the docs link to come out of their headings as GitHub spells them", () => {
    expect(anchorsOf("docs/diagnostics.md")).toContain("a-shutdown-that-cannot-finish");
    expect(anchorsOf("docs/diagnostics.md")).toContain("instrumentation");
    expect(anchor("`using` in a loop, under tsx")).toBe("using-in-a-loop-under-tsx");
  });
});

describe("README: Quick start", () => {
  it("is exactly two commands: `npm ci && npm run kitchen`, then `npm test`", () => {
    const section = /## Quick start\n([\s\S]*?)\n## /.exec(read("README.md"))![1]!;
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    const commands = block
      .trim()
      .split("\n")
      .map((line) => line.replace(/#.*$/, "").trim());
    expect(commands).toEqual(["npm ci && npm run kitchen", "npm test"]);
    const scripts = JSON.parse(read("package.json")).scripts;
    expect(scripts.kitchen).toMatch(/src\/cli\/main\.ts kitchen$/);
    expect(scripts.test).toBe("vitest run");
  });
});

describe("docs: the APIs the prose names", () => {
  it("every value the prose names is exported by 'brigade' or by 'brigade/node', under that name", () => {
    const fromCore = [
      "run",
      "Runtime",
      "spawn",
      "JoinHandle",
      "JoinError",
      "JoinSet",
      "AbortHandle",
      "DONE",
      "RuntimeStateError",
      "DeadlockError",
      "ShutdownTimeoutError",
      "pending",
      "yieldNow",
      "join",
      "tryJoin",
      "joinAll",
      "select",
      "race",
      "fromPromise",
      "CancellationToken",
      "Mutex",
      "RwLock",
      "Semaphore",
      "Notify",
      "Barrier",
      "OnceCell",
      "oneshot",
      "mpsc",
      "broadcast",
      "watch",
      "SendError",
      "sleep",
      "timeout",
      "TimeoutError",
      "interval",
      "Instant",
      "time",
      "MissedTickBehavior",
      "FuturesUnordered",
      "fromEvent",
      "toAsyncIterable",
      "asyncFn",
      "PENDING",
    ];
    const fromNode = [
      "spawnBlocking",
      "BlockingError",
      "startWatchdog",
      "writeTrace",
      "ctrlC",
      "signal",
      "copy",
      "BufReader",
      "IoError",
    ];
    expect(fromCore.filter((n) => !(n in core))).toEqual([]);
    expect(fromNode.filter((n) => !(n in node))).toEqual([]);
    // Each name above is one the prose names (inside backticks): the lists are the docs' own.
    const unmentioned = [...fromCore, ...fromNode].filter(
      (n) => !DOCS.some((f) => new RegExp(`\`(?:[\\w.]+\\.)?${n}\\b`).test(prose(f))),
    );
    expect(unmentioned).toEqual([]);
  });

  it("the methods and members the prose names exist on what it names them on", () => {
    const rt = new core.Runtime({ clock: "paused" });
    for (const m of [
      "spawn",
      "shutdown",
      "metrics",
      "dump",
      "traceEvents",
      "instrument",
      "taskStats",
    ]) {
      expect(typeof (rt as unknown as Record<string, unknown>)[m]).toBe("function");
    }
    expect(typeof core.Runtime.current).toBe("function");
    expect(typeof core.select.biased).toBe("function");
    for (const m of ["advance", "pause", "resume"]) {
      expect(typeof (core.time as Record<string, unknown>)[m]).toBe("function");
    }
    expect(Object.keys(core.MissedTickBehavior)).toEqual(
      expect.arrayContaining(["Burst", "Delay", "Skip"]),
    );
    const token = new core.CancellationToken();
    for (const m of [
      "cancel",
      "isCancelled",
      "cancelled",
      "childToken",
      "runUntilCancelled",
      "dropGuard",
    ]) {
      expect(typeof (token as unknown as Record<string, unknown>)[m]).toBe("function");
    }
    expect(token.signal).toBeInstanceOf(AbortSignal);
    expect(typeof core.CancellationToken.fromSignal).toBe("function");
    const s = core.iter([1]);
    for (const m of [
      "map",
      "filter",
      "take",
      "buffered",
      "bufferUnordered",
      "merge",
      "zip",
      "fold",
    ]) {
      expect(typeof (s as unknown as Record<string, unknown>)[m]).toBe("function");
    }
    for (const m of ["collect", "andThen", "timeout", "throttle", "chunksTimeout"]) {
      expect(typeof (s as unknown as Record<string, unknown>)[m]).toBe("function");
    }
    const handle = rt.spawn(core.pending(), { name: "table 1" });
    expect(typeof handle.abort).toBe("function");
    expect(typeof handle.isFinished).toBe("function");
    expect(typeof handle.id).toBe("number");
    expect(handle.name).toBe("table 1");
    expect(typeof core.JoinError.prototype.isPanic).toBe("function");
    expect(typeof core.JoinError.prototype.isCancelled).toBe("function");
    handle.abort();
    return rt.shutdown();
  });
});

/** The rows of runtime.md's option table: name (without "(`run` only)") → default column. */
function optionTable(): Map<string, string> {
  const section = /## Options\n([\s\S]*?)```ts/.exec(read("docs/runtime.md"))![1]!;
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `(\w+)`(?: \(`run` only\))? \| ([^|]+) \|/gm)) {
    rows.set(m[1]!, m[2]!.trim());
  }
  return rows;
}

describe("docs/runtime.md: Options", () => {
  it("the table lists exactly the options new Runtime() and run() accept, no more and no fewer", () => {
    const documented = [...optionTable().keys()].sort();
    const runtimeKeys = Object.keys(resolveOptions(undefined))
      .map((k) => (k === "longPollMs" ? "longPollThreshold" : k))
      .sort();
    const runOnly = ["shutdownTimeout", "signal"];
    expect(documented).toEqual([...runtimeKeys, ...runOnly].sort());
    // And each listed key is taken by run() (a misspelt or unknown one is a TypeError).
    for (const key of documented) {
      expect(() => splitRunOptions({ [key]: undefined } as never)).not.toThrow();
    }
    expect(() => splitRunOptions({ seeed: 1 } as never)).toThrow(TypeError);
  });

  it("the documented defaults are the ones applied when an option is left out", () => {
    const table = optionTable();
    const d = resolveOptions({});
    expect(table.get("clock")).toBe('`"real"`');
    expect(d.clock).toBe("real");
    expect(table.get("seed")).toBe("none (FIFO)");
    expect(d.seed).toBeUndefined();
    expect(table.get("eventInterval")).toBe("61");
    expect(d.eventInterval).toBe(61);
    expect(table.get("unhandledPanic")).toBe('`"report"`');
    expect(d.unhandledPanic).toBe("report");
    expect(table.get("detectDeadlocks")).toBe("`true`");
    expect(d.detectDeadlocks).toBe(true);
    expect(table.get("longPollThreshold")).toBe("10 ms");
    expect(d.longPollMs).toBe(10);
    expect(table.get("spawnLocations")).toBe("`false` (`true` with `instrument`)");
    expect(d.spawnLocations).toBe(false);
    expect(resolveOptions({ instrument: () => {} }).spawnLocations).toBe(true);
    expect(table.get("trace")).toBe("`false`");
    expect(d.trace).toBe(false);
    expect(table.get("watchdog")).toBe("off");
    expect(d.watchdog).toBeNull();
    expect(table.get("instrument")).toBe("none");
    expect(d.instrument).toBeUndefined();
    expect(table.get("blockingThreads")).toBe("parallelism");
    expect(d.blockingThreads).toBeUndefined(); // sized by the pool: os.availableParallelism()
  });

  it("a misspelt option is a TypeError naming the option it probably meant, as the prose says", () => {
    expect(() => new core.Runtime({ eventIntreval: 8 } as never)).toThrow(
      /options\.eventIntreval is not a runtime option; did you mean 'eventInterval'\?/,
    );
  });
});
