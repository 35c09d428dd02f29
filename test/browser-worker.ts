/**
 * A dedicated Web Worker that runs the core's browser programs (test/browser-programs-core.ts) off
 * the page's main thread: a second kitchen in the building's back room, with its own manager and
 * its own event loop. The page posts a program's name; the worker runs it on a runtime of its own
 * and posts the outcome back.
 */
import * as core from "./browser-programs-core.js";

/** The programs a worker runs, by name. */
const programs = { ...core };

/** The program names a worker runs. */
export type WorkerProgram = keyof typeof programs;

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<WorkerProgram>) => void) | null;
  postMessage(value: unknown): void;
};

scope.onmessage = (e) => {
  programs[e.data]().then(
    (outcome) => scope.postMessage({ outcome }),
    (error: unknown) => scope.postMessage({ error: String(error) }),
  );
};
