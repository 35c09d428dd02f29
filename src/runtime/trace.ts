/**
 * Chrome trace export: the kitchen's night, replayed frame by frame. Converts the runtime events
 * of an instrumented run into the Trace Event format (the JSON object form, `{ traceEvents }`),
 * which Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * The layout:
 * - one track (a `tid`) per task, named after the task by a `thread_name` metadata event, plus one
 *   "reactor" track (tid 0, drawn first) for what happens outside any task: bells and buzzers;
 * - every poll is a complete slice (`ph: "X"`) on its task's track, named after its result;
 * - every wake is a flow arrow (`ph: "s"` then `ph: "f"`, same `id`) from whoever rang the pager
 *   to the woken task's next poll: from the waker's poll slice when a task woke it, from a short
 *   marker slice on the reactor track when a timer, a promise or an I/O source did;
 * - each spawn is a flow arrow too, from the spawning poll to the new task's first poll;
 * - timers (registered, fired, cancelled), completions, event-loop yields and warnings are instant
 *   events (`ph: "i"`).
 *
 * Times: `ts` and `dur` are microseconds of the events' `wall` clock, counted from the first event.
 * A wake with no later poll of its task (the run ended first, or the task was aborted while idle)
 * draws no arrow: a flow needs both ends.
 */
import type { RuntimeEvent, WakeSource } from "./events.js";

/** The single process every track belongs to. */
const PID = 1;
/** The reactor's track. Task ids start at 1, so 0 is free. */
export const REACTOR_TID = 0;
/**
 * Duration of a reactor marker slice, µs. A flow arrow must start inside a slice; the reactor's
 * work around a wake is not measured, so its slice is a fixed sliver.
 */
const MARKER_US = 1;

/** Fields every trace event has. */
interface TraceBase {
  name: string;
  ph: string;
  pid: number;
  tid: number;
}

/** A `thread_name`, `process_name` or `thread_sort_index` record. */
export interface TraceMetadataEvent extends TraceBase {
  ph: "M";
  args: { name: string } | { sort_index: number };
}

/** A slice with its duration: one poll, or a reactor marker. */
export interface TraceCompleteEvent extends TraceBase {
  ph: "X";
  cat: "poll" | "reactor";
  ts: number;
  dur: number;
  args: Record<string, unknown>;
}

/** A point in time on one track (`s: "t"`) or across the whole trace (`s: "g"`). */
export interface TraceInstantEvent extends TraceBase {
  ph: "i";
  cat: "timer" | "task" | "runtime" | "warning";
  ts: number;
  s: "t" | "g";
  args: Record<string, unknown>;
}

/** One end of a flow arrow: `s` starts it, `f` (bound to the enclosing slice) ends it. */
export interface TraceFlowEvent extends TraceBase {
  ph: "s" | "f";
  cat: "wake" | "spawn";
  id: number;
  ts: number;
  bp?: "e";
}

/** Any event of the exported trace. */
export type TraceEvent =
  | TraceMetadataEvent
  | TraceCompleteEvent
  | TraceInstantEvent
  | TraceFlowEvent;

/** The JSON object form of a trace file. */
export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ms";
  otherData: { producer: string };
}

/** A flow whose start is known and whose end waits for the target task's next poll. */
interface OpenFlow {
  id: number;
  cat: "wake" | "spawn";
  name: string;
  tid: number;
  ts: number;
}

/**
 * Convert the events of an instrumented run into a Chrome trace. Events must be in the order the
 * runtime reported them.
 *
 * @example
 * ```ts
 * const events: RuntimeEvent[] = [];
 * await run(main, { instrument: (e) => events.push(e) });
 * writeFileSync("kitchen.trace.json", JSON.stringify(traceEvents(events)));
 * // open it in ui.perfetto.dev: one track per chef, polls as slices, wakes as arrows
 * ```
 */
export function traceEvents(events: readonly RuntimeEvent[]): TraceFile {
  if (!Array.isArray(events)) {
    throw new TypeError(`traceEvents(events): events must be an array, got ${typeof events}`);
  }
  return new TraceBuilder(events.length > 0 ? events[0]!.wall : 0).build(events);
}

