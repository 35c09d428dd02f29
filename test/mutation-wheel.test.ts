/**
 * Tests written from a mutation run over the timer wheel (src/time/wheel.ts): each pins down a
 * behaviour that the rest of the suite let change unnoticed (the run's notes are in
 * scratch/mutation/). The top level is the only one whose busy slots can lie both ahead of the
 * current slot (this rotation) and behind it (the next one), so the search for the next busy slot
 * must look ahead first; the tests stand the wheel about a year in to get there.
 */
import { describe, expect, it } from "vitest";
import { type SlotList, type TimerEntry, UNLINKED, Wheel } from "../src/time/wheel.js";

/** Ticks spanned by one slot of the top level (level 5): 2^30 ms, about 12 days. */
const TOP_SLOT = 2 ** 30;

/** A wheel entry that records the wheel's time when it fired. */
class Entry implements TimerEntry<null> {
  when = 0;
  slot: SlotList<null> | number = UNLINKED;
  prevEntry: TimerEntry<null> | null = null;
  nextEntry: TimerEntry<null> | null = null;
  firedAt = -1;
  constructor(private readonly wheel: Wheel<null>) {}
  fire(): void {
    this.firedAt = this.wheel.elapsed;
  }
  abandon(): void {}
}

/** A wheel standing a little past the start of top-level slot `slot`, and a way to hang entries. */
function wheelAtTopSlot(slot: number) {
  const wheel = new Wheel<null>(null, slot * TOP_SLOT + 12_345);
  const add = (when: number) => {
    const e = new Entry(wheel);
    wheel.insert(e, when);
    return e;
  };
  return { wheel, add };
}

describe("the wheel's top level, ahead and behind its current slot", () => {
  it("standing in top slot 31, a timer in slot 33 of this rotation fires on time, before one in slot 17 of the next", () => {
    const { wheel, add } = wheelAtTopSlot(31);
    const soon = add(wheel.elapsed + 2 * TOP_SLOT);
    const later = add(wheel.elapsed + 50 * TOP_SLOT);
    expect(wheel.nextExpiration()).toBe(33 * TOP_SLOT);
    expect(wheel.advanceTo(soon.when)).toBe(1);
    expect(soon.firedAt).toBe(soon.when);
    expect(later.firedAt).toBe(-1);
    expect(wheel.advanceTo(later.when)).toBe(1);
    expect(later.firedAt).toBe(later.when);
  });

  it("standing in top slot 40, a timer in slot 45 of this rotation fires on time, before one in slot 35 of the next", () => {
    const { wheel, add } = wheelAtTopSlot(40);
    const soon = add(wheel.elapsed + 5 * TOP_SLOT);
    const later = add(wheel.elapsed + 59 * TOP_SLOT);
    expect(wheel.nextExpiration()).toBe(45 * TOP_SLOT);
    expect(wheel.advanceTo(soon.when)).toBe(1);
    expect(soon.firedAt).toBe(soon.when);
    expect(later.firedAt).toBe(-1);
    expect(wheel.advanceTo(later.when)).toBe(1);
    expect(later.firedAt).toBe(later.when);
  });
});

describe("the wheel's time", () => {
  it("advancing an empty wheel to tick 100 moves its time there; advancing to 50 afterwards does not move it back", () => {
    const wheel = new Wheel<null>(null);
    expect(wheel.advanceTo(100)).toBe(0);
    expect(wheel.elapsed).toBe(100);
    expect(wheel.advanceTo(50)).toBe(0);
    expect(wheel.elapsed).toBe(100);
  });
});
