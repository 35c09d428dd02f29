/**
 * OnceCell: the stock pot made once each morning. The first caller of `getOrInit` runs the async
 * initialiser; callers that arrive meanwhile wait in line and then share the value. If the
 * initialiser throws or its caller is dropped, the first waiter in line takes over and runs its own
 * initialiser (tokio's semantics), so the cell is never left "initialising" with nobody on it.
 */
import { drop } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { assertFuture, type Future, FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/budget.js";
import { QUEUED, WaitNode, WaitQueue } from "./waiter.js";

const EMPTY = 0;
const INITIALIZING = 1;
const SET = 2;

/**
 * A cell written once, by an async initialiser that runs once even under concurrent callers.
 *
 * @example
 * ```ts
 * const stock = new OnceCell<string>();
 * const soup = asyncFn(function* () {
 *   const base = yield* stock.getOrInit(() => simmer("bones", 4000)); // simmered once
 *   return `soup on ${base}`;
 * });
 * ```
 */
export class OnceCell<T> {
  /** @internal EMPTY, INITIALIZING or SET. */
  state = EMPTY;
  /** @internal */
  value: T | undefined = undefined;
  /** @internal callers waiting while another initialises. */
  readonly queue = new WaitQueue<GetOrInit<T>>();

  /**
   * The value, or `undefined` while not set.
   *
   * @example
   * ```ts
   * const menu = cell.get(); // undefined until set() or the first getOrInit() has written it
   * ```
   */
  get(): T | undefined {
    return this.value;
  }

  /**
   * Whether the value is set.
   *
   * @example
   * ```ts
   * if (!cell.isInitialized()) console.log("the menu is still being written");
   * ```
   */
  isInitialized(): boolean {
    return this.state === SET;
  }

  /**
   * Set the value now. Returns `false` (and changes nothing) if it is already set or being
   * initialised.
   *
   * @example
   * ```ts
   * cell.set(42); // true
   * cell.set(43); // false
   * ```
   */
  set(value: T): boolean {
    if (this.state !== EMPTY) return false;
    this.fill(value);
    return true;
  }

  /**
   * The value, running `init()` to make it if nobody has.
   *
   * If the initialiser's future throws, this caller gets the error and the cell stays empty: the
   * first caller waiting in line runs its own `init` (as tokio's `get_or_try_init`), and the
   * callers behind it wait for that one. So a failure is never cached, and never shared.
   *
   * Cancel safety: dropping a waiting caller loses only its place in line; dropping the caller that
   * runs the initialiser drops the initialiser's future and hands the job to the next in line.
   *
   * @example
   * ```ts
   * const config = yield* cell.getOrInit(() => loadConfig());
   * ```
   */
  getOrInit(init: () => Future<T>): FutureBase<T> & Disposable {
    if (typeof init !== "function") {
      throw new TypeError(
        `cell.getOrInit(init): init must be a function returning a future, got ${typeof init}`,
      );
    }
    return new GetOrInit(this, init);
  }

  /**
   * Take the value out, leaving the cell empty, so the next `getOrInit` makes it afresh (an entry
   * that expired); `undefined` if it is not set. While an initialiser runs, nothing is taken and
   * the cell is left to it.
   *
   * @example
   * ```ts
   * if (loadedAt.elapsed() > TTL) cell.take(); // the next getOrInit loads it again
   * ```
   */
  take(): T | undefined {
    if (this.state !== SET) return undefined;
    const value = this.value;
    this.value = undefined;
    this.state = EMPTY;
    return value;
  }

  /** @internal the value is known: remember it and release every waiter. */
  fill(value: T): void {
    this.value = value;
    this.state = SET;
    this.queue.grantAll();
  }

  /**
   * @internal the waiter a failed or dropped initialiser handed the job to, until it starts (or
   * passes it on). Told apart from the waiters `fill` released, which may find the cell empty
   * again (`take()` ran first) and must then queue up as new callers, not each start an init.
   */
  handedTo: unknown = null;

  /** @internal the initialiser failed or was dropped: the first waiter takes over. */
  handOff(): void {
    const head = this.queue.head;
    if (head === null) {
      this.handedTo = null;
      this.state = EMPTY;
      return;
    }
    // Still INITIALIZING: the job is reserved for the waiter being woken.
    this.handedTo = head.owner;
    this.queue.grant(head);
  }
}

const FRESH = 0;
const WAITING = 1;
const RUNNING = 2;
const DONE = 3;
const DROPPED = 4;

class GetOrInit<T> extends FutureBase<T> implements Disposable {
  private stage = FRESH;
  private node: WaitNode<GetOrInit<T>> | null = null;
  private inner: Future<T> | null = null;

  constructor(
    private readonly cell: OnceCell<T>,
    private readonly init: () => Future<T>,
  ) {
    super();
  }

  poll(cx: Context): Poll<T> {
    const cell = this.cell;
    switch (this.stage) {
      case FRESH:
        if (cell.state === SET) return this.ready(cx);
        if (cell.state === INITIALIZING) {
          let node = this.node;
          if (node === null) node = this.node = new WaitNode<GetOrInit<T>>(this);
          cell.queue.push(node, cx.waker);
          this.stage = WAITING;
          return PENDING;
        }
        cell.state = INITIALIZING;
        return this.start(cx);
      case WAITING:
        if (this.node!.state === QUEUED) {
          this.node!.waker = cx.waker;
          return PENDING;
        }
        if (cell.handedTo === this) {
          // Handed the job by a failed or dropped initialiser.
          cell.handedTo = null;
          return this.start(cx);
        }
        if (cell.state === SET) return this.ready(cx);
        // Released by a value that was taken (`take()`) before this poll: ask again, as new.
        this.stage = FRESH;
        return this.poll(cx);
      case RUNNING:
        return this.drive(cx);
      default:
        throw new FutureStateError(
          `cell.getOrInit() was polled after it ${this.stage === DONE ? "completed" : "was dropped"}`,
        );
    }
  }

  [DESCRIBE](): Description {
    if (this.stage === RUNNING)
      return { label: "OnceCell.getOrInit(), initialising", children: [this.inner] };
    return {
      label: "OnceCell.getOrInit(), waiting for another caller's initialiser",
      children: [],
    };
  }

  private ready(cx: Context): Poll<T> {
    if (!pollProceed(cx)) return PENDING;
    this.stage = DONE;
    return this.cell.value as T;
  }

  private start(cx: Context): Poll<T> {
    this.stage = RUNNING;
    let inner: Future<T>;
    try {
      inner = this.init();
      assertFuture(inner, "cell.getOrInit(init): what init() returned");
    } catch (e) {
      this.stage = DONE;
      this.cell.handOff();
      throw e;
    }
    this.inner = inner;
    return this.drive(cx);
  }

  private drive(cx: Context): Poll<T> {
    let r: Poll<T>;
    try {
      r = this.inner!.poll(cx);
    } catch (e) {
      this.inner = null;
      this.stage = DONE;
      this.cell.handOff();
      throw e;
    }
    if (r === PENDING) return PENDING;
    this.inner = null;
    this.stage = DONE;
    this.cell.fill(r);
    return r;
  }

  [Symbol.dispose](): void {
    const stage = this.stage;
    if (stage === DONE || stage === DROPPED) return;
    this.stage = DROPPED;
    if (stage === RUNNING) {
      const inner = this.inner;
      this.inner = null;
      // A teardown that throws must not leave the cell INITIALIZING with nobody on it.
      try {
        drop(inner);
      } finally {
        this.cell.handOff();
      }
    } else if (stage === WAITING) {
      const node = this.node!;
      if (node.state === QUEUED) this.cell.queue.remove(node);
      else if (this.cell.handedTo === this) this.cell.handOff(); // the job was ours: pass it on
    }
  }
}
