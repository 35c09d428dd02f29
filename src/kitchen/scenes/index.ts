/**
 * The tour: every scene, in the order `npm run kitchen` plays them (the seed's order: cards, one
 * chef, many chefs, the bar, the recipe's steps, the future tree, then the two hidden dangers,
 * closing time (cancellation, which the seed only names) and the neighbours who cook with
 * goroutines).
 */
import type { Scene } from "../scene.js";
import carbonara from "./carbonara.js";
import closing from "./closing.js";
import goroutines from "./goroutines.js";
import join from "./join.js";
import lazy from "./lazy.js";
import lock from "./lock.js";
import order from "./order.js";
import select from "./select.js";
import spawn from "./spawn.js";
import stove from "./stove.js";

/** Every scene, in tour order. */
export const SCENES: readonly Scene[] = [
  lazy,
  join,
  spawn,
  select,
  carbonara,
  order,
  stove,
  lock,
  closing,
  goroutines,
];

/**
 * The scene called `id`, or undefined.
 *
 * @example
 * ```ts
 * findScene("join")?.title; // "One chef, two dishes (join)"
 * ```
 */
export function findScene(id: string): Scene | undefined {
  return SCENES.find((s) => s.id === id);
}
