/**
 * Waits that only the outside world can end (an AbortSignal, Ctrl-C) hold the process open, as
 * tokio's runtime waits for them; and give it back when they end. Each case runs in a child
 * process, since the test runner itself keeps the process alive.
 */
import { spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { processHolds } from "../src/runtime/keep-alive.js";
import { run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { sleep } from "../src/time/sleep.js";

const CHILD = fileURLToPath(new URL("./fixtures/keep-alive-child.ts", import.meta.url));

/** Run the child; `onLine` may act on each stdout line. Resolves with every line once it exits. */
function runChild(mode: string, onLine?: (line: string, pid: number) => void): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawnProcess(process.execPath, ["--import", "tsx", CHILD, ...mode.split(" ")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: string[] = [];
    let partial = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      partial += d;
      let nl = partial.indexOf("\n");
      while (nl >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        lines.push(line);
        onLine?.(line, child.pid!);
        nl = partial.indexOf("\n");
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve(lines));
  });
}

describe("a wait only the outside world can end holds the process", () => {
  it("run(main, { signal: AbortSignal.timeout(50) }) cancels main at 50 ms instead of letting Node exit first", async () => {
    const lines = await runChild("abort-signal");
    expect(lines).toEqual([
      "main: finally",
      "run rejected: task 'main' was cancelled: its AbortSignal was aborted",
      "exit 0",
    ]);
  }, 30_000);

  it("a bridged promise that never settles: when Node runs out of work, run() rejects with a DeadlockError naming the wait, instead of Node exiting with run() unsettled", async () => {
    const lines = await runChild("promise-never-settles");
    expect(lines).toEqual([
      "main: finally",
      "run rejected: DeadlockError: the process ran out of work while main waits: nothing left can wake any task (a promise that never settles, an event that never comes), so Node was about to exit with run() unsettled. Waiting:",
      "  main → main → fromPromise (a promise in flight)",
      "exit 0",
    ]);
  }, 30_000);

  it("a hand-written leaf's bridge that is never closed (either kind): when Node runs out of work, run() rejects with a DeadlockError naming the bridge", async () => {
    for (const kind of ["reply", "event"]) {
      const lines = await runChild(`bridge-never-closes ${kind}`);
      // The report names the bridge still open and the task that opened it.
      expect(lines).toEqual([
        `run rejected: DeadlockError: the process ran out of work while main waits: nothing left can wake any task (a promise that never settles, an event that never comes), so Node was about to exit with run() unsettled. Open bridges from openBridge(): openBridge("${kind}") in task 'main'. Node has nothing left that could fire their callbacks: a leaf closes its bridge when its callback fires and when it is dropped, so was one dropped, or did it finish, without closing it? Waiting:`,
        "exit 0",
      ]);
    }
  }, 30_000);

  it("run(ctrlC()) waits for the signal, then lets the process end", async () => {
    const lines = await runChild("ctrl-c", (line, pid) => {
      if (line === "waiting for Ctrl-C") setTimeout(() => process.kill(pid, "SIGINT"), 200);
    });
    expect(lines).toEqual(["waiting for Ctrl-C", "got Ctrl-C", "exit 0"]);
  }, 30_000);

  it("a Ctrl-C that comes while no ctrlC() waits, in a loop that raced one, stops the loop at its next turn instead of killing the process", async () => {
    let sent = false;
    const lines = await runChild("ctrl-c-loop", (line, pid) => {
      if (line === "working" && !sent) {
        sent = true;
        process.kill(pid, "SIGINT");
      }
    });
    expect(lines).toEqual(["working", "stopped at the next tick", "main: finally", "exit 0"]);
  }, 30_000);

  it("a second Ctrl-C while one is still kept, unheard (a drain that hangs), ends the process as Node would", async () => {
    const lines = await runChild("ctrl-c-twice", (line, pid) => {
      if (line === "draining") {
        process.kill(pid, "SIGINT"); // kept: nobody waits
        setTimeout(() => process.kill(pid, "SIGINT"), 200); // one is kept already: exit
      }
    });
    // Killed by the signal: no finally, no exit handler (the drain would have taken 20 s).
    expect(lines).toEqual(["draining"]);
  }, 30_000);

  it("two Ctrl-Cs, each during a job, are two cancels in a loop beside an idle runtime that once waited for Ctrl-C; the process then ends by itself", async () => {
    let armed = true;
    const lines = await runChild("two-runtimes", (line, pid) => {
      if (line === "stop 1") armed = true;
      if (line === "working" && armed) {
        armed = false;
        process.kill(pid, "SIGINT");
      }
    });
    expect(lines).toEqual(["working", "stop 1", "working", "stop 2", "exit 0"]);
  }, 30_000);

  it("with the program's own SIGINT listener, a second Ctrl-C nobody waits for goes to that listener once, and the program goes on", async () => {
    let again = 0;
    const lines = await runChild("user-listener", (line, pid) => {
      if (line === "draining") {
        process.kill(pid, "SIGINT"); // kept
        setTimeout(() => process.kill(pid, "SIGINT"), 300); // one kept already: the handler goes
      }
      if (line === "waiting again" && again++ === 0) {
        setTimeout(() => process.kill(pid, "SIGINT"), 200);
      }
    });
    expect(lines).toEqual([
      "draining",
      "user heard SIGINT",
      "user heard SIGINT",
      "listeners 1",
      "waiting again",
      "user heard SIGINT",
      "again: s",
      "exit 0",
    ]);
  }, 30_000);

  it("run(signal('SIGTERM')) waits for the signal, then lets the process end", async () => {
    const lines = await runChild("sigterm", (line, pid) => {
      if (line === "waiting for SIGTERM") setTimeout(() => process.kill(pid, "SIGTERM"), 200);
    });
    expect(lines).toEqual(["waiting for SIGTERM", "got SIGTERM", "exit 0"]);
  }, 30_000);

  it("a signal link holds the process only while its task lives", async () => {
    const before = processHolds();
    const during: number[] = [];
    const controller = new AbortController();
    await run(
      asyncBlock(function* () {
        const linked = spawn(pending(), { signal: controller.signal });
        yield* sleep(1);
        during.push(processHolds());
        linked.abort();
        yield* sleep(1);
        during.push(processHolds());
      }),
      { clock: "paused" },
    );
    expect(during).toEqual([before + 1, before]);
    expect(processHolds()).toBe(before);
  });
});
