import { execFile, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../src/cli/args.js";
import { main } from "../src/cli/main.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI from source in a child process, as `npm run kitchen` does. */
function cli(args: string[], entry = "src/cli/main.ts"): Promise<Result> {
  const argv = entry.endsWith(".ts") ? ["--import", "tsx", entry, ...args] : [entry, ...args];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      argv,
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Bad input must end in exactly one line on stderr, no stack trace, and exit code 2. */
function expectOneLineError(r: Result, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^brigade: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTTY: false },
    out,
    err,
  };
}

describe("README's Quick start", () => {
  it("shows the tour's opening exactly as `npm run kitchen` prints it", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /It begins:\n\n```\n([\s\S]*?)\n```/.exec(readme);
    expect(block).not.toBeNull();
    const shown = block![1]!.split("\n");
    const c = capture();
    expect(await main(["kitchen"], c.io)).toBe(0);
    const printed = c.out.join("\n").split("\n");
    expect(printed.slice(0, shown.length)).toEqual(shown);
  });
});

describe("brigade kitchen: bad input", () => {
  it("an unknown scene exits 2 with one line naming the scene and listing the real ones", async () => {
    const r = await cli(["kitchen", "souffle"]);
    expectOneLineError(r, /unknown scene 'souffle' \(scenes: lazy, join, spawn/);
    expect(r.stdout).toBe("");
  });

  it("an --html file in a directory that does not exist exits 2 before any scene plays", async () => {
    const r = await cli(["kitchen", "join", "--html", "/nonexistent-dir/kitchen.html"]);
    expectOneLineError(
      r,
      /--html \/nonexistent-dir\/kitchen\.html: cannot write it \(no such directory\)/,
    );
    expect(r.stdout).toBe("");
  });

  it("a --trace path that is a directory exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brigade-cli-"));
    const r = await cli(["kitchen", "join", "--trace", dir]);
    expectOneLineError(r, /--trace .*: is a directory/);
  });

  it("a port already in use exits 2 with one line saying so", async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, "127.0.0.1", done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await cli(["kitchen", "--serve", "--port", String(port)]);
      expectOneLineError(r, new RegExp(`port ${port} is already in use`));
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it("an unknown option, a missing value and a bad port each exit 2 in-process too", async () => {
    for (const [args, pattern] of [
      [["kitchen", "--sous-chef"], /unknown option '--sous-chef'/],
      [["kitchen", "--html"], /--html needs a value/],
      [
        ["kitchen", "--port", "99999"],
        /--port must be a whole number from 0 to 65535, got '99999'/,
      ],
      [["bake"], /unknown command 'bake'/],
      [
        ["kitchen", "--serve", "join", "--json", "--trace", "t.json"],
        /--serve cannot be combined with scene names \(join\), --trace, --json: the page chooses/,
      ],
      [["kitchen", "--serve", "--explain"], /--serve cannot be combined with --explain/],
      [["kitchen", "join", "--port", "8080"], /--port only applies to --serve/],
      [["kitchen", "join", "--explain=yes"], /--explain takes no value \(got '--explain=yes'\)/],
      [["kitchen", "join", "--html="], /--html needs a value/],
    ] as const) {
      const c = capture();
      expect(await main(args, c.io)).toBe(2);
      expect(c.err).toHaveLength(1);
      expect(c.err[0]).toMatch(pattern);
      expect(c.out).toEqual([]);
    }
  });

  it("parseArgs throws a UsageError rather than printing or exiting", () => {
    expect(() => parseArgs(["kitchen", "--port", "-1"])).toThrow(UsageError);
  });
});

