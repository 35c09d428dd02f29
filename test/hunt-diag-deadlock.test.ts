/**
 * Hunt: when `run()` says "all tasks are asleep", does the message tell the truth, and tell the
 * reader what to do? Brigade cannot see a host callback (a raw setTimeout, an emitter) that will
 * cancel a token or send on a channel: the report must say so whenever a leaf could be ended that
 * way, and stay quiet when no callback could help (a task parked on `pending()`).
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  CancellationToken,
  DeadlockError,
  Mutex,
  oneshot,
  pending,
  Runtime,
  run,
  spawn,
  yieldNow,
} from "../src/index.js";
import { allAsleep } from "../src/runtime/deadlock.js";
import { deadlockOf } from "./deadlock-testkit.js";

describe("the all-asleep report names what Brigade cannot see", () => {
  it("main waits on a token that a raw setTimeout would cancel later: the report names the token and says how to bridge the callback", async () => {
    const token = new CancellationToken();
    const timer = setTimeout(() => token.cancel(), 1_000);
    try {
      const error = await deadlockOf(
        run(
          asyncBlock(function* main() {
            yield* token.cancelled();
          }),
        ),
      );
      expect(error.waiting.map((w) => w.chains)).toEqual([
        [["main", "CancellationToken.cancelled()"]],
      ]);
      expect(error.message).toMatch(/callback Brigade cannot see \(a raw setTimeout, an emitter\)/);
      expect(error.message).toMatch(/fromPromise or fromEvent/);
      expect(error.message).toMatch(/\{ detectDeadlocks: false \}/);
    } finally {
      clearTimeout(timer);
    }
  });

  it("a oneshot receiver whose sender is kept by plain code gets the same hint", async () => {
    // The sender stays with plain code, which could send from any host callback.
    const [_tx, rx] = oneshot.channel<number>();
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          return yield* rx;
        }),
      ),
    );
    expect(error.message).toMatch(/callback Brigade cannot see/);
  });

  it("main waits on a task's handle and that task on a token: the hint comes, since cancelling the token would free both", async () => {
    const token = new CancellationToken();
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* spawn(token.cancelled(), { name: "table 4" });
        }),
      ),
    );
    expect(error.waiting.map((w) => w.name)).toEqual(["main", "table 4"]);
    expect(error.message).toMatch(/callback Brigade cannot see/);
  });

  it("a lock kept across an await by a task that is asleep too: the report names the holder and adds no hint about callbacks", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const [_tx, rx] = oneshot.channel<number>();
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const hoarder = spawn(
            asyncBlock(function* hoard() {
              using _key = yield* pantry.lock();
              yield* rx; // keeps the key while it waits
            }),
            { name: "hoarder" },
          );
          yield* yieldNow();
          using _key = yield* pantry.lock();
          yield* hoarder;
        }),
      ),
    );
    expect(error.message).toMatch(/pantry.*held by task 'hoarder'/);
    expect(error.message).not.toMatch(/cannot see/);
  });

  it("a mutex whose holder finished without releasing it (a guard kept in a const): the leaf says the holder has finished, and no callback hint follows", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* spawn(
            asyncBlock(function* forgetful() {
              const key = yield* pantry.lock(); // never released: const, not using
              key.value++;
            }),
            { name: "forgetful" },
          );
          using _key = yield* pantry.lock();
        }),
      ),
    );
    expect(error.message).toMatch(
      /pantry'\.lock\(\), held by task 'forgetful', which has finished without releasing it \(a guard kept with const instead of using\?\)/,
    );
    expect(error.message).not.toMatch(/cannot see/);
  });

  it("tasks parked on pending() and on each other's handles get no hint: no callback could wake them", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* spawn(pending(), { name: "table 2" });
        }),
      ),
    );
    expect(error.waiting.map((w) => w.name)).toEqual(["main", "table 2"]);
    expect(error.message).not.toMatch(/cannot see/);
  });
});

describe("the lock checks say what they assume", () => {
  it("a task that locks the pantry twice is stopped at the second lock, and the error says a guard counts as held by the task that locked it", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const error = await run(
      asyncBlock(function* main() {
        using _guard = yield* pantry.lock();
        try {
          using _again = yield* pantry.lock();
        } catch (e) {
          return e;
        }
      }),
    );
    expect(error).toBeInstanceOf(DeadlockError);
    expect((error as Error).message).toMatch(/which it already holds: it would wait forever/);
    // A guard handed to another task is a move JavaScript cannot see: the reader must learn the
    // rule the check applies, in case that is what their code did.
    expect((error as Error).message).toMatch(
      /a guard counts as held by the task that locked it, even once handed to another task/,
    );
  });
});

describe("the report's certainty across runtimes", () => {
  it("main waits on the handle of another runtime's task, which waits on a token: that handle is no certainty, so the hint comes", async () => {
    const kitchen2 = new Runtime();
    const token = new CancellationToken();
    const courier = kitchen2.spawn(token.cancelled(), { name: "courier" });
    const rt = new Runtime();
    rt.spawn(
      asyncBlock(function* main() {
        yield* courier;
      }),
      { name: "main" },
    );
    await new Promise((r) => setTimeout(r, 0)); // both polled once: parked
    // The report as the idle check would build it for `rt`, whose only task is main.
    const error = allAsleep(rt.liveTasks());
    expect(error.waiting.map((w) => w.chains)).toEqual([[["main", "JoinHandle of 'courier'"]]]);
    expect(error.message).toMatch(/callback Brigade cannot see/);
    token.cancel();
    await rt.shutdown();
    await kitchen2.shutdown();
  });
});
