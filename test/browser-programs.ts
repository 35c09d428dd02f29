/**
 * Real Brigade programs that test/browser-core.test.ts runs inside headless Chromium: the kitchen
 * moved to another building (a browser tab) to see that the manager, the chefs and the bells need
 * nothing of Node's. Each program runs on its own runtime and returns plain data (what happened, in
 * which order, and the runtime's metrics once it ended) for the test to check.
 *
 * Bundled with `../src/index.js` left external: the page loads the core's own browser bundle and
 * these files import it, so what runs is exactly the bundle the test checked for Node built-ins.
 */
import * as core from "./browser-programs-core.js";
import * as host from "./browser-programs-host.js";

export type { Outcome } from "./browser-programs-kit.js";

/** Every program, by name. */
export const programs = { ...core, ...host };

/** The programs' names. */
export type ProgramName = keyof typeof programs;

(globalThis as { brigadePrograms?: typeof programs }).brigadePrograms = programs;
