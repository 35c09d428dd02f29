/**
 * The narrator: turns a recording into lines, in two layers.
 *
 * - The story: what the scene said (`👨‍🍳 Chef started cooking: Pasta`), stamped with the scene's
 *   clock, plus the runtime's warnings and the take's failure, which are part of the story.
 * - The machinery (`--explain`): one line per runtime event, in the seed's words: the manager
 *   polls a chef's recipe → Pending, waiting on a 3 s timer; the bell rings → the pager wakes the
 *   chef → the manager polls again → Ready. Nothing here is invented: every machinery line is one
 *   instrumentation event, in the order the runtime reported it.
 *
 * The narrator knows nothing of terminals: it returns structured lines that the CLI colours and the
 * timeline page lays out.
 */
import type { RuntimeEvent, WakeSource } from "../runtime/events.js";
import type { Entry, Recording } from "./recording.js";

/** Which layer a line belongs to. */
export type Layer = "story" | "machine" | "show" | "warning" | "failure";

/** One line of narration. */
export interface Line {
  /** The recording entry it comes from. */
  seq: number;
  /** Scene clock, ms (null for untimed text). */
  at: number | null;
  layer: Layer;
  text: string;
}

/** Options of `narrate`. */
export interface NarrateOptions {
  /**
   * Add the machinery layer: one line per runtime event.
   * @default false
   */
  explain?: boolean;
}

/**
 * How late a bell must ring to be called late: past Node's own timer slack (a real-clock bell rings
 * 1–2 ms after its deadline on an idle thread), and at the runtime's default long-poll threshold,
 * the shortest hold of the thread it calls blocking.
 */
const LATE_MS = 10;

/** A timer as earlier events described it. */
export interface TimerInfo {
  task: number | null;
  duration: number;
  /** When it is due, on the runtime's clock (a bell that rings later was held up). */
  deadline: number;
  /** Still on the reactor (not fired, not cancelled). A fired timer is kept to name its wake. */
  live: boolean;
}

/**
 * Narrates entries one at a time, as they are recorded (the CLI streams a `--realtime` scene this
 * way); `narrate` is the same over a whole recording.
 *
 * @example
 * ```ts
 * const n = new Narrator({ explain: true });
 * for (const entry of recording.entries) for (const line of n.feed(entry)) console.log(line.text);
 * ```
 */
export class Narrator {
  private readonly explain: boolean;
  private readonly names = new Map<number, string>();
  private readonly timers = new Map<number, TimerInfo>();

  constructor(options: NarrateOptions = {}) {
    this.explain = options.explain === true;
  }

  /** The lines one entry adds (often none). */
  feed(entry: Entry): Line[] {
    switch (entry.type) {
      case "say":
        return [{ seq: entry.seq, at: entry.at, layer: "story", text: entry.text }];
      case "show":
        return [{ seq: entry.seq, at: null, layer: "show", text: entry.text }];
      case "watch":
        return [];
      case "event": {
        const ev = entry.event;
        if (ev.kind === "spawn") this.names.set(ev.task, ev.name);
        const text = explainEvent(ev, this.names, this.timers);
        if (ev.kind === "warning")
          return [{ seq: entry.seq, at: entry.at, layer: "warning", text }];
        return this.explain ? [{ seq: entry.seq, at: entry.at, layer: "machine", text }] : [];
      }
    }
  }
}

/**
 * The lines of one recording.
 *
 * @example
 * ```ts
 * for (const line of narrate(recording, { explain: true })) console.log(line.text);
 * ```
 */
export function narrate(recording: Recording, options: NarrateOptions = {}): Line[] {
  const narrator = new Narrator(options);
  const out: Line[] = [];
  const gaveUp = recording.failure === null ? -1 : gaveUpAt(recording);
  for (const entry of recording.entries) {
    // The failure is told where run() gave up on main, before the teardown it caused: otherwise
    // the cards torn up (and the wakes their cleanups ring) would come with no reason given.
    if (entry.seq === gaveUp) out.push({ ...failureLine(recording), seq: gaveUp });
    out.push(...narrator.feed(entry));
  }
  if (recording.failure !== null && gaveUp < 0) out.push(failureLine(recording));
  return out;
}

/**
 * The seq of the event where `run()` gave up on its main task (main's card torn up), or -1: a
 * failed take's error (a deadlock report, say) is why that happened and what follows it.
 */
function gaveUpAt(recording: Recording): number {
  let main: number | null = null;
  for (const e of recording.entries) {
    if (e.type !== "event") continue;
    const ev = e.event;
    if (main === null && ev.kind === "spawn" && ev.parent === null && !ev.cleanup) main = ev.task;
    if (ev.kind === "complete" && ev.task === main) return ev.outcome === "cancelled" ? e.seq : -1;
  }
  return -1;
}

/**
 * The closing line of a take that failed (its error is part of the story).
 *
 * @example
 * ```ts
 * if (recording.failure !== null) console.log(failureLine(recording).text); // "💥 DeadlockError: …"
 * ```
 */
export function failureLine(recording: Recording): Line {
  const last = recording.entries.at(-1);
  return {
    seq: last === undefined ? 0 : last.seq + 1,
    at: null,
    layer: "failure",
    text: `💥 ${recording.failure}`,
  };
}

/**
 * One runtime event in the seed's words. `names` and `timers` carry what earlier events said
 * (task names, timer durations) and are updated by this one.
 *
 * @example
 * ```ts
 * explainEvent({ kind: "poll-start", task: 1, at: 0, wall: 0 }, new Map([[1, "main"]]), new Map());
 * // "the manager polls 'main'"
 * ```
 */
