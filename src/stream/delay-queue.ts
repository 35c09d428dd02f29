/**
 * DelayQueue: the pass with a timer per plate, tokio-util's `time::DelayQueue`. Values go in with a
 * delay, and come out as a stream when their time comes, earliest first; any one can be taken out
 * early (`remove`) or given a new time (`reset`) by its key. A cache that forgets entries after a
 * while, or the timeouts of many requests, need one of these rather than a sleep per item.
 *
 * Each value is an entry on the runtime's timer wheel (the same wheel `sleep` uses: O(1) to insert,
 * move and remove, one host timer for the whole runtime). When the wheel fires an entry it moves to
 * the expired line and wakes whoever polls the queue; the next poll hands it out. As tokio's, the
 * stream answers `DONE` while the queue is empty, and goes on once values are inserted again.
 *
 * The queue belongs to the runtime of its first insert (its clock, paused or real, is the one the
 * delays count on). Disposing it takes every entry off the wheel (`rt.metrics().liveTimers` falls
 * back) and lets the values go (disposed if they are `OWNED`).
 */

import { type ReaderRule, refuseSecondReader } from "../channel/one-reader.js";
import { disposeOwned } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { pollProceed } from "../task/budget.js";
import { RuntimeStateError } from "../task/runtime-state-error.js";
import { currentDriver, type TimeDriver } from "../time/driver.js";
import { checkDuration, checkInstant, Instant } from "../time/instant.js";
import { type SlotList, type TimerEntry, UNLINKED } from "../time/wheel.js";
import { CLAIM, Claim, DONE, StreamBase, type StreamPoll, WITHDRAW } from "./stream.js";

// An entry's life.
const WAITING = 0; // on the wheel, its time not come
const EXPIRED = 1; // its time came: in the expired line, not handed out yet
const GONE = 2; // handed out, removed, or the queue was cleared or disposed

/**
 * The furthest deadline a queue takes, in ms on the clock (2^52, some 140,000 years; a sleep counts
 * anything past it as never). A paused clock jumps one wheel rotation at a time toward a deadline,
 * so one much further would hold the thread for good; tokio-util refuses such a deadline too.
 */
const FAR = 2 ** 52;

/** What a second task waiting on one queue is told (one-reader.ts). */
const READ_RULE: ReaderRule = {
  subject: "this DelayQueue",
  how: "a next() there",
  advice:
    "A DelayQueue has one reader at a time (tokio's poll_expired takes &mut self): read it in one task and hand the values on through a channel",
};

/**
 * A deadline's whole millisecond on the wheel: rounded up (never early), less a nanosecond of
 * arithmetic residue (`1000 / 60 * 60` is 1000.0000000000001), as a sleep rounds it.
 */
function tickOf(at: number): number {
  return Math.ceil(at - 1e-6);
}

/** A value's handle in a {@link DelayQueue}: what `remove`, `reset` and `deadline` take. */
export interface DelayKey {
  /** Brand: keys come only from `insert` and `insertAt`. */
  readonly [KEY]: true;
}

declare const KEY: unique symbol;

/** A value whose time came, as the queue hands it out (tokio-util's `Expired`). */
export interface Expired<T> {
  readonly value: T;
  /** Its key, now spent. */
  readonly key: DelayKey;
  /** When it was due. */
  readonly deadline: Instant;
}

/** One value on the wheel: a {@link TimerEntry} of the runtime's driver. */
class Entry<T> implements TimerEntry<TimeDriver> {
  // The wheel's intrusive fields (wheel.ts).
  when: number;
  slot: SlotList<TimeDriver> | number = UNLINKED;
  prevEntry: TimerEntry<TimeDriver> | null = null;
  nextEntry: TimerEntry<TimeDriver> | null = null;
  state = WAITING;

  constructor(
    readonly queue: DelayQueue<T>,
    public value: T,
    /** The deadline in ms on the driver's clock (the wheel's `when` is it rounded up). */
    public at: number,
  ) {
    this.when = tickOf(at);
  }

  fire(driver: TimeDriver): void {
    this.queue.expire(this, driver);
  }

  abandon(): void {
    this.queue.abandoned(this);
  }
}