describe("brigade kitchen: good input", () => {
  it("the launcher in bin/ runs the command and --help exits 0", async () => {
    const r = await cli(["kitchen", "--help"], "bin/brigade.js");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: brigade kitchen \[scene \.\.\.\]/);
  });

  it("the launcher in a clone runs the source, not a dist/ an older build left behind", async () => {
    // A copy of the launcher beside a stale compiled CLI and a current source one.
    const dir = mkdtempSync(join(tmpdir(), "brigade-bin-"));
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "dist/cli"), { recursive: true });
    mkdirSync(join(dir, "src/cli"), { recursive: true });
    copyFileSync(join(ROOT, "bin/brigade.js"), join(dir, "bin/brigade.js"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
    const says = (what: string) =>
      `export async function main() { console.log("${what}"); return 0; }`;
    writeFileSync(join(dir, "dist/cli/main.js"), says("stale dist"));
    writeFileSync(join(dir, "src/cli/main.ts"), says("current source"));
    const fromClone = await cli([], join(dir, "bin/brigade.js"));
    expect(fromClone.stdout.trim()).toBe("current source");
    // A published package has no src/: the compiled CLI runs.
    rmSync(join(dir, "src"), { recursive: true });
    const published = await cli([], join(dir, "bin/brigade.js"));
    expect(published.stdout.trim()).toBe("stale dist");
  });

  it("--json prints one parseable entry per line, runtime events and story lines alike", async () => {
    const c = capture();
    expect(await main(["kitchen", "join", "--json"], c.io)).toBe(0);
    const entries = c.out.map((l) => JSON.parse(l));
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.every((e) => e.scene === "join")).toBe(true);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
    expect(entries.some((e) => e.type === "event" && e.event.kind === "poll-start")).toBe(true);
    expect(entries.filter((e) => e.type === "say").map((e) => e.text)).toContain(
      "👨‍🍳 Chef started cooking: Pasta",
    );
  });

  it("a scene named twice plays once: `join join` prints what `join` prints", async () => {
    const once = capture();
    const twice = capture();
    expect(await main(["kitchen", "join", "--json"], once.io)).toBe(0);
    expect(await main(["kitchen", "join", "join", "--json"], twice.io)).toBe(0);
    const says = (lines: string[]) =>
      lines
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === "say")
        .map((e) => e.text);
    expect(twice.out).toHaveLength(once.out.length);
    expect(says(twice.out)).toEqual(says(once.out));
  });

  it("--html and --trace write a page and a Chrome trace of the scenes played", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brigade-cli-"));
    const html = join(dir, "k.html");
    const trace = join(dir, "k.json");
    const c = capture();
    // The inline form (--trace=FILE) works as well as the spaced one.
    expect(await main(["kitchen", "spawn", "--html", html, `--trace=${trace}`], c.io)).toBe(0);
    expect(c.err).toEqual([
      `brigade: wrote the timeline page to ${html}`,
      `brigade: wrote the Chrome trace to ${trace} (open it in ui.perfetto.dev)`,
    ]);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/(src|href)="https?:/);
    const parsed = JSON.parse(readFileSync(trace, "utf8"));
    const names = parsed.traceEvents
      .filter((e: { name: string }) => e.name === "thread_name")
      .map((e: { args: { name: string } }) => e.args.name);
    expect(names).toEqual(expect.arrayContaining(["main", "table 1", "table 2"]));
  });

  it("a reader that stops early (| head -1) ends the story, not the command: the files are still written, exit 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brigade-cli-"));
    const html = join(dir, "k.html");
    const trace = join(dir, "k.json");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "kitchen", "--html", html, "--trace", trace],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    // Read one chunk, then go away as `head` does.
    await new Promise<void>((r) => child.stdout.once("data", () => r()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(0);
    expect(readFileSync(html, "utf8")).toMatch(/^<!doctype html>/);
    expect(JSON.parse(readFileSync(trace, "utf8")).traceEvents.length).toBeGreaterThan(0);
  });

  it("bad input with stderr already closed (2>&1 | head -0) still exits 2, not with a crash", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "kitchen", "--nosuch"],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    child.stderr.destroy(); // the reader is gone before the error is written
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(2);
  });

  it("a trace of several takes gives each take its own process name and its own flow ids", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brigade-cli-"));
    const trace = join(dir, "all.json");
    expect(await main(["kitchen", "--trace", trace], capture().io)).toBe(0);
    type E = { name: string; ph: string; pid: number; id?: number; args?: { name?: string } };
    const events: E[] = JSON.parse(readFileSync(trace, "utf8")).traceEvents;
    const pidsOfFlow = new Map<number, Set<number>>();
    for (const e of events) {
      if (e.ph !== "s" && e.ph !== "f") continue;
      if (!pidsOfFlow.has(e.id!)) pidsOfFlow.set(e.id!, new Set());
      pidsOfFlow.get(e.id!)!.add(e.pid);
    }
    expect(pidsOfFlow.size).toBeGreaterThan(10);
    expect([...pidsOfFlow.values()].filter((pids) => pids.size > 1)).toEqual([]);
    const processNames = events.filter((e) => e.name === "process_name");
    const pids = new Set(processNames.map((e) => e.pid));
    expect(processNames.length).toBe(pids.size); // one name per process, the scene's
    expect(processNames.map((e) => e.args!.name)).not.toContain("brigade");
  });
});
