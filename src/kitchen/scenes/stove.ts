/**
 * The chef who won't leave the stove. Three tables, three takes on three fresh runtimes:
 *
 * 1. Table 1's chef waits for his water by standing at the stove: a blocking wait inside a poll.
 *    Nobody else can be polled until he is done, so the soups of tables 2 and 3, ready at 1 s, are
 *    served late, and the runtime's long-poll warning names him.
 * 2. The same chef sets a timer instead (`sleep`): the stove is free, every soup is on time.
 * 3. Work that really is work (kneading dough) goes to the back room (`spawnBlocking`): a worker
 *    thread does it while the executor keeps serving.
 *
 * In paused time a blocked thread must still cost kitchen time, or the delay would not show: the
 * blocking wait spins for a short real moment (enough to trip the long-poll warning) and moves the
 * paused clock forward by the full wait, from inside the poll, as the real world would while the
 * thread was stuck; the timers that came due meanwhile ring only once the poll is over, late, as
 * they would on a real stuck thread. With `--realtime` it spins for the whole wait.
 */
import { asyncBlock, asyncFn } from "../../coroutine/async-fn.js";
import { spawn } from "../../task/spawn.js";
import { currentDriver } from "../../time/driver.js";
import { sleep } from "../../time/sleep.js";
import { kitchenHost } from "../host.js";
import type { Kitchen } from "../kitchen.js";
import { defineScene } from "../scene.js";
import { clock } from "./recipes.js";

/** Real milliseconds a blocking wait spins in paused time: twice the scene's 20 ms threshold. */
const PAUSED_SPIN_MS = 40;
/** Real milliseconds of kneading in the back room in paused time (the full 2 s with --realtime). */
const PAUSED_KNEAD_MS = 40;
const BACK_ROOM = new URL("./back-room.mjs", import.meta.url);

/** Hold the thread for `ms` of kitchen time, as `std::thread::sleep` would. */
function blockThread(ms: number): void {
  const driver = currentDriver("blockThread(ms)");
  const spin = driver.paused ? PAUSED_SPIN_MS : ms;
  const start = performance.now();
  while (performance.now() - start < spin) {
    // standing at the stove, watching the water
  }
  // The kitchen's clock moves as the world's would, but no bell can ring until he lets go.
  if (driver.paused) driver.holdThread(ms);
}

function soup(k: Kitchen) {
  return asyncFn(function* serveSoup(table: number) {
    k.say(`🥣 Table ${table}'s soup goes on (1 s).`);
    yield* sleep(1000);
    k.say(`🥣 Table ${table} gets its soup at ${clock(k)}.`);
  });
}

type Table1 = (k: Kitchen) => Generator<any, void, unknown>;

function kitchen(table1: Table1) {
  return (k: Kitchen) =>
    asyncBlock(function* headChef() {
      const serveSoup = soup(k);
      const t2 = spawn(serveSoup(2), { name: "table 2" });
      const t3 = spawn(serveSoup(3), { name: "table 3" });
      const t1 = spawn(
        asyncBlock(function* pasta() {
          yield* table1(k);
        }),
        { name: "table 1" },
      );
      yield* t2;
      yield* t3;
      yield* t1;
      k.say(`🧑‍🍳 Every table served by ${clock(k)}.`);
    });
}

export default defineScene({
  id: "stove",
  title: "The chef who won't leave the stove",
  blurb:
    "A poll that blocks the thread delays every table; sleep or spawnBlocking frees the stove.",
  sideBySide: 2,
  takes: [
    {
      label: "blocking: stands at the stove",
      options: { longPollThreshold: 20 },
      main: kitchen(function* (k) {
        k.say("🍝 Table 1's chef waits 2 s for his water, standing at the stove (blocking).");
        blockThread(2000);
        if (currentDriver("stove").paused) {
          k.say(
            "   (In paused time he spins 40 real ms for the 2 s: the warning counts real time.)",
          );
        }
        k.say(`🍝 Table 1's water boils at ${clock(k)}; the pasta goes in (1 s).`);
        yield* sleep(1000);
        k.say(`🍝 Table 1 gets its pasta at ${clock(k)}.`);
      }),
    },
    {
      label: "the fix: sets a timer (sleep)",
      options: { longPollThreshold: 20 },
      main: kitchen(function* (k) {
        k.say("🍝 Table 1's chef sets a 2 s timer for his water (sleep).");
        yield* sleep(2000);
        k.say(`🍝 Table 1's water boils at ${clock(k)}; the pasta goes in (1 s).`);
        yield* sleep(1000);
        k.say(`🍝 Table 1 gets its pasta at ${clock(k)}.`);
      }),
    },
    {
      label: "heavy work goes to the back room (spawnBlocking)",
      // No 20 ms threshold here: the first job starts the pool's first worker thread from inside
      // a poll (about 10 ms, once per runtime), and the warning would name the pool, not a chef.
      main: kitchen(function* (k) {
        const backRoom = kitchenHost.backRoom;
        if (backRoom === null) {
          k.say("🥖 This kitchen has no back room: spawnBlocking needs Node's worker threads.");
          return;
        }
        const ms = currentDriver("stove").paused ? PAUSED_KNEAD_MS : 2000;
        k.say(
          "🥖 Table 1's dough goes to the back room (spawnBlocking): kneaded on a worker thread.",
        );
        yield* backRoom<number>(BACK_ROOM, "knead", ms);
        k.say(`🥖 Table 1's dough is back at ${clock(k)}; the stove was never blocked.`);
        if (currentDriver("stove").paused) {
          k.say(
            "   (In paused time the back room kneads for 40 real ms, which take no kitchen time: the paused clock stands still while real work is in flight.)",
          );
        }
      }),
    },
  ],
});