/**
 * A queue of values that come out when their delay has passed, earliest first.
 *
 * @example
 * ```ts
 * using expiries = new DelayQueue<string>();
 * const key = expiries.insert("session 42", 30_000);
 * expiries.reset(key, 60_000); // touched: another minute
 * const gone = yield* expiries.next(); // { value: "session 42", … } a minute later
 * ```
 */
export class DelayQueue<T> extends StreamBase<Expired<T>> implements Disposable {
  private driver: TimeDriver | null = null;
  /** Every value in the queue, waiting or expired, in insertion order. */
  private readonly entries = new Set<Entry<T>>();
  /** The values whose time came, in the order it came. */
  private readonly expired = new Set<Entry<T>>();
  private waker: Waker | null = null;
  /** The owner (task) of the poll that parked `waker`, for the one-reader refusal. */
  private wakerOwner: unknown = null;
  /** Whose poll parked `waker` (this queue, or one of its `next()` futures): the one to drop it. */
  private registrant: unknown = null;
  /** A `next()` of an adapter on this queue parked here (see stream.ts, WITHDRAW). */
  private readonly claim = new Claim();
  /** The runtime shut down with values on its wheel: they will never come due. */
  private orphaned = false;

  /**
   * Put `value` in, to come out `ms` milliseconds from now; returns its key.
   *
   * @example
   * ```ts
   * const key = queue.insert({ id: 7 }, 5000);
   * ```
   */
  insert(value: T, ms: number): DelayKey {
    const d = checkDuration(ms, "queue.insert(value, ms): ms");
    if (d === Number.POSITIVE_INFINITY) {
      throw new RangeError("queue.insert(value, ms): ms must be finite, got Infinity");
    }
    const where = "queue.insert(value, ms)";
    const driver = this.bind(where);
    return this.add(value, driver.now() + d, driver, where);
  }

  /**
   * Put `value` in, to come out at `deadline`; returns its key.
   *
   * @example
   * ```ts
   * const key = queue.insertAt("closing", Instant.now().add(60_000));
   * ```
   */
  insertAt(value: T, deadline: Instant): DelayKey {
    const where = "queue.insertAt(value, deadline)";
    const at = checkInstant(deadline, `${where}: deadline`).ms;
    return this.add(value, at, this.bind(where), where);
  }

  /**
   * Take the value of `key` out before its time (or after, if it has expired but was not handed
   * out yet). Throws a `RangeError` for a key that is no longer in the queue.
   *
   * @example
   * ```ts
   * const { value } = queue.remove(key); // the customer came back: no reminder
   * ```
   */
  remove(key: DelayKey): Expired<T> {
    const entry = this.entryOf(key, "queue.remove(key)");
    this.unlink(entry);
    this.wakeIfEmpty();
    return expiredOf(entry);
  }

  /**
   * `remove(key)` for a key that may have left already: `undefined` then.
   *
   * @example
   * ```ts
   * queue.tryRemove(key); // gone either way
   * ```
   */
  tryRemove(key: DelayKey): Expired<T> | undefined {
    const entry = key as unknown as Entry<T>;
    if (!(entry instanceof Entry) || entry.queue !== this || entry.state === GONE) return undefined;
    this.unlink(entry);
    this.wakeIfEmpty();
    return expiredOf(entry);
  }

  /**
   * Give the value of `key` a new time, `ms` from now (an expired one not yet handed out goes back
   * to waiting). Throws a `RangeError` for a key that is no longer in the queue.
   *
   * @example
   * ```ts
   * queue.reset(key, 30_000); // seen again: thirty more seconds
   * ```
   */
  reset(key: DelayKey, ms: number): void {
    const d = checkDuration(ms, "queue.reset(key, ms): ms");
    if (d === Number.POSITIVE_INFINITY) {
      throw new RangeError("queue.reset(key, ms): ms must be finite, got Infinity");
    }
    const where = "queue.reset(key, ms)";
    const entry = this.entryOf(key, where);
    const driver = this.driver as TimeDriver;
    this.move(entry, driver.now() + d, driver, where);
  }

  /**
   * `reset(key, ms)` to an instant.
   *
   * @example
   * ```ts
   * queue.resetAt(key, Instant.now().add(1000));
   * ```
   */
  resetAt(key: DelayKey, deadline: Instant): void {
    const where = "queue.resetAt(key, deadline)";
    const at = checkInstant(deadline, `${where}: deadline`).ms;
    const entry = this.entryOf(key, where);
    this.move(entry, at, this.driver as TimeDriver, where);
  }

