import "../src/kitchen/node-host.js";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import type { Kitchen } from "../src/kitchen/kitchen.js";
import { explainEvent, narrate, type TimerInfo } from "../src/kitchen/narrator.js";
import { playScene, playTake } from "../src/kitchen/play.js";
import type { EventEntry, Recording, SayEntry } from "../src/kitchen/recording.js";
import { findScene } from "../src/kitchen/scenes/index.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { Runtime } from "../src/runtime/runtime.js";

async function play(id: string): Promise<Recording[]> {
  return playScene(findScene(id)!, "paused");
}

function events(r: Recording): EventEntry[] {
  return r.entries.filter((e): e is EventEntry => e.type === "event");
}

function says(r: Recording): SayEntry[] {
  return r.entries.filter((e): e is SayEntry => e.type === "say");
}

function names(r: Recording): Map<number, string> {
  const m = new Map<number, string>();
  for (const e of events(r)) if (e.event.kind === "spawn") m.set(e.event.task, e.event.name);
  return m;
}

describe("the explain layer follows the runtime's instrumentation", () => {
  it("the recording holds every event a second, independent listener on the same runtime receives, in order", async () => {
    for (const id of ["join", "spawn", "order", "lock"]) {
      const scene = findScene(id)!;
      for (const take of scene.takes) {
        const independent: RuntimeEvent[] = [];
        const tapped = {
          ...take,
          main: (k: Kitchen) =>
            asyncBlock(function* tap() {
              Runtime.current().instrument((e) => independent.push(e));
              return yield* take.main(k);
            }),
        };
        const r = await playTake(scene, tapped, "paused");
        const recorded = events(r).map((e) => e.event);
        // The tap subscribes during main's first poll: from then on both saw the same objects.
        expect(independent.length).toBeGreaterThan(3);
        expect(recorded.slice(recorded.length - independent.length)).toEqual(independent);
        for (let i = 1; i <= independent.length; i++) {
          expect(recorded.at(-i)).toBe(independent.at(-i));
        }
      }
    }
  });

  it("every runtime event gives exactly one machinery line, in the order the runtime reported it", async () => {
    for (const id of ["join", "spawn", "select", "lock"]) {
      for (const r of await play(id)) {
        const lines = narrate(r, { explain: true }).filter(
          (l) => l.layer === "machine" || l.layer === "warning",
        );
        expect(lines.map((l) => l.seq)).toEqual(events(r).map((e) => e.seq));
        expect(lines.map((l) => l.at)).toEqual(events(r).map((e) => e.at));
      }
    }
  });

  it("each poll line names the task the runtime polled, and each wake line the task it woke", async () => {
    const [r] = await play("spawn");
    const byName = names(r!);
    expect([...byName.values()]).toEqual(["main", "table 1", "table 2"]);
    const lines = new Map(narrate(r!, { explain: true }).map((l) => [l.seq, l.text]));
    for (const e of events(r!)) {
      const ev = e.event;
      if (ev.kind === "poll-start") {
        expect(lines.get(e.seq)).toBe(`the manager polls '${byName.get(ev.task)}'`);
      } else if (ev.kind === "wake") {
        expect(lines.get(e.seq)).toMatch(new RegExp(`→ the pager wakes '${byName.get(ev.task)}'$`));
      } else if (ev.kind === "poll-end") {
        expect(lines.get(e.seq)).toMatch(ev.result === "ready" ? /→ Ready/ : /→ Pending/);
      }
    }
  });

  it("a story line carries the clock and the task of the poll that printed it", async () => {
    for (const id of ["spawn", "order", "carbonara"]) {
      for (const r of await play(id)) {
        let polling: { task: number; at: number } | null = null;
        for (const e of r.entries) {
          if (e.type === "event" && e.event.kind === "poll-start") {
            polling = { task: e.event.task, at: e.at };
          } else if (e.type === "event" && e.event.kind === "poll-end") {
            polling = null;
          } else if (e.type === "say") {
            expect(polling).not.toBeNull();
            expect(e.task).toBe(polling!.task);
            expect(e.at).toBe(polling!.at);
          }
        }
      }
    }
  });

  it("join: the bell for the 4 s dish rings, the pager wakes main, the manager polls it again, Ready at 4 s", async () => {
    const [r] = await play("join");
    const texts = narrate(r!, { explain: true }).map((l) => `${l.at ?? ""} ${l.text}`);
    const registered = events(r!).flatMap((e) =>
      e.event.kind === "timer-register" ? [e.event.deadline - e.event.at] : [],
    );
    expect(registered).toEqual([3000, 4000]);
    expect(texts.find((t) => t.startsWith("0   → Pending"))).toMatch(
      /^0 {3}→ Pending: 'main' sets the dish aside, waiting on 2 timers \(3 s, 4 s\): .*cookDish/,
    );
    const tail = texts.slice(texts.findIndex((t) => t.startsWith("4000 🔔")));
    expect(tail.slice(0, 5)).toEqual([
      "4000 🔔 the bell rings: the 4 s timer is up",
      "4000 📟 the 4 s timer rang → the pager wakes 'main'",
      "4000 the manager polls 'main'",
      "4000 👨‍🍳 Chef finished cooking: Salad",
      "4000 🍽️ Dish: Pasta and Dish: Salad served together at 4 s, not 3 s + 4 s = 7 s.",
    ]);
    expect(tail[5]).toBe("4000   → Ready: 'main' has finished its card");
  });

  it("lazy: the card is polled zero times and prints nothing until the chef awaits it at 1 s", async () => {
    const [r] = await play("lazy");
    const lines = says(r!).map((s) => [s.at, s.text] as const);
    expect(lines[1]).toEqual([1000, "⏳ At 1 s the card is still on the counter: polled 0 times."]);
    expect(lines.find(([, t]) => t.startsWith("👨‍🍳 Chef started"))![0]).toBe(1000);
  });

  it("stove: the long-poll warning names the blocking chef, and only in the blocking take", async () => {
    const takes = await play("stove");
    const warnings = takes.map((r) =>
      events(r).flatMap((e) => (e.event.kind === "warning" ? [e.event] : [])),
    );
    expect(warnings[0]).toHaveLength(1);
    expect(warnings[0]![0]).toMatchObject({ warning: "long-poll" });
    expect(warnings[0]![0]!.message).toMatch(/^task 'table 1' held the thread/);
    expect(warnings[1]).toEqual([]);
    expect(warnings[2]).toEqual([]);
    // Blocking delays the soups that were ready at 1 s; the fixes serve them on time.
    const soupTimes = (r: Recording) =>
      says(r)
        .filter((s) => /gets its soup/.test(s.text))
        .map((s) => s.at);
    expect(soupTimes(takes[0]!)).toEqual([2000, 2000]);
    expect(soupTimes(takes[1]!)).toEqual([1000, 1000]);
    expect(soupTimes(takes[2]!)).toEqual([1000, 1000]);
  });

  it("lock: the key kept while waiting ends in a deadlock report naming both chefs; the right version serves both", async () => {
    const [stuck, right] = await play("lock");
    expect(stuck!.failure).toMatch(/^DeadlockError: all tasks are asleep/);
    expect(stuck!.failure).toMatch(/chef 1 → carbonara → /);
    expect(stuck!.failure).toMatch(
      /chef 2 → fetchCream → mutex 'walk-in key'.*held by task 'chef 1'/,
    );
    expect(right!.failure).toBeNull();
    expect(says(right!).at(-1)!.text).toMatch(/^🍽️ Both dishes go out/);
  });
});