class TraceBuilder {
  private readonly out: TraceEvent[] = [];
  /** Tasks that have a track (a `thread_name` record). */
  private readonly named = new Set<number>();
  /** Poll start times by task, µs: which tasks are being polled, for `insideSlice`. */
  private readonly pollStart = new Map<number, number>();
  /** The last poll slice of each task, µs: where a finished task's wakes start from. */
  private readonly lastSlice = new Map<number, { start: number; end: number }>();
  /** Arrows waiting for their task's next poll. */
  private readonly open = new Map<number, OpenFlow[]>();
  /**
   * Arrows that end at the poll in progress: moved from `open` when it starts, so a task that wakes
   * itself during a poll draws its arrow to the next poll, not back into this one.
   */
  private readonly due = new Map<number, OpenFlow[]>();
  private nextFlowId = 1;

  constructor(private readonly origin: number) {}

  build(events: readonly RuntimeEvent[]): TraceFile {
    const out = this.out;
    out.push({
      name: "process_name",
      ph: "M",
      pid: PID,
      tid: REACTOR_TID,
      args: { name: "brigade" },
    });
    out.push({
      name: "thread_name",
      ph: "M",
      pid: PID,
      tid: REACTOR_TID,
      args: { name: "reactor" },
    });
    out.push({
      name: "thread_sort_index",
      ph: "M",
      pid: PID,
      tid: REACTOR_TID,
      args: { sort_index: -1 },
    });
    for (const e of events) this.add(e);
    return { traceEvents: out, displayTimeUnit: "ms", otherData: { producer: "brigade" } };
  }

  private us(wall: number): number {
    return (wall - this.origin) * 1000;
  }

  private track(task: number, name?: string): number {
    if (!this.named.has(task)) {
      this.named.add(task);
      this.out.push({
        name: "thread_name",
        ph: "M",
        pid: PID,
        tid: task,
        args: { name: name ?? `task ${task}` },
      });
    }
    return task;
  }

  private instant(
    tid: number,
    cat: TraceInstantEvent["cat"],
    name: string,
    ts: number,
    args: Record<string, unknown>,
  ): void {
    this.out.push({ name, ph: "i", cat, ts, s: "t", pid: PID, tid, args });
  }

  /**
   * Where an arrow from `task` at `ts` starts. A task that finishes wakes its joiners just after its
   * last poll returns: such an arrow starts at the end of that poll's slice, so it leaves a slice.
   */
  private insideSlice(task: number, ts: number): number {
    if (this.pollStart.has(task)) return ts;
    const last = this.lastSlice.get(task);
    if (last === undefined || ts < last.end) return ts;
    return Math.max(last.start, last.end - Math.min(0.001, (last.end - last.start) / 2));
  }

  /** Remember an arrow from (`tid`, `ts`) to `task`'s next poll. */
  private openFlow(
    task: number,
    cat: OpenFlow["cat"],
    name: string,
    tid: number,
    ts: number,
  ): void {
    const flow: OpenFlow = { id: this.nextFlowId++, cat, name, tid, ts };
    const list = this.open.get(task);
    if (list === undefined) this.open.set(task, [flow]);
    else list.push(flow);
  }

  /** A poll slice was emitted: end every arrow due at it, at its start. */
  private closeFlows(task: number, ts: number, sawStart: boolean): void {
    let list = this.due.get(task);
    if (list !== undefined) this.due.delete(task);
    else if (sawStart) return;
    else {
      // No poll-start was seen: every arrow opened before the slice began is due.
      list = this.open.get(task)?.filter((f) => f.ts <= ts);
      if (list === undefined || list.length === 0) return;
      const rest = this.open.get(task)!.filter((f) => f.ts > ts);
      if (rest.length > 0) this.open.set(task, rest);
      else this.open.delete(task);
    }
    for (const f of list) {
      this.out.push({
        name: f.name,
        ph: "s",
        cat: f.cat,
        id: f.id,
        ts: f.ts,
        pid: PID,
        tid: f.tid,
      });
      this.out.push({
        name: f.name,
        ph: "f",
        bp: "e",
        cat: f.cat,
        id: f.id,
        ts,
        pid: PID,
        tid: task,
      });
    }
  }

