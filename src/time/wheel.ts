/**
 * The timer wheel: the kitchen's rack of egg timers. Every timer of a runtime hangs on one wheel,
 * which answers two questions cheaply: "when does the next timer ring?" and "ring everything due
 * by now, in order".
 *
 * Shape (Varghese & Lauck's hierarchical wheel, as in tokio): 6 levels of 64 slots. A slot of
 * level 0 spans 1 ms (one tick), a slot of level 1 spans 64 ms, of level 2 4,096 ms, and so on up
 * to level 5, whose slots span 2^30 ms (~12 days) and whose whole rotation is 2^36 ms (~2.2
 * years). An entry due at tick `when` goes to the lowest level whose current rotation still
 * contains `when` (the highest 6-bit group in which `when` and `elapsed` differ), in the slot that
 * `when`'s bits of that level name.
 *
 * - Insert and remove are O(1): each slot is an intrusive doubly linked list threaded through the
 *   entries themselves (`prevEntry`/`nextEntry`), and a 64-bit occupancy map per level (two int32
 *   words) finds the next busy slot with `Math.clz32`. Nothing is allocated per timer.
 * - An entry on the wheel points at its slot's list ({@link SlotList}), and the list at its wheel
 *   and the wheel's owner (the time driver): so an entry finds the wheel it hangs on, to leave it,
 *   without a field of its own (a parked sleep's bytes are a benchmark target).
 * - Cascading: when time reaches the start of a busy slot of level L > 0, its entries are taken out
 *   and inserted again; now that `elapsed` is closer, each lands on a lower level, until it reaches
 *   level 0, where a slot is one tick and its entries fire.
 * - Order: entries due at the same tick fire in the order they were inserted. Slots are FIFO, and
 *   a cascade never lands behind a younger entry: an entry inserted directly into a low slot was
 *   inserted after the higher slot covering the same span was emptied (see the tests of this file).
 * - Range: deadlines further than one top-level rotation are parked in the top level as if they
 *   were one rotation away; when their slot comes up they are inserted again with their true
 *   deadline, so they still fire on time.
 *
 * Who touches what: the time driver (`driver.ts`) alone calls `insert`, `remove` and `advanceTo`;
 * `fire(owner)` is the entry's own code (a sleep marks itself fired and wakes its task).
 */

/**
 * Something that can hang on the wheel. Sleep futures are their own entries. `O` is the type of
 * the wheel's owner, handed to `fire`.
 */
export interface TimerEntry<O = unknown> {
  /** The tick (a whole ms on the driver's time line) at which the entry is due. */
  when: number;
  /**
   * The list the entry is linked in while it is on the wheel. The wheel sets {@link UNLINKED} when
   * it unlinks the entry; any number means "not on the wheel", so an entry may keep its own state
   * there while it is off (a sleep does).
   */
  slot: SlotList<O> | number;
  prevEntry: TimerEntry<O> | null;
  nextEntry: TimerEntry<O> | null;
  /** The entry came due; it has already been unlinked. `owner` is the wheel's. Must not throw. */
  fire(owner: O): void;
  /** The runtime shut down with the entry still on the wheel; it has been unlinked. */
  abandon(): void;
}

/** `slot` of an entry that is in no list. */
export const UNLINKED = -1;

/** One slot of a wheel: the ends of its list of entries, and where it belongs. */
export class SlotList<O = unknown> {
  head: TimerEntry<O> | null = null;
  tail: TimerEntry<O> | null = null;

  constructor(
    /** The wheel this slot belongs to. */
    readonly wheel: Wheel<O>,
    /** The slot's index: `level * 64 + slot`. */
    readonly index: number,
  ) {}
}

/** Levels in the wheel. */
export const LEVELS = 6;
const SLOT_BITS = 6;
const SLOTS = 1 << SLOT_BITS;
const SLOT_MASK = SLOTS - 1;
const LOW_BITS = 2 ** 30; // levels 0..4 live in the low 30 bits of a tick
/** The furthest a deadline can be from `elapsed` and still be placed exactly: one top rotation. */
export const MAX_SPAN = 2 ** (SLOT_BITS * LEVELS) - 1;

