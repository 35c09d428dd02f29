/**
 * The runtime's own diagnostics, each against its bug and against the correct version of the same
 * code: a chef who won't leave the stove (a busy loop inside a poll) versus one who sets a timer;
 * a future that returns Pending without taking its pager versus one that keeps it.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  type Context,
  PENDING,
  pollFn,
  Runtime,
  type RuntimeEvent,
  type RuntimeWarning,
  run,
  sleep,
  spawn,
  type Waker,
  yieldNow,
} from "../src/index.js";

/** Hold the thread for `ms` of real time, as a blocking call would. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the chef stands at the stove
  }
}

const blockingChef = asyncFn(function* blockingChef(polls: number) {
  for (let i = 0; i < polls; i++) {
    blockFor(40);
    yield* sleep(10); // on the paused clock: the next poll comes in a turn of its own
  }
});

const patientChef = asyncFn(function* patientChef(polls: number) {
  for (let i = 0; i < polls; i++) yield* sleep(40);
});

describe("long polls", () => {
  it("a busy loop in a task's polls is reported with the task's name and the poll's duration", async () => {
    const warnings: RuntimeWarning[] = [];
    await run(
      asyncBlock(function* main() {
        yield* spawn(blockingChef(3), { name: "stove hog" });
      }),
      { clock: "paused", longPollThreshold: 20, onWarning: (w) => warnings.push(w) },
    );
    // The first slow turn also polled main: both are named as suspects, and from then on each poll
    // is timed, so the later slow polls are named exactly, with their duration.
    expect(warnings.every((w) => w.kind === "long-poll")).toBe(true);
    expect(warnings[0]!.task).toBe("");
    expect(warnings[0]!.message).toMatch(
      /^a turn of 2 task polls held the thread for \d+(\.\d)? ms: task 'main' or 'stove hog' did \(or a pause of the garbage collector, or code loaded on its first use, such as fetch's\)/,
    );
    const named = warnings.slice(1);
    expect(named.map((w) => w.task)).toEqual(["stove hog", "stove hog"]);
    expect(named[0]!.message).toMatch(
      /task 'stove hog' held the thread for \d+(\.\d)? ms in one poll/,
    );
  });

  it("a long poll of run()'s main carries no hint about spawn locations: run() spawned it", async () => {
    const warnings: RuntimeWarning[] = [];
    const options = { longPollThreshold: 20, onWarning: (w: RuntimeWarning) => warnings.push(w) };
    await run(
      asyncBlock(function* main() {
        blockFor(30);
      }),
      options,
    );
    // The same poll in a spawned task does get the hint.
    const rt = new Runtime(options);
    await rt.spawn(
      asyncBlock(function* () {
        blockFor(30);
      }),
      { name: "stove hog" },
    );
    await rt.shutdown();
    expect(warnings.map((w) => w.task)).toEqual(["main", "stove hog"]);
    expect(warnings[0]!.message).toMatch(
      /^task 'main' held the thread for [\d.]+ ms in one poll: is/,
    );
    expect(warnings[1]!.message).toMatch(
      /run with spawnLocations: true to see where it was spawned/,
    );
  });

  it("names where the task was spawned when spawn locations are on", async () => {
    const warnings: RuntimeWarning[] = [];
    await run(
      asyncBlock(function* main() {
        yield* spawn(blockingChef(3), { name: "stove hog" });
      }),
      {
        clock: "paused",
        longPollThreshold: 20,
        spawnLocations: true,
        onWarning: (w) => warnings.push(w),
      },
    );
    const named = warnings.find((w) => w.kind === "long-poll" && w.task === "stove hog");
    expect(named?.message).toMatch(/spawned at .*diagnostics-warnings\.test\.ts:\d+:\d+/);
  });

  it("a task that blocks once, in its last poll, is named as a suspect of its slow turn", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({ longPollThreshold: 20, onWarning: (w) => warnings.push(w) });
    await rt.spawn(
      asyncBlock(function* main() {
        // Main is polled again in the same turn, when the handle it awaits is ready: a turn of two
        // polls, which cannot be split without timing every poll.
        yield* spawn(
          asyncBlock(function* login() {
            yield* yieldNow();
            blockFor(30);
          }),
          { name: "POST /login" },
        );
      }),
      { name: "server" },
    );
    await rt.shutdown();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(
      /^a turn of \d task polls held the thread for [\d.]+ ms: task .*'POST \/login'/,
    );
  });

  it("a task that blocks in its last poll is still named with where it was spawned", async () => {
    const warnings: RuntimeWarning[] = [];
    const rt = new Runtime({
      longPollThreshold: 20,
      spawnLocations: true,
      onWarning: (w) => warnings.push(w),
    });
    await rt.spawn(
      asyncBlock(function* () {
        blockFor(30);
      }),
      { name: "stove hog" },
    );
    await rt.shutdown();
    expect(warnings.map((w) => w.task)).toEqual(["stove hog"]);
    expect(warnings[0]!.message).toMatch(/spawned at .*diagnostics-warnings\.test\.ts:\d+:\d+/);
  });

  it("the same cooking with sleep raises no warning", async () => {
    const warnings: RuntimeWarning[] = [];
    await run(
      asyncBlock(function* main() {
        yield* spawn(patientChef(3), { name: "patient chef" });
      }),
      { clock: "paused", longPollThreshold: 20, onWarning: (w) => warnings.push(w) },
    );
    expect(warnings).toEqual([]);
  });

  it("an instrumented runtime times every poll and names the culprit on its first long poll", async () => {
    const warnings: RuntimeWarning[] = [];
    const events: RuntimeEvent[] = [];
    await run(
      asyncBlock(function* main() {
        yield* spawn(blockingChef(1), { name: "stove hog" });
      }),
      {
        clock: "paused",
        longPollThreshold: 20,
        onWarning: (w) => warnings.push(w),
        instrument: (e) => events.push(e),
      },
    );
    expect(warnings.map((w) => [w.kind, w.task])).toEqual([["long-poll", "stove hog"]]);
    const warningEvent = events.find((e) => e.kind === "warning");
    expect(warningEvent).toMatchObject({ kind: "warning", warning: "long-poll" });
  });

  it("longPollThreshold: false turns the check off", async () => {
    const warnings: RuntimeWarning[] = [];
    await run(
      asyncBlock(function* main() {
        yield* spawn(blockingChef(2), { name: "stove hog" });
      }),
      { clock: "paused", longPollThreshold: false, onWarning: (w) => warnings.push(w) },
    );
    expect(warnings).toEqual([]);
  });

  it("rejects a negative threshold with a RangeError and a non-number with a TypeError, naming the option", () => {
    expect(() =>
      run(
        asyncBlock(function* () {}),
        { longPollThreshold: -1 },
      ),
    ).toThrow(/options.longPollThreshold must be a number of milliseconds/);
    expect(() =>
      run(
        asyncBlock(function* () {}),
        { longPollThreshold: "10" as never },
      ),
    ).toThrow(TypeError);
  });
});

describe("lost wakers", () => {
  it("a poll that returns Pending without reading cx.waker is reported at once with the task's name", async () => {
    const warnings: RuntimeWarning[] = [];
    const forgetful = pollFn<number>(() => PENDING); // never takes the pager
    await expect(
      run(
        asyncBlock(function* main() {
          yield* spawn(forgetful, { name: "forgetful chef" });
        }),
        { onWarning: (w) => warnings.push(w) },
      ),
    ).rejects.toThrow(/all tasks are asleep/);
    expect(warnings.map((w) => [w.kind, w.task])).toEqual([["lost-waker", "forgetful chef"]]);
    expect(warnings[0]!.message).toMatch(/returned Pending without reading cx.waker/);
  });

  it("a future that keeps its waker and is woken later raises no warning", async () => {
    const warnings: RuntimeWarning[] = [];
    let pager: Waker | null = null;
    let ready = false;
    const careful = pollFn<number>((cx: Context) => {
      if (ready) return 7;
      pager = cx.waker;
      return PENDING;
    });
    const value = await run(
      asyncBlock(function* main() {
        const h = spawn(careful, { name: "careful chef" });
        yield* yieldNow();
        yield* yieldNow();
        ready = true;
        pager!.wake();
        return yield* h;
      }),
      { onWarning: (w) => warnings.push(w) },
    );
    expect(value).toBe(7);
    expect(warnings).toEqual([]);
  });

  it("pending() is never reported: it is never woken on purpose", async () => {
    const warnings: RuntimeWarning[] = [];
    const { pending } = await import("../src/index.js");
    const h = run(
      asyncBlock(function* main() {
        yield* pending();
      }),
      { onWarning: (w) => warnings.push(w) },
    );
    await expect(h).rejects.toThrow(/all tasks are asleep/);
    expect(warnings).toEqual([]);
  });
});
