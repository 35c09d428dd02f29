/**
 * The probe: the manager's notebook, open only when someone asked to watch. Attached to a runtime
 * by `new Runtime({ instrument })` or `rt.instrument(listener)`, it turns every spawn, poll, wake,
 * timer and completion into a {@link RuntimeEvent}, keeps tokio-console's per-task columns (polls,
 * busy, scheduled and idle time, wakes, self-wakes), and times every poll exactly for the
 * long-poll warning. Detached, the runtime pays one null check per poll and per wake.
 *
 * Who woke whom: a wake made while a task is being polled was made by that task (a self-wake if it
 * is the same one); otherwise the reactor part that is waking says so in `ambient.waking` (a timer,
 * a promise, an I/O source); anything else is "external".
 */

import { ambient } from "../future/ambient.js";
import { awaitChains, describeFuture } from "../future/describe.js";
import type { Task, TaskProbe } from "../task/task.js";
import { thrownDetail } from "../task/thrown.js";
import { hostNow } from "../time/clock.js";
import type {
  InstrumentListener,
  PollResult,
  RuntimeEvent,
  TaskOutcome,
  WakeSource,
} from "./events.js";
import type { LongPollWatch } from "./long-poll.js";

/** tokio-console's columns for one task. */
export interface TaskStats {
  id: number;
  name: string;
  /** Polls so far. */
  polls: number;
  /** Time spent inside polls, ms. */
  busyMs: number;
  /** Time between being woken and being polled, ms. */
  scheduledMs: number;
  /** Time between a pending poll and the next wake, ms. */
  idleMs: number;
  /** Wakes received. */
  wakes: number;
  /** Wakes the task gave itself while being polled. */
  selfWakes: number;
  /** Whether the task has completed. */
  done: boolean;
}

/**
 * A task's columns, and which of tokio-console's three spans it is in now: polled (`polling` is
 * this task), scheduled (`wokenAt` ≥ 0: woken, waiting for the executor), or idle (`lastPollEnd`
 * ≥ 0 and neither of the others: parked on what it awaits). The open span is added by `stats()`,
 * so a task stuck for a minute shows a minute of idle time while it is still stuck.
 */
interface Row extends TaskStats {
  /** When the task was woken (or spawned), `hostNow()`; -1 while not scheduled. */
  wokenAt: number;
  /** When its last poll ended, `hostNow()`; -1 before its first. */
  lastPollEnd: number;
  location: string | null;
}

/** What the probe needs from its runtime. */
export interface ProbeHost {
  /** The runtime's clock, ms. */
  now(): number;
  /** The runtime's long-poll check: the probe times every poll and hands it each duration. */
  readonly longPolls: LongPollWatch;
}

const EXTERNAL: WakeSource = { kind: "external" };

/** How many finished tasks keep their statistics. */
const KEEP_FINISHED = 10_000;

/** Collects events and per-task statistics for one runtime. */
export class Probe implements TaskProbe {
  private listeners: readonly InstrumentListener[] = [];
  private readonly rows = new Map<number, Row>();
  private polling: Task<any> | null = null;
  /** When the poll in progress began (`hostNow()`). */
  private pollStartedAt = 0;
  /** Between `pollStart` and `pollEnd` of `polling` (which stays set until the turn ends). */
  private inPoll = false;
  /** Ids of finished tasks whose rows are kept, oldest first. */
  private readonly finished: number[] = [];

  constructor(private readonly host: ProbeHost) {}

