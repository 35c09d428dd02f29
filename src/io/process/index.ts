/**
 * Child processes (tokio's `process`): `Command` to describe one, `Child` to talk to it and wait
 * for it, `ExitStatus` and `Output` for how it ended.
 */
export { Child } from "./child.js";
export { Command, type Stdio } from "./command.js";
export { type ProcessMetrics, processMetrics } from "./counters.js";
export { ExitStatus, type Output } from "./exit-status.js";