/** Ticks spanned by one slot of each level: 64^level. */
const SLOT_SPAN = [1, 64, 4096, 262144, 16777216, 1073741824];

/** Index of the lowest set bit of a non-zero int32. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * The first set bit at index `from` or after, wrapping around; `lo` holds bits 0..31, `hi` bits
 * 32..63 of the occupancy map. At least one bit must be set.
 */
function firstSetFrom(lo: number, hi: number, from: number): number {
  if (from < 32) {
    const m = lo & (-1 << from);
    if (m !== 0) return lowestBit(m);
    if (hi !== 0) return 32 + lowestBit(hi);
    return lowestBit(lo);
  }
  const m = hi & (-1 << (from - 32));
  if (m !== 0) return 32 + lowestBit(m);
  if (lo !== 0) return lowestBit(lo);
  return 32 + lowestBit(hi);
}

/** The level on which a timer due at `when` hangs while the wheel stands at `elapsed`. */
function levelFor(elapsed: number, when: number): number {
  // Past level 4 the 6-bit groups no longer fit int32 bit operations: compare the high parts.
  if (when >= LOW_BITS && Math.floor(when / LOW_BITS) !== Math.floor(elapsed / LOW_BITS)) {
    return LEVELS - 1;
  }
  // Bits 30 and 31 agree here, so the int32 xor sees only the low groups; `| 63` maps 0 to level 0.
  const significant = (elapsed ^ when) | SLOT_MASK;
  return ((31 - Math.clz32(significant)) / SLOT_BITS) | 0;
}

/** A hierarchical timing wheel of {@link TimerEntry}s, owned by an `O` (the time driver). */
export class Wheel<O = unknown> {
  /** The tick the wheel has processed up to: everything due at or before it has fired. */
  elapsed: number;
  /** Entries currently linked in the wheel. */
  size = 0;
  /** The slots' lists, made on a slot's first use (a runtime that sets few timers makes few). */
  private readonly lists: (SlotList<O> | undefined)[] = new Array(LEVELS * SLOTS).fill(undefined);
  /** Occupancy: for level l, bits of slots 0..31 at [2l], of slots 32..63 at [2l + 1]. */
  private readonly occupied = new Int32Array(LEVELS * 2);
  /** Where {@link nextExpiration} found the next busy slot (read by `advanceTo`). */
  private nextSlot = -1;

  /** A wheel of `owner` (passed to each entry's `fire`), standing at tick `start` (a whole number). */
  constructor(
    readonly owner: O,
    start = 0,
  ) {
    this.elapsed = start;
  }

  /**
   * Hang `entry` so that it fires at tick `when`, which must be later than `elapsed` (a cascade
   * also hangs entries due right now, in the current level-0 slot, and fires them at once).
   * Appends to the slot's list, so entries due at the same tick fire in insertion order.
   */
  insert(entry: TimerEntry<O>, when: number): void {
    const elapsed = this.elapsed;
    entry.when = when;
    const placed = when - elapsed > MAX_SPAN ? elapsed + MAX_SPAN : when;
    const level = levelFor(elapsed, placed);
    const slot = (level === 0 ? placed : Math.floor(placed / SLOT_SPAN[level]!)) & SLOT_MASK;
    const index = level * SLOTS + slot;
    const list = this.lists[index] ?? this.makeList(index);
    const tail = list.tail;
    entry.slot = list;
    entry.nextEntry = null;
    entry.prevEntry = tail;
    if (tail === null) {
      list.head = entry;
      this.occupied[index >> 5]! |= 1 << (index & 31);
    } else {
      tail.nextEntry = entry;
    }
    list.tail = entry;
    this.size++;
  }

  private makeList(index: number): SlotList<O> {
    const list = new SlotList(this, index);
    this.lists[index] = list;
    return list;
  }

