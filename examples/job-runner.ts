/**
 * A job runner (what `make -j` or `concurrently` do): run commands at most `limit` at a time,
 * print each one's output line by line as it comes, prefixed with the job's name, and stop
 * everything at the first failure, or at Ctrl-C. A head chef who hires outside cooks: a few stoves
 * (a `Semaphore`), one chef per job reading that cook's two hatches (stdout and stderr, merged),
 * and when one dish fails the whole service stops, and every cook still at work is sent home
 * (`killOnDrop`: dropping the `Child` kills its process).
 *
 * Nothing outlives the run: the jobs are tasks in a `JoinSet`, so leaving `runJobs` (by the end, a
 * failure, or Ctrl-C winning the race in `main`) aborts the tasks still running, their `finally`
 * blocks dispose their `Child`, and the processes are killed.
 *
 * Run it: `npx tsx examples/job-runner.ts` (three demo jobs, two at a time).
 */
import { pathToFileURL } from "node:url";
import { asyncFn, DONE, JoinError, JoinSet, race, run, Semaphore } from "../src/index.js";
import { BufReader, Command, ctrlC, type ExitStatus } from "../src/node.js";

/** One command to run, under a name its lines are printed with. */
export interface Job {
  readonly name: string;
  readonly program: string;
  readonly args: readonly string[];
}

/** A job that ended with a failure: the runner stops at the first. */
export class JobFailed extends Error {
  override name = "JobFailed";
  constructor(
    readonly job: string,
    readonly status: ExitStatus,
  ) {
    super(`job '${job}' failed: ${status}`);
  }
}

/** Run one job on a stove: its lines go to `print` as they come; throws `JobFailed` on failure. */
const runJob = asyncFn(function* runJob(job: Job, stoves: Semaphore, print: (l: string) => void) {
  using _stove = yield* stoves.acquire();
  const child = new Command(job.program)
    .args(job.args)
    .stdout("piped")
    .stderr("piped")
    .killOnDrop(true)
    .spawn();
  try {
    const lines = new BufReader(child.stdout!).lines().merge(new BufReader(child.stderr!).lines());
    for (let line = yield* lines.next(); line !== DONE; line = yield* lines.next()) {
      print(`[${job.name}] ${line}`);
    }
    const status = yield* child.wait();
    if (!status.success()) throw new JobFailed(job.name, status);
    return status;
  } finally {
    child[Symbol.dispose](); // killed if still running: this job was aborted
  }
});

/**
 * Run `jobs`, at most `limit` at a time; the names of the jobs in the order they finished. Throws
 * the first `JobFailed` (the other jobs are stopped and their processes killed first).
 */
export const runJobs = asyncFn(function* runJobs(
  jobs: readonly Job[],
  limit: number,
  print: (line: string) => void = console.log,
) {
  const stoves = new Semaphore(limit);
  using set = new JoinSet<string>();
  for (const job of jobs) {
    set.spawn(
      asyncFn(function* () {
        yield* runJob(job, stoves, print);
        return job.name;
      })(),
      { name: job.name },
    );
  }
  const finished: string[] = [];
  try {
    for (let name = yield* set.joinNext(); name !== DONE; name = yield* set.joinNext()) {
      finished.push(name);
    }
  } catch (e) {
    // A job's panic is its JobFailed: hand that on (disposing the set stops the rest).
    throw e instanceof JoinError && e.isPanic() ? e.cause : e;
  }
  return finished;
});

/** Three demo jobs, each a small Node program, so the example needs no shell tools. */
const node = (name: string, script: string): Job => ({
  name,
  program: process.execPath,
  args: ["-e", script],
});
const DEMO: Job[] = [
  node("soup", "for (const s of ['chop', 'simmer', 'season']) console.log(s)"),
  node("bread", "setTimeout(() => console.log('proofed'), 200); console.error('kneading')"),
  node("tart", "console.log('blind bake'); setTimeout(() => console.log('filled'), 100)"),
];

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await run(
    asyncFn(function* main() {
      const result = yield* race.named({ done: runJobs(DEMO, 2), interrupted: ctrlC() });
      if (result.key === "done") console.log(`served: ${result.value.join(", ")}`);
      else console.log("interrupted: every job was stopped");
    })(),
  );
}
