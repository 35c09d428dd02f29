/**
 * Recipe cards are lazy. Calling `cookDish("Pasta", 3)` writes a card and nothing else: no line is
 * printed, no timer is set, until a chef awaits the card. The scene proves it with the card's own
 * poll counter, read while the card waits on the counter.
 */
import { asyncBlock } from "../../coroutine/async-fn.js";
import { sleep } from "../../time/sleep.js";
import { defineScene } from "../scene.js";
import { clock, recipes } from "./recipes.js";

export default defineScene({
  id: "lazy",
  title: "Recipe cards are lazy",
  blurb: "Creating a future runs nothing: the card waits until a chef picks it up.",
  takes: [
    {
      label: null,
      main: (k) =>
        asyncBlock(function* headChef() {
          const { cookDish } = recipes(k);
          const card = k.watch('cookDish("Pasta", 3)', cookDish("Pasta", 3));
          k.say('📝 The head chef writes a card: cookDish("Pasta", 3). Nobody cooks yet.');
          yield* sleep(1000);
          k.say(`⏳ At ${clock(k)} the card is still on the counter: polled ${card.polls} times.`);
          k.say("🧑‍🍳 Now the head chef cooks it himself (yield* card): the first poll.");
          const dish = yield* card;
          k.say(`🍽️ Served at ${clock(k)}: ${dish} (polled ${card.polls} times in all).`);
        }),
    },
  ],
});
