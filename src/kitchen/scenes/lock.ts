/**
 * The key kept while waiting. Chef 1 takes the walk-in's key and, key still in his pocket, waits
 * for the cream that chef 2 is to bring from the walk-in; chef 2 waits for the key. Nobody can
 * move, no bell will ever ring, and Brigade says so (Go's "all goroutines are asleep"): `run`
 * rejects with a report of every waiting chef and what he waits on. The second take is the right
 * version: chef 1 puts the key back before he waits, and both dishes go out.
 */

import * as oneshot from "../../channel/oneshot.js";
import { join } from "../../combinator/join.js";
import { asyncBlock } from "../../coroutine/async-fn.js";
import { Mutex } from "../../sync/mutex.js";
import { spawn } from "../../task/spawn.js";
import type { Kitchen } from "../kitchen.js";
import { defineScene } from "../scene.js";
import { clock } from "./recipes.js";

function kitchen(releaseFirst: boolean) {
  return (k: Kitchen) =>
    asyncBlock(function* headChef() {
      const walkIn = new Mutex(["cream", "eggs"], { name: "walk-in key" });
      const [cream, creamArrives] = oneshot.channel<string>();
      const chef1 = spawn(
        asyncBlock(function* carbonara() {
          const key = yield* walkIn.lock();
          k.say("🔑 Chef 1 takes the walk-in key and fetches eggs.");
          if (releaseFirst) {
            key.release();
            k.say("🔑 Chef 1 puts the key back before he waits.");
          } else {
            k.say("🔑 Chef 1 keeps the key in his pocket and waits for the cream.");
          }
          try {
            const got = yield* creamArrives;
            k.say(`🍝 Chef 1 gets the ${got} at ${clock(k)} and finishes the sauce.`);
          } finally {
            if (!releaseFirst) key.release();
          }
        }),
        { name: "chef 1" },
      );
      const chef2 = spawn(
        asyncBlock(function* fetchCream() {
          k.say("🥛 Chef 2 needs the walk-in key to fetch the cream.");
          const key = yield* walkIn.lock();
          k.say(`🥛 Chef 2 gets the key at ${clock(k)} and brings the cream.`);
          key.release();
          cream.send("cream");
        }),
        { name: "chef 2" },
      );
      yield* join(chef1, chef2);
      k.say(`🍽️ Both dishes go out at ${clock(k)}.`);
    });
}

export default defineScene({
  id: "lock",
  title: "The key kept while waiting",
  blurb: "A lock held across an await can stop the kitchen; Brigade names who waits on what.",
  takes: [
    { label: "the key kept while waiting", main: kitchen(false), fails: true },
    { label: "the right version: key back before waiting", main: kitchen(true) },
  ],
});
