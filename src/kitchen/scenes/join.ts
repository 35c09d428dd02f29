/**
 * One chef, two dishes: `join` polls both recipes inside one task, so the pasta boils while the
 * salad is prepared, and the order is ready when the longer dish is (4 s), not after both in a row
 * (7 s).
 */
import { join } from "../../combinator/join.js";
import { asyncBlock } from "../../coroutine/async-fn.js";
import { defineScene } from "../scene.js";
import { clock, recipes } from "./recipes.js";

export default defineScene({
  id: "join",
  title: "One chef, two dishes (join)",
  blurb:
    "join polls both recipes in the same task: done when the longer one is, not the sum (a waiting dish costs the chef nothing).",
  takes: [
    {
      label: null,
      main: (k) =>
        asyncBlock(function* chef() {
          const { cookDish } = recipes(k);
          k.say("🧾 Order: Pasta (3 s) and Salad (4 s), both for one chef.");
          const [pasta, salad] = yield* join(cookDish("Pasta", 3), cookDish("Salad", 4));
          k.say(`🍽️ ${pasta} and ${salad} served together at ${clock(k)}, not 3 s + 4 s = 7 s.`);
        }),
    },
  ],
});
