/**
 * Instrumentation: with a listener attached, the runtime reports every spawn, poll, wake and
 * completion as it happens, says who woke whom, and keeps tokio-console's per-task columns.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  FuturesUnordered,
  fromEvent,
  fromPromise,
  oneshot,
  Runtime,
  type RuntimeEvent,
  run,
  sleep,
  spawn,
  yieldNow,
} from "../src/index.js";

function kinds(events: RuntimeEvent[], task: number): string[] {
  return events
    .filter((e) => "task" in e && e.task === task)
    .map((e) => (e.kind === "poll-end" ? `poll-end:${e.result}` : e.kind));
}

describe("who woke whom, for I/O sources", () => {
  it("a task woken by an event its fromEvent stream was waiting for is woken by that event", async () => {
    const events: RuntimeEvent[] = [];
    const target = new EventTarget();
    const rt = new Runtime({ instrument: (e) => events.push(e) });
    const h = rt.spawn(
      asyncBlock(function* () {
        return yield* fromEvent(target, "order").next();
      }),
      { name: "listener" },
    );
    await new Promise((r) => setImmediate(r));
    target.dispatchEvent(new Event("order"));
    await h;
    const wake = events.find((e) => e.kind === "wake");
    expect(wake).toMatchObject({ by: { kind: "io", source: "event 'order'" }, self: false });
    await rt.shutdown();
  });
});

describe("instrumentation events", () => {
  it("a task that sleeps once: spawn, poll → pending, wake by a timer, poll → ready, complete", async () => {
    const events: RuntimeEvent[] = [];
    const cookDish = asyncFn(function* cookDish() {
      yield* sleep(3000);
      return "Pasta";
    });
    await run(
      asyncBlock(function* main() {
        return yield* spawn(cookDish(), { name: "chef 1" });
      }),
      { clock: "paused", instrument: (e) => events.push(e) },
    );
    const spawnOf = events.find((e) => e.kind === "spawn" && e.name === "chef 1");
    expect(spawnOf).toBeDefined();
    const id = (spawnOf as { task: number }).task;
    const seq = kinds(events, id).filter((k) => !k.startsWith("timer"));
    expect(seq).toEqual([
      "spawn",
      "poll-start",
      "poll-end:pending",
      "wake",
      "poll-start",
      "poll-end:ready",
      "complete",
    ]);
    const wake = events.find((e) => e.kind === "wake" && e.task === id);
    expect(wake).toMatchObject({ by: { kind: "timer" }, self: false });
    const pendingEnd = events.find(
      (e) => e.kind === "poll-end" && e.task === id && e.result === "pending",
    );
    expect(pendingEnd).toMatchObject({ awaiting: [expect.stringMatching(/^cookDish → /)] });
    const done = events.find((e) => e.kind === "complete" && e.task === id);
    expect(done).toMatchObject({ outcome: "ok", at: 3000 });
    // The parent of chef 1 is main.
    const mainId = (events.find((e) => e.kind === "spawn" && e.name === "main") as { task: number })
      .task;
    expect(spawnOf).toMatchObject({ parent: mainId });
  });

  it("says who woke whom: a task, the task itself, a promise", async () => {
    const events: RuntimeEvent[] = [];
    await run(
      asyncBlock(function* main() {
        yield* yieldNow(); // a self-wake
        yield* fromPromise(() => Promise.resolve(1)); // a promise's wake
        const h = spawn(
          asyncBlock(function* () {}),
          { name: "helper" },
        );
        yield* h; // woken by the helper's completion
      }),
      { instrument: (e) => events.push(e) },
    );
    const mainId = (events.find((e) => e.kind === "spawn" && e.name === "main") as { task: number })
      .task;
    const helperId = (
      events.find((e) => e.kind === "spawn" && e.name === "helper") as { task: number }
    ).task;
    const wakes = events.filter((e) => e.kind === "wake" && e.task === mainId);
    expect(wakes.map((w) => (w.kind === "wake" ? [w.by.kind, w.self] : null))).toEqual([
      ["task", true],
      ["promise", false],
      ["task", false],
    ]);
    expect(wakes[2]).toMatchObject({ by: { kind: "task", task: helperId } });
  });

  it("reports panics and cancellations as outcomes", async () => {
    const events: RuntimeEvent[] = [];
    await run(
      asyncBlock(function* main() {
        const boom = spawn(
          asyncBlock(function* boom() {
            throw new Error("burnt");
          }),
          { name: "boom" },
        );
        const idle = spawn(sleep(10_000), { name: "idle" });
        try {
          yield* boom;
        } catch {}
        idle.abort();
      }),
      { clock: "paused", instrument: (e) => events.push(e) },
    );
    const outcomes = Object.fromEntries(
      events
        .filter((e) => e.kind === "complete")
        .map((e) => {
          const name = (
            events.find((s) => s.kind === "spawn" && s.task === (e as { task: number }).task) as {
              name: string;
            }
          ).name;
          return [name, (e as { outcome: string }).outcome];
        }),
    );
    expect(outcomes).toEqual({ boom: "panic", idle: "cancelled", main: "ok" });
  });

  it("keeps per-task columns: polls, wakes, self-wakes, busy time", async () => {
    const rt = new Runtime({ instrument: () => {} });
    const h = rt.spawn(
      asyncBlock(function* busy() {
        const until = performance.now() + 2;
        while (performance.now() < until) {} // a poll that takes real time
        for (let i = 0; i < 5; i++) yield* yieldNow();
      }),
      { name: "yielder" },
    );
    await h;
    const row = rt.taskStats().find((t) => t.name === "yielder")!;
    expect(row).toMatchObject({ polls: 6, wakes: 5, selfWakes: 5, done: true });
    expect(row.busyMs).toBeGreaterThanOrEqual(2);
    await rt.shutdown();
  });

  it("a listener can be attached later and detached", async () => {
    const rt = new Runtime();
    const events: RuntimeEvent[] = [];
    const stop = rt.instrument((e) => events.push(e));
    await rt.spawn(
      asyncBlock(function* () {}),
      { name: "one" },
    );
    stop();
    const before = events.length;
    await rt.spawn(
      asyncBlock(function* () {}),
      { name: "two" },
    );
    expect(before).toBeGreaterThan(0);
    expect(events.length).toBe(before);
    await rt.shutdown();
    expect(() => rt.instrument(42 as never)).toThrow(TypeError);
  });

  it("trace: true records the run for rt.traceEvents(); without it, a clear error", async () => {
    const rt = new Runtime({ trace: true, clock: "paused" });
    await rt.spawn(sleep(5), { name: "napper" });
    const trace = rt.traceEvents();
    const polls = trace.traceEvents.filter((e) => e.ph === "X" && e.cat === "poll");
    expect(polls.length).toBe(2);
    await rt.shutdown();
    const plain = new Runtime();
    expect(() => plain.traceEvents()).toThrow(/new Runtime\(\{ trace: true \}\)/);
    await plain.shutdown();
  });
});

describe("listeners and the probe", () => {
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // holds the thread: the long poll under test
    }
  };

  it("a listener that removes itself while an event is delivered does not make the next one miss it", async () => {
    const rt = new Runtime();
    const seenByB: string[] = [];
    const offA = rt.instrument(() => offA());
    rt.instrument((e) => seenByB.push(e.kind));
    await rt.spawn(asyncBlock(function* () {}));
    expect(seenByB[0]).toBe("spawn");
    await rt.shutdown();
  });

  it("a wake of a task that has finished is not reported", async () => {
    const events: RuntimeEvent[] = [];
    const rt = new Runtime({ instrument: (e) => events.push(e) });
    const h = rt.spawn(asyncBlock(function* () {}));
    await h;
    (h as unknown as { wake(): void }).wake();
    expect(events.filter((e) => e.kind === "wake")).toEqual([]);
    expect(rt.taskStats()[0]!.wakes).toBe(0);
    await rt.shutdown();
  });

  it("detaching the last listener takes the probe away: no events are built, no statistics kept", async () => {
    const rt = new Runtime();
    const off = rt.instrument(() => {});
    await rt.spawn(asyncBlock(function* () {}));
    expect(rt.taskStats().length).toBe(1);
    off();
    await rt.spawn(asyncBlock(function* () {}));
    expect(rt.taskStats()).toEqual([]);
    await rt.shutdown();
  });

  it("one slow poll is warned about once, even when a listener is attached while the runtime hunts for a culprit", async () => {
    const warnings: string[] = [];
    const rt = new Runtime({
      onWarning: (w) => warnings.push(`${w.kind} ${w.task}`),
      longPollThreshold: 20,
    });
    // Two 12 ms polls in one turn: a slow turn that names both as suspects, and the hunt begins.
    await Promise.all([
      rt.spawn(
        asyncBlock(function* () {
          spin(12);
        }),
      ),
      rt.spawn(
        asyncBlock(function* () {
          spin(12);
        }),
      ),
    ]);
    expect(warnings).toEqual(["long-poll "]);
    rt.instrument(() => {});
    await rt.spawn(
      asyncBlock(function* () {
        spin(30);
      }),
      { name: "slow" },
    );
    expect(warnings).toEqual(["long-poll ", "long-poll slow"]);
    await rt.shutdown();
  });

  it("a task spawned before the first listener still has its slow polls timed and warned about", async () => {
    const warnings: string[] = [];
    const rt = new Runtime({
      onWarning: (w) => warnings.push(`${w.kind} ${w.task}`),
      longPollThreshold: 20,
    });
    const gate = oneshot.channel<void>();
    const h = rt.spawn(
      asyncBlock(function* () {
        yield* gate[1].recv();
        spin(30);
      }),
      { name: "early" },
    );
    await new Promise((r) => setImmediate(r));
    const off = rt.instrument(() => {});
    off();
    rt.instrument(() => {}); // a fresh probe: the task has no statistics row in it
    gate[0].send();
    await h;
    expect(warnings).toEqual(["long-poll early"]);
    await rt.shutdown();
  });

  it("a dump of a set of many futures in flight shows the first few and says how many more", async () => {
    const rt = new Runtime({ clock: "paused" });
    rt.spawn(
      asyncBlock(function* pass() {
        const orders = new FuturesUnordered<void>();
        for (let i = 0; i < 20; i++) orders.push(sleep(1000));
        yield* orders.next();
      }),
    );
    await new Promise((r) => setImmediate(r));
    const lines = String(rt.dump()).split("\n");
    expect(lines.filter((l) => l.includes("sleep until")).length).toBe(8);
    expect(lines.some((l) => l.includes("… 12 more"))).toBe(true);
    await rt.shutdown();
  });

  it("a spawn from a user's file under a folder named like one of Brigade's layers is reported where it is", async () => {
    const { spawnOrder } = await import("./fixtures/app/src/sync/orders.js");
    const [location] = await spawnOrder();
    expect(location).toMatch(/fixtures[/\\]app[/\\]src[/\\]sync[/\\]orders\.ts:\d+:\d+$/);
  });
});
