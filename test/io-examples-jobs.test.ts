/**
 * examples/job-runner.ts: jobs run at most `limit` at a time with their lines prefixed, the first
 * failure stops the rest (their processes killed), and the example runs as a program.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { type Job, JobFailed, runJobs } from "../examples/job-runner.js";
import { run } from "../src/runtime/runtime.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const node = (name: string, script: string): Job => ({
  name,
  program: process.execPath,
  args: ["-e", script],
});

/** Whether a process with this id still exists (a killed child is reaped by Node soon after). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe("examples/job-runner.ts", () => {
  it("runs the jobs one at a time with a limit of one: each job's lines together, in order", async () => {
    const lines: string[] = [];
    const finished = await run(
      runJobs([node("a", "console.log(1); console.log(2)"), node("b", "console.log(3)")], 1, (l) =>
        lines.push(l),
      ),
    );
    expect(finished).toEqual(["a", "b"]);
    expect(lines).toEqual(["[a] 1", "[a] 2", "[b] 3"]);
  });

  it("prints stderr lines too, and runs jobs side by side under a higher limit", async () => {
    const lines: string[] = [];
    // `slow` (first in the list) finishes only once `quick` has run: under a limit of one it would
    // hold the only stove for ever. No clock is involved, so a loaded machine cannot reorder them.
    const marker = join(mkdtempSync(join(tmpdir(), "brigade-jobs-")), "quick-ran");
    const finished = await run(
      runJobs(
        [
          node(
            "slow",
            `console.error('started'); const t = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(marker)})) { console.log('done'); clearInterval(t); } }, 5)`,
          ),
          node(
            "quick",
            `console.log('done'); require('fs').writeFileSync(${JSON.stringify(marker)}, '')`,
          ),
        ],
        2,
        (l) => lines.push(l),
      ),
    );
    rmSync(dirname(marker), { recursive: true, force: true });
    // Which exit is seen first is the kernel's business: both finished, so they overlapped.
    expect([...finished].sort()).toEqual(["quick", "slow"]);
    expect([...lines].sort()).toEqual(["[quick] done", "[slow] done", "[slow] started"]);
  });

  it("the first failure stops the other jobs and kills their processes", async () => {
    const lines: string[] = [];
    const e = await run(
      runJobs(
        [
          node("forever", "console.log(process.pid); setInterval(() => {}, 1000)"),
          node("broken", "setTimeout(() => process.exit(2), 200)"),
        ],
        2,
        (l) => lines.push(l),
      ),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(JobFailed);
    expect((e as JobFailed).job).toBe("broken");
    expect(`${(e as JobFailed).status}`).toBe("exit status: 2");
    const pid = Number(lines.find((l) => l.startsWith("[forever] "))!.slice("[forever] ".length));
    expect(await gone(pid)).toBe(true);
  });

  it("runs as a program: the demo jobs, then what was served", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "examples/job-runner.ts"],
      { cwd: ROOT },
    );
    const lines = stdout.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("[soup] "))).toEqual([
      "[soup] chop",
      "[soup] simmer",
      "[soup] season",
    ]);
    expect(lines).toContain("[bread] kneading");
    expect(lines.at(-1)).toMatch(
      /^served: (soup|bread|tart), (soup|bread|tart), (soup|bread|tart)$/,
    );
  }, 30_000);
});
