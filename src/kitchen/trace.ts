/**
 * The kitchen's Chrome trace: every take of every scene played, one trace "process" each (a take
 * runs on its own runtime, so task ids restart), converted by the diagnostics' `traceEvents`.
 * Open the file in ui.perfetto.dev: one track per chef, polls as slices, wakes as arrows.
 */
import { type TraceEvent, traceEvents } from "../runtime/trace.js";
import { eventsOf } from "./recording.js";
import type { PlayedScene } from "./scene.js";

/**
 * The trace of what was played, as JSON text.
 *
 * @example
 * ```ts
 * await writeFile("kitchen.trace.json", traceFile([{ scene, recordings }]));
 * ```
 */
export function traceFile(played: readonly PlayedScene[]): string {
  const all: TraceEvent[] = [];
  let pid = 0;
  // Perfetto pairs flow arrows by id across the whole file, not per process: each take's arrows
  // get ids of their own.
  let flowBase = 0;
  for (const { scene, recordings } of played) {
    for (const r of recordings) {
      pid++;
      const name = r.take === null ? scene.title : `${scene.title} · ${r.take}`;
      all.push({ name: "process_name", ph: "M", pid, tid: 0, args: { name } });
      all.push({ name: "process_sort_index", ph: "M", pid, tid: 0, args: { sort_index: pid } });
      let maxFlow = 0;
      for (const e of traceEvents(eventsOf(r)).traceEvents) {
        // The scene's name above is this process's name (a second record would replace it).
        if (e.name === "process_name") continue;
        if (e.ph === "s" || e.ph === "f") {
          maxFlow = Math.max(maxFlow, e.id);
          all.push({ ...e, pid, id: flowBase + e.id });
        } else all.push({ ...e, pid });
      }
      flowBase += maxFlow;
    }
  }
  return JSON.stringify({
    traceEvents: all,
    displayTimeUnit: "ms",
    otherData: { producer: "brigade kitchen" },
  });
}
