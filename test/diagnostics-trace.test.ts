import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { writeTrace } from "../src/diagnostics/trace-file.js";
import { fromPromise } from "../src/future/from-promise.js";
import type { RuntimeEvent, WakeSource } from "../src/runtime/events.js";
import { run } from "../src/runtime/runtime.js";
import {
  REACTOR_TID,
  type TraceCompleteEvent,
  type TraceEvent,
  type TraceFile,
  type TraceFlowEvent,
  type TraceInstantEvent,
  type TraceMetadataEvent,
  traceEvents,
} from "../src/runtime/trace.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

/**
 * A structural validator of the Trace Event format (JSON object form), as Perfetto and
 * chrome://tracing read it. Returns the problems found; an empty list means valid.
 */
function validate(file: unknown): string[] {
  const problems: string[] = [];
  if (
    file === null ||
    typeof file !== "object" ||
    !Array.isArray((file as TraceFile).traceEvents)
  ) {
    return ["the trace is not an object with a traceEvents array"];
  }
  const events = (file as TraceFile).traceEvents as (TraceEvent & Record<string, unknown>)[];
  const threadNames = new Map<number, number>();
  const usedTids = new Set<number>();
  const slices = new Map<number, { ts: number; end: number }[]>();
  const flows = new Map<number, { s: TraceFlowEvent[]; f: TraceFlowEvent[] }>();
  const isNum = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  for (const [i, e] of events.entries()) {
    const at = `event ${i} (${JSON.stringify(e)})`;
    if (typeof e.name !== "string") problems.push(`${at}: name must be a string`);
    if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) {
      problems.push(`${at}: pid and tid must be integers`);
    }
    switch (e.ph) {
      case "M":
        if (!["process_name", "thread_name", "thread_sort_index"].includes(e.name)) {
          problems.push(`${at}: unknown metadata record`);
        }
        if (typeof e.args !== "object" || e.args === null) problems.push(`${at}: args missing`);
        if (e.name === "thread_name") {
          threadNames.set(e.tid, (threadNames.get(e.tid) ?? 0) + 1);
          if (typeof (e.args as { name?: unknown }).name !== "string") {
            problems.push(`${at}: thread_name needs args.name`);
          }
        }
        break;
      case "X": {
        if (!isNum(e.ts) || !isNum(e.dur)) problems.push(`${at}: X needs numeric ts and dur`);
        if ((e.dur as number) < 0) problems.push(`${at}: negative dur`);
        usedTids.add(e.tid);
        const list = slices.get(e.tid) ?? [];
        list.push({ ts: e.ts as number, end: (e.ts as number) + (e.dur as number) });
        slices.set(e.tid, list);
        break;
      }
      case "i":
        if (!isNum(e.ts)) problems.push(`${at}: instant needs a numeric ts`);
        if (!["t", "p", "g"].includes(e.s as string)) problems.push(`${at}: instant scope`);
        usedTids.add(e.tid);
        break;
      case "s":
      case "f": {
        if (!isNum(e.ts)) problems.push(`${at}: flow needs a numeric ts`);
        if (!Number.isInteger(e.id)) problems.push(`${at}: flow needs an integer id`);
        if (typeof e.cat !== "string") problems.push(`${at}: flow needs a category`);
        usedTids.add(e.tid);
        const flow = e as unknown as TraceFlowEvent;
        const pair = flows.get(flow.id) ?? { s: [], f: [] };
        pair[flow.ph].push(flow);
        flows.set(flow.id, pair);
        break;
      }
      default:
        problems.push(`${at}: unexpected phase ${String((e as { ph: unknown }).ph)}`);
    }
  }
  for (const tid of usedTids) {
    if (threadNames.get(tid) !== 1) {
      problems.push(`tid ${tid} has ${threadNames.get(tid) ?? 0} thread_name records`);
    }
  }
  // Slices on one thread must nest, never partially overlap.
  for (const [tid, list] of slices) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.ts < prev.end && cur.end > prev.end) problems.push(`tid ${tid}: slices overlap`);
    }
  }
  const inSlice = (tid: number, ts: number) =>
    (slices.get(tid) ?? []).some((s) => s.ts <= ts && ts <= s.end);
  for (const [id, pair] of flows) {
    if (pair.s.length !== 1 || pair.f.length !== 1) {
      problems.push(`flow ${id}: ${pair.s.length} starts and ${pair.f.length} ends`);
      continue;
    }
    const s = pair.s[0]!;
    const f = pair.f[0]!;
    if (s.ts > f.ts) problems.push(`flow ${id} ends before it starts`);
    if (!inSlice(s.tid, s.ts)) problems.push(`flow ${id} starts outside any slice`);
    if (!inSlice(f.tid, f.ts)) problems.push(`flow ${id} ends outside any slice`);
    if (s.cat !== f.cat) problems.push(`flow ${id}: categories differ`);
  }
  return problems;
}

