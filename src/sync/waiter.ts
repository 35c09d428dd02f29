/**
 * The waiter queue: the line at the pass. Every primitive in `sync/` and `channel/` parks its
 * waiting futures on one of these: an intrusive FIFO of {@link WaitNode}s, so joining and leaving
 * the line is O(1) and allocates nothing beyond the node itself (one per waiting future, made only
 * when it first has to wait; receivers keep one for their whole life).
 *
 * Life of a node (`state`):
 *   IDLE ──push──▶ QUEUED ──grant──▶ GRANTED   (the primitive handed it a permit, a value or a wake)
 *                    │    ──close──▶ CLOSED    (the primitive closed while it waited)
 *                    └──remove──▶ IDLE         (its future was disposed, or it only wanted a wake)
 *
 * The rule every primitive keeps: a node is unlinked the moment its future is disposed, and a node
 * that was GRANTED something and is then disposed gives it back to the primitive, which passes it
 * on to the next in line. Nothing meant for one waiter is ever swallowed by another that left.
 *
 * Each queued node counts as a live waiter in the metrics of the runtime that was polling when it
 * joined (`rt.metrics().liveWaiters`), so tests can prove that disposal leaves nothing behind.
 */
import type { Waker } from "../future/waker.js";
import type { Runtime } from "../runtime/runtime.js";
import { spawnerAmbient } from "../task/spawn.js";

/** Not in any queue, holding nothing. */
export const IDLE = 0;
/** Linked in a queue, waiting. */
export const QUEUED = 1;
/** Taken off the queue by the primitive with what it waited for; its future has yet to claim it. */
export const GRANTED = 2;
/** Taken off the queue because the primitive closed. */
export const CLOSED = 3;

/** One waiter in a {@link WaitQueue}. One shape for every primitive, so the queue stays monomorphic. */
export class WaitNode<O = unknown> {
  prev: WaitNode<O> | null = null;
  next: WaitNode<O> | null = null;
  /** The pager to call when the node is granted or closed. */
  waker: Waker | null = null;
  /** IDLE, QUEUED, GRANTED or CLOSED. */
  state = IDLE;
  /** How many permits the waiter asks for (1 for most; a writer asks for all of an RwLock's). */
  need = 1;
  /** The runtime that counts this node as a live waiter, while it is queued. */
  counter: Runtime | null = null;

  /** The future or receiver that owns this node. */
  constructor(readonly owner: O) {}
}

/**
 * An intrusive doubly linked FIFO of {@link WaitNode}s.
 *
 * @example
 * ```ts
 * const q = new WaitQueue<MyFuture>();
 * q.push(node, cx.waker);      // park
 * const first = q.head;         // who is next in line
 * q.grant(first!);              // hand it what it waited for, and wake it
 * ```
 */
export class WaitQueue<O = unknown> {
  head: WaitNode<O> | null = null;
  tail: WaitNode<O> | null = null;
  length = 0;
  /**
   * While a drain runs: the last node it must still take (the tail when it began). A waker may
   * re-enter the primitive (drop another waiter, or queue a new one) in the middle of a drain;
   * `unlink` moves this mark back past a node that leaves, so the drain neither follows a link of
   * a node that left nor takes a node that joined after it began. Null when no drain runs.
   */
  private drainEnd: WaitNode<O> | null = null;

  /** Join the back of the line with `waker`. The node must be IDLE. */
  push(node: WaitNode<O>, waker: Waker): void {
    node.waker = waker;
    node.state = QUEUED;
    node.next = null;
    const tail = this.tail;
    node.prev = tail;
    if (tail === null) this.head = node;
    else tail.next = node;
    this.tail = node;
    this.length++;
    node.counter = countWaiter();
  }

  /** Leave the line (a disposed future, or a node woken only to look again). Back to IDLE. */
  remove(node: WaitNode<O>): void {
    this.unlink(node);
    node.state = IDLE;
    node.waker = null;
  }

  /** Take `node` off the line as GRANTED and wake it. */
  grant(node: WaitNode<O>): void {
    this.unlink(node);
    node.state = GRANTED;
    wakeOf(node);
  }

  /** Take `node` off the line as CLOSED and wake it. */
  close(node: WaitNode<O>): void {
    this.unlink(node);
    node.state = CLOSED;
    wakeOf(node);
  }

  /** Wake every node: each leaves the line IDLE and looks again when polled (a broadcast wake). */
  wakeAll(): void {
    this.drain(IDLE, undefined);
  }

  /** Grant every node, first to last (`before` sees each owner just before its grant). */
  grantAll(before?: (owner: O) => void): void {
    this.drain(GRANTED, before);
  }

  /** Close every node (the primitive closed; `before` sees each owner just before it leaves). */
  closeAll(before?: (owner: O) => void): void {
    this.drain(CLOSED, before);
  }

  /**
   * Take every node off the line in `state` and wake it. A waker that throws does not keep the
   * nodes after it in line: each is told, and the first error is thrown once all are.
   */
  private drain(state: number, before: ((owner: O) => void) | undefined): void {
    let failure: { error: unknown } | null = null;
    this.drainEnd = this.tail;
    // The head is read afresh each turn: a wake may have removed the node that was next.
    while (this.drainEnd !== null) {
      const n = this.head!;
      if (before !== undefined) before(n.owner);
      this.unlink(n);
      n.state = state;
      try {
        wakeOf(n);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  }

  private unlink(node: WaitNode<O>): void {
    const prev = node.prev;
    const next = node.next;
    // The drain's last node leaves: the one before it is now the last (null: none is left).
    if (node === this.drainEnd) this.drainEnd = prev;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    node.prev = node.next = null;
    this.length--;
    uncountWaiter(node.counter);
    node.counter = null;
  }
}

/** A wait begins: the runtime ticking now (the only Spawner there is) counts it; that runtime. */
function countWaiter(): Runtime | null {
  const s = spawnerAmbient.current as Runtime | null;
  if (s !== null) s.waiterOpened();
  return s;
}

/** A wait counted by `counter` (if any) ends. */
function uncountWaiter(counter: Runtime | null): void {
  if (counter !== null) counter.waiterClosed();
}

function wakeOf(node: WaitNode<unknown>): void {
  const w = node.waker;
  node.waker = null;
  w?.wake();
}

/**
 * A line of one: the pager of the single party that can ever wait on a primitive (an mpsc
 * channel's receiver). It counts as a live waiter while it holds a waker, as a queued node does,
 * for a fraction of a queue's bookkeeping.
 *
 * @example
 * ```ts
 * slot.park(cx.waker); // in a poll that returns PENDING
 * slot.wake();         // from the side that makes progress
 * ```
 */
export class WaitSlot {
  /** The waiter's pager, while it waits. */
  waker: Waker | null = null;
  /** The runtime that counts this wait as a live waiter. */
  private counter: Runtime | null = null;

  /** Wait with `waker`, replacing the pager kept, if any. */
  park(waker: Waker): void {
    if (this.waker === null) this.counter = countWaiter();
    this.waker = waker;
  }

  /** Stop waiting without being woken (the waiting future was dropped). */
  clear(): void {
    if (this.waker === null) return;
    this.waker = null;
    this.release();
  }

  /** Wake the waiter, if one waits. */
  wake(): void {
    const w = this.waker;
    if (w === null) return;
    this.waker = null;
    this.release();
    w.wake();
  }

  private release(): void {
    uncountWaiter(this.counter);
    this.counter = null;
  }
}
