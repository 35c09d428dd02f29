/**
 * A scene: one moment of the restaurant, written as ordinary Brigade code. Most scenes are a single
 * take; a scene that shows a mistake and its fix runs two takes on two fresh runtimes (a chef who
 * blocks the stove would block the other take too), and the narrator may print them side by side.
 */
import type { Future } from "../future/future.js";
import type { Kitchen } from "./kitchen.js";
import type { Recording } from "./recording.js";

/** One run of a scene on a fresh runtime. */
export interface Take {
  /** Shown above the take's lines when a scene has several, e.g. "the key kept while waiting". */
  label: string | null;
  /** The scene's main future, given the notebook to write in. */
  main: (k: Kitchen) => Future<unknown>;
  /** Extra runtime options for this take (a long-poll threshold, say). */
  options?: Record<string, unknown>;
  /** The take is meant to fail (a deadlock report is its story); its error is printed, not fatal. */
  fails?: boolean;
}

/** A scene of the tour. */
export interface Scene {
  /** The name on the command line: `brigade kitchen join`. */
  id: string;
  title: string;
  /** One line under the title: what this shows, in the kitchen's words. */
  blurb: string;
  takes: Take[];
  /**
   * Print this many leading takes in columns, side by side (only without `--explain`); the rest
   * follow below.
   */
  sideBySide?: number;
}

/**
 * Declare a scene (checks the fields, so a typo in a new scene fails at load, not mid-tour).
 *
 * @example
 * ```ts
 * export default defineScene({ id: "join", title: "One chef, two dishes", blurb: "...", takes: [...] });
 * ```
 */
export function defineScene(scene: Scene): Scene {
  if (!/^[a-z][a-z0-9-]*$/.test(scene.id)) {
    throw new TypeError(`scene.id must be lowercase letters, digits and dashes, got '${scene.id}'`);
  }
  if (scene.takes.length === 0) throw new RangeError(`scene '${scene.id}' needs at least one take`);
  return scene;
}

/** A scene and the recordings of its takes, as played. */
export interface PlayedScene {
  scene: Scene;
  recordings: Recording[];
}
