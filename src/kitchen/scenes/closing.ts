/**
 * Closing time: cancellation is dropping the recipe card. First a soufflé that misses its deadline
 * is dropped by `timeout`, and its `finally` clears the oven, which no Promise can be made to do.
 * Then the kitchen closes for the night: a `CancellationToken` tells every table to stop, each
 * table's `finally` clears its station (a cleanup that itself takes time), and a `TaskTracker`
 * says when the last one is done, so the kitchen is locked up only then.
 */
import { asyncBlock, asyncFn } from "../../coroutine/async-fn.js";
import { CancellationToken } from "../../sync/cancellation-token.js";
import { TaskTracker } from "../../task/task-tracker.js";
import { sleep } from "../../time/sleep.js";
import { TimeoutError, timeout } from "../../time/timeout.js";
import type { Kitchen } from "../kitchen.js";
import { defineScene } from "../scene.js";
import { clock, recipes } from "./recipes.js";

/** One table for the night: its dish until closing time, then its station cleared. */
function serveTable(k: Kitchen, closing: CancellationToken) {
  const { cookDish } = recipes(k);
  return asyncFn(function* serveTable(table: number, dish: string, seconds: number) {
    try {
      const served = yield* closing.runUntilCancelled(cookDish(dish, seconds));
      if (served === undefined) k.say(`✋ Table ${table}: closing time, the ${dish} is dropped.`);
      else k.say(`🍽️ Table ${table} is served: ${served}.`);
    } finally {
      yield* sleep(500);
      k.say(`🧹 Table ${table}'s station is cleared at ${clock(k)}.`);
    }
  });
}

export default defineScene({
  id: "closing",
  title: "Closing time (cancellation is drop)",
  blurb:
    "A dropped card runs its finally; at closing a token stops every table and a tracker waits for the last one.",
  takes: [
    {
      label: "a deadline",
      main: (k) =>
        asyncBlock(function* pastry() {
          const souffle = asyncBlock(function* souffle() {
            k.say("🍮 The soufflé goes in the oven (5 s).");
            try {
              yield* sleep(5000);
              return "Soufflé";
            } finally {
              k.say(
                `🧽 At ${clock(k)} the deadline passes: timeout drops the soufflé's card, and its finally turns the oven off.`,
              );
            }
          });
          try {
            yield* timeout(2000, souffle);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            k.say(`⏰ Then timeout reports it to the pastry chef: a TimeoutError at ${clock(k)}.`);
          }
        }),
    },
    {
      label: "closing for the night",
      main: (k) =>
        asyncBlock(function* headChef() {
          const closing = new CancellationToken();
          const tables = new TaskTracker();
          const table = serveTable(k, closing);
          tables.spawn(table(1, "Salad", 2), { name: "table 1" });
          tables.spawn(table(2, "Stew", 6), { name: "table 2" });
          tables.spawn(table(3, "Roast", 8), { name: "table 3" });
          yield* sleep(4000);
          k.say(
            `🔔 Closing time at ${clock(k)}: the head chef cancels the token (a CancellationToken: an AbortController for futures).`,
          );
          closing.cancel();
          tables.close();
          k.say(
            `   ${tables.size} tables still at work: the tracker (a TaskTracker, which counts the tables' tasks) waits for their cleanup.`,
          );
          yield* tables.wait();
          k.say(`🔒 Locked up at ${clock(k)}, after the last station was cleared.`);
        }),
    },
  ],
});
