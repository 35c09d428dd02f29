/**
 * Hunt: does a task dump draw what each task really waits on? A dump is a photograph; a task
 * photographed in the middle of its own poll is not waiting on anything yet, and must not be drawn
 * suspended at an await it has already passed.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn, join, Runtime, sleep } from "../src/index.js";

const cookDish = asyncFn(function* cookDish(ms: number) {
  yield* sleep(ms);
});

describe("a dump taken by the task being polled", () => {
  it("a task that awaited cookDish, then dumps from inside a join, is drawn as running, not as still inside the finished cookDish", async () => {
    const rt = new Runtime({ clock: "paused" });
    let photo = "";
    await rt.spawn(
      asyncBlock(function* dumper() {
        yield* cookDish(5); // suspended here once: the await the stale record remembers
        yield* join(
          cookDish(1),
          asyncBlock(function* peek() {
            photo = String(rt.dump());
          }),
        );
      }),
      { name: "dumper" },
    );
    expect(photo).toMatch(/^task \d+ 'dumper' \(running\)\n└─ /);
    expect(photo).not.toMatch(/cookDish/);
    expect(photo).toMatch(/being polled/);
    await rt.shutdown();
  });

  it("a task parked on a sleep, dumped by another task's poll, still shows its whole await chain", async () => {
    const rt = new Runtime({ clock: "paused" });
    const napper = rt.spawn(
      asyncBlock(function* napper() {
        yield* cookDish(50);
      }),
      { name: "napper" },
    );
    let photo = "";
    await rt.spawn(
      asyncBlock(function* photographer() {
        yield* sleep(1);
        photo = String(rt.dump());
      }),
      { name: "photographer" },
    );
    expect(photo).toContain(
      "task 1 'napper' (idle)\n└─ napper\n   └─ cookDish\n      └─ sleep until t=50 ms",
    );
    expect(photo).toMatch(/'photographer' \(running\)/);
    await napper;
    await rt.shutdown();
  });
});
