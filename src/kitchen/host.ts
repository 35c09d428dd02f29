/**
 * What the kitchen needs from its host platform beyond the core runtime. The scenes run anywhere
 * the core runs (a browser one day), but the back room of the stove scene, `spawnBlocking`, needs
 * Node's worker threads; a Node host installs it here (`node-host.ts`), and without it the scene
 * says so instead of failing to load.
 */
import type { Future } from "../future/future.js";

/** Runs `module`'s export on a worker thread, as `spawnBlocking` does. */
export type BackRoom = <R>(module: URL, exportName: string, ...args: unknown[]) => Future<R>;

/** The host's capabilities; null where the platform has none. */
export const kitchenHost: { backRoom: BackRoom | null } = { backRoom: null };
