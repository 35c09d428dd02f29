import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_SPAN, type SlotList, type TimerEntry, UNLINKED, Wheel } from "../src/time/wheel.js";

/** A wheel entry that records when (at which wheel time) it fired. */
class Entry implements TimerEntry<null> {
  when = 0;
  slot: SlotList<null> | number = UNLINKED;
  prevEntry: TimerEntry<null> | null = null;
  nextEntry: TimerEntry<null> | null = null;
  firedAt = -1;
  abandoned = false;
  constructor(
    readonly id: number,
    private readonly wheel: Wheel,
    private readonly log: Entry[],
  ) {}
  fire(): void {
    this.firedAt = this.wheel.elapsed;
    this.log.push(this);
  }
  abandon(): void {
    this.abandoned = true;
  }
}

function setup() {
  const wheel = new Wheel(null);
  const log: Entry[] = [];
  let next = 0;
  const add = (when: number) => {
    const e = new Entry(next++, wheel, log);
    wheel.insert(e, when);
    return e;
  };
  return { wheel, log, add };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

describe("timer wheel", () => {
  it("fires entries due at the same tick in the order they were inserted", () => {
    const { wheel, log, add } = setup();
    const entries = Array.from({ length: 100 }, () => add(5));
    expect(wheel.advanceTo(4)).toBe(0);
    expect(wheel.advanceTo(5)).toBe(100);
    expect(log).toEqual(entries);
  });

  it("fires distinct deadlines earliest first whatever the insertion order", () => {
    const { wheel, log, add } = setup();
    const whens = [900, 3, 70, 64, 5000, 63, 1, 4096, 65];
    for (const w of whens) add(w);
    wheel.advanceTo(10_000);
    expect(log.map((e) => e.when)).toEqual([...whens].sort((a, b) => a - b));
    expect(log.every((e) => e.firedAt === e.when)).toBe(true);
  });

  it("cascades an entry through every level and fires it exactly on its tick", () => {
    // One deadline per level: ms, seconds, minutes, hours, days, and past a year.
    const whens = [37, 3 * SECOND, 5 * MINUTE + 7, 3 * HOUR + 11, 20 * DAY + 13, YEAR + 17];
    for (const when of whens) {
      const { wheel, log, add } = setup();
      const e = add(when);
      // Step to just before the deadline by the wheel's own expirations (cascades fire nothing).
      for (let next = wheel.nextExpiration(); next < when; next = wheel.nextExpiration()) {
        expect(wheel.advanceTo(next)).toBe(0);
      }
      expect(wheel.nextExpiration()).toBe(when);
      expect(wheel.advanceTo(when - 1)).toBe(0);
      expect(wheel.advanceTo(when)).toBe(1);
      expect(log).toEqual([e]);
      expect(e.firedAt).toBe(when);
      expect(wheel.size).toBe(0);
    }
  });

  it("keeps insertion order for equal deadlines when one entry cascaded and the other did not", () => {
    const { wheel, log, add } = setup();
    const early = add(5000); // level 2 at tick 0
    wheel.advanceTo(4990);
    const late = add(5000); // level 0 now
    wheel.advanceTo(5000);
    expect(log).toEqual([early, late]);
  });

  it("fires a deadline further than one full rotation exactly on time", () => {
    const { wheel, log, add } = setup();
    const when = MAX_SPAN * 2 + 12345;
    const e = add(when);
    let steps = 0;
    while (wheel.size > 0 && steps++ < 1000) wheel.advanceTo(wheel.nextExpiration());
    expect(log).toEqual([e]);
    expect(e.firedAt).toBe(when);
  });

  it("removing an entry takes it out in O(1) and it never fires", () => {
    const { wheel, log, add } = setup();
    const a = add(10);
    const b = add(10);
    const c = add(10);
    wheel.remove(b);
    expect(b.slot).toBe(UNLINKED);
    expect(wheel.size).toBe(2);
    wheel.advanceTo(20);
    expect(log).toEqual([a, c]);
  });

  it("reports Infinity as the next expiration once the last entry is removed", () => {
    const { wheel, add } = setup();
    const a = add(100_000);
    expect(wheel.nextExpiration()).toBeLessThanOrEqual(100_000);
    wheel.remove(a);
    expect(wheel.nextExpiration()).toBe(Number.POSITIVE_INFINITY);
  });

  it("an entry that removes a later entry of the same slot while firing stops it from firing", () => {
    const wheel = new Wheel(null);
    const log: Entry[] = [];
    const b = new Entry(1, wheel, log);
    const a = new (class extends Entry {
      override fire(): void {
        super.fire();
        wheel.remove(b);
      }
    })(0, wheel, log);
    wheel.insert(a, 7);
    wheel.insert(b, 7);
    expect(wheel.advanceTo(7)).toBe(1);
    expect(log).toEqual([a]);
    expect(wheel.size).toBe(0);
  });

  it("an entry on the wheel leads to its wheel and owner through its slot, and firing hands it the owner", () => {
    const owner = { name: "the bells" };
    const wheel = new Wheel(owner, 100);
    const firedWith: unknown[] = [];
    const entry: TimerEntry<typeof owner> = {
      when: 0,
      slot: UNLINKED,
      prevEntry: null,
      nextEntry: null,
      fire: (o) => firedWith.push(o),
      abandon: () => {},
    };
    wheel.insert(entry, 5000);
    const slot = entry.slot as SlotList<typeof owner>;
    expect(typeof slot).toBe("object");
    expect(slot.wheel).toBe(wheel);
    expect(slot.wheel.owner).toBe(owner);
    expect(slot.head).toBe(entry);
    wheel.advanceTo(5000);
    expect(firedWith).toEqual([owner]);
    expect(entry.slot).toBe(UNLINKED);
  });

  it("clear unlinks every entry and tells each it was abandoned", () => {
    const { wheel, add } = setup();
    const entries = [add(3), add(3000), add(3 * DAY)];
    const seen: TimerEntry[] = [];
    wheel.clear((e) => {
      seen.push(e);
      e.abandon();
    });
    expect(wheel.size).toBe(0);
    expect(seen.length).toBe(3);
    expect(entries.every((e) => e.abandoned && e.slot === UNLINKED)).toBe(true);
  });
});

/** An operation of a random schedule. */
type Op =
  | { kind: "insert"; delay: number }
  | { kind: "cancel"; pick: number }
  | { kind: "advance"; by: number };

const delayArb = fc.oneof(
  fc.integer({ min: 1, max: 70 }),
  fc.integer({ min: 1, max: 5000 }),
  fc.integer({ min: 1, max: 2 ** 24 }),
  fc.integer({ min: 1, max: 2 ** 37 }),
  fc.constantFrom(64, 4096, 262144, 2 ** 24, 2 ** 30),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: delayArb.map((delay) => ({ kind: "insert" as const, delay })) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: "cancel" as const, pick })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 2 ** 25 }),
        fc.integer({ min: 0, max: 2 ** 38 }),
      )
      .map((by) => ({ kind: "advance" as const, by })),
  },
);

