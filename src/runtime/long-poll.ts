/**
 * Long polls: the chef who won't leave the stove. A poll that holds the thread for the threshold
 * or more (10 ms by default) delays every other task, timer and socket; the runtime names the task.
 *
 * How it is timed without costing the hot path: a clock read costs about as much as a whole poll,
 * so without instrumentation the executor times whole turns (two reads per turn of up to 61 polls).
 * A slow turn with one poll in it names its task at once. A slow turn of a few polls (up to
 * `MAX_SUSPECTS`) cannot tell which of them held the thread, or whether a collection of the heap
 * did: it names them all as suspects, at most once a second (the executor notes the first few tasks
 * of each timed turn in `turn`). A slow turn of more polls names nobody: a collection of the heap
 * is as likely a cause, and the more polls, the likelier (a benchmark spawning a million tasks
 * would be warned about every second). Either way the watch then starts *hunting*: the next polls
 * are timed one by one, so a task whose poll is slow again is named exactly. With instrumentation
 * the probe times every poll and reports through `report`.
 */
import type { Task } from "../task/task.js";
import { hostNow } from "../time/clock.js";

/** Polls timed one by one after a slow turn whose culprit was not known. */
const HUNT_POLLS = 4096;

/** The least time between two warnings about a slow turn of several polls, ms. */
const SUSPECTS_EVERY_MS = 1000;

/** The most polls a slow turn may have for its tasks to be named as suspects. */
export const MAX_SUSPECTS = 4;

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
  return `task '${task.name}' held the thread for ${formatMs(tookMs)} in one poll${where}: is it calling a blocking function? Use sleep() instead of a busy wait, spawnBlocking() for CPU-bound work, or yieldNow() in a loop whose awaits are all ready at once`;
}

/** "1,200 ms" or "12.3 ms". */
export function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms).toLocaleString("en-US")} ms` : `${ms.toFixed(1)} ms`;
}

/**
 * The warning for a slow turn of a few polls: every task it polled is a suspect.
 *
 * @example
 * ```ts
 * suspectsMessage(["main", "POST /login", "main"], 203.4);
 * // "a turn of 3 task polls held the thread for 203 ms: task 'main' or 'POST /login' did ..."
 * ```
 */
export function suspectsMessage(names: readonly string[], tookMs: number): string {
  // A task polled twice in the turn is one suspect.
  const shown = [...new Set(names)].map((n) => `'${n}'`);
  const who =
    shown.length > 1 ? `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}` : shown[0];
  return `a turn of ${names.length} task polls held the thread for ${formatMs(tookMs)}: task ${who} did (or a pause of the garbage collector, or code loaded on its first use, such as fetch's): is one of them calling a blocking function? A task that does it again is named exactly; run with instrument to time every poll`;
}

/** The executor's long-poll check, for one runtime. */
export class LongPollWatch {
  /** Polls left to time one by one (see "hunting" above); 0 when not hunting. */
  hunting = 0;
  /** The first `MAX_SUSPECTS` tasks the current timed turn polled; emptied after each turn. */
  readonly turn: (Task<any> | null)[] = new Array(MAX_SUSPECTS).fill(null);
  /** When suspects were last named (`hostNow()`), or -Infinity. */
  private suspectsAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** The threshold, ms; `Infinity` when the check is off. */
    readonly thresholdMs: number,
    private readonly report: (task: Task<any>, tookMs: number) => void,
    /** Warns about a slow turn of a few polls (see {@link suspectsMessage}). */
    private readonly reportSuspects: (message: string) => void,
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

  /** A timed turn ended at `now` after `tookMs`, having polled `polled` tasks (the first in `turn`). */
  turnEnded(tookMs: number, polled: number, now: number): void {
    const turn = this.turn;
    if (tookMs >= this.thresholdMs) {
      if (polled === 1) this.report(turn[0] as Task<any>, tookMs);
      else if (polled > 1) {
        this.hunting = HUNT_POLLS;
        if (polled <= MAX_SUSPECTS && now - this.suspectsAt >= SUSPECTS_EVERY_MS) {
          this.suspectsAt = now;
          const names: string[] = [];
          for (let i = 0; i < polled; i++) names.push((turn[i] as Task<any>).name);
          this.reportSuspects(suspectsMessage(names, tookMs));
        }
      }
    }
    // Let go of the tasks: a finished one's output must not stay reachable from here.
    for (let i = 0; i < MAX_SUSPECTS && i < polled; i++) turn[i] = null;
  }
}
