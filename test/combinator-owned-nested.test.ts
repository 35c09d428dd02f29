/**
 * A guard inside an array a combinator produced (a nested join's output, what `collect` gathered, a
 * chunk) is left over with it: it is disposed too, as Rust drops a tuple or `Vec` with every guard
 * inside, instead of holding its lock for ever.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Future,
  iter,
  join,
  Mutex,
  race,
  run,
  sleep,
  tryJoin,
} from "../src/index.js";
import { Gate } from "./future-testkit.js";

describe("owned values nested in a left-over container", () => {
  it("tryJoin(join(a.lock(), b.lock()), fails after 5 ms): the inner join finishes with both guards, the other child throws, and both locks are free", async () => {
    const locked = await run(
      asyncBlock(function* () {
        const a = new Mutex(0);
        const b = new Mutex(0);
        const failing = asyncBlock(function* () {
          yield* sleep(5);
          throw new Error("boom");
        });
        try {
          yield* tryJoin(join(a.lock(), b.lock()), failing);
        } catch {}
        return [a.isLocked(), b.isLocked()];
      }),
      { clock: "paused" },
    );
    expect(locked).toEqual([false, false]);
  });

  it("race(collect() of a stream of guards that then waits, sleep(1)): the sleep wins, collect is dropped holding a guard, and the lock is free", async () => {
    const locked = await run(
      asyncBlock(function* () {
        const m = new Mutex(0);
        const s = iter<Future<unknown>>([m.lock(), new Gate<unknown>("never")]).andThen((f) => f);
        yield* race(s.collect(), sleep(1));
        return m.isLocked();
      }),
      { clock: "paused" },
    );
    expect(locked).toBe(false);
  });

  it("race(chunks(2).next() over a guard then a wait, sleep(1)): the sleep wins, the chunk in progress is dropped, and the lock is free", async () => {
    const locked = await run(
      asyncBlock(function* () {
        const m = new Mutex(0);
        const s = iter<Future<unknown>>([m.lock(), new Gate<unknown>("never")])
          .andThen((f) => f)
          .chunks(2);
        yield* race(s.next(), sleep(1));
        s[Symbol.dispose]();
        return m.isLocked();
      }),
      { clock: "paused" },
    );
    expect(locked).toBe(false);
  });
});
