/**
 * First drink served: `select` polls the coffee and the cocktail together and returns as soon as
 * one is ready, handing back the other one unfinished (`rest`), which the bar then finishes.
 */
import { select } from "../../combinator/select.js";
import { asyncBlock } from "../../coroutine/async-fn.js";
import { sleep } from "../../time/sleep.js";
import { defineScene } from "../scene.js";
import { clock } from "./recipes.js";

export default defineScene({
  id: "select",
  title: "First drink served (select)",
  blurb: "select serves whichever drink is ready first and hands back the one still being made.",
  takes: [
    {
      label: null,
      main: (k) =>
        asyncBlock(function* bar() {
          const coffee = asyncBlock(function* coffee() {
            k.say("☕ The coffee goes on (2 s).");
            yield* sleep(2000);
            return "Coffee";
          });
          const cocktail = asyncBlock(function* cocktail() {
            k.say("🍸 The cocktail is being shaken (3 s).");
            yield* sleep(3000);
            return "Cocktail";
          });
          k.say(
            "   (select starts at a drink drawn from the runtime's seed, so this scene plays the same every time, then takes turns: over many selects neither always wins a tie.)",
          );
          const first = yield* select(coffee, cocktail);
          k.say(`🥇 First drink served at ${clock(k)}: ${first.value}.`);
          k.say("   select handed back the other drink, still unfinished (rest).");
          const second = yield* first.rest;
          k.say(`🥈 ${second} finished from rest and served at ${clock(k)}.`);
        }),
    },
  ],
});
