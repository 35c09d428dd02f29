/**
 * Long polls: the chef who won't leave the stove. A poll that holds the thread for the threshold
 * or more (10 ms by default) delays every other task, timer and socket; the runtime names the task.
 *
 * How it is timed without costing the hot path: a clock read costs about as much as a whole poll,
 * so without instrumentation the executor times whole turns (two reads per turn of up to 61 polls).
 * A slow turn with one poll in it names its task at once. A slow turn of several polls names nobody
 * (a turn of short polls can be slow for reasons of its own, a collection of the heap), but the
 * watch starts *hunting*: the next polls are timed one by one, so a task whose poll is slow is then
 * named exactly. With instrumentation the probe times every poll and reports through `report`.
 */
import type { Task } from "../task/task.js";
import { hostNow } from "../time/clock.js";

/** Polls timed one by one after a slow turn whose culprit was not known. */
const HUNT_POLLS = 4096;

/** The warning's text, with the task's spawn location when known. */
export function longPollMessage(
  task: Task<any>,
  tookMs: number,
  location: string | null | undefined,
  isMain = false,
): string {
  // `run()`'s main was spawned by `run()` itself: where is no news.
  const where =
    location !== null && location !== undefined
      ? ` (spawned at ${location})`
      : isMain
        ? ""
        : " (run with spawnLocations: true to see where it was spawned)";
  return `task '${task.name}' held the thread for ${formatMs(tookMs)} in one poll${where}: is it calling a blocking function? Use sleep() instead of a busy wait, or spawnBlocking() for CPU-bound work`;
}

/** "1,200 ms" or "12.3 ms". */
export function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms).toLocaleString("en-US")} ms` : `${ms.toFixed(1)} ms`;
}

/** The executor's long-poll check, for one runtime. */
export class LongPollWatch {
  /** Polls left to time one by one (see "hunting" above); 0 when not hunting. */
  hunting = 0;

  constructor(
    /** The threshold, ms; `Infinity` when the check is off. */
    readonly thresholdMs: number,
    private readonly report: (task: Task<any>, tookMs: number) => void,
  ) {}

  /** Poll `task`, timing this one poll (while hunting). */
  runTimed(task: Task<any>): void {
    this.hunting--;
    const start = hostNow();
    task.run();
    this.check(task, hostNow() - start);
  }

  /** A poll of `task` took `tookMs`: warn if that is too long. */
  check(task: Task<any>, tookMs: number): void {
    if (tookMs >= this.thresholdMs) this.report(task, tookMs);
  }

  /** A timed turn ended after `tookMs`, having polled `polled` tasks, `last` the last of them. */
  turnEnded(tookMs: number, polled: number, last: Task<any> | null): void {
    if (tookMs < this.thresholdMs) return;
    if (polled === 1 && last !== null) this.report(last, tookMs);
    else if (polled > 1) this.hunting = HUNT_POLLS;
  }
}
