/**
 * The timeline's geometry: where each poll bar, idle span, timer and wake arrow of a recording
 * goes. Pure arithmetic over the recording, so the page (and a test) can trust it.
 *
 * The x axis is the scene's clock, but folded: a poll in paused time takes no time at all, so each
 * instant of the clock gets as much room as the events at that instant need (bars side by side in
 * the order they happened), and the time between instants gets a gap that grows with the log of
 * its length (1 s and 4 s stay distinguishable; a quiet minute does not push everything off-page).
 *
 * Lanes, top to bottom: the reactor (bells and timers), then one lane per task in spawn order.
 * Every shape that lasts (a poll, a timer, an idle or queued span) keeps the sequence numbers of
 * the entries that start and end it, so a replay can draw it only as far as it has got.
 */
import type { RuntimeEvent } from "../runtime/events.js";
import { type Recording, tasksOf } from "./recording.js";

/** Geometry constants, in SVG pixels. */
export const LANE_HEIGHT = 36;
export const LABEL_WIDTH = 150;
export const BAR_MIN = 12;
const STEP = 3;
const AFTER_POLL = 8;
const RIGHT_MARGIN = 40;
const TOP = 28;

/** One poll, as a bar. */
export interface PollBar {
  task: number;
  x: number;
  width: number;
  /** Sequence numbers of its poll-start and poll-end entries. */
  seq: number;
  endSeq: number;
  at: number;
  result: "pending" | "ready" | "panic" | "open";
}

/** A stretch of a task's life between polls. */
export interface Span {
  task: number;
  x1: number;
  x2: number;
  /** `idle`: waiting for its pager; `queued`: woken, waiting for the manager. */
  kind: "idle" | "queued";
  seq: number;
  /** Sequence number of the entry that ends it (the wake, the poll); past the last one if none. */
  endSeq: number;
}

/** A timer on the reactor lane, from registration to its bell (or cancellation). */
export interface TimerBar {
  timer: number;
  task: number | null;
  x1: number;
  x2: number;
  duration: number;
  seq: number;
  ended: "fired" | "cancelled" | "open";
  /** Sequence number of its bell or cancellation; past the last entry while still open. */
  endSeq: number;
  /** Its row on the reactor's lane: timers alive at the same time get different rows. */
  row: number;
}

/** A wake arrow: from the reactor lane (a bell, a promise) or from the waking task's lane. */
export interface WakeArrow {
  /** Lane index of the source (0 is the reactor) and of the woken task. */
  fromLane: number;
  toLane: number;
  x1: number;
  x2: number;
  seq: number;
  source: "timer" | "task" | "promise" | "io" | "external";
}

/** A labelled instant on the time axis. */
export interface Tick {
  x: number;
  at: number;
}

/** A point event drawn on a lane: spawn, completion, warning. */
export interface Mark {
  lane: number;
  x: number;
  seq: number;
  kind: "spawn" | "complete" | "warning";
  detail: string;
}

/** Everything the page draws for one recording. */
export interface Layout {
  lanes: { label: string; task: number | null }[];
  polls: PollBar[];
  spans: Span[];
  timers: TimerBar[];
  wakes: WakeArrow[];
  ticks: Tick[];
  marks: Mark[];
  width: number;
  height: number;
  /** x of each entry, by seq (story lines are placed where they were said). */
  xOfSeq: Map<number, number>;
}

/**
 * The y of the middle of lane `i` (lane 0 is the reactor's).
 *
 * @example
 * ```ts
 * laneY(0); // 46
 * ```
 */
export function laneY(i: number): number {
  return TOP + i * LANE_HEIGHT + LANE_HEIGHT / 2;
}

/** Rows on the reactor's lane (timers beyond these share the last one). */
export const TIMER_ROWS = 3;

/** The lowest row no open timer uses. */
function freeRow(open: Map<number, TimerBar>): number {
  for (let row = 0; row < TIMER_ROWS - 1; row++) {
    let used = false;
    for (const t of open.values()) if (t.row === row) used = true;
    if (!used) return row;
  }
  return TIMER_ROWS - 1;
}

/** Room given to a stretch of `ms` milliseconds with nothing happening. */
function gapFor(ms: number): number {
  return Math.round(24 + 46 * Math.log2(1 + ms / 250));
}

/**
 * Lay out one recording.
 *
 * @example
 * ```ts
 * const l = layout(recording);
 * l.polls.length; // one bar per poll-start event
 * ```
 */
