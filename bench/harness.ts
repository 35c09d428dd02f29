/**
 * The benchmark harness: every workload runs Brigade and its baselines side by side, in the same
 * process, in interleaved rounds (A, B, C, then B, C, A, …: each round starts one variant later, so
 * no variant always follows the same neighbour) so that the noise of a small shared machine falls
 * on all of them alike; it prints the median of each and the ratios against the baselines.
 *
 * Collections between runs: the heap is collected fully once before a workload starts, and the
 * young generation (the previous run's short-lived garbage) before each run. Not a full collection
 * before each run: that frees every object of the previous run, and V8 then throws away the
 * optimized code that embedded their shapes ("weak objects" deoptimization), so each run of a
 * runtime written in JavaScript (Brigade, Effect) would start cold, a cost no long-running program
 * pays and built-in promises never do. Measured on W2: 120 ns/yield with a full collection before
 * each run, 78 without, the same code. `BENCH_GC=full` restores the full collection per run.
 *
 * Why not mitata or tinybench: both time one function at a time, many iterations in a row, which
 * suits micro-benchmarks; these workloads are whole programs (a million tasks) run a few times,
 * where interleaving the variants is what makes the ratios trustworthy. Heap per parked task is a
 * different measurement altogether (`heapPerItem`).
 */

export interface Variant {
  /** Shown in the table, e.g. "brigade", "native", "effect". */
  name: string;
  /** Runs the workload once; resolves when it is done. */
  run: () => Promise<void> | void;
}

export interface CaseResult {
  title: string;
  unit: string;
  /** Median per operation, by variant name. */
  medians: Record<string, number>;
}

const results: CaseResult[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Collect the young generation only (see the file's opening comment). */
function minorGc(): void {
  (globalThis as { gc?: (options: { type: "minor" }) => void }).gc?.({ type: "minor" });
}

/**
 * Time each variant `rounds` times, interleaved; report the median time per operation.
 * `ops` is how many operations one run performs (a million spawns, say).
 */
export async function compare(
  title: string,
  options: { ops: number; unit?: string; rounds?: number; warmup?: number; perOp?: "ns" | "ms" },
  variants: Variant[],
): Promise<CaseResult> {
  const rounds = options.rounds ?? 5;
  const warmup = options.warmup ?? 1;
  const unit = options.unit ?? "ns/op";
  const scale = options.perOp === "ms" ? 1 : 1e6; // ms → ns unless asked for ms
  const samples: Record<string, number[]> = {};
  for (const v of variants) samples[v.name] = [];
  const fullEachRun = process.env.BENCH_GC === "full";
  gc();
  for (let r = 0; r < warmup + rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length]!;
      if (fullEachRun) gc();
      else minorGc();
      const t0 = performance.now();
      await v.run();
      const dt = performance.now() - t0;
      if (r >= warmup) samples[v.name]!.push((dt * scale) / options.ops);
    }
  }
  const medians: Record<string, number> = {};
  for (const v of variants) medians[v.name] = median(samples[v.name]!);
  const result = { title, unit, medians };
  results.push(result);
  print(result);
  return result;
}

/**
 * Live heap bytes per item: `setup(n)` creates n parked items and returns a teardown; the heap is
 * measured after full collections before and after. Needs `node --expose-gc`.
 */
export async function heapPerItem(
  n: number,
  setup: (n: number) => Promise<() => Promise<void> | void>,
): Promise<number> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error("heapPerItem needs node --expose-gc");
  await settle();
  g();
  g();
  const before = process.memoryUsage().heapUsed;
  const teardown = await setup(n);
  await settle();
  g();
  g();
  const after = process.memoryUsage().heapUsed;
  await teardown();
  return (after - before) / n;
}

/** Report a non-timed measurement (like heap bytes) as a case. */
export function record(title: string, unit: string, medians: Record<string, number>): CaseResult {
  const result = { title, unit, medians };
  results.push(result);
  print(result);
  return result;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function print(r: CaseResult): void {
  const names = Object.keys(r.medians);
  const first = names[0]!;
  const parts = names.map((n) => `${n} ${fmt(r.medians[n]!)}`);
  const ratios = names
    .slice(1)
    .map((n) => `${first}/${n} ${(r.medians[first]! / r.medians[n]!).toFixed(2)}×`);
  console.log(
    `${r.title} [${r.unit}, median]: ${parts.join(" | ")}${ratios.length ? `  → ${ratios.join(", ")}` : ""}`,
  );
}

/** Every case recorded so far (for a JSON summary). */
export function allResults(): CaseResult[] {
  return results;
}