  /**
   * Add a listener; returns the function that removes it. The list is replaced, never changed in
   * place: a listener that removes itself (or another) while an event is delivered does not make
   * the next one miss it.
   */
  subscribe(listener: InstrumentListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** How many listeners are attached. */
  get listenerCount(): number {
    return this.listeners.length;
  }

  /** Send an event to every listener. */
  emit(event: RuntimeEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        // A listener's bug must not stop the kitchen: say so, and carry on.
        reportCallbackError("an instrument listener", e);
      }
    }
  }

  private base(): { at: number; wall: number } {
    return { at: this.host.now(), wall: hostNow() };
  }

  spawned(task: Task<any>, parent: Task<any> | null, location: string | null): void {
    this.rows.set(task.id, {
      id: task.id,
      name: task.name,
      polls: 0,
      busyMs: 0,
      scheduledMs: 0,
      idleMs: 0,
      wakes: 0,
      selfWakes: 0,
      done: false,
      wokenAt: hostNow(),
      lastPollEnd: -1,
      location,
    });
    this.emit({
      kind: "spawn",
      ...this.base(),
      task: task.id,
      name: task.name,
      parent: parent === null ? null : parent.id,
      location,
      cleanup: task.isCleanup,
    });
  }

  pollStart(task: Task<any>): void {
    const row = this.rows.get(task.id);
    const wall = hostNow();
    if (row !== undefined) {
      row.polls++;
      if (row.wokenAt >= 0) row.scheduledMs += wall - row.wokenAt;
      row.wokenAt = -1;
    }
    this.polling = task;
    this.emit({ kind: "poll-start", at: this.host.now(), wall, task: task.id });
    // Read after the listeners ran: their time is not the task's (a slow listener would show as
    // busy time and a long poll of a task that did nothing).
    this.pollStartedAt = hostNow();
    this.inPoll = true;
  }

  pollEnd(task: Task<any>, result: PollResult): void {
    const wall = hostNow();
    this.inPoll = false;
    // `polling` stays set until the turn ends: the wakes a finishing task makes (its joiner's)
    // come right after its poll, and are its own.
    const row = this.rows.get(task.id);
    // Timed here, not from the task's row: a task spawned before the probe came has none, and
    // its polls must still be timed (the runtime leaves the long-poll check to the probe).
    const duration = wall - this.pollStartedAt;
    if (row !== undefined) {
      row.busyMs += duration;
      row.lastPollEnd = wall;
      // Woken during this poll: it waits for the executor from now, not from the wake (the time
      // in between is busy time already).
      if (row.wokenAt >= 0) row.wokenAt = wall;
    }
    let awaiting: string[] | null = null;
    if (result === "pending" && task.future !== null) {
      awaiting = awaitChains(describeFuture(task.future)).map((c) => c.join(" → "));
    }
    this.emit({
      kind: "poll-end",
      at: this.host.now(),
      wall,
      task: task.id,
      result,
      duration,
      awaiting,
    });
    this.host.longPolls.check(task, duration);
  }

  wake(task: Task<any>): void {
    const polling = this.polling;
    let by: WakeSource;
    // A reactor part that is waking says so, even inside a poll (a timer fired by time.advance).
    const source = ambient.waking as WakeSource | null;
    if (source !== null) by = source;
    else if (polling !== null) by = { kind: "task", task: polling.id };
    else by = EXTERNAL;
    const self = polling === task;
    const row = this.rows.get(task.id);
    const wall = hostNow();
    if (row !== undefined) {
      row.wakes++;
      if (self) row.selfWakes++;
      if (row.wokenAt < 0) {
        if (row.lastPollEnd >= 0 && !self) row.idleMs += wall - row.lastPollEnd;
        row.wokenAt = wall;
      }
    }
    this.emit({ kind: "wake", at: this.host.now(), wall, task: task.id, by, self });
  }

  completed(task: Task<any>): void {
    const row = this.rows.get(task.id);
    if (row !== undefined) {
      // Ended outside its own poll (aborted while parked or queued): close the span it was in.
      if (this.polling !== task) {
        const wall = hostNow();
        if (row.wokenAt >= 0) row.scheduledMs += wall - row.wokenAt;
        else if (row.lastPollEnd >= 0) row.idleMs += wall - row.lastPollEnd;
      }
      row.done = true;
      // Keep the columns of the last finished tasks only, so a long instrumented run stays flat.
      this.finished.push(task.id);
      if (this.finished.length >= 2 * KEEP_FINISHED) {
        for (const id of this.finished.splice(0, KEEP_FINISHED)) this.rows.delete(id);
      }
    }
    const e = task.error;
    const outcome: TaskOutcome = e === null ? "ok" : e.isPanic() ? "panic" : "cancelled";
    this.emit({
      kind: "complete",
      ...this.base(),
      task: task.id,
      outcome,
      error: e === null ? null : e.message,
    });
  }

  /** The executor's turn ended: wakes from now on come from outside any task. */
  turnEnded(): void {
    this.polling = null;
  }

  eventLoopYield(): void {
    this.emit({ kind: "event-loop-yield", ...this.base() });
  }

  warning(
    kind: "long-poll" | "lost-waker" | "clock-held" | "blocked-loop",
    task: Task<any> | number | null,
    message: string,
  ): void {
    this.emit({
      kind: "warning",
      ...this.base(),
      warning: kind,
      task: task === null || typeof task === "number" ? task : task.id,
      message,
    });
  }

  /**
   * Per-task statistics, in spawn order. A live task's open span counts up to now, as in
   * tokio-console: a task parked for a minute shows a minute of idle time while it still waits.
   */
  stats(): TaskStats[] {
    const now = hostNow();
    return [...this.rows.values()].map((r) => {
      let { busyMs, scheduledMs, idleMs } = r;
      if (!r.done) {
        if (r.wokenAt >= 0) scheduledMs += now - r.wokenAt;
        else if (this.inPoll && this.polling?.id === r.id) busyMs += now - this.pollStartedAt;
        else if (r.lastPollEnd >= 0) idleMs += now - r.lastPollEnd;
      }
      return {
        id: r.id,
        name: r.name,
        polls: r.polls,
        busyMs,
        scheduledMs,
        idleMs,
        wakes: r.wakes,
        selfWakes: r.selfWakes,
        done: r.done,
      };
    });
  }

  /** Where a task was spawned, when known. */
  locationOf(taskId: number): string | null {
    return this.rows.get(taskId)?.location ?? null;
  }
}