/** Builds a synthetic event stream with a clock that moves forward by hand. */
class Script {
  readonly events: RuntimeEvent[] = [];
  wall = 1000;
  step(ms: number): this {
    this.wall += ms;
    return this;
  }
  private base() {
    return { at: this.wall - 1000, wall: this.wall };
  }
  spawn(task: number, name: string, parent: number | null): this {
    this.events.push({
      kind: "spawn",
      ...this.base(),
      task,
      name,
      parent,
      location: null,
      cleanup: false,
    });
    return this;
  }
  /** A poll of `ms` milliseconds; `during` runs at its midpoint (wakes made inside the poll). */
  poll(task: number, ms: number, result: "pending" | "ready" | "panic", during?: () => void): this {
    this.events.push({ kind: "poll-start", ...this.base(), task });
    this.step(ms / 2);
    during?.();
    this.step(ms / 2);
    this.events.push({
      kind: "poll-end",
      ...this.base(),
      task,
      result,
      duration: ms,
      awaiting: result === "pending" ? ["sleep"] : null,
    });
    return this;
  }
  wake(task: number, by: WakeSource, self = false): this {
    this.events.push({ kind: "wake", ...this.base(), task, by, self });
    return this;
  }
  timer(
    kind: "timer-register" | "timer-fire" | "timer-cancel",
    timer: number,
    task?: number,
  ): this {
    if (kind === "timer-register") {
      this.events.push({ kind, ...this.base(), timer, task: task ?? null, deadline: 5 });
    } else this.events.push({ kind, ...this.base(), timer });
    return this;
  }
  complete(task: number, outcome: "ok" | "panic" | "cancelled"): this {
    this.events.push({ kind: "complete", ...this.base(), task, outcome, error: null });
    return this;
  }
}

/** main (1) spawns table 1 (2) and table 2 (3); a timer, a promise and a self-wake follow. */
function dinner(): Script {
  const s = new Script();
  s.spawn(1, "main", null);
  s.step(1).poll(1, 0.4, "pending", () => {
    s.spawn(2, "table 1", 1);
    s.spawn(3, "table 2", 1);
  });
  s.step(0.1).poll(2, 0.2, "pending", () => s.timer("timer-register", 7, 2));
  s.step(0.1).poll(3, 0.2, "pending", () => s.wake(3, { kind: "task", task: 3 }, true));
  s.step(0.1).poll(3, 0.2, "pending");
  s.step(3).timer("timer-fire", 7).wake(2, { kind: "timer", timer: 7 });
  s.step(0.05).poll(2, 0.3, "ready", () => s.wake(1, { kind: "task", task: 2 }));
  s.complete(2, "ok");
  s.step(0.1).poll(1, 0.2, "pending");
  s.step(1).wake(3, { kind: "promise" });
  s.step(0.1).poll(3, 0.1, "ready", () => s.wake(1, { kind: "task", task: 3 }));
  s.complete(3, "ok");
  s.step(0.1).poll(1, 0.1, "ready");
  s.complete(1, "ok");
  return s;
}

interface ByPhase {
  M: TraceMetadataEvent;
  X: TraceCompleteEvent;
  i: TraceInstantEvent;
  s: TraceFlowEvent;
  f: TraceFlowEvent;
}
const ofPhase = <P extends keyof ByPhase>(t: TraceFile, ph: P) =>
  t.traceEvents.filter((e) => e.ph === ph) as ByPhase[P][];

