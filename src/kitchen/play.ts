/**
 * Playing a scene: each take runs on a fresh runtime with the kitchen's notebook attached as its
 * instrumentation listener, on the paused clock (the tour takes milliseconds, and its timestamps
 * are the same on every machine) or, with `--realtime`, on the real one.
 */

import type { RunOptions } from "../runtime/options.js";
import { run } from "../runtime/runtime.js";
import { Kitchen } from "./kitchen.js";
import type { ClockMode, Entry, Recording } from "./recording.js";
import type { Scene, Take } from "./scene.js";

/** Why a take that was meant to succeed failed. */
export class SceneFailedError extends Error {
  constructor(
    readonly scene: string,
    override readonly cause: unknown,
  ) {
    super(`scene '${scene}' failed: ${describeError(cause)}`);
    this.name = "SceneFailedError";
  }
}

/**
 * Run one take and return its recording.
 *
 * @example
 * ```ts
 * const recording = await playTake(joinScene, joinScene.takes[0]!, "paused");
 * ```
 */
export async function playTake(
  scene: Scene,
  take: Take,
  clock: ClockMode,
  onEntry?: (entry: Entry) => void,
): Promise<Recording> {
  const k = new Kitchen(scene.id, scene.title, take.label, clock);
  if (onEntry !== undefined) k.onEntry = onEntry;
  // `clock` and `instrument` are RunOptions fields (time/ and runtime/); a scene's extra options
  // pass through untouched.
  const options: Record<string, unknown> = {
    // Warnings reach the story as instrumentation events; printing them again on stderr would
    // interleave with the story.
    onWarning: () => {},
    // A chef is named by name; spawn locations would cost a stack capture per spawn (the first
    // one in a file also reads its source map: long enough to trip a long-poll warning of its own).
    spawnLocations: false,
    // Only the scenes about blocking ask for the 10 ms default; elsewhere a slow first poll (a
    // cold JIT on a busy machine) is not part of the story.
    longPollThreshold: 250,
    ...take.options,
    instrument: k.listener,
  };
  if (clock === "paused") options.clock = "paused";
  let failure: string | null = null;
  try {
    await run(take.main(k), options as RunOptions);
  } catch (e) {
    if (take.fails !== true) throw new SceneFailedError(scene.id, e);
    failure = describeError(e);
  }
  if (take.fails === true && failure === null) {
    throw new SceneFailedError(scene.id, new Error("the take was meant to fail but it succeeded"));
  }
  return k.finish(failure);
}

/**
 * Run every take of a scene, in order.
 *
 * @example
 * ```ts
 * const recordings = await playScene(scene, "paused");
 * ```
 */
export async function playScene(scene: Scene, clock: ClockMode): Promise<Recording[]> {
  const out: Recording[] = [];
  for (const take of scene.takes) out.push(await playTake(scene, take, clock));
  return out;
}

/**
 * An error as the story tells it: its name and message, no stack.
 *
 * @example
 * ```ts
 * describeError(new RangeError("too hot")); // "RangeError: too hot"
 * ```
 */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.name === "Error" ? e.message : `${e.name}: ${e.message}`;
  return String(e);
}
