/**
 * A table's whole order: one future holding three. The order is a `join` of appetizer, main and
 * dessert; polling the order polls each course still cooking (the scene says so when a course
 * is polled though its bell has not rung), and the order stays Pending until the last course is
 * Ready. The tree at the end is drawn from those polls.
 */
import { join } from "../../combinator/join.js";
import { asyncBlock } from "../../coroutine/async-fn.js";
import type { Watched } from "../kitchen.js";
import { defineScene } from "../scene.js";
import { drawTree, futureTree } from "../tree.js";
import { clock, recipes } from "./recipes.js";

export default defineScene({
  id: "order",
  title: "A table's whole order (the future tree)",
  blurb: "The order is a future of futures: Pending while any course is, Ready when all are.",
  takes: [
    {
      label: null,
      main: (k) =>
        asyncBlock(function* table1() {
          const { cookDish } = recipes(k);
          const courses: Watched<string>[] = [
            k.watch("Appetizer", cookDish("Appetizer", 3)),
            k.watch("Main", cookDish("Main", 4)),
            k.watch("Dessert", cookDish("Dessert", 1)),
          ];
          // Each course's poll count before the order's latest poll: who was polled in it.
          const before = courses.map(() => 0);
          let told = false;
          const order = k.watch("Table 1's order", join(...courses), (result, polls) => {
            const states = courses.map((c) => `${c.label} ${c.isDone() ? "✓" : "…"}`).join(", ");
            k.say(
              `🧾 order poll ${polls} → ${result === "ready" ? "Ready" : "Pending"} (${states})`,
            );
            // Read from the polls themselves: which courses were polled again though still cooking.
            const again = courses.filter((c, i) => c.polls > before[i]! && !c.isDone());
            if (polls > 1 && again.length > 0 && !told) {
              told = true;
              const names = again.map((c) => c.label).join(" and ");
              k.say(
                `   ${names} ${again.length === 1 ? "was" : "were"} polled again, still cooking: join polls every course not done yet, whichever bell woke the chef.`,
              );
            }
            courses.forEach((c, i) => {
              before[i] = c.polls;
            });
          });
          yield* order;
          k.say(`🍽️ Table 1's whole order is served at ${clock(k)}.`);
          for (const root of futureTree(k.entriesSoFar())) k.show(drawTree(root).join("\n"));
        }),
    },
  ],
});