  /**
   * When the value of `key` is due. Throws a `RangeError` for a key no longer in the queue.
   *
   * @example
   * ```ts
   * const left = queue.deadline(key).ms - Instant.now().ms;
   * ```
   */
  deadline(key: DelayKey): Instant {
    return Instant.at(this.entryOf(key, "queue.deadline(key)").at);
  }

  /**
   * Values in the queue, waiting or expired and not yet handed out (tokio's `len`).
   *
   * @example
   * ```ts
   * console.log(`${queue.length} sessions open`);
   * ```
   */
  get length(): number {
    return this.entries.size;
  }

  /**
   * Whether the queue holds no value.
   *
   * @example
   * ```ts
   * if (queue.isEmpty()) console.log("nothing pending");
   * ```
   */
  isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /**
   * Take every value out (their timers off the wheel); values that are `OWNED` are disposed.
   *
   * @example
   * ```ts
   * queue.clear(); // closing time: no reminders
   * ```
   */
  clear(): void {
    const all = [...this.entries];
    for (const e of all) this.unlink(e);
    this.wakeIfEmpty();
    for (const e of all) disposeOwned(e.value);
  }

  /** Emptied while a reader waits (a `clear`, a `remove` from another task): it finds `DONE`. */
  private wakeIfEmpty(): void {
    if (this.entries.size !== 0) return;
    const w = this.takeWaker();
    w?.wake();
  }

  /**
   * {@link Stream}: the next value whose time came, `DONE` while the queue is empty, or `PENDING`
   * with `cx.waker` kept until one comes due.
   *
   * @example
   * ```ts
   * const r = queue.pollNext(cx); // Expired, DONE or PENDING
   * ```
   */
  pollNext(cx: Context): StreamPoll<Expired<T>> {
    const r = this.pollAs(cx, this);
    if (r === PENDING) this.claim.parked();
    return r;
  }

  /** @internal the next value due, parking as `by` (this queue, or a `next()` future of it). */
  pollAs(cx: Context, by: unknown): StreamPoll<Expired<T>> {
    if (this.orphaned) {
      throw new RuntimeStateError(
        "DelayQueue: its runtime shut down with values still waiting: they will never come due",
      );
    }
    const first = this.expired.values().next();
    if (!first.done) {
      if (!pollProceed(cx)) return PENDING;
      const entry = first.value;
      this.unlink(entry);
      return expiredOf(entry);
    }
    if (this.entries.size === 0) return DONE;
    const parked = this.waker;
    if (parked !== null && parked !== cx.waker && this.registrant !== null) {
      refuseSecondReader(this.wakerOwner, parked, cx.owner, "DelayQueue next()", READ_RULE);
    }
    this.waker = cx.waker;
    this.wakerOwner = cx.owner;
    this.registrant = by;
    return PENDING;
  }

  /** @internal `by` was dropped: if its poll parked the waker last, forget it. */
  unregister(by: unknown): void {
    if (by === null || by !== this.registrant) return;
    this.takeWaker();
  }

  /** The reader's waker, taken with who parked it: nobody waits here afterwards. */
  private takeWaker(): Waker | null {
    const w = this.waker;
    this.waker = null;
    this.wakerOwner = null;
    this.registrant = null;
    return w;
  }

  override [CLAIM](by: unknown): void {
    this.claim.set(by);
  }

  override [WITHDRAW](by: unknown): void {
    if (this.claim.release(by)) this.unregister(this);
  }

  /**
   * Like `StreamBase.next()`, but dropping the future while it waits takes its waker back, so
   * another task may wait on the queue next.
   *
   * @example
   * ```ts
   * const e = yield* expiries.next(); // an Expired, or DONE while the queue is empty
   * ```
   */
  override next(): FutureBase<Expired<T> | typeof DONE> & Disposable {
    return new NextExpired(this);
  }

  override [DESCRIBE](): Description {
    const n = this.entries.size - this.expired.size;
    const due = this.expired.size;
    return {
      label: `DelayQueue, ${n === 1 ? "1 value" : `${n} values`} waiting${due > 0 ? `, ${due} due` : ""}`,
      children: [],
    };
  }

