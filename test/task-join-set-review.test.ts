import { afterEach, describe, expect, it, vi } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { run } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import { JoinSet } from "../src/task/join-set.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";
import { TimeoutError, timeout } from "../src/time/timeout.js";

const forever = () =>
  asyncBlock(function* () {
    yield* pending();
  });

/** The `why` each cancelled JoinError was made with, by task name. */
function spyWhy(): Map<string, string | undefined> {
  const seen = new Map<string, string | undefined>();
  const orig = JoinError.cancelled.bind(JoinError);
  vi.spyOn(JoinError, "cancelled").mockImplementation((id, name, cause, why) => {
    seen.set(name, why);
    return orig(id, name, cause, why);
  });
  return seen;
}

afterEach(() => vi.restoreAllMocks());

describe("JoinSet: who cancelled a member, and a shutdown a cleanup spawns into", () => {
  it("a member aborted because its JoinSet was disposed is said to be cancelled by the set", async () => {
    const why = spyWhy();
    await run(
      asyncBlock(function* () {
        const set = new JoinSet<void>();
        set.spawn(forever(), { name: "member" });
        yield* yieldNow();
        set[Symbol.dispose]();
        yield* yieldNow();
      }),
    );
    expect(why.get("member")).toBe("its JoinSet was disposed");
  });

  it("joinAll() failing aborts the other members, which are said to be cancelled because of it", async () => {
    const why = spyWhy();
    await run(
      asyncBlock(function* () {
        const set = new JoinSet<number>();
        set.spawn(
          asyncBlock(function* () {
            yield* pending();
            return 1;
          }),
          { name: "slow" },
        );
        set.spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            throw new Error("boom");
          }),
          { name: "bad" },
        );
        try {
          yield* set.joinAll();
        } catch {}
        yield* yieldNow();
      }),
    );
    expect(why.get("slow")).toBe("another member of its JoinSet failed while joinAll() waited");
  });

  it("shutdown() started, a member's cleanup spawns into the set: the new member is aborted at once, and the shutdown ends", async () => {
    const got = await run(
      asyncBlock(function* () {
        const set = new JoinSet<void>();
        set.spawn(
          asyncBlock(function* () {
            try {
              yield* pending();
            } finally {
              // A cleanup that hands work to the set (a reconnect, a flush).
              set.spawn(forever(), { name: "spawned-in-cleanup" });
            }
          }),
          { name: "first" },
        );
        yield* yieldNow();
        try {
          yield* timeout(60_000, set.shutdown());
          return "shut down";
        } catch (e) {
          return e instanceof TimeoutError ? `timed out, ${set.size} member(s) left` : String(e);
        }
      }),
      { clock: "paused" },
    );
    expect(got).toBe("shut down");
  });

  it("shutdown() waiting, another task calls detachAll(): shutdown throws rather than say every member has cleaned up", async () => {
    const got = await run(
      asyncBlock(function* () {
        const set = new JoinSet<void>();
        set.spawn(
          asyncBlock(function* () {
            try {
              yield* pending();
            } finally {
              yield* sleep(100);
            }
          }),
        );
        yield* yieldNow();
        spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            set.detachAll();
          }),
        );
        try {
          yield* set.shutdown();
          return "returned";
        } catch (e) {
          return `threw ${(e as Error).name}`;
        }
      }),
      { clock: "paused" },
    );
    expect(got).toBe("threw RuntimeStateError");
  });
});

describe("joinAll() and a set emptied under it", () => {
  it("joinAll() waiting, another task calls detachAll(): joinAll throws rather than pass the one output it had for every member's", async () => {
    const got = await run(
      asyncBlock(function* () {
        const set = new JoinSet<string>();
        set.spawn(
          asyncBlock(function* () {
            return "quick";
          }),
          { name: "quick" },
        );
        set.spawn(
          asyncBlock(function* () {
            yield* pending();
            return "slow";
          }),
          { name: "slow" },
        );
        spawn(
          asyncBlock(function* () {
            yield* yieldNow();
            yield* yieldNow();
            set.detachAll();
          }),
        );
        try {
          return `returned [${(yield* set.joinAll()).join(",")}]`;
        } catch (e) {
          return `threw ${(e as Error).name}`;
        }
      }),
    );
    expect(got).toBe("threw RuntimeStateError");
  });
});