  private add(e: RuntimeEvent): void {
    const ts = this.us(e.wall);
    switch (e.kind) {
      case "spawn": {
        this.track(e.task, e.name);
        const from = e.parent === null ? REACTOR_TID : this.track(e.parent);
        if (from !== REACTOR_TID) this.openFlow(e.task, "spawn", "spawn", from, ts);
        this.instant(from, "task", `spawn ${e.name}`, ts, {
          task: e.task,
          location: e.location,
          cleanup: e.cleanup,
        });
        return;
      }
      case "poll-start": {
        this.track(e.task);
        this.pollStart.set(e.task, ts);
        const waiting = this.open.get(e.task);
        if (waiting !== undefined) {
          this.open.delete(e.task);
          this.due.set(e.task, waiting);
        }
        return;
      }
      case "poll-end": {
        const tid = this.track(e.task);
        const dur = Math.max(0, e.duration * 1000);
        const started = this.pollStart.has(e.task);
        // From the end, not from poll-start: the listeners that ran after poll-start (a console,
        // this recording) are not part of the poll, and `duration` does not count them.
        const start = ts - dur;
        this.pollStart.delete(e.task);
        // The slice goes first: an arrow's end binds to the slice enclosing its timestamp.
        this.out.push({
          name: `poll → ${e.result}`,
          ph: "X",
          cat: "poll",
          ts: start,
          dur,
          pid: PID,
          tid,
          args: { task: e.task, result: e.result, awaiting: e.awaiting },
        });
        this.closeFlows(e.task, start, started);
        this.lastSlice.set(e.task, { start, end: start + dur });
        return;
      }
      case "wake": {
        const target = this.track(e.task);
        if (e.by.kind === "task") {
          const from = this.track(e.by.task);
          this.openFlow(
            target,
            "wake",
            e.self ? "self-wake" : "wake",
            from,
            this.insideSlice(e.by.task, ts),
          );
          return;
        }
        const name = describeSource(e.by);
        this.out.push({
          name,
          ph: "X",
          cat: "reactor",
          ts,
          dur: MARKER_US,
          pid: PID,
          tid: REACTOR_TID,
          args: { wakes: e.task },
        });
        this.openFlow(target, "wake", "wake", REACTOR_TID, ts);
        return;
      }
      case "timer-register": {
        const tid = e.task === null ? REACTOR_TID : this.track(e.task);
        this.instant(tid, "timer", `timer ${e.timer} set`, ts, {
          timer: e.timer,
          deadline: e.deadline,
        });
        return;
      }
      case "timer-fire":
        this.instant(REACTOR_TID, "timer", `timer ${e.timer} fired`, ts, { timer: e.timer });
        return;
      case "timer-cancel":
        this.instant(REACTOR_TID, "timer", `timer ${e.timer} cancelled`, ts, { timer: e.timer });
        return;
      case "complete": {
        const tid = this.track(e.task);
        // A task that ends without another poll (aborted while idle) leaves its arrows unended.
        this.open.delete(e.task);
        this.due.delete(e.task);
        this.instant(tid, "task", `complete: ${e.outcome}`, ts, {
          outcome: e.outcome,
          error: e.error,
        });
        return;
      }
      case "event-loop-yield":
        this.instant(REACTOR_TID, "runtime", "event-loop yield", ts, {});
        return;
      case "warning": {
        const tid = e.task === null ? REACTOR_TID : this.track(e.task);
        this.instant(tid, "warning", e.warning, ts, { message: e.message });
        return;
      }
      default:
        // Event kinds added after this converter are skipped, not fatal.
        return;
    }
  }
}

function describeSource(by: Exclude<WakeSource, { kind: "task" }>): string {
  switch (by.kind) {
    case "timer":
      return `timer ${by.timer}`;
    case "promise":
      return "promise settled";
    case "io":
      return `io: ${by.source}`;
    default:
      return "external wake";
  }
}
