/**
 * FuturesUnordered: a pass where many dishes cook at once and each is served the moment it is
 * done, in whatever order that is. It is a stream of the outputs of the futures pushed into it.
 *
 * Each child gets its own pager (a {@link Slot}: a context and waker in one object) that files the
 * child's index in a ready queue and pages the set's task. A poll touches only the children whose
 * pager rang, so ten thousand idle children cost nothing per poll.
 *
 * The two traps futures-rs fell into (issues #2047 and #2387): a child that wakes itself during its
 * poll (a yield, a spent budget) must not be polled again in the same `pollNext`, or a set of such
 * children never returns to the executor. So each `pollNext` polls at most the children that were
 * queued when it began; anything woken meanwhile waits for the next poll, and the set wakes its own
 * task and returns `PENDING` to let the others cook.
 *
 * An empty set answers `DONE` (futures-rs' `None`); pushing more futures makes it produce again.
 * A child that throws is removed and its error is thrown from `pollNext`. Disposing the set drops
 * every child still cooking.
 */
import { ambient } from "../future/ambient.js";
import { CANCEL, type Cancellable, type Cleanup, cancelAll, drop } from "../future/cancel.js";
import { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { assertFuture, type Future } from "../future/future.js";
import { PENDING } from "../future/poll.js";
import type { Waker } from "../future/waker.js";
import { DONE, StreamBase, type StreamPoll } from "./stream.js";

/** How many futures in flight a dump shows. */
const DESCRIBED_CHILDREN = 8;

/** One child's pager and context. Reused by the next child that takes the same index. */
class Slot extends Context {
  /** The index is in the ready queue (set by a wake, cleared when the set takes it off). */
  queued = false;

  constructor(
    private readonly set: FuturesUnordered<unknown>,
    readonly index: number,
  ) {
    super(null as unknown as Waker, null);
  }

  /** A slot is its own waker. */
  override get waker(): Waker {
    return this as unknown as Waker;
  }

  wake(): void {
    if (this.queued) return;
    this.queued = true;
    this.set.childWoken(this.index);
  }

  willWake(other: Waker): boolean {
    return (this as unknown) === other;
  }
}

/**
 * A set of futures whose outputs come out as a stream, in completion order.
 *
 * @example
 * ```ts
 * const orders = new FuturesUnordered<string>();
 * for (const t of tables) orders.push(cookFor(t));
 * for (let dish = yield* orders.next(); dish !== DONE; dish = yield* orders.next()) serve(dish);
 * ```
 */
export class FuturesUnordered<T> extends StreamBase<T> implements Cancellable {
  private children: (Future<T> | null)[] = [];
  private slots: Slot[] = [];
  private free: number[] = [];
  /** Ready queue of child indexes: a ring buffer, `head` first, `size` entries. */
  private ring: number[] = new Array(16).fill(0);
  private head = 0;
  private size = 0;
  private live = 0;
  private waker: Waker | null = null;

  /**
   * How many futures are in the set (not yet finished).
   *
   * @example
   * ```ts
   * orders.push(cookDish("Soup", 1000));
   * console.log(orders.length); // 1 until the soup comes out of next()
   * ```
   */
  get length(): number {
    return this.live;
  }

  /**
   * Whether the set holds no future.
   *
   * @example
   * ```ts
   * while (!orders.isEmpty()) serve(yield* orders.next());
   * ```
   */
  isEmpty(): boolean {
    return this.live === 0;
  }

  /**
   * Add a future; it is polled at the set's next poll.
   *
   * @example
   * ```ts
   * set.push(sleep(10));
   * ```
   */
  push(future: Future<T>): void {
    assertFuture(future, "FuturesUnordered.push(future): future");
    const index = this.free.length > 0 ? this.free.pop()! : this.children.length;
    this.children[index] = future;
    let slot = this.slots[index];
    if (slot === undefined) slot = this.slots[index] = new Slot(this, index);
    this.live++;
    // No wake: whoever pushes is the set's owner and polls it next (as futures-rs' push).
    if (!slot.queued) {
      slot.queued = true;
      this.enqueue(index);
    }
  }

  /** @internal */
  childWoken(index: number): void {
    this.enqueue(index);
    this.waker?.wake();
  }

  /**
   * Poll the children whose pagers rang (only those queued when this poll began): the first output
   * ready, `DONE` once the set is empty, or `PENDING`. A child that throws is removed and its error
   * thrown here. `next()` calls this; a hand-written stream or a test may call it directly.
   *
   * @example
   * ```ts
   * const dish = yield* pollFn((cx) => orders.pollNext(cx)); // what next() does
   * ```
   */
  pollNext(cx: Context): StreamPoll<T> {
    // Its children are branches of the task: a wait in one does not block the others.
    ambient.branching++;
    try {
      return this.pollChildren(cx);
    } finally {
      ambient.branching--;
    }
  }

  private pollChildren(cx: Context): StreamPoll<T> {
    this.waker = cx.waker;
    // A child may tear the whole set down from inside its poll (disposing whatever owns it): the
    // array it was in is then no longer the set's, and the rest of this batch is gone with it.
    const children = this.children;
    // Only the children queued before this poll: the ones they wake go to the next poll.
    let batch = this.size;
    while (batch-- > 0) {
      const index = this.dequeue();
      const slot = this.slots[index];
      const child = children[index];
      if (slot === undefined) continue; // a wake from a child dropped with the set
      slot.queued = false;
      if (child === null || child === undefined) continue; // a stale wake of a finished child
      slot.owner = cx.owner;
      let r: unknown;
      try {
        r = child.poll(slot);
      } catch (e) {
        if (this.children === children) this.release(index);
        throw e;
      }
      if (this.children !== children) break;
      if (r === PENDING) continue;
      this.release(index);
      return r as T;
    }
    if (this.live === 0) return DONE;
    // Children woke during this poll: come back after the other tasks had their turn.
    if (this.size > 0) cx.waker.wake();
    return PENDING;
  }

  private release(index: number): void {
    this.children[index] = null;
    this.free.push(index);
    this.live--;
  }

  private enqueue(index: number): void {
    let ring = this.ring;
    if (this.size === ring.length) {
      // Grow: unroll the ring into a twice larger array, head at 0.
      const bigger = new Array(ring.length * 2).fill(0);
      for (let i = 0; i < this.size; i++) bigger[i] = ring[(this.head + i) & (ring.length - 1)];
      this.ring = ring = bigger;
      this.head = 0;
    }
    ring[(this.head + this.size) & (ring.length - 1)] = index;
    this.size++;
  }

  private dequeue(): number {
    const index = this.ring[this.head]!;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.size--;
    return index;
  }

  /**
   * For dumps and deadlock reports: the futures in flight, the first few of them (a dump, or an
   * instrument listener describing every pending poll, must not cost one line per child).
   */
  override [DESCRIBE](): Description {
    const shown: unknown[] = [];
    for (const c of this.children) {
      if (c === null || c === undefined) continue;
      if (shown.length === DESCRIBED_CHILDREN) {
        shown.push(`… ${this.live - DESCRIBED_CHILDREN} more`);
        break;
      }
      shown.push(c);
    }
    return { label: `FuturesUnordered (${this.live} in flight)`, children: shown };
  }

  [CANCEL](): Cleanup | null {
    const children = this.children;
    this.children = [];
    this.slots = [];
    this.free = [];
    this.head = this.size = this.live = 0;
    this.waker = null;
    // Each child on its own: a finally that throws does not keep the others from being dropped.
    return cancelAll(children);
  }

  /**
   * Drop every child still cooking (each on its own; a `finally` that awaits is finished by the
   * runtime as a detached task) and forget the set's task's waker. The set is left empty:
   * `next()` then gives `DONE`.
   *
   * @example
   * ```ts
   * orders[Symbol.dispose](); // every unfinished dish is dropped; orders.length is 0
   * ```
   */
  override [Symbol.dispose](): void {
    drop(this);
  }
}
