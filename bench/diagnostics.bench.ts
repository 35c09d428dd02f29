/**
 * What diagnostics cost. W2's workload (tasks × `yieldNow`) three ways in one run: instrumentation
 * off (the default: one null check per poll and per wake), on with a listener that does nothing
 * (the events are built and delivered), and on with `trace: true` (every event kept for a Chrome
 * trace). The difference per yield is the cost per poll, since each yield is one poll and one wake.
 * Also the watchdog's heartbeat (two atomic writes per poll).
 *
 * Run: `npm run bench -- diagnostics`.
 */
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import type { RunOptions } from "../src/runtime/options.js";
import { run } from "../src/runtime/runtime.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { compare } from "./harness.js";

const TASKS = 1000;
const YIELDS = 1000;

const yielder = asyncFn(function* yielder(k: number) {
  for (let i = 0; i < k; i++) yield* yieldNow();
});

function w2(opts: RunOptions): Promise<void> {
  return run(
    asyncBlock(function* () {
      const handles: JoinHandle<void>[] = new Array(TASKS);
      for (let i = 0; i < TASKS; i++) handles[i] = spawn(yielder(YIELDS));
      for (let i = 0; i < TASKS; i++) yield* handles[i]!;
    }),
    opts,
  );
}

const quiet = { onWarning: () => {} };

export async function main(): Promise<void> {
  await compare(
    "diagnostics: W2 1,000 tasks × 1,000 yieldNow",
    { ops: TASKS * YIELDS, unit: "ns/yield", rounds: 7 },
    [
      { name: "off", run: () => w2(quiet) },
      { name: "listener", run: () => w2({ ...quiet, instrument: () => {} }) },
      { name: "trace", run: () => w2({ ...quiet, trace: true }) },
      {
        name: "watchdog",
        run: () => w2({ ...quiet, watchdog: { thresholdMs: 1000, stderr: false } }),
      },
    ],
  );
}
