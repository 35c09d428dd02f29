/**
 * The watchdog's thread: the kitchen's night porter, who looks through the door every few
 * milliseconds to see whether the same chef is still at the stove. Plain JavaScript (no
 * TypeScript), so it runs the same under tsx, vitest and the published build.
 *
 * It reads two shared arrays that the main thread writes (see watchdog.ts for the layout):
 * - the heartbeat: [0] the id of the task being polled (0 between turns), [1] a poll counter;
 * - the name table: task names, written on spawn, so a report can say "table 3", not "task 7".
 *
 * The same (task, poll counter) pair seen for `thresholdMs` means one poll has held the thread
 * that long. The report goes straight to file descriptor 2 with a synchronous write: a worker's
 * `process.stderr` is relayed through the main thread, which is the thread that is stuck. It is
 * also posted to the main thread, which reads it once it is free again. A block that goes on is
 * reported again each time its duration doubles.
 */
import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";

const { heartbeat, names, slots, slotInts, thresholdMs, intervalMs, stderr } = workerData;
const beat = new Int32Array(heartbeat);
const nameInts = new Int32Array(names);
const nameBytes = new Uint8Array(names);
const decoder = new TextDecoder();

/** The poll being watched: which task, which poll, first seen when, next report after how long. */
let task = 0;
let seq = -1;
let since = 0;
let nextReportMs = thresholdMs;

function check() {
  const id = Atomics.load(beat, 0);
  const s = Atomics.load(beat, 1);
  const now = performance.now();
  if (id === 0 || id !== task || s !== seq) {
    task = id;
    seq = s;
    since = now;
    nextReportMs = thresholdMs;
    return;
  }
  const held = now - since;
  if (held < nextReportMs) return;
  nextReportMs *= 2;
  report(id, held);
}

function report(id, held) {
  const name = nameOf(id);
  const heldMs = Math.round(held);
  const message = `task '${name}' has held the thread for ${groupDigits(heldMs)} ms: is it calling a blocking function? Use sleep() instead of a busy wait, spawnBlocking() for CPU-bound work, or yieldNow() in a loop whose awaits are all ready at once`;
  if (stderr) {
    try {
      writeSync(2, `brigade: blocked-loop: ${message}\n`);
    } catch {
      // stderr closed: the posted report still reaches the main thread.
    }
  }
  parentPort.postMessage({ task: id, name, heldMs, message });
}

/** Read a task's name from the shared table; a seqlock-style check rejects a torn or stale slot. */
function nameOf(id) {
  const base = (id % slots) * slotInts;
  if (Atomics.load(nameInts, base) !== id) return `task ${id}`;
  const length = Atomics.load(nameInts, base + 1);
  const start = (base + 2) * 4;
  const bytes = nameBytes.slice(start, start + length);
  if (Atomics.load(nameInts, base) !== id) return `task ${id}`;
  return decoder.decode(bytes);
}

/** 1200 → "1,200" without relying on the host's locale data. */
function groupDigits(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

setInterval(check, intervalMs);
parentPort.postMessage("watching");