describe("explainEvent", () => {
  const base = { at: 0, wall: 0 };
  it("says every kind of event in the seed's words", () => {
    const nm = new Map([
      [1, "main"],
      [2, "table 1"],
    ]);
    const timers = new Map<number, TimerInfo>();
    const say = (e: RuntimeEvent) => explainEvent(e, nm, timers);
    expect(
      say({
        ...base,
        kind: "spawn",
        task: 2,
        name: "table 1",
        parent: 1,
        location: null,
        cleanup: false,
      }),
    ).toBe("'main' hires 'table 1' and hands over a recipe card (spawn)");
    expect(say({ ...base, kind: "timer-register", timer: 7, task: 2, deadline: 3000 })).toBe(
      "⏲  'table 1' sets a 3 s timer on the reactor",
    );
    expect(
      say({ ...base, kind: "poll-end", task: 2, result: "pending", duration: 0.1, awaiting: null }),
    ).toBe("  → Pending: 'table 1' sets the dish aside, waiting on a 3 s timer");
    expect(say({ ...base, kind: "timer-fire", timer: 7 })).toBe(
      "🔔 the bell rings: the 3 s timer is up",
    );
    expect(
      say({ ...base, kind: "wake", task: 2, by: { kind: "timer", timer: 7 }, self: false }),
    ).toBe("📟 the 3 s timer rang → the pager wakes 'table 1'");
    expect(
      say({ ...base, kind: "wake", task: 1, by: { kind: "task", task: 2 }, self: false }),
    ).toBe("📟 'table 1' calls out → the pager wakes 'main'");
    expect(say({ ...base, kind: "wake", task: 1, by: { kind: "task", task: 1 }, self: true })).toBe(
      "📟 'main' has more to do right away → the pager wakes 'main'",
    );
    // The timer's wake has been told: a second wake from it would be a bug, and is said plainly.
    expect(
      say({ ...base, kind: "wake", task: 2, by: { kind: "timer", timer: 7 }, self: false }),
    ).toBe("📟 a timer rang → the pager wakes 'table 1'");
    expect(say({ ...base, kind: "timer-register", timer: 8, task: 2, deadline: 500 })).toBe(
      "⏲  'table 1' sets a 500 ms timer on the reactor",
    );
    expect(say({ ...base, kind: "timer-cancel", timer: 8 })).toBe(
      "the 500 ms timer is taken off the reactor (its card was torn up)",
    );
    expect(say({ ...base, kind: "complete", task: 2, outcome: "cancelled", error: null })).toBe(
      "✗ the card of 'table 1' was torn up (cancelled)",
    );
    expect(say({ ...base, kind: "event-loop-yield" })).toMatch(/Node's event loop/);
  });
});
