import { describe, expect, it } from "vitest";
import { select } from "../src/combinator/select.js";
import type { Context } from "../src/future/context.js";
import { explainEvent, narrate, type TimerInfo } from "../src/kitchen/narrator.js";
import { playScene } from "../src/kitchen/play.js";
import type { Entry, Recording, WatchEntry } from "../src/kitchen/recording.js";
import { findScene } from "../src/kitchen/scenes/index.js";
import type { RuntimeEvent } from "../src/runtime/events.js";
import { Gate, MockTask, type PENDING } from "./future-testkit.js";

/**
 * What the kitchen tells a learner, checked against what the runtime did: a bell is called late
 * only when something held it up, and a poll count that looks too high is explained from the polls.
 */

/** Narrate a 1 s timer set at 0 whose bell rings at `firedAt` (ms on the runtime's clock). */
function bellAt(firedAt: number): string {
  const names = new Map([[1, "main"]]);
  const timers = new Map<number, TimerInfo>();
  const register: RuntimeEvent = {
    kind: "timer-register",
    at: 0,
    wall: 0,
    timer: 7,
    task: 1,
    deadline: 1000,
  };
  explainEvent(register, names, timers);
  return explainEvent({ kind: "timer-fire", at: firedAt, wall: 0, timer: 7 }, names, timers);
}

describe("the bell's lateness", () => {
  it("a bell that rings 1.2 ms after its deadline (Node's timer slack on the real clock) is not called late", () => {
    expect(bellAt(1001.2)).toBe("🔔 the bell rings: the 1 s timer is up");
    expect(bellAt(1009)).toBe("🔔 the bell rings: the 1 s timer is up");
  });

  it("a bell held up by a blocked thread for 1 s rings late, and says so", () => {
    expect(bellAt(2000)).toBe(
      "🔔 the bell rings: the 1 s timer is up, 1 s late (nobody could ring it sooner)",
    );
    expect(bellAt(1010)).toMatch(/, 10 ms late/);
  });
});

describe("the order scene explains why a course is polled more often than its bell rang", () => {
  it("after the dessert's bell, the scene names the courses join polled again while still cooking, read from their polls", async () => {
    const [r] = await playScene(findScene("order")!, "paused");
    const says = r!.entries.filter((e) => e.type === "say");
    const note = says.find((e) => /polled again, still cooking/.test(e.text));
    expect(note).toBeDefined();
    expect(note!.text).toMatch(/^ {3}Appetizer and Main were polled again/);
    expect(note!.at).toBe(1000);
    // What the note claims is in the recording: at 1 s, Appetizer and Main were each polled and
    // stayed Pending, in the same task poll that found the Dessert Ready.
    const at1s = r!.entries.filter(
      (e): e is WatchEntry => e.type === "watch" && e.at === 1000 && e.seq < note!.seq,
    );
    const result = (label: string) => at1s.find((e) => e.label === label)?.result;
    expect(result("Appetizer")).toBe("pending");
    expect(result("Main")).toBe("pending");
    expect(result("Dessert")).toBe("ready");
    // Said once, not after every poll.
    expect(says.filter((e) => /polled again/.test(e.text))).toHaveLength(1);
  });
});

/** A gate that writes its label in `log` each time it is polled. */
class LoggedGate extends Gate {
  constructor(
    label: string,
    private readonly log: string[],
  ) {
    super(label);
  }

  override poll(cx: Context): string | typeof PENDING {
    this.log.push(this.label);
    return super.poll(cx);
  }
}