export function layout(recording: Recording): Layout {
  const tasks = tasksOf(recording);
  const laneOf = new Map<number, number>();
  const lanes: Layout["lanes"] = [{ label: "reactor: bells, timers", task: null }];
  for (const t of tasks) {
    laneOf.set(t.id, lanes.length);
    lanes.push({ label: t.name, task: t.id });
  }
  const polls: PollBar[] = [];
  const spans: Span[] = [];
  const timers: TimerBar[] = [];
  const wakes: WakeArrow[] = [];
  const ticks: Tick[] = [{ x: LABEL_WIDTH, at: 0 }];
  const marks: Mark[] = [];
  const xOfSeq = new Map<number, number>();
  const openPoll = new Map<number, PollBar>();
  const idleSince = new Map<number, { x: number; seq: number }>();
  const queuedSince = new Map<number, { x: number; seq: number }>();
  const openTimers = new Map<number, TimerBar>();
  const fireX = new Map<number, number>();
  let x = LABEL_WIDTH + 6;
  let lastAt = 0;
  for (const entry of recording.entries) {
    if (entry.type === "show") continue;
    if (entry.at - lastAt >= 1) {
      x += gapFor(entry.at - lastAt);
      lastAt = entry.at;
      ticks.push({ x, at: entry.at });
    }
    xOfSeq.set(entry.seq, x);
    if (entry.type !== "event") continue;
    const ev: RuntimeEvent = entry.event;
    switch (ev.kind) {
      case "spawn": {
        marks.push({
          lane: laneOf.get(ev.task)!,
          x,
          seq: entry.seq,
          kind: "spawn",
          detail: ev.name,
        });
        queuedSince.set(ev.task, { x, seq: entry.seq });
        x += STEP;
        break;
      }
      case "poll-start": {
        const q = queuedSince.get(ev.task);
        if (q !== undefined && x > q.x) {
          spans.push({
            task: ev.task,
            x1: q.x,
            x2: x,
            kind: "queued",
            seq: q.seq,
            endSeq: entry.seq,
          });
        }
        queuedSince.delete(ev.task);
        const bar: PollBar = {
          task: ev.task,
          x,
          width: BAR_MIN,
          seq: entry.seq,
          endSeq: -1,
          at: entry.at,
          result: "open",
        };
        openPoll.set(ev.task, bar);
        polls.push(bar);
        x += STEP;
        break;
      }
      case "poll-end": {
        const bar = openPoll.get(ev.task);
        if (bar !== undefined) {
          openPoll.delete(ev.task);
          bar.width = Math.max(BAR_MIN, x - bar.x);
          bar.endSeq = entry.seq;
          bar.result = ev.result;
          x = bar.x + bar.width + AFTER_POLL;
          if (ev.result === "pending")
            idleSince.set(ev.task, { x: bar.x + bar.width, seq: entry.seq });
        }
        break;
      }
      case "wake": {
        const to = laneOf.get(ev.task);
        if (to === undefined) break;
        const idle = idleSince.get(ev.task);
        if (idle !== undefined) {
          spans.push({
            task: ev.task,
            x1: idle.x,
            x2: x,
            kind: "idle",
            seq: idle.seq,
            endSeq: entry.seq,
          });
          idleSince.delete(ev.task);
        }
        if (!queuedSince.has(ev.task) && !openPoll.has(ev.task)) {
          queuedSince.set(ev.task, { x, seq: entry.seq });
        }
        const by = ev.by;
        const fromLane = by.kind === "task" ? (laneOf.get(by.task) ?? 0) : 0;
        const x1 = by.kind === "timer" ? (fireX.get(by.timer) ?? x) : x;
        wakes.push({ fromLane, toLane: to, x1, x2: x, seq: entry.seq, source: by.kind });
        x += STEP;
        break;
      }
      case "timer-register": {
        const t: TimerBar = {
          timer: ev.timer,
          task: ev.task,
          x1: x,
          x2: x,
          duration: ev.deadline - ev.at,
          seq: entry.seq,
          ended: "open",
          endSeq: -1,
          row: freeRow(openTimers),
        };
        openTimers.set(ev.timer, t);
        timers.push(t);
        x += STEP;
        break;
      }
      case "timer-fire":
      case "timer-cancel": {
        const t = openTimers.get(ev.timer);
        if (t !== undefined) {
          openTimers.delete(ev.timer);
          t.x2 = x;
          t.ended = ev.kind === "timer-fire" ? "fired" : "cancelled";
          t.endSeq = entry.seq;
        }
        fireX.set(ev.timer, x);
        x += STEP;
        break;
      }
      case "complete": {
        const lane = laneOf.get(ev.task)!;
        idleSince.delete(ev.task);
        queuedSince.delete(ev.task);
        marks.push({ lane, x, seq: entry.seq, kind: "complete", detail: ev.outcome });
        x += STEP;
        break;
      }
      case "warning": {
        const lane = ev.task === null ? 0 : (laneOf.get(ev.task) ?? 0);
        marks.push({ lane, x, seq: entry.seq, kind: "warning", detail: ev.message });
        x += STEP;
        break;
      }
      case "event-loop-yield":
        break;
    }
  }
  // Whatever is still open when the recording ends runs to the right edge.
  const end = x + 12;
  const afterLast = (recording.entries.at(-1)?.seq ?? -1) + 1;
  for (const t of openTimers.values()) {
    t.x2 = end;
    t.endSeq = afterLast;
  }
  for (const [task, idle] of idleSince) {
    spans.push({ task, x1: idle.x, x2: end, kind: "idle", seq: idle.seq, endSeq: afterLast });
  }
  for (const bar of openPoll.values()) bar.width = Math.max(BAR_MIN, end - bar.x);
  return {
    lanes,
    polls,
    spans,
    timers,
    wakes,
    ticks,
    marks,
    width: end + RIGHT_MARGIN,
    height: TOP + lanes.length * LANE_HEIGHT + 8,
    xOfSeq,
  };
}