describe("traceEvents on a synthetic run", () => {
  it("produces a valid trace with one poll slice per poll-end event, each as long as its poll", () => {
    const s = dinner();
    const trace = traceEvents(s.events);
    expect(validate(JSON.parse(JSON.stringify(trace)))).toEqual([]);
    const ends = s.events.filter((e) => e.kind === "poll-end");
    const polls = ofPhase(trace, "X").filter((e) => e.cat === "poll");
    expect(polls.length).toBe(ends.length);
    for (const [i, end] of ends.entries()) {
      if (end.kind !== "poll-end") continue;
      expect(polls[i]!.tid).toBe(end.task);
      expect(polls[i]!.dur).toBeCloseTo(end.duration * 1000, 6);
      expect(polls[i]!.args.result).toBe(end.result);
    }
  });

  it("gives each task one track named after it, and the reactor its own", () => {
    const trace = traceEvents(dinner().events);
    const names = ofPhase(trace, "M")
      .filter((e) => e.name === "thread_name")
      .map((e) => [e.tid, (e.args as { name: string }).name]);
    expect(new Map(names as [number, string][])).toEqual(
      new Map([
        [REACTOR_TID, "reactor"],
        [1, "main"],
        [2, "table 1"],
        [3, "table 2"],
      ]),
    );
  });

  it("draws a wake from the waking task's poll to the woken task's next poll", () => {
    const trace = traceEvents(dinner().events);
    const flows = ofPhase(trace, "s").filter((e) => e.cat === "wake");
    const ends = new Map(ofPhase(trace, "f").map((e) => [e.id, e]));
    const arrows = flows.map((s) => [s.tid, ends.get(s.id)!.tid]);
    // table 1 wakes main; table 2 wakes itself; table 2 wakes main; the timer and the promise
    // wake the tables from the reactor's track.
    expect(arrows).toEqual(
      expect.arrayContaining([
        [2, 1],
        [3, 3],
        [3, 1],
        [REACTOR_TID, 2],
        [REACTOR_TID, 3],
      ]),
    );
    expect(arrows.length).toBe(5);
  });

  it("ends a self-wake at the next poll, not at the poll that rang it", () => {
    const s = dinner();
    const trace = traceEvents(s.events);
    const self = ofPhase(trace, "s").find((e) => e.name === "self-wake")!;
    const end = ofPhase(trace, "f").find((e) => e.id === self.id)!;
    const slices = ofPhase(trace, "X").filter((e) => e.tid === 3);
    const ringing = slices.find((x) => x.ts <= self.ts && self.ts <= x.ts + x.dur)!;
    expect(end.ts).toBeGreaterThan(ringing.ts + ringing.dur);
    expect(slices.some((x) => x.ts === end.ts)).toBe(true);
  });

  it("draws spawns as arrows from the parent's poll to the child's first poll", () => {
    const trace = traceEvents(dinner().events);
    const spawns = ofPhase(trace, "s").filter((e) => e.cat === "spawn");
    const ends = new Map(ofPhase(trace, "f").map((e) => [e.id, e]));
    expect(spawns.map((s) => [s.tid, ends.get(s.id)!.tid])).toEqual([
      [1, 2],
      [1, 3],
    ]);
  });

  it("shows timers as instant events: set on the task's track, fired on the reactor's", () => {
    const trace = traceEvents(dinner().events);
    const timers = ofPhase(trace, "i").filter((e) => e.cat === "timer");
    expect(timers.map((e) => [e.name, e.tid])).toEqual([
      ["timer 7 set", 2],
      ["timer 7 fired", REACTOR_TID],
    ]);
  });

  it("draws no arrow for a wake whose task never runs again", () => {
    const s = new Script();
    s.spawn(1, "sleeper", null);
    s.step(1).poll(1, 0.2, "pending");
    s.step(1).wake(1, { kind: "external" });
    s.complete(1, "cancelled");
    const trace = traceEvents(s.events);
    expect(validate(trace)).toEqual([]);
    expect(ofPhase(trace, "s").length + ofPhase(trace, "f").length).toBe(0);
  });

  it("names a task seen only through its polls 'task <id>'", () => {
    const s = new Script();
    s.poll(4, 0.5, "pending");
    const trace = traceEvents(s.events);
    expect(validate(trace)).toEqual([]);
    const name = ofPhase(trace, "M").find((e) => e.name === "thread_name" && e.tid === 4);
    expect(name?.args).toEqual({ name: "task 4" });
  });

  it("starts the timeline at zero, in microseconds", () => {
    const trace = traceEvents(dinner().events);
    const first = ofPhase(trace, "X")[0]!;
    expect(first.ts).toBeCloseTo(1000, 6); // main's first poll, 1 ms after the first event
    expect(traceEvents([]).traceEvents.every((e) => e.ph === "M")).toBe(true);
  });

  it("rejects what is not an array of events with a TypeError", () => {
    expect(() => traceEvents("events" as never)).toThrow(TypeError);
    expect(() => traceEvents("events" as never)).toThrow(/events must be an array/);
  });
});

describe("traceEvents of a real instrumented run", () => {
  const dir = mkdtempSync(joinPath(tmpdir(), "brigade-trace-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a file that validates and whose slices match the run's polls and wakes", async () => {
    const events: RuntimeEvent[] = [];
    await run(
      asyncBlock(function* () {
        const a = spawn(
          asyncBlock(function* () {
            yield* sleep(5);
            return 1;
          }),
          { name: "table 1" },
        );
        const b = spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            return yield* fromPromise(() => Promise.resolve(2));
          }),
          { name: "table 2" },
        );
        return yield* join(a, b);
      }),
      { instrument: (e) => events.push(e) },
    );
    const path = joinPath(dir, "run.trace.json");
    await writeTrace(path, events);
    const trace = JSON.parse(readFileSync(path, "utf8")) as TraceFile;
    expect(validate(trace)).toEqual([]);
    const pollEnds = events.filter((e) => e.kind === "poll-end").length;
    expect(pollEnds).toBeGreaterThanOrEqual(5);
    expect(ofPhase(trace, "X").filter((e) => e.cat === "poll").length).toBe(pollEnds);
    const names = ofPhase(trace, "M")
      .filter((e) => e.name === "thread_name")
      .map((e) => (e.args as { name: string }).name);
    expect(names).toEqual(expect.arrayContaining(["reactor", "main", "table 1", "table 2"]));
    // Every wake that was followed by a poll of its task became one arrow.
    const arrows = ofPhase(trace, "s").filter((e) => e.cat === "wake").length;
    expect(arrows).toBeGreaterThanOrEqual(3);
    expect(arrows).toBeLessThanOrEqual(events.filter((e) => e.kind === "wake").length);
  });

  it("writeTrace refuses an empty path with a TypeError", async () => {
    await expect(writeTrace("", [])).rejects.toThrow(/path must be a non-empty string/);
  });
});