describe("timer wheel against a sorted-list model", () => {
  it("random schedules of insert, cancel and advance fire the same entries, in the same order, at the same ticks", () => {
    // The wheel starts anywhere on the time line (a driver starts it at the host's current ms).
    const startArb = fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer({ min: 0, max: 2 ** 45 }),
    );
    fc.assert(
      fc.property(startArb, fc.array(opArb, { maxLength: 120 }), (start, ops) => {
        const wheel = new Wheel(null, start);
        const log: Entry[] = [];
        // The model: live timers as [when, id], fired in (when, insertion) order.
        let model: { when: number; id: number }[] = [];
        const modelLog: { id: number; at: number }[] = [];
        const live = new Map<number, Entry>();
        let now = start;
        let nextId = 0;
        for (const op of ops) {
          if (op.kind === "insert") {
            const e = new Entry(nextId++, wheel, log);
            wheel.insert(e, now + op.delay);
            live.set(e.id, e);
            model.push({ when: now + op.delay, id: e.id });
          } else if (op.kind === "cancel") {
            if (model.length === 0) continue;
            const victim = model[op.pick % model.length]!;
            wheel.remove(live.get(victim.id)!);
            live.delete(victim.id);
            model = model.filter((m) => m.id !== victim.id);
          } else {
            now += op.by;
            const due = model
              .filter((m) => m.when <= now)
              .sort((a, b) => a.when - b.when || a.id - b.id);
            for (const m of due) {
              modelLog.push({ id: m.id, at: m.when });
              live.delete(m.id);
            }
            model = model.filter((m) => m.when > now);
            wheel.advanceTo(now);
          }
          expect(wheel.size).toBe(model.length);
        }
        expect(log.map((e) => ({ id: e.id, at: e.firedAt }))).toEqual(modelLog);
        const earliest = Math.min(...model.map((m) => m.when));
        if (model.length > 0) expect(wheel.nextExpiration()).toBeLessThanOrEqual(earliest);
        else expect(wheel.nextExpiration()).toBe(Number.POSITIVE_INFINITY);
      }),
      { numRuns: 500 },
    );
  });
});