  /**
   * Take every value out and let them go, as `clear()`; the queue can still be used after. A task
   * waiting on it is woken and finds it empty (`DONE`).
   *
   * @example
   * ```ts
   * using reminders = new DelayQueue<string>(); // emptied at the scope's end
   * ```
   */
  override [Symbol.dispose](): void {
    this.clear();
  }

  /** @internal `entry`'s time came: the wheel fired it (`driver` given), or it was already due. */
  expire(entry: Entry<T>, driver: TimeDriver | null): void {
    entry.state = EXPIRED;
    this.expired.add(entry);
    const w = this.takeWaker();
    if (w === null) return;
    // Told to the instruments as a timer's wake, as a sleep's is.
    const probe = driver?.probe ?? null;
    if (probe === null) w.wake();
    else probe.fired(entry, w);
  }

  /** @internal the runtime shut down with `entry` on its wheel. */
  abandoned(entry: Entry<T>): void {
    entry.state = GONE;
    this.entries.delete(entry);
    this.orphaned = true;
    disposeOwned(entry.value); // it will never come out: nobody else can let it go
    const w = this.takeWaker();
    w?.wake();
  }

  /** The runtime's driver, chosen at the first insert. */
  private bind(where: string): TimeDriver {
    if (this.driver === null) this.driver = currentDriver(where);
    return this.driver;
  }

  private add(value: T, at: number, driver: TimeDriver, where: string): DelayKey {
    checkUsable(at, driver, where);
    const entry = new Entry(this, value, at);
    this.entries.add(entry);
    this.schedule(entry, driver);
    return entry as unknown as DelayKey;
  }

  /** Put a waiting entry on the wheel, or straight in the expired line if its time has come. */
  private schedule(entry: Entry<T>, driver: TimeDriver): void {
    entry.state = WAITING;
    if (entry.when <= driver.now()) this.expire(entry, null);
    else driver.register(entry, entry.when, null);
  }

  private move(entry: Entry<T>, at: number, driver: TimeDriver, where: string): void {
    checkUsable(at, driver, where);
    if (entry.state === WAITING) driver.deregister(entry);
    else this.expired.delete(entry);
    entry.at = at;
    entry.when = tickOf(at);
    this.schedule(entry, driver);
  }

  /** Out of the queue for good: off the wheel or out of the expired line. */
  private unlink(entry: Entry<T>): void {
    if (entry.state === WAITING) (this.driver as TimeDriver).deregister(entry);
    else this.expired.delete(entry);
    entry.state = GONE;
    this.entries.delete(entry);
  }

  private entryOf(key: DelayKey, where: string): Entry<T> {
    const entry = key as unknown as Entry<T>;
    if (!(entry instanceof Entry) || entry.queue !== this) {
      throw new TypeError(`${where}: key must be a key this queue's insert() returned`);
    }
    if (entry.state === GONE) {
      throw new RangeError(
        `${where}: the key's value is no longer in the queue (handed out or removed)`,
      );
    }
    return entry;
  }
}

/** `queue.next()`: dropped while it waits, it takes its waker back (so another task may wait). */
class NextExpired<T> extends FutureBase<Expired<T> | typeof DONE> implements Disposable {
  constructor(private readonly queue: DelayQueue<T>) {
    super();
  }

  [DESCRIBE](): Description {
    return { label: "next()", children: [this.queue] };
  }

  poll(cx: Context): Poll<Expired<T> | typeof DONE> {
    return this.queue.pollAs(cx, this);
  }

  [Symbol.dispose](): void {
    this.queue.unregister(this);
  }
}

/** Refuse a deadline too far off, and a queue whose runtime has shut down, before any change. */
function checkUsable(at: number, driver: TimeDriver, where: string): void {
  if (!(at <= FAR)) {
    throw new RangeError(
      `${where}: the deadline must be within 2^52 ms (some 140,000 years) of the clock's start, got ${at === Number.POSITIVE_INFINITY ? "Infinity" : `${at} ms`}`,
    );
  }
  if (driver.isClosed) {
    throw new RuntimeStateError(`${where}: the queue's runtime has shut down`);
  }
}

function expiredOf<T>(entry: Entry<T>): Expired<T> {
  return { value: entry.value, key: entry as unknown as DelayKey, deadline: Instant.at(entry.at) };
}