/** Print an error thrown by a user's callback (a listener, `onWarning`) without throwing it. */
export function reportCallbackError(what: string, error: unknown): void {
  console.error(`brigade: ${what} threw, and was ignored: ${thrownDetail(error)}`);
}

const LAYERS = "(?:future|coroutine|combinator|task|runtime|diagnostics|time|sync|channel|stream)";

/**
 * Frames of Brigade's own layers: under this package's `src/` or `dist/` (found from this module's
 * own URL), so that a user's `app/src/sync/orders.ts` is not taken for Brigade's.
 */
const INTERNAL = internalFrames();

function internalFrames(): RegExp {
  const sep = "[/\\\\]";
  const fallback = new RegExp(`${sep}(?:src|dist)${sep}${LAYERS}${sep}`);
  let url: URL;
  try {
    url = new URL("../../", import.meta.url);
  } catch {
    return fallback;
  }
  if (url.protocol !== "file:") return fallback;
  // Frames show the path as a URL (percent-encoded) or as a file path (decoded, `\` on Windows).
  const forms = new Set([url.pathname, decodeURIComponent(url.pathname)]);
  const alternatives = [...forms].map((p) =>
    p
      .split("/")
      .filter((part) => part.length > 0)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(sep),
  );
  return new RegExp(`(?:${alternatives.join("|")})${sep}(?:src|dist)${sep}${LAYERS}${sep}`);
}

/**
 * `file:line:column` of the first stack frame outside Brigade's own layers: where user code called
 * `spawn`. Costs a stack capture, so it runs only when spawn locations are on.
 */
export function callerLocation(): string | null {
  const stack = new Error().stack;
  if (stack === undefined) return null;
  // V8 opens the stack with the error's own line; Firefox and Safari list frames only.
  const lines = stack.split("\n");
  const frames = lines[0]?.startsWith("Error") ? lines.slice(1) : lines;
  // Bundled (a browser's bundle, any single-file build), Brigade's layers are one file that
  // `INTERNAL` cannot see: the file of this very frame. (An app bundled with it gets no location.)
  const first = locationIn(frames[0] ?? "");
  const own = first === null ? null : fileOf(first);
  for (const line of frames) {
    if (INTERNAL.test(line) || line.includes("node:internal")) continue;
    const at = locationIn(line);
    if (at === null) return line.trim();
    if (fileOf(at) === own) continue;
    return at.replace(/^file:\/\//, "");
  }
  return null;
}

/**
 * The `file:line:column` a stack frame names, or null: V8's "at fn (url:1:2)" or "at url:1:2",
 * and Firefox's and Safari's "fn@url:1:2" (the function's name cut off).
 */
function locationIn(frame: string): string | null {
  const at = /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?\s*$/.exec(frame)?.[1];
  if (at === undefined) return null;
  const sign = at.indexOf("@");
  // An "@" before the scheme's "//" ends a function's name; one after is part of the URL.
  return sign >= 0 && sign < at.indexOf("//") ? at.slice(sign + 1) : at;
}

/** The file of a `file:line:column`. */
function fileOf(location: string): string {
  return location.replace(/:\d+:\d+$/, "");
}
