/**
 * Carbonara as a state machine. The async fn below is the seed's numbered recipe: each `yield*` is
 * a state where the generator parks, and each poll resumes it exactly where it stopped. The scene
 * watches the recipe's own future and says, after every poll, which state it is parked in.
 */
import { asyncBlock, asyncFn } from "../../coroutine/async-fn.js";
import { sleep } from "../../time/sleep.js";
import { defineScene } from "../scene.js";
import { clock } from "./recipes.js";

const STEPS = [
  "Boil water, cook the pasta (5 s)",
  "Fry the pancetta (3 s)",
  "Whisk eggs and pecorino (1 s)",
  "Toss everything off the heat (1 s)",
  "Plate and finish with pepper (1 s)",
];

const CARD = [
  "╭─ Card: Pasta Carbonara ───────────────╮",
  ...STEPS.map((s, i) => `│ ${`${i + 1}. ${s}`.padEnd(37)} │`),
  "╰───────────────────────────────────────╯",
].join("\n");

export default defineScene({
  id: "carbonara",
  title: "Carbonara, a state machine",
  blurb: "An async fn is a state machine: each yield* is a numbered step, each poll resumes one.",
  takes: [
    {
      label: null,
      main: (k) =>
        asyncBlock(function* chef() {
          /** The state the recipe is parked in: set by the recipe itself before each await. */
          let state = 0;
          const prepareCarbonara = asyncFn(function* prepareCarbonara() {
            state = 1;
            yield* sleep(5000);
            state = 2;
            yield* sleep(3000);
            state = 3;
            yield* sleep(1000);
            state = 4;
            yield* sleep(1000);
            state = 5;
            yield* sleep(1000);
            state = 6;
            return "Pasta Carbonara";
          });
          k.show(CARD);
          const recipe = k.watch("prepareCarbonara()", prepareCarbonara(), (result, polls) => {
            if (result === "pending") {
              k.say(`🔁 poll ${polls} → Pending, parked at step ${state}: ${STEPS[state - 1]}`);
            } else k.say(`🔁 poll ${polls} → Ready: every step done`);
          });
          const dish = yield* recipe;
          k.say(`🍽️ ${dish} served at ${clock(k)} after ${recipe.polls} polls, one per state.`);
        }),
    },
  ],
});
