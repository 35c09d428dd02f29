/**
 * A recording: everything one scene did, in the order it happened. The kitchen never draws from
 * imagination: its story lines, its `--explain` lines, its timeline page and its JSON are all read
 * from one of these, and a recording holds only three kinds of entries:
 *
 * - `event`: a runtime instrumentation event (`RuntimeEvent`), exactly as the runtime reported it;
 * - `say`: a story line the scene printed, stamped with the scene's clock and the task that said it;
 * - `watch`: one poll of a future the scene chose to watch (a course of a meal, a step of a recipe),
 *   with its parent in the poll nesting, which is how the future tree is drawn from real polls.
 *
 * `seq` numbers all entries in one sequence, so a player can replay them step by step.
 */
import type { RuntimeEvent } from "../runtime/events.js";

/** A story line, as the scene said it. */
export interface SayEntry {
  type: "say";
  seq: number;
  /** Scene clock, ms since the scene started. */
  at: number;
  /** The task being polled when the line was said, or null outside any poll. */
  task: number | null;
  text: string;
}

/** A runtime event, with its time moved onto the scene's clock. */
export interface EventEntry {
  type: "event";
  seq: number;
  /** Scene clock, ms since the scene started. */
  at: number;
  event: RuntimeEvent;
}

/** One poll of a watched future. */
export interface WatchEntry {
  type: "watch";
  seq: number;
  at: number;
  /** The watched future's id (stable for the whole scene). */
  node: number;
  /** Its label, e.g. "Appetizer". */
  label: string;
  /** The watched future being polled around this one, or null at the top. */
  parent: number | null;
  /** The task that polled it. */
  task: number | null;
  result: "pending" | "ready" | "error";
}

/** Text shown as is, without a timestamp (a code listing, a table of measurements). */
export interface ShowEntry {
  type: "show";
  seq: number;
  text: string;
}

export type Entry = SayEntry | EventEntry | WatchEntry | ShowEntry;

/** Which clock a scene ran on. */
export type ClockMode = "paused" | "real";

/** One scene's run. */
export interface Recording {
  scene: string;
  title: string;
  /** Which take of the scene, when a scene runs more than one (the bug, then the fix). */
  take: string | null;
  clock: ClockMode;
  entries: Entry[];
  /** Set when the scene's main future failed (the failure is part of some scenes' story). */
  failure: string | null;
}

/** A task as the recording knows it. */
export interface TaskInfo {
  id: number;
  name: string;
  parent: number | null;
  /** Lane order: the order tasks were first seen. */
  index: number;
}

/**
 * Every task in a recording, in the order they were spawned.
 *
 * @example
 * ```ts
 * for (const t of tasksOf(recording)) console.log(t.id, t.name);
 * ```
 */
export function tasksOf(recording: Recording): TaskInfo[] {
  const out: TaskInfo[] = [];
  const seen = new Set<number>();
  const add = (id: number, name: string, parent: number | null) => {
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ id, name, parent, index: out.length });
  };
  for (const e of recording.entries) {
    if (e.type !== "event") continue;
    const ev = e.event;
    if (ev.kind === "spawn") add(ev.task, ev.name, ev.parent);
    else if ("task" in ev && typeof ev.task === "number") add(ev.task, `task ${ev.task}`, null);
  }
  return out;
}

/**
 * The runtime events of a recording, in order.
 *
 * @example
 * ```ts
 * const polls = eventsOf(recording).filter((e) => e.kind === "poll-start").length;
 * ```
 */
export function eventsOf(recording: Recording): RuntimeEvent[] {
  const out: RuntimeEvent[] = [];
  for (const e of recording.entries) if (e.type === "event") out.push(e.event);
  return out;
}
