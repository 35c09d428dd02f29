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
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinHandle } from "../src/task/join-handle.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { compare } from "./harness.js";

const TASKS = 1000;
const YIELDS = 1000;

const yielder = asyncFn(function* yielder(k: number) {
  for (let i = 0; i < k; i++) yield* yieldNow();
});

/** The workload on a runtime: spawn the tasks, await them all. */
async function w2(rt: Runtime): Promise<void> {
  await rt.spawn(
    asyncBlock(function* () {
      const handles: JoinHandle<void>[] = new Array(TASKS);
      for (let i = 0; i < TASKS; i++) handles[i] = spawn(yielder(YIELDS));
      for (let i = 0; i < TASKS; i++) yield* handles[i]!;
    }),
  );
}

const quiet = { onWarning: () => {} };

export async function main(): Promise<void> {
  // Long-lived runtimes, so the watchdog's thread starts once and is not counted per run.
  const off = new Runtime(quiet);
  const listener = new Runtime({ ...quiet, instrument: () => {} });
  const watchdog = new Runtime({ ...quiet, watchdog: { thresholdMs: 1000, stderr: false } });
  await compare(
    "diagnostics: W2 1,000 tasks × 1,000 yieldNow",
    { ops: TASKS * YIELDS, unit: "ns/yield", rounds: 7 },
    [
      { name: "off", run: () => w2(off) },
      { name: "listener", run: () => w2(listener) },
      // A fresh recording runtime per run: the recording grows with every event.
      {
        name: "trace",
        run: async () => {
          const rt = new Runtime({ ...quiet, trace: true });
          await w2(rt);
          await rt.shutdown();
        },
      },
      { name: "watchdog", run: () => w2(watchdog) },
    ],
  );
  await Promise.all([off.shutdown(), listener.shutdown(), watchdog.shutdown()]);
}
