/**
 * Claims of docs/diagnostics.md, docs/channels.md, docs/streams-and-net.md and docs/kitchen.md
 * that no other test pinned: the task dump drawn in diagnostics.md is what `String(rt.dump())`
 * prints for that program, a self-deadlock names where the lock was taken only when asked to, a
 * stream is never a thenable, `for await` takes Brigade's streams as they are, and the kitchen's
 * `--list` and `--json` print what kitchen.md says.
 */
import { readFileSync } from "node:fs";
import { dirname, join as joinPath } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main as cli } from "../src/cli/main.js";
import {
  asyncBlock,
  asyncFn,
  DeadlockError,
  DONE,
  iter,
  join,
  Mutex,
  mpsc,
  Runtime,
  ready,
  run,
  type Stream,
  select,
  sleep,
  spawn,
  toAsyncIterable,
  yieldNow,
} from "../src/index.js";

const root = joinPath(dirname(fileURLToPath(import.meta.url)), "..");
const read = (file: string) => readFileSync(joinPath(root, file), "utf8");

describe("docs/diagnostics.md, Task dump", () => {
  it("a task parked in a join of two sleeps is drawn exactly as the doc draws it", async () => {
    const cookDish = asyncFn(function* cookDish(ms: number) {
      yield* sleep(ms);
    });
    const serveTable = asyncFn(function* serveTable() {
      yield* join(cookDish(3000), cookDish(4000));
    });
    const drawn = await run(
      asyncBlock(function* main() {
        spawn(serveTable(), { name: "table 1" });
        yield* yieldNow(); // table 1 runs up to its sleeps
        return String(Runtime.current().dump());
      }),
      { clock: "paused" },
    );
    const doc =
      /`String\(rt\.dump\(\)\)` draws it like the\s+seed's future diagram:\n\n```\n([\s\S]*?)```/.exec(
        read("docs/diagnostics.md"),
      )![1]!;
    const table = drawn.slice(drawn.indexOf("task 2 'table 1'"));
    expect(table.trimEnd()).toBe(doc.trimEnd());
  });
});

describe("docs/channels.md, self-deadlock", () => {
  async function lockTwice(m: Mutex<number>): Promise<DeadlockError> {
    return run(
      asyncBlock(function* takeTwice() {
        using _held = yield* m.lock();
        try {
          yield* m.lock();
        } catch (e) {
          return e as DeadlockError;
        }
        throw new Error("the second lock() was granted");
      }),
      { longPollThreshold: false }, // a first stack capture (trackCaller) can take 20 ms
    );
  }

  it("a task locks a mutex it holds: the DeadlockError names the task and the lock, and where it was taken only with trackCaller", async () => {
    const plain = await lockTwice(new Mutex(0, { name: "walk-in" }));
    expect(plain).toBeInstanceOf(DeadlockError);
    expect(plain.message).toMatch(
      /task 'main' waits for mutex 'walk-in', which it already holds: it would wait forever/,
    );
    expect(plain.message).not.toMatch(/taken at/);
    const tracked = await lockTwice(new Mutex(0, { name: "walk-in", trackCaller: true }));
    expect(tracked.message).toMatch(/which it already holds \(taken at .*hunt-docs-claims/);
  });
});

describe("docs/streams-and-net.md, the stream combinators", () => {
  it("a stream and every adapter on it have no then: awaiting one in an async function gives the stream itself", async () => {
    const base = iter([1, 2, 3]);
    const adapted = [
      base,
      iter([1]).map((x) => x),
      iter([1]).filter(() => true),
      iter([1]).take(1),
      iter([1]).andThen((x) => ready(x)),
      iter([1]).merge(iter([2])),
    ];
    for (const s of adapted) {
      expect("then" in s).toBe(false);
      expect(await (async () => s)()).toBe(s);
    }
  });

  it("for await takes a Brigade stream as it is, and a stream of your own through toAsyncIterable", async () => {
    const got: number[] = [];
    for await (const x of iter([1, 2, 3]).map((x) => x * 10)) got.push(x);
    expect(got).toEqual([10, 20, 30]);

    let n = 0;
    const mine: Stream<number> = { pollNext: () => (n < 3 ? n++ : DONE) };
    await expect(
      (async () => {
        for await (const _ of mine as unknown as AsyncIterable<number>) {
        }
      })(),
    ).rejects.toThrow(TypeError);
    const bridged: number[] = [];
    for await (const x of toAsyncIterable(mine)) bridged.push(x);
    expect(bridged).toEqual([0, 1, 2]);
  });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTTY: false },
    out,
    err,
  };
}

