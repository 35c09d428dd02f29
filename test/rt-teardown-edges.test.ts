/**
 * Teardown at the edges: a task aborted, a runtime shut down, or a future dropped by native code
 * outside any executor turn still runs its `finally` blocks inside its runtime (timers work there);
 * a `finally` that throws does not stop the other children of a combinator from being dropped; a
 * throwing listener does not stop the executor; an older `recv()` dropped late does not take the
 * newer one's wake.
 */
import { describe, expect, it, vi } from "vitest";
import {
  asyncBlock,
  Context,
  JoinError,
  join,
  mpsc,
  PENDING,
  pending,
  Runtime,
  race,
  receiverStream,
  run,
  select,
  sleep,
  spawn,
  Waker,
  yieldNow,
} from "../src/index.js";

const turn = () => new Promise((r) => setImmediate(r));

describe("teardown started outside the runtime", () => {
  it("abort() from native code: a finally that sleeps finishes, and the task is cancelled", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* sleep(1_000_000);
        } finally {
          log.push("finally start");
          yield* sleep(10);
          log.push("finally end");
        }
      }),
    );
    await turn();
    h.abort(); // outside any turn
    const error = await h.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JoinError);
    expect((error as JoinError).isCancelled()).toBe(true);
    expect(log).toEqual(["finally start", "finally end"]);
    await rt.shutdown();
    expect(rt.metrics()).toMatchObject({ liveTasks: 0, liveTimers: 0 });
  });

  it("shutdown() awaited from native code drives a sleeping finally to its end", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          yield* sleep(10);
          log.push("finally end");
        }
      }),
    );
    await turn();
    await rt.shutdown();
    expect(log).toEqual(["finally end"]);
    expect(rt.metrics()).toMatchObject({ liveTasks: 0, liveTimers: 0 });
  });

  it("a select's loser dropped by native code finishes its awaiting cleanup as a detached task", async () => {
    const rt = new Runtime();
    const log: string[] = [];
    const loser = asyncBlock(function* () {
      try {
        yield* pending();
      } finally {
        log.push("finally start");
        yield* yieldNow();
        log.push("finally end");
      }
    });
    const result = await rt.spawn(
      asyncBlock(function* () {
        return yield* select.biased(
          loser,
          asyncBlock(function* () {
            return 2;
          }),
        );
      }),
    );
    expect(result.value).toBe(2);
    result[Symbol.dispose](); // as `using` would, outside any turn
    for (let i = 0; i < 3; i++) await turn();
    expect(log).toEqual(["finally start", "finally end"]);
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });
});

describe("a finally that throws", () => {
  it("race still drops every loser, then throws the error", async () => {
    const rt = new Runtime({ clock: "paused" });
    const outcome = await rt.spawn(
      asyncBlock(function* () {
        const thrower = asyncBlock(function* () {
          try {
            yield* sleep(10_000);
          } finally {
            // biome-ignore lint/correctness/noUnsafeFinally: the bug under test
            throw new Error("finally threw");
          }
        });
        try {
          return yield* race(
            thrower,
            sleep(20_000),
            asyncBlock(function* () {
              yield* sleep(1);
              return "winner";
            }),
          );
        } catch (e) {
          return `caught ${(e as Error).message}`;
        }
      }),
    );
    expect(outcome).toBe("caught finally threw");
    expect(rt.metrics().liveTimers).toBe(0);
    await rt.shutdown();
  });
});

describe("callbacks that throw", () => {
  it("a throwing instrument listener is reported and the executor goes on", async () => {
    const rt = new Runtime();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    let n = 0;
    rt.instrument((e) => {
      if (e.kind === "poll-start" && ++n === 2) throw new Error("listener bug");
    });
    const h = rt.spawn(
      asyncBlock(function* () {
        yield* yieldNow();
        yield* yieldNow();
        return 1;
      }),
    );
    const other = rt.spawn(
      asyncBlock(function* () {
        return 2;
      }),
    );
    expect(await h).toBe(1);
    expect(await other).toBe(2);
    expect(errors.mock.calls.some((c) => String(c[0]).includes("listener bug"))).toBe(true);
    errors.mockRestore();
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });
});