describe("the select scene's note says what select does", () => {
  it("the note says select's first pick comes from the runtime's seed and then takes turns, and three polls of a select start at alternating drinks", async () => {
    const [r] = await playScene(findScene("select")!, "paused");
    const note = r!.entries.find((e) => e.type === "say" && /runtime's seed/.test(e.text));
    expect(note?.type === "say" && note.text).toMatch(
      /starts at a drink drawn from the runtime's seed, so this scene plays the same every time, then takes turns/,
    );
    const log: string[] = [];
    const task = new MockTask(
      select(new LoggedGate("coffee", log), new LoggedGate("cocktail", log)),
    );
    for (let i = 0; i < 3; i++) task.poll();
    // Each poll polls both drinks; the one polled first alternates: not a fresh draw each poll.
    const firsts = [log[0], log[2], log[4]];
    expect(log).toHaveLength(6);
    expect(firsts[1]).not.toBe(firsts[0]);
    expect(firsts[2]).toBe(firsts[0]);
  });
});

describe("where a failed take's error is told", () => {
  it("lock: the deadlock report comes where run() gave up, before main's card is torn up and the teardown's wakes", async () => {
    const [stuck] = await playScene(findScene("lock")!, "paused");
    const lines = narrate(stuck!, { explain: true });
    const failure = lines.findIndex((l) => l.layer === "failure");
    const tornUp = lines.findIndex((l) => /the card of 'main' was torn up/.test(l.text));
    expect(lines.filter((l) => l.layer === "failure")).toHaveLength(1);
    expect(lines[failure]!.text).toMatch(/^💥 DeadlockError: all tasks are asleep/);
    expect(tornUp).toBe(failure + 1);
    // Every wake and teardown after the report is one the report explains: nothing was polled.
    expect(lines.slice(failure + 1).some((l) => /the manager polls/.test(l.text))).toBe(false);
    // The page replays it with the event it explains: same seq as main's completion.
    expect(lines[failure]!.seq).toBe(lines[tornUp]!.seq);
  });

  it("a take whose main panicked (not torn up) keeps its error at the end, after main's completion", () => {
    const ev = (seq: number, event: Record<string, unknown>): Entry =>
      ({ type: "event", seq, at: 0, event: { at: 0, wall: 0, ...event } }) as Entry;
    const recording: Recording = {
      scene: "burnt",
      title: "Burnt",
      take: null,
      clock: "paused",
      failure: "RangeError: too hot",
      entries: [
        ev(0, {
          kind: "spawn",
          task: 1,
          name: "main",
          parent: null,
          location: null,
          cleanup: false,
        }),
        ev(1, { kind: "poll-start", task: 1 }),
        ev(2, { kind: "poll-end", task: 1, result: "panic", duration: 0, awaiting: null }),
        ev(3, { kind: "complete", task: 1, outcome: "panic", error: "RangeError: too hot" }),
      ],
    };
    const lines = narrate(recording, { explain: true });
    expect(lines.at(-1)).toMatchObject({
      layer: "failure",
      seq: 4,
      text: "💥 RangeError: too hot",
    });
    expect(lines.filter((l) => l.layer === "failure")).toHaveLength(1);
  });
});

describe("await chains show the scene's own code, not the kitchen's plumbing", () => {
  it("lazy: main's chains start at the scene's headChef, and the scene's clock still starts at its first poll", async () => {
    const [r] = await playScene(findScene("lazy")!, "paused");
    const chains = r!.entries.flatMap((e) =>
      e.type === "event" && e.event.kind === "poll-end" && e.event.task === 1
        ? (e.event.awaiting ?? [])
        : [],
    );
    expect(chains.length).toBeGreaterThan(0);
    for (const c of chains) expect(c).toMatch(/^headChef → /);
    const says = r!.entries.filter((e) => e.type === "say");
    expect(says.map((e) => e.at)).toEqual([0, 1000, 1000, 1000, 4000, 4000]);
  });

  it("lock: the deadlock report names main's wait as the scene wrote it (main → headChef → join)", async () => {
    const [stuck] = await playScene(findScene("lock")!, "paused");
    expect(stuck!.failure).toMatch(/\n {2}main → headChef → join → JoinHandle of 'chef 1'\n/);
  });
});
