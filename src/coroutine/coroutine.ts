/**
 * Coroutine: a full recipe, followed step by step. An async fn is a generator; each `yield*` is a
 * numbered step where the chef may set the dish aside. Polling the coroutine runs the generator
 * up to its next `yield*` of a future that is not ready, then reports `PENDING`.
 *
 * States (one at a time, changed only by the transitions below):
 * - `FRESH`: created, never polled. The generator does not even exist yet: the coroutine holds the
 *   generator function and the call's arguments, and makes the generator on the first poll
 *   (laziness; it also means a million spawned-but-unpolled tasks hold no generator each).
 * - `RUNNING`: polled at least once, not finished.
 * - `DELEGATED`: awaited by an outer async fn's `yield*`, which now steps it through `next()`
 *   (the coroutine is its own iterator, so no object is made per step); the outer async fn owns it.
 *
 * Await chain: each time a step ends pending, the coroutine records in `awaiting` the future that
 * suspended it (the last one to report pending inside that step, found in `ambient.suspended`),
 * and then names itself there for its own parent. Following `awaiting` from a task's root future
 * gives the chain down to the leaf ("serveTable → cookDish → sleep") for task dumps and deadlock
 * reports, at the cost of two writes per suspension.
 * - `DONE`: returned or threw; polling again is a bug and throws.
 * - `CANCELLING`: torn down while its `finally` blocks still await; its cleanup (cleanup.ts)
 *   drives them.
 * - `CANCELLED`: torn down completely.
 * - `SPAWNED`: handed to a task that drives the generator itself (see "Adoption"); this object is
 *   then only an empty shell, and polling or awaiting it is refused.
 *
 * Adoption: `spawn` of a fresh coroutine lets the task take the generator function and arguments
 * (`surrender`) and step the generator itself, one poll layer and one object (64 bytes) less per
 * task. Only coroutines whose label the task can recover from the generator are adopted (see
 * `body.ts`). When something needs the coroutine back (a cancellation with `finally` blocks to
 * drive), the task rebuilds one around the same generator with `Coroutine.resume`.
 *
 * Ownership: the first poll records the context's owner (the task). A poll from another owner is
 * refused, so two tasks can never drive one recipe card.
 */