describe("two recv() futures alive at once", () => {
  it("dropping the older one later does not unregister the newer one's waker", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<number>(4);
    const h = rt.spawn(
      asyncBlock(function* () {
        const first = yield* select.biased(rx.recv(), yieldNow());
        const stale = first.rest; // a recv() still pending
        const fresh = rx.recv();
        const r = yield* select.biased(
          fresh,
          asyncBlock(function* () {
            yield* yieldNow();
            stale[Symbol.dispose]();
            yield* pending();
          }),
        );
        return r.value;
      }),
    );
    for (let i = 0; i < 3; i++) await turn();
    tx.trySend(7);
    expect(await h).toBe(7);
    await rt.shutdown();
  });
});

describe("a handle dropped before its task finished", () => {
  it("no longer counts as watching: the task's later panic is reported", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    await run(
      asyncBlock(function* main() {
        const doomed = spawn(
          asyncBlock(function* doomed() {
            yield* sleep(10);
            throw new Error("burnt");
          }),
          { name: "doomed" },
        );
        // The handle loses the race and is dropped.
        yield* race(doomed, sleep(1));
        yield* sleep(20);
      }),
      { clock: "paused" },
    );
    const reported = errors.mock.calls.map((c) => String(c[0]));
    errors.mockRestore();
    expect(
      reported.some((m) => m.includes("task 'doomed' panicked while nothing was awaiting it")),
    ).toBe(true);
  });

  it("a handle still awaited is not reported twice: its panic reaches the awaiter only", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const caught = await run(
      asyncBlock(function* main() {
        const doomed = spawn(
          asyncBlock(function* doomed() {
            yield* sleep(10);
            throw new Error("burnt");
          }),
          { name: "doomed" },
        );
        try {
          yield* doomed;
          return "no panic";
        } catch (e) {
          return (e as JoinError).isPanic() ? "panic caught" : "other";
        }
      }),
      { clock: "paused" },
    );
    const reported = errors.mock.calls.map((c) => String(c[0]));
    errors.mockRestore();
    expect(caught).toBe("panic caught");
    expect(reported.some((m) => m.includes("'doomed' panicked"))).toBe(false);
  });
});

describe("cleanups already started when a sibling's finally throws", () => {
  it("are finished detached: the awaiting finally completes and its timer is released", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    const patient = asyncBlock(function* patient() {
      try {
        yield* sleep(1_000_000);
      } finally {
        log.push("patient finally start");
        yield* sleep(5);
        log.push("patient finally end");
      }
    });
    const brittle = asyncBlock(function* brittle() {
      try {
        yield* sleep(1_000_000);
      } finally {
        log.push("brittle throws");
        // biome-ignore lint/correctness/noUnsafeFinally: the case under test
        throw new Error("brittle boom");
      }
    });
    const h = rt.spawn(join(patient, brittle));
    await turn();
    h.abort();
    const outcome = await h.then(
      () => "ok",
      (e: unknown) => ((e as JoinError).isPanic() ? "panic" : "cancelled"),
    );
    await rt.shutdown();
    expect(outcome).toBe("panic");
    expect(log).toEqual(["patient finally start", "brittle throws", "patient finally end"]);
    expect(rt.metrics()).toMatchObject({ liveTasks: 0, liveTimers: 0 });
  });
});

describe("a recv() and a direct poller of the same receiver", () => {
  it("dropping the older recv() does not unregister the direct poller's waker", () => {
    const [tx, rx] = mpsc.channel<number>(4);
    let streamWakes = 0;
    const stale = rx.recv();
    expect(stale.poll(new Context(Waker.noop()))).toBe(PENDING);
    const stream = receiverStream(rx);
    expect(stream.pollNext(new Context(Waker.from(() => streamWakes++)))).toBe(PENDING);
    stale[Symbol.dispose]();
    tx.trySend(1);
    expect(streamWakes).toBe(1);
  });
});
