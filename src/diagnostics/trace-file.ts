/**
 * Writing a Chrome trace to disk (Node only: it uses `node:fs`). The conversion itself lives in
 * `runtime/trace.ts`, which any platform can run.
 */
import { writeFile } from "node:fs/promises";
import type { RuntimeEvent } from "../runtime/events.js";
import { traceEvents } from "../runtime/trace.js";

/**
 * Write the events of an instrumented run to `path` as a Chrome trace (JSON), ready for
 * ui.perfetto.dev or chrome://tracing.
 *
 * @example
 * ```ts
 * const events: RuntimeEvent[] = [];
 * await run(main, { instrument: (e) => events.push(e) });
 * await writeTrace("dinner.trace.json", events);
 * ```
 */
export async function writeTrace(path: string, events: readonly RuntimeEvent[]): Promise<void> {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(
      `writeTrace(path, events): path must be a non-empty string, got ${typeof path === "string" ? "an empty string" : typeof path}`,
    );
  }
  await writeFile(path, JSON.stringify(traceEvents(events)));
}
