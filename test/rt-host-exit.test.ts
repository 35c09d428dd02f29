/**
 * When the host runs out of work while `run()` waits (src/runtime/lifecycle.ts, watchHostExit):
 * a stuck run, or a stuck cleanup, ends with a DeadlockError; a run that the program's own
 * `beforeExit` hook is about to wake, or that waits on real work, is left alone. Each case runs in
 * a child process.
 */
import { spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/host-exit-child.ts", import.meta.url));
const CHILD2 = fileURLToPath(new URL("./fixtures/host-exit-child2.ts", import.meta.url));

function runChild(mode: string, file = CHILD): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawnProcess(process.execPath, ["--import", "tsx", file, mode], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve([...out.split("\n").filter((l) => l !== ""), `exit ${code}`]),
    );
  });
}

describe("watchHostExit and the program's own beforeExit hooks", () => {
  it("a beforeExit hook registered before run() settles main's promise from a microtask: run() resolves with the value, not a DeadlockError", async () => {
    expect(await runChild("user-before-exit")).toEqual(["run resolved: flushed", "end", "exit 0"]);
  });

  it("a beforeExit hook registered before run() starts a 20 ms timer that settles main's promise: run() resolves with the value", async () => {
    expect(await runChild("user-before-exit-timer")).toEqual([
      "run resolved: flushed later",
      "end",
      "exit 0",
    ]);
  });

  it("control: a spawnBlocking job in flight and a sleep are not mistaken for a stuck run, and no listener is left after run() settles", async () => {
    expect(await runChild("blocking")).toEqual(["run resolved: job done", "end", "exit 0"]);
    expect(await runChild("sleep")).toEqual(["run resolved: slept", "end", "exit 0"]);
    expect(await runChild("after-run")).toEqual([
      "run resolved: first",
      "listeners after: 0",
      "end",
      "exit 0",
    ]);
  });

  it("main's finally also awaits a bridged promise that never settles: run() still rejects (a DeadlockError naming the stuck cleanup) instead of Node exiting with run() unsettled (exit 13)", async () => {
    const lines = await runChild("cleanup-stuck", CHILD2);
    expect(lines[0]).toBe("main: finally");
    expect(lines[1]).toMatch(/^run rejected: DeadlockError/);
    expect(lines.slice(-2)).toEqual(["end", "exit 0"]);
  });

  it("control: a paused clock with a bridged native timer, and two runs where one wakes the other, both resolve", async () => {
    expect(await runChild("paused-native", CHILD2)).toEqual([
      "run resolved: native",
      "end",
      "exit 0",
    ]);
    expect(await runChild("two-runs", CHILD2)).toEqual([
      "run resolved: from b",
      "run resolved: b",
      "end",
      "exit 0",
    ]);
  });
});
