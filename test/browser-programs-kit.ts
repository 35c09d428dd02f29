/**
 * What every browser program shares (test/browser-programs.ts): the outcome it hands back to
 * test/browser-core.test.ts, a way to run a main and read its runtime's metrics afterwards, and a
 * chef who cooks one dish. The recipe box on the counter of the kitchen in the other building.
 */
import {
  asyncBlock,
  asyncFn,
  type RunOptions,
  Runtime,
  type RuntimeMetrics,
  run,
  sleep,
} from "../src/index.js";

/** What every program hands back: its own findings, and the runtime's counters once it ended. */
export interface Outcome<T> {
  value: T;
  metrics: RuntimeMetrics;
}

/**
 * Run `main` as `run()` does and read the runtime's metrics after `run()` settled: the runtime is
 * found from inside main, where `Runtime.current()` names it.
 */
export async function runAndMeasure<T>(main: () => Generator<any, T, any>, options?: RunOptions) {
  let rt: Runtime | null = null;
  const value = await run(
    asyncBlock(function* () {
      rt = Runtime.current();
      return yield* main();
    }),
    options,
  );
  return { value, metrics: (rt as Runtime | null)!.metrics() } satisfies Outcome<T>;
}

/** Sleep `ms`, then note the dish in `log` and serve it. */
export const cook = asyncFn(function* cook(log: string[], dish: string, ms: number) {
  yield* sleep(ms);
  log.push(dish);
  return dish;
});
