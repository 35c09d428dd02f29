/**
 * Two chefs, two tables: `spawn` hands each table's recipe to its own task. The head chef's own card
 * goes on while the chefs cook; each chef is polled on its own, woken by its own timer, and the
 * head chef collects both dishes through their join handles.
 */
import { asyncBlock, asyncFn } from "../../coroutine/async-fn.js";
import { spawn } from "../../task/spawn.js";
import type { Kitchen } from "../kitchen.js";
import { defineScene } from "../scene.js";
import { clock, recipes } from "./recipes.js";

function serveTable(k: Kitchen) {
  const { cookDish } = recipes(k);
  return asyncFn(function* serveTable(table: number, dish: string, seconds: number) {
    k.say(`🪑 Table ${table} orders ${dish}.`);
    const served = yield* cookDish(dish, seconds);
    k.say(`🍽️ Table ${table} is served: ${served}.`);
    return served;
  });
}

export default defineScene({
  id: "spawn",
  title: "Two chefs, two tables (spawn)",
  blurb:
    "spawn gives each table its own chef (task); the head chef awaits their join handles. The chefs share one stove (one thread).",
  takes: [
    {
      label: null,
      main: (k) =>
        asyncBlock(function* headChef() {
          const table = serveTable(k);
          const table1 = spawn(table(1, "Pasta", 3), { name: "table 1" });
          const table2 = spawn(table(2, "Salad", 2), { name: "table 2" });
          k.say("🧑‍🍳 The head chef hands table 1 and table 2 to two chefs (spawn).");
          k.say(
            "🧑‍🍳 Nobody has cooked yet: the manager polls the new chefs once the head chef sets his own card aside.",
          );
          const first = yield* table1;
          const second = yield* table2;
          k.say(`🧑‍🍳 Both handles are in at ${clock(k)}: ${first}, ${second}.`);
        }),
    },
  ],
});
