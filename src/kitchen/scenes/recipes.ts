/**
 * The kitchen's recipe book: the async fns several scenes cook with. Each is made for one notebook,
 * so its story lines land in the right scene.
 */
import { asyncFn } from "../../coroutine/async-fn.js";
import { sleep } from "../../time/sleep.js";
import type { Kitchen } from "../kitchen.js";
import { formatDuration } from "../narrator.js";

/**
 * The recipes, bound to a notebook.
 *
 * @example
 * ```ts
 * const { cookDish } = recipes(k);
 * const dish = yield* cookDish("Pasta", 3);
 * ```
 */
export function recipes(k: Kitchen) {
  /** The seed's `cook_dish`: start, wait for the timer, finish. Seconds, as the seed writes it. */
  const cookDish = asyncFn(function* cookDish(dish: string, seconds: number) {
    k.say(`👨‍🍳 Chef started cooking: ${dish}`);
    yield* sleep(seconds * 1000);
    k.say(`👨‍🍳 Chef finished cooking: ${dish}`);
    return `Dish: ${dish}`;
  });
  return { cookDish };
}

/**
 * The scene's clock as a cook reads it: "4 s".
 *
 * @example
 * ```ts
 * k.say(`served at ${clock(k)}`);
 * ```
 */
export function clock(k: Kitchen): string {
  return formatDuration(k.now());
}