import { ambient, hostOf, teardownErrors } from "../future/ambient.js";
import {
  CANCEL,
  type Cancellable,
  type Cleanup,
  disposeOwned,
  drop,
  recordTeardownFailure,
} from "../future/cancel.js";
import { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { FutureBase, RETURNED, SUSPENDED, type Suspend } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { Waker } from "../future/waker.js";
import {
  type Body,
  bareYieldError,
  labelOfBody,
  labelOfStart,
  NO_ARGS,
  returnPastBareYields,
  type Start,
  startBody,
} from "./body.js";
import { CoroutineCleanup } from "./cleanup.js";

export type { Body, Start } from "./body.js";

const FRESH = 0;
const RUNNING = 1;
const DELEGATED = 2;
const DONE = 3;
const CANCELLING = 4;
const CANCELLED = 5;
const SPAWNED = 6;
/**
 * A mark that only `FRESH` carries: the coroutine is labelled as its generator function is tagged
 * (see `body.ts`), so a task may adopt it. Given by `asyncFn` and `asyncBlock`, which know this
 * once per definition (a look-up per spawn cost W1 a few percent); every transition drops it.
 */
const ADOPTABLE = 8;

const STATE_NAMES = [
  "fresh",
  "running",
  "delegated",
  "done",
  "cancelling",
  "cancelled",
  "spawned as a task",
];

/**
 * A future driven by a generator body.
 *
 * @example
 * ```ts
 * const cookDish = asyncFn(function* (dish: string, ms: number) {
 *   yield* sleep(ms);
 *   return `Dish: ${dish}`;
 * });
 * const soup: Coroutine<string> = cookDish("Soup", 1000); // nothing cooks until it is polled
 * ```
 */
export class Coroutine<R> extends FutureBase<R> implements Disposable, Cancellable {
  private state = FRESH;
  /**
   * Two lives in one slot (a field less per coroutine; a spawned-but-unpolled task's bytes are a
   * benchmark target): while `FRESH`, the call's arguments; once polled, the owner recorded by the
   * first poll (`null` when awaited by an outer async fn, which owns it instead, and once
   * `SPAWNED`: the adopting task took the arguments).
   */
  private ownerOrArgs: unknown;
  /** The future this coroutine is suspended on, after a pending step (see "Await chain"). */
  awaiting: unknown = null;

  /** The generator function while `FRESH`, then the generator it made. */
  private body: Body<R> | Start<R>;

  /** Not for direct use: coroutines are made by `asyncFn` and `asyncBlock`. */
  constructor(
    start: Start<R>,
    args: readonly unknown[],
    /** The async fn's name, for errors and task dumps. */
    readonly label: string,
    /** Whether `label` is the tag of `start`, so that a task may adopt this coroutine. */
    adoptable = false,
  ) {
    super();
    if (adoptable) this.state = FRESH | ADOPTABLE;
    this.ownerOrArgs = args.length === 0 ? NO_ARGS : args;
    this.body = start;
  }

  /**
   * Run the body up to its next `yield*` of a future that is not ready: the return value, or
   * `PENDING`. A task or combinator calls this; a test may poll by hand, always from one owner
   * (another owner, or a poll after the body finished, throws `FutureStateError`).
   *
   * @example
   * ```ts
   * const dish = yield* pollFn((cx) => soup.poll(cx)); // polled by hand, as a task polls it
   * ```
   */
  poll(cx: Context): Poll<R> {
    if (this.state !== RUNNING) this.transitionToRunning(cx);
    else if (this.ownerOrArgs !== cx.owner) this.refuseForeignOwner(cx.owner);
    const outer = ambient.cx;
    ambient.cx = cx;
    let r: IteratorResult<Suspend, R>;
    try {
      r = (this.body as Body<R>).next();
    } catch (e) {
      this.state = DONE;
      throw e;
    } finally {
      ambient.cx = outer;
    }
    if (r.done === true) {
      this.state = DONE;
      return r.value;
    }
    if (r.value !== PENDING) this.refuseBareYield(r.value);
    this.awaiting = ambient.suspended;
    // Whoever polled this coroutine learns what suspended it from its own `yield*` (FutureBase.next
    // names the combinator or handle), or is the task and reads nothing: clear the slot rather
    // than leave this coroutine, its task and its runtime reachable from a module global.
    ambient.suspended = null;
    return PENDING;
  }

  /** `yield* coroutine`: the outer async fn steps this body from now on. */
  override [Symbol.iterator](): Iterator<Suspend, R, unknown> {
    if ((this.state & ~ADOPTABLE) !== FRESH) {
      throw new FutureStateError(
        `async fn '${this.label}' was awaited with yield* after it was ${this.describeState()}: a future is awaited once`,
      );
    }
    this.state = DELEGATED;
    this.begin(null);
    return this;
  }

  /**
   * One step under an outer `yield*`; the outer driver has set `ambient.cx`.
   *
   * @example
   * ```ts
   * const dish = yield* cookDish("Soup", 1000); // the inner body steps on the outer one's turn
   * ```
   */
  override next(): IteratorResult<Suspend, R> {
    let r: IteratorResult<Suspend, R>;
    try {
      r = (this.body as Body<R>).next();
    } catch (e) {
      if (this.state === CANCELLING) {
        // A finally threw while this body was torn down: kept, and the unwinding goes on.
        recordTeardownFailure(e);
        return this.unwound();
      }
      this.state = DONE;
      throw e;
    }
    if (r.done === true) {
      if (this.state === CANCELLING) return this.unwound();
      this.state = DONE;
      return r;
    }
    if (r.value !== PENDING) {
      if (this.state !== CANCELLING) this.refuseBareYield(r.value);
      return this.unwindPastBareYield(r.value);
    }
    this.awaiting = ambient.suspended;
    ambient.suspended = this;
    return r;
  }

  /**
   * A `finally` of this torn-down body yielded a bare value on a later step: kept as the
   * teardown's failure, never thrown to the outer body (whose `catch` would let it run on), and
   * the teardown goes on from there (see `returnPastBareYields`).
   */
  private unwindPastBareYield(value: unknown): IteratorResult<Suspend, R> {
    let r: IteratorResult<Suspend, unknown>;
    try {
      r = returnPastBareYields(this.body as Body<R>, value, this.label);
    } catch (e) {
      recordTeardownFailure(e);
      return this.unwound();
    }
    if (r.done === true) return this.unwound();
    this.awaiting = ambient.suspended;
    ambient.suspended = this;
    return r as IteratorResult<Suspend, R>;
  }

  /**
   * The last awaiting `finally` of this torn-down body has finished. Answering "done" would let
   * the outer async fn's `yield*` complete normally, and its body run on after the call as if it
   * had returned: a cancelled task resuming its own code. Instead this step suspends and asks the
   * cleanup's driver to go on tearing down (`return()` from the top, which reaches this finished
   * body and unwinds each outer one in turn, see `CoroutineCleanup.poll`).
   */
  private unwound(): IteratorResult<Suspend, R> {
    this.state = CANCELLED;
    this.awaiting = null;
    ambient.unwinding = true;
    return SUSPENDED;
  }

  /**
   * The outer async fn is being torn down: tear this body down with it (its finally blocks run).
   *
   * @example
   * ```ts
   * const meal = asyncFn(function* () {
   *   try {
   *     yield* cookDish("Soup", 1000); // the meal dropped here: this body's finally runs too
   *   } finally {
   *     console.log("burner off");
   *   }
   * });
   * ```
   */
  override return(): IteratorResult<Suspend, R> {
    let r: IteratorResult<Suspend, R>;
    try {
      r = (this.body as Body<R>).return(undefined as R);
      if (r.done !== true && r.value !== PENDING) {
        r = returnPastBareYields(this.body as Body<R>, r.value, this.label) as typeof r;
      }
    } catch (e) {
      // A finally threw: kept for the teardown's driver; the outer body goes on unwinding.
      recordTeardownFailure(e);
      this.state = CANCELLED;
      this.awaiting = null;
      return RETURNED as IteratorReturnResult<any>;
    }
    this.state = r.done === true ? CANCELLED : CANCELLING;
    if (r.done === true) this.awaiting = null;
    return r;
  }

  [DESCRIBE](): Description {
    const waiting = this.state === RUNNING || this.state === DELEGATED || this.state === CANCELLING;
    return {
      label: this.label,
      children: waiting && this.awaiting !== null ? [this.awaiting] : [],
    };
  }

  [CANCEL](): Cleanup | null {
    switch (this.state) {
      case FRESH:
      case FRESH | ADOPTABLE: {
        // Never started: no generator exists, so there is no finally to run, and no `using` in
        // the body ever took the arguments. They were moved into the call (as Rust's async fn
        // takes its arguments): the owned ones (a permit, a socket) are disposed with it.
        const args = this.ownerOrArgs;
        this.state = CANCELLED;
        this.ownerOrArgs = null;
        disposeOwned(args);
        return null;
      }
      case RUNNING:
        return this.tearDown();
      default:
        // Delegated coroutines are torn down by their outer async fn; finished ones need nothing.
        return null;
    }
  }

  /**
   * Drop the coroutine: its `finally` blocks run now, and if they await, the runtime finishes them
   * as a detached cleanup task. One never polled has no body yet: the owned arguments of its call
   * (a permit, a socket) are disposed instead. Idempotent.
   *
   * @example
   * ```ts
   * soup[Symbol.dispose](); // torn up: its finally blocks run, and polling it again throws
   * ```
   */
  [Symbol.dispose](): void {
    drop(this);
  }

  private tearDown(): Cleanup | null {
    if (ambient.host === null) {
      // Dropped by native code, outside any turn: tear down inside the runtime that polled it.
      const host = hostOf(this.ownerOrArgs);
      if (host !== null) return host.cancelWithin(this);
    }
    // Run the finally blocks now, as the owning task would. Whatever they await is registered with
    // a silent waker here; the cleanup's driver polls it straight away, re-registering for real.
    const outer = ambient.cx;
    const outerFailure = ambient.teardownFailure;
    ambient.cx = new Context(Waker.noop(), this.ownerOrArgs);
    ambient.teardownFailure = null;
    let r: IteratorResult<Suspend, R>;
    let failure = null as { error: unknown } | null;
    try {
      r = (this.body as Body<R>).return(undefined as R);
      if (r.done !== true && r.value !== PENDING) {
        r = returnPastBareYields(this.body as Body<R>, r.value, this.label) as typeof r;
      }
    } catch (e) {
      this.state = CANCELLED;
      // An inner finally failed first (recorded, the unwinding went on): both are reported.
      const first = ambient.teardownFailure as { error: unknown } | null;
      throw first === null ? e : teardownErrors(first.error, e);
    } finally {
      failure = ambient.teardownFailure;
      ambient.teardownFailure = outerFailure;
      ambient.cx = outer;
    }
    const suspended = ambient.suspended;
    ambient.suspended = null;
    if (r.done === true) {
      this.state = CANCELLED;
      const f = failure as { error: unknown } | null;
      if (f !== null) throw f.error;
      return null;
    }
    this.state = CANCELLING;
    return new CoroutineCleanup(this.body as Body<R>, this.ownerOrArgs, this, suspended, failure);
  }

  /**
   * @internal whether a task may adopt this coroutine: fresh, and labelled as its generator
   * function is tagged (so the task can name the body without this object).
   */
  adoptable(): boolean {
    return this.state === (FRESH | ADOPTABLE);
  }

  /** @internal the generator function, for the adopting task (read before `surrender`). */
  get start(): Start<R> {
    return this.body as Start<R>;
  }

  /** @internal hand the body over to the adopting task: returns the call's arguments. */
  surrender(): readonly unknown[] {
    const args = this.ownerOrArgs as readonly unknown[];
    this.state = SPAWNED;
    this.ownerOrArgs = null;
    return args;
  }

  /**
   * @internal a coroutine again around a body a task adopted: fresh (from its generator function
   * and arguments) or running (its generator, owner and the future it is suspended on).
   */
  static resume<R>(
    body: Start<R> | Body<R>,
    argsOrOwner: unknown,
    awaiting: unknown,
    label?: string,
  ): Coroutine<R> {
    if (typeof body === "function") {
      return new Coroutine(body, argsOrOwner as readonly unknown[], label ?? labelOfStart(body));
    }
    const c = new Coroutine<R>(body as unknown as Start<R>, NO_ARGS, label ?? labelOfBody(body));
    c.state = RUNNING;
    c.ownerOrArgs = argsOrOwner;
    c.awaiting = awaiting;
    return c;
  }

  /** @internal called by the cleanup when the last `finally` has finished. */
  markCancelled(): void {
    this.state = CANCELLED;
  }

  private transitionToRunning(cx: Context): void {
    if (this.state === SPAWNED) {
      throw new FutureStateError(
        `async fn '${this.label}' was polled after it was spawned as a task: the task drives it now (await its JoinHandle instead)`,
      );
    }
    if ((this.state & ~ADOPTABLE) !== FRESH) {
      throw new FutureStateError(
        `async fn '${this.label}' was polled after it was ${this.describeState()}: a future that has completed or been dropped must not be polled again`,
      );
    }
    this.state = RUNNING;
    this.begin(cx.owner);
  }

  /**
   * Make the generator from the generator function and the arguments kept since the call; `owner`
   * then takes the arguments' slot.
   */
  private begin(owner: unknown): void {
    const start = this.body as Start<R>;
    const args = this.ownerOrArgs as readonly unknown[];
    this.ownerOrArgs = owner;
    try {
      this.body = startBody(start, args, this.label);
    } catch (e) {
      this.state = DONE;
      throw e;
    }
  }

  private refuseForeignOwner(owner: unknown): never {
    // A context made by hand, `new Context(waker)`, is owned by its waker: a test that polls with
    // a new waker each time is a new owner each time, and needs telling how to keep one.
    const byHand = owner instanceof Waker || this.ownerOrArgs instanceof Waker;
    throw new FutureStateError(
      byHand
        ? `async fn '${this.label}' was polled by a second task or owner: a future belongs to whoever first polled it. A Context made with new Context(waker) is owned by its waker; to poll by hand with another waker, keep one owner: new Context(waker, owner)`
        : `async fn '${this.label}' was polled by a second task: a future belongs to the task that first polled it`,
    );
  }

  /**
   * The body yielded `value` instead of suspending (a bare `yield`): a bug in it, reported as a
   * TypeError to whoever polled or awaited it. The body is dropped as a combinator drops a child:
   * its `finally` blocks run now and, if they await, are finished by a cleanup task of the runtime
   * (nothing is cut short or left registered); what they throw on the way out is dropped, since the
   * bare yield is the bug to report.
   *
   * @internal also for a task whose adopted body yielded bare:
   * `Coroutine.resume(body, task, null).refuseBareYield(value)`.
   */
  refuseBareYield(value: unknown): never {
    const error = bareYieldError(this.body as Body<R>, value, this.label);
    if (typeof (this.body as Body<R>).return !== "function") {
      this.state = DONE;
      throw error;
    }
    // Awaited by an outer async fn: its cleanup belongs to the task polling that one.
    if (this.state === DELEGATED) this.ownerOrArgs = ambient.cx === null ? null : ambient.cx.owner;
    this.state = RUNNING;
    try {
      drop(this);
    } catch {
      // A finally threw while the body was left: see above.
    }
    throw error;
  }

  private describeState(): string {
    return STATE_NAMES[this.state] === "delegated" ? "already awaited" : STATE_NAMES[this.state]!;
  }
}