export function explainEvent(
  ev: RuntimeEvent,
  names: Map<number, string>,
  timers: Map<number, TimerInfo>,
): string {
  const who = (task: number | null) =>
    task === null ? "nobody" : `'${names.get(task) ?? `task ${task}`}'`;
  switch (ev.kind) {
    case "spawn":
      return ev.cleanup
        ? `helper ${who(ev.task)} is hired to finish a torn-up card's cleanup`
        : ev.parent === null
          ? `${who(ev.task)} is handed the recipe card`
          : `${who(ev.parent)} hires ${who(ev.task)} and hands over a recipe card (spawn)`;
    case "poll-start":
      return `the manager polls ${who(ev.task)}`;
    case "poll-end":
      if (ev.result === "ready") return `  → Ready: ${who(ev.task)} has finished its card`;
      if (ev.result === "panic") return `  → the recipe threw: ${who(ev.task)} panics`;
      return `  → Pending: ${who(ev.task)} sets the dish aside, ${waitingOn(ev.task, ev.awaiting, timers)}`;
    case "wake":
      return `📟 ${wakeCause(ev.by, ev.task, ev.self, who, timers)} → the pager wakes ${who(ev.task)}`;
    case "timer-register":
      timers.set(ev.timer, {
        task: ev.task,
        duration: ev.deadline - ev.at,
        deadline: ev.deadline,
        live: true,
      });
      return `⏲  ${ev.task === null ? "" : `${who(ev.task)} sets `}${aTimer(formatDuration(ev.deadline - ev.at))} on the reactor`;
    case "timer-fire": {
      const t = timers.get(ev.timer);
      if (t !== undefined) t.live = false;
      const late = t === undefined ? 0 : ev.at - t.deadline;
      // A bell cannot ring while the thread is held: it rings when the poll lets go, late. On the
      // real clock every bell rings a millisecond or two after its deadline (Node's timers fire
      // after it, never before): that is not a held thread, and is not called late.
      const when =
        late >= LATE_MS ? `, ${formatDuration(late)} late (nobody could ring it sooner)` : "";
      return `🔔 the bell rings: ${t === undefined ? "a timer" : `the ${formatDuration(t.duration)} timer`} is up${when}`;
    }
    case "timer-cancel": {
      const t = timers.get(ev.timer);
      timers.delete(ev.timer);
      return `the ${t === undefined ? "" : `${formatDuration(t.duration)} `}timer is taken off the reactor (its card was torn up)`;
    }
    case "complete":
      return ev.outcome === "ok"
        ? `✓ ${who(ev.task)} is finished`
        : ev.outcome === "cancelled"
          ? `✗ the card of ${who(ev.task)} was torn up (cancelled)`
          : `✗ ${who(ev.task)} panicked: ${ev.error ?? "unknown error"}`;
    case "event-loop-yield":
      return "the manager steps out so Node's event loop can run its own timers and I/O";
    case "warning":
      return `⚠  ${ev.message}`;
  }
}

function wakeCause(
  by: WakeSource,
  task: number,
  self: boolean,
  who: (t: number | null) => string,
  timers: Map<number, TimerInfo>,
): string {
  if (self) return `${who(task)} has more to do right away`;
  switch (by.kind) {
    case "timer": {
      const t = timers.get(by.timer);
      // The timer's entry is dropped once its wake is told: a fired timer never wakes twice.
      timers.delete(by.timer);
      return t === undefined ? "a timer rang" : `the ${formatDuration(t.duration)} timer rang`;
    }
    case "task":
      return `${who(by.task)} calls out`;
    case "promise":
      return "a promise settled";
    case "io":
      return `${by.source} is ready`;
    case "external":
      return "someone outside the kitchen calls";
  }
}

function waitingOn(
  task: number,
  awaiting: string[] | null,
  timers: Map<number, TimerInfo>,
): string {
  const mine: number[] = [];
  for (const t of timers.values()) if (t.live && t.task === task) mine.push(t.duration);
  const chain = awaiting !== null && awaiting.length > 0 ? describeChains(awaiting) : null;
  if (mine.length === 0) return chain === null ? "waiting for its pager" : `waiting on ${chain}`;
  const what =
    mine.length === 1
      ? aTimer(formatDuration(mine[0]!))
      : `${mine.length} timers (${mine.map(formatDuration).join(", ")})`;
  return chain === null ? `waiting on ${what}` : `waiting on ${what}: ${chain}`;
}

/** Await chains, one per leaf the task waits on; the same chain twice is said once, "×2". */
function describeChains(chains: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const c of chains) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n === 1 ? c : `${c} ×${n}`)).join(" | ");
}

/**
 * A duration the way a cook says it: "3 s", "2.5 s", "250 ms".
 *
 * @example
 * ```ts
 * formatDuration(3000); // "3 s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(3))} s`;
  return `${Number(ms.toFixed(3))} ms`;
}

/**
 * A scene clock reading for the left column: "  3.000 s".
 *
 * @example
 * ```ts
 * formatTime(4000); // "  4.000 s"
 * ```
 */
export function formatTime(ms: number): string {
  return `${(ms / 1000).toFixed(3).padStart(7)} s`;
}

/** "a 2 s timer", "an 8 s timer", "an 11 s timer": the article as the number is spoken. */
function aTimer(duration: string): string {
  return `${/^(8|11(?!\d)|18(?!\d))/.test(duration) ? "an" : "a"} ${duration} timer`;
}