describe("docs/kitchen.md, The scenes and Options", () => {
  it("--list names the scenes in the order of the doc's table, which README's tour counts (1/10)", async () => {
    const c = capture();
    expect(await cli(["kitchen", "--list"], c.io)).toBe(0);
    const listed = c.out
      .join("\n")
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/)[0]);
    const section = /## The scenes\n([\s\S]*?)\n## /.exec(read("docs/kitchen.md"))![1]!;
    const table = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(table);
    expect(read("README.md")).toContain(`━━━ 1/${table.length} · `);
  });

  it("--json of a take that fails: entries numbered by seq, then one failure line carrying its error and no seq", async () => {
    const c = capture();
    expect(await cli(["kitchen", "lock", "--json"], c.io)).toBe(0);
    const lines = c.out.map((l) => JSON.parse(l));
    const failures = lines.filter((l) => l.type === "failure");
    expect(failures).toHaveLength(1); // the first take deadlocks; the second puts the key back
    expect(failures[0].error).toMatch(/^DeadlockError: all tasks are asleep/);
    expect("seq" in failures[0]).toBe(false);
    const firstTake = lines.slice(0, lines.indexOf(failures[0]));
    expect(firstTake.length).toBeGreaterThan(3);
    expect(firstTake.every((l) => ["event", "say", "watch", "show"].includes(l.type))).toBe(true);
    expect(firstTake.map((l) => l.seq)).toEqual(firstTake.map((_, i) => i));
    expect(lines.indexOf(failures[0])).toBeLessThan(lines.length - 1); // the second take follows
  });
});

describe("docs/cancellation.md, Who drops what: select's rest", () => {
  /** Three messages, 10 ms apart, taken by a loop of select(rx.recv(), sleep(60 s)); then live timers. */
  async function timersLeftAfterLoop(scoped: boolean): Promise<number> {
    return run(
      asyncBlock(function* main() {
        const [tx, rx] = mpsc.channel<string>(4);
        const waiter = spawn(
          asyncBlock(function* () {
            for (const m of ["soup", "steak", "tart"]) {
              yield* sleep(10);
              yield* tx.send(m);
            }
          }),
        );
        for (let i = 0; i < 3; i++) {
          // Each select waits for its message, so both branches were polled: the sleep is on the wheel.
          if (scoped) {
            using first = yield* select(rx.recv(), sleep(60_000));
            expect(first.index).toBe(0);
          } else {
            const first = yield* select(rx.recv(), sleep(60_000));
            expect(first.index).toBe(0);
          }
        }
        yield* waiter;
        return Runtime.current().metrics().liveTimers;
      }),
      { clock: "paused" },
    );
  }

  it("in a loop of select(rx.recv(), sleep(60_000)), every lost sleep stays on the wheel until its rest is dropped", async () => {
    expect(await timersLeftAfterLoop(false)).toBe(3);
  });

  it("the same loop with using first = yield* select(...) drops each lost sleep at the end of its turn: no timer is left", async () => {
    expect(await timersLeftAfterLoop(true)).toBe(0);
  });
});

describe("docs/diagnostics.md, Instrumentation", () => {
  it("rt.taskStats() is empty without a listener, counts the tasks spawned once one is attached, and is empty again once it is detached", async () => {
    const rt = new Runtime({ clock: "paused" });
    const twoSleeps = asyncBlock(function* () {
      yield* sleep(10);
      yield* sleep(10);
    });
    const before = rt.spawn(twoSleeps, { name: "before" });
    expect(rt.taskStats()).toEqual([]);
    const stop = rt.instrument(() => {});
    const after = rt.spawn(
      asyncBlock(function* () {
        yield* sleep(5);
      }),
      { name: "after" },
    );
    await before;
    await after;
    const rows = rt.taskStats();
    expect(rows.map((t) => [t.name, t.polls, t.done])).toEqual([["after", 2, true]]);
    for (const key of ["busyMs", "scheduledMs", "idleMs", "wakes", "selfWakes"] as const) {
      expect(typeof rows[0]![key]).toBe("number");
    }
    stop();
    expect(rt.taskStats()).toEqual([]);
    await rt.shutdown();
  });
});