  /** Unhang `entry`, which must be linked in this wheel. O(1). */
  remove(entry: TimerEntry<O>): void {
    const list = entry.slot as SlotList<O>;
    const prev = entry.prevEntry;
    const next = entry.nextEntry;
    if (prev === null) list.head = next;
    else prev.nextEntry = next;
    if (next === null) list.tail = prev;
    else next.prevEntry = prev;
    if (prev === null && next === null) {
      const index = list.index;
      this.occupied[index >> 5]! &= ~(1 << (index & 31));
    }
    entry.prevEntry = entry.nextEntry = null;
    entry.slot = UNLINKED;
    this.size--;
  }

  /**
   * The tick at which the wheel next has work: the start of the earliest busy slot (a level-0 slot
   * fires there; a higher one cascades there). `Infinity` when the wheel is empty.
   */
  nextExpiration(): number {
    const elapsed = this.elapsed;
    const occupied = this.occupied;
    for (let level = 0; level < LEVELS; level++) {
      const lo = occupied[level * 2]!;
      const hi = occupied[level * 2 + 1]!;
      if ((lo | hi) === 0) continue;
      // Lower levels always expire first: a higher level's entries lie beyond this level's rotation.
      const span = SLOT_SPAN[level]!;
      const rotation = span * SLOTS;
      // Search after the current slot: below the top level it is never busy, and at the top level
      // an entry in it belongs to the next rotation, so it comes last.
      const current = Math.floor(elapsed / span) & SLOT_MASK;
      const slot = firstSetFrom(lo, hi, (current + 1) & SLOT_MASK);
      let deadline = elapsed - (elapsed % rotation) + slot * span;
      // Only the top level wraps: a slot "behind" the current one lies in the next rotation.
      if (deadline <= elapsed) deadline += rotation;
      this.nextSlot = level * SLOTS + slot;
      return deadline;
    }
    this.nextSlot = -1;
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Move time forward to tick `now`: fire every entry due at or before it, earliest first (ties in
   * insertion order), cascading higher slots on the way. Returns how many entries fired.
   */
  advanceTo(now: number): number {
    let fired = 0;
    while (this.size > 0) {
      const deadline = this.nextExpiration();
      if (deadline > now) break;
      fired += this.expire(this.nextSlot, deadline);
    }
    if (now > this.elapsed) this.elapsed = now;
    return fired;
  }

  /** Empty one slot whose time has come: fire what is due, hang the rest lower. */
  private expire(index: number, deadline: number): number {
    this.elapsed = deadline;
    if (index >= SLOTS) {
      this.cascade(this.lists[index]!);
      // Entries due right at the slot's start landed in the current level-0 slot: fire them now.
      index = deadline & SLOT_MASK;
    }
    const list = this.lists[index];
    if (list === undefined) return 0; // a cascade found nothing due now
    const owner = this.owner;
    let fired = 0;
    // Pop from the live list, not a detached copy: an entry's `fire` may remove other entries.
    for (let entry = list.head; entry !== null; entry = list.head) {
      this.remove(entry);
      if (entry.when <= deadline) {
        fired++;
        entry.fire(owner);
      } else {
        this.insert(entry, entry.when);
      }
    }
    return fired;
  }

  /**
   * Hang every entry of a higher slot whose time has come again, lower: the wheel now stands at the
   * slot's start, closer to each deadline. No entry's code runs meanwhile, so the list is detached
   * whole and walked, instead of being unlinked entry by entry.
   */
  private cascade(list: SlotList<O>): void {
    let entry = list.head;
    list.head = list.tail = null;
    const index = list.index;
    this.occupied[index >> 5]! &= ~(1 << (index & 31));
    while (entry !== null) {
      const next = entry.nextEntry;
      this.size--; // insert counts it again
      this.insert(entry, entry.when);
      entry = next;
    }
  }

  /** Unhang every entry, calling `each` on it. Used when the runtime shuts down. */
  clear(each: (entry: TimerEntry<O>) => void): void {
    for (const list of this.lists) {
      if (list === undefined) continue;
      for (let entry = list.head; entry !== null; entry = list.head) {
        this.remove(entry);
        each(entry);
      }
    }
  }
}
