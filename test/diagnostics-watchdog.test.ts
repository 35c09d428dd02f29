import { spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { pollFn } from "../src/future/leaf.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { Runtime } from "../src/runtime/runtime.js";
import { type BlockedLoopReport, startWatchdog } from "../src/runtime/watchdog.js";
import { yieldNow } from "../src/task/yield-now.js";

const CHILD = fileURLToPath(new URL("./fixtures/watchdog-child.ts", import.meta.url));

/** Run the child script under tsx; resolve with its exit code and stderr once it exits by itself. */
function runChild(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnProcess(process.execPath, ["--import", "tsx", CHILD, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** A future whose one poll holds the thread for `ms`. */
function busyFor(ms: number) {
  return pollFn(() => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // blocking on purpose
    }
  });
}

describe("the blocked-loop watchdog, in a child process that really blocks", () => {
  it("names the task on stderr while its busy loop still holds the thread", async () => {
    const { code, stderr } = await runChild("busy");
    expect(code).toBe(0);
    const report = stderr.indexOf("brigade: blocked-loop: task 'table 3' has held the thread for ");
    const ended = stderr.indexOf("block ended");
    expect(report).toBeGreaterThanOrEqual(0);
    expect(ended).toBeGreaterThan(report);
    expect(stderr).toMatch(/held the thread for [\d,]+ ms: is it calling a blocking function\?/);
  }, 30_000);

  it("stays silent when the task waits the same time with sleep", async () => {
    const { code, stderr } = await runChild("sleep");
    expect(code).toBe(0);
    expect(stderr).toContain("block ended");
    expect(stderr).not.toContain("blocked-loop");
  }, 30_000);

  it("does not keep the process alive when the runtime is never shut down", async () => {
    const { code, stderr } = await runChild("busy", "no-shutdown");
    expect(code).toBe(0);
    expect(stderr).toContain("task 'table 3' has held the thread");
  }, 30_000);
});

describe("the blocked-loop watchdog, in process", () => {
  it("hands each report to onReport once the thread is free, with the name and a duration past the threshold", async () => {
    const reports: BlockedLoopReport[] = [];
    const rt = new Runtime({ longPollThreshold: false });
    const dog = startWatchdog(rt, {
      thresholdMs: 40,
      stderr: false,
      onReport: (r) => reports.push(r),
    });
    await dog.ready;
    const handle = rt.spawn(busyFor(400), { name: "table ☕ 3" });
    await handle;
    expect(reports).toEqual([]); // the main thread was busy: nothing has been read yet
    await new Promise((r) => setTimeout(r, 50));
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports[0]!.name).toBe("table ☕ 3");
    expect(reports[0]!.task).toBe(handle.id);
    expect(reports[0]!.heldMs).toBeGreaterThanOrEqual(40);
    expect(reports[0]!.message).toContain("task 'table ☕ 3' has held the thread for");
    // A block that goes on is reported again each time its duration doubles, not at every sample.
    for (const [i, r] of reports.entries()) expect(r.heldMs).toBeGreaterThanOrEqual(40 * 2 ** i);
    expect(reports.length).toBeLessThanOrEqual(4); // 40, 80, 160, 320 ms within a 400 ms block
    await rt.shutdown();
  });

  it("says nothing for many short polls that add up to more than the threshold", async () => {
    const reports: BlockedLoopReport[] = [];
    const rt = new Runtime({
      longPollThreshold: false,
      watchdog: { thresholdMs: 60, stderr: false, onReport: (r) => reports.push(r) },
    });
    await rt.watchdog!.ready;
    await rt.spawn(
      asyncBlock(function* () {
        for (let i = 0; i < 40; i++) {
          yield* busyFor(5);
          yield* yieldNow();
        }
      }),
      { name: "patient chef" },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(reports).toEqual([]);
    await rt.shutdown();
  });

  it("reports to instrument listeners as a blocked-loop warning event", async () => {
    const events: RuntimeEvent[] = [];
    const rt = new Runtime({
      instrument: (e) => events.push(e),
      longPollThreshold: false,
      watchdog: { thresholdMs: 40, stderr: false },
    });
    await rt.watchdog!.ready;
    const h = rt.spawn(busyFor(150), { name: "table 9" });
    await h;
    await new Promise((r) => setTimeout(r, 50));
    const warnings = events.filter((e) => e.kind === "warning" && e.warning === "blocked-loop");
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]!.kind === "warning" && warnings[0]!.message).toContain("'table 9'");
    // The event names the task, as the report does.
    expect(warnings[0]!.kind === "warning" && warnings[0]!.task).toBe(h.id);
    await rt.shutdown();
  });

  it("writes the heartbeat only while it runs: shutdown stops it and clears the heartbeat", async () => {
    const rt = new Runtime({ watchdog: { thresholdMs: 1000 } });
    const dog = rt.watchdog!;
    expect(dog.running).toBe(true);
    expect(rt.heartbeat).toBeInstanceOf(Int32Array);
    await rt.spawn(
      asyncBlock(function* () {
        yield* yieldNow();
      }),
    );
    expect(Atomics.load(rt.heartbeat!, 1)).toBeGreaterThanOrEqual(2); // two polls counted
    expect(Atomics.load(rt.heartbeat!, 0)).toBe(0); // between turns
    await rt.shutdown();
    expect(dog.running).toBe(false);
    expect(rt.watchdog).toBeNull();
    expect(rt.heartbeat).toBeNull();
    await dog.stop(); // idempotent
  });

  it("can be stopped by hand and started again on the same runtime", async () => {
    const rt = new Runtime();
    const first = startWatchdog(rt, { thresholdMs: 500 });
    expect(() => startWatchdog(rt, { thresholdMs: 500 })).toThrow(/already watches this runtime/);
    await first.stop();
    expect(rt.heartbeat).toBeNull();
    const second = startWatchdog(rt, { thresholdMs: 500 });
    expect(rt.watchdog).toBe(second);
    await rt.shutdown();
    expect(second.running).toBe(false);
  });

  it("rejects bad options with typed errors that name the option", () => {
    const rt = new Runtime();
    expect(() => startWatchdog(rt, { thresholdMs: 0 })).toThrow(RangeError);
    expect(() => startWatchdog(rt, { thresholdMs: Number.NaN })).toThrow(
      /options.thresholdMs must be a positive, finite number/,
    );
    expect(() => startWatchdog(rt, { thresholdMs: 10, onReport: 3 as never })).toThrow(TypeError);
    expect(() => startWatchdog(rt, null as never)).toThrow(TypeError);
    expect(() => startWatchdog({} as never, { thresholdMs: 10 })).toThrow(
      /rt must be a Brigade Runtime/,
    );
    expect(() => new Runtime({ watchdog: { thresholdMs: -1 } })).toThrow(
      /options.watchdog.thresholdMs must be a positive/,
    );
    expect(() => new Runtime({ watchdog: 5 as never })).toThrow(
      /options.watchdog must be an object/,
    );
    expect(rt.watchdog).toBeNull();
  });
});
