/**
 * CancellationToken: the closing call. The head chef calls "kitchen's closing", and every station
 * that listens to him (and every station that listens to one of those) wraps up; a station that
 * closes early closes only itself and those below it. tokio-util's `CancellationToken`: `cancel()`
 * is sticky and idempotent, `cancelled()` is a future ready once it happened, and
 * `childToken()` makes a token that is cancelled with its parent but never cancels it.
 *
 * How the tree is kept (the part that differs from tokio). A child holds its parent (a strong link
 * up), but a parent holds a child only while that child has something to be told: a waiting
 * `cancelled()`, an `AbortSignal` handed out, or such a child of its own. So a child that is made
 * and forgotten costs its parent nothing and is garbage as soon as the caller lets go, with no
 * `WeakRef`, no finalizer and no dispose to forget. A child nobody waits on learns of its
 * ancestor's cancellation by looking up when asked (`isCancelled()` walks to the root, and
 * remembers a `true`). Two alternatives were weighed: a `WeakRef` per child (tokio's tree, minus
 * the refcount) frees dropped children only when the collector gets round to it, so memory follows
 * the garbage collector's mood and a test cannot prove the bound; and detaching on dispose leaks
 * every child whose owner forgot `using`. The links are intrusive (a sibling list through the
 * tokens themselves), so joining and leaving the tree allocates nothing.
 *
 * AbortSignal, both ways, and no more. In TypeScript the currency of cancellation is the
 * `AbortSignal`: `fetch`, Node's streams and timers, the DOM and most libraries take one, and
 * web handlers are given one. So `token.signal` lets a token stop such an API, and
 * `CancellationToken.fromSignal(signal)` lets a signal stop a tree of tasks. Each is a few lines on
 * the platform's own `AbortController`; reasons, `AbortSignal.any` and timeouts are left to the
 * platform (and to `timeout`), where they already exist.
 *
 * State of a token (`state`, bit flags):
 *   CANCELLED  set once, by `cancel()` on it or an ancestor (or remembered by `isCancelled()`
 *              after finding a cancelled ancestor); never cleared. A cancelled token is never
 *              LINKED again and holds no waiters.
 *   LINKED     the token is in its parent's child list, because it has a waiter, a signal or a
 *              linked child. Set by `retain`, cleared by `release` once it has none of those, or
 *              when the token is cancelled.
 */
import { assertFuture, type Future, type FutureBase } from "../future/future.js";
import { Cancelled, RunUntilCancelled } from "./cancellation-waits.js";
import { WaitQueue } from "./waiter.js";

/**
 * The one token per signal that `fromSignal` hands out children of (and the signal's one
 * listener cancels). Weak: a signal that is gone takes its token with it.
 */
const SIGNAL_ROOTS = new WeakMap<AbortSignal, CancellationToken>();

/** Cancelled, by itself or an ancestor. Never cleared. */
const CANCELLED = 1;
/** In the parent's child list (the parent must reach it to wake what waits on it). */
const LINKED = 2;

/**
 * A token that signals a cancellation request to any number of tasks, and to its child tokens.
 *
 * @example
 * ```ts
 * const closing = new CancellationToken();
 * spawn(asyncBlock(function* () {
 *   yield* closing.cancelled();
 *   console.log("station wiped down");
 * }));
 * closing.cancel();
 * ```
 */
export class CancellationToken {
  /** CANCELLED and LINKED bits. */
  private state = 0;
  /** The token this one was made from; kept until this one is cancelled. */
  private parent: CancellationToken | null = null;
  /** The first of the LINKED children (the only ones the parent can reach). */
  private firstChild: CancellationToken | null = null;
  /** Siblings in the parent's child list; while a cancel runs, the work list of tokens to visit. */
  private prevSibling: CancellationToken | null = null;
  private nextSibling: CancellationToken | null = null;
  /** @internal how many children are LINKED under this token (what the parent holds). */
  linkedChildren = 0;
  /** The line of `cancelled()` futures, made on the first `cancelled()`. */
  private waiters: WaitQueue<Cancelled> | null = null;
  /** Made on the first read of `signal`. */
  private controller: AbortController | null = null;

  /**
   * A token cancelled when `signal` aborts (at once if it already has), for code that is handed
   * an `AbortSignal` (a web handler, `run`'s caller) and wants to cancel a tree of tasks with it.
   * Cancelling the token itself touches neither the signal nor other tokens made from it. Each
   * signal gets one listener, however many tokens are made from it (the tokens are children of
   * one hidden token per signal): a long-lived shutdown signal shared by every request neither
   * collects listeners nor trips Node's MaxListeners warning, and a token nothing waits on is
   * garbage as soon as its owner lets it go.
   *
   * @example
   * ```ts
   * const ac = new AbortController();
   * const request = CancellationToken.fromSignal(ac.signal);
   * ac.abort();
   * request.isCancelled(); // true
   * ```
   */
  static fromSignal(signal: AbortSignal): CancellationToken {
    if (
      typeof signal !== "object" ||
      signal === null ||
      typeof signal.aborted !== "boolean" ||
      typeof signal.addEventListener !== "function"
    ) {
      throw new TypeError(
        `CancellationToken.fromSignal(signal): signal must be an AbortSignal, got ${signal === null ? "null" : typeof signal}`,
      );
    }
    if (signal.aborted) {
      const token = new CancellationToken();
      token.cancel();
      return token;
    }
    let root = SIGNAL_ROOTS.get(signal);
    if (root === undefined) {
      const made = new CancellationToken();
      signal.addEventListener("abort", () => made.cancel(), { once: true });
      SIGNAL_ROOTS.set(signal, made);
      root = made;
    }
    return root.childToken();
  }

  /**
   * Cancel this token and every token made from it, however deep; wake every `cancelled()` waiting
   * on any of them (each token's waiters in the order they came) and abort their signals. Does
   * nothing the second time, or if an ancestor was already cancelled. The parent is not cancelled.
   *
   * @example
   * ```ts
   * process.once("SIGTERM", () => shutdown.cancel());
   * ```
   */
  cancel(): void {
    if (this.isCancelled()) return;
    if ((this.state & LINKED) !== 0) {
      const p = this.parent!;
      p.unlinkChild(this);
      p.release();
    }
    // The linked subtree, visited through a work list threaded through `nextSibling`, so a deep
    // tree needs no call stack and no array. Tokens below that are not linked wait on nothing:
    // they find out by looking up.
    // A waker or abort listener that throws must not leave the rest of the tree uncancelled:
    // the walk goes on, and the first error is thrown at the end.
    const failed: { first: { error: unknown } | null } = { first: null };
    let work: CancellationToken | null = this;
    while (work !== null) {
      const t: CancellationToken = work;
      work = t.cancelOne(t.nextSibling, failed);
    }
    if (failed.first !== null) throw failed.first.error;
  }

  /**
   * Whether this token, or one of its ancestors, was cancelled.
   *
   * @example
   * ```ts
   * while (!token.isCancelled()) yield* serveNextOrder();
   * ```
   */
  isCancelled(): boolean {
    if ((this.state & CANCELLED) !== 0) return true;
    for (let t = this.parent; t !== null; t = t.parent) {
      if ((t.state & CANCELLED) !== 0) {
        // Found by looking up: remembered, so the next ask (and this token's children) stop here.
        this.state |= CANCELLED;
        return true;
      }
    }
    return false;
  }

  /**
   * A future ready once this token is cancelled (at once if it already is). Several may wait on
   * one token; `cancel()` wakes them all.
   *
   * Cancel safety: cancel-safe. Dropping it before it is ready only takes it out of the token's
   * line (nothing is consumed: cancellation stays visible to every other waiter and to the next
   * `cancelled()`), so it can sit in a `select` that is made again on every turn of a loop.
   *
   * @example
   * ```ts
   * const r = yield* select(token.cancelled(), rx.recv());
   * if (r.index === 0) return; // shutting down
   * ```
   */
  cancelled(): FutureBase<void> & Disposable {
    const q = (this.waiters ??= new WaitQueue<Cancelled>());
    return new Cancelled(this, q);
  }

  /**
   * A child token: cancelled when this one is (or any ancestor), while cancelling it leaves this
   * one alone. Made from a token already cancelled, it starts cancelled. A child nobody holds any
   * more is garbage: its parent keeps only the children something waits on.
   *
   * @example
   * ```ts
   * const table = kitchen.childToken();
   * table.cancel();   // this table only
   * kitchen.cancel(); // every table, and the tables made after
   * ```
   */
  childToken(): CancellationToken {
    const child = new CancellationToken();
    // A cancelled ancestor further up is found by the child's own look up, when it is asked.
    if ((this.state & CANCELLED) !== 0) child.state = CANCELLED;
    else child.parent = this;
    return child;
  }

  /**
   * A guard that cancels this token when disposed (`using`), unless `disarm()`ed first: tokio's
   * `DropGuard`, for "if this scope ends early, in any way, cancel everything below it".
   *
   * @example
   * ```ts
   * using _guard = token.dropGuard();
   * yield* serveTheEvening(token); // however it ends, the token is cancelled here
   * ```
   */
  dropGuard(): DropGuard {
    return new DropGuard(this);
  }

  /**
   * Run `future` until it finishes (its value) or this token is cancelled (`undefined`, and
   * `future` is dropped, so its `finally` blocks run). tokio-util's `run_until_cancelled`: on
   * its first poll an already-cancelled token wins and `future` is never polled; after that, when
   * both are ready in one poll, `future` wins. Checking the token spends no budget, so a future
   * that keeps the budget spent cannot outrun its cancellation.
   *
   * `undefined` stands for tokio's `None`, so a `future` whose own value can be `undefined` (a
   * `sleep`, an async fn that returns nothing) gives `undefined` either way: there, ask
   * `token.isCancelled()` afterwards, or await `select(token.cancelled(), future)` instead.
   *
   * Cancel safety: as cancel-safe as `future` (dropping this drops `future`).
   *
   * @example
   * ```ts
   * const order = yield* token.runUntilCancelled(rx.recv());
   * if (order === undefined) return; // closing (or the channel closed)
   * ```
   */
  runUntilCancelled<T>(future: Future<T>): FutureBase<T | undefined> & Disposable {
    assertFuture(future, "token.runUntilCancelled(future): future");
    return new RunUntilCancelled(this, future);
  }

  /**
   * An `AbortSignal` aborted when this token is cancelled, for APIs that take one (`fetch`,
   * `fromPromise`, Node's streams). Made on first read, already aborted if the token is. Until
   * the token is cancelled, a token whose signal was read is reachable from its parent (the
   * signal may be listened to by code that holds neither): read it only where it is used, and
   * cancel a per-request child once the request is done (a `dropGuard` does it on every way out),
   * or every finished request stays linked under the parent.
   *
   * @example
   * ```ts
   * const body = yield* fromPromise(() => fetch(url, { signal: token.signal }));
   * ```
   */
  get signal(): AbortSignal {
    let c = this.controller;
    if (c === null) {
      c = this.controller = new AbortController();
      if (this.isCancelled()) c.abort();
      else this.retain();
    }
    return c.signal;
  }

  /**
   * @internal this token has a new reason to be reached from its ancestors (a waiter, a signal,
   * a linked child): link it, and each ancestor not linked yet. Only called right after
   * `isCancelled()` said no.
   */
  retain(): void {
    let t: CancellationToken = this;
    while ((t.state & (LINKED | CANCELLED)) === 0) {
      const p = t.parent;
      if (p === null || (p.state & CANCELLED) !== 0) return;
      p.linkChild(t);
      t = p;
    }
  }

  /**
   * @internal this token may have lost its last reason to be reached (a waiter left): unlink it,
   * and each ancestor that thereby lost its last one too.
   */
  release(): void {
    let t: CancellationToken = this;
    while ((t.state & LINKED) !== 0 && t.idle()) {
      const p = t.parent!;
      p.unlinkChild(t);
      t = p;
    }
  }

  /** No waiter, no signal, no linked child: nothing under this token needs telling. */
  private idle(): boolean {
    const q = this.waiters;
    return (q === null || q.length === 0) && this.controller === null && this.firstChild === null;
  }

  private linkChild(c: CancellationToken): void {
    const first = this.firstChild;
    c.prevSibling = null;
    c.nextSibling = first;
    if (first !== null) first.prevSibling = c;
    this.firstChild = c;
    this.linkedChildren++;
    c.state |= LINKED;
  }

  private unlinkChild(c: CancellationToken): void {
    const prev = c.prevSibling;
    const next = c.nextSibling;
    if (prev === null) this.firstChild = next;
    else prev.nextSibling = next;
    if (next !== null) next.prevSibling = prev;
    c.prevSibling = c.nextSibling = null;
    this.linkedChildren--;
    c.state &= ~LINKED;
  }

  /**
   * One step of a cancel: mark this token, push its linked children on the work list `rest`, wake
   * its waiters and abort its signal; the work list. The mark comes before any wake or abort
   * listener runs, and every token below finds it by looking up, so whatever those run already
   * sees the whole subtree as cancelled.
   */
  private cancelOne(
    rest: CancellationToken | null,
    failed: { first: { error: unknown } | null },
  ): CancellationToken | null {
    this.state = CANCELLED;
    this.parent = null;
    this.nextSibling = null;
    let c = this.firstChild;
    this.firstChild = null;
    this.linkedChildren = 0;
    while (c !== null) {
      const next = c.nextSibling;
      // Off the parent's list: a waiter leaving it meanwhile must not unlink it from the work list.
      c.state &= ~LINKED;
      c.prevSibling = null;
      c.nextSibling = rest;
      rest = c;
      c = next;
    }
    try {
      this.waiters?.grantAll(); // every waiter told even if a waker throws
    } catch (error) {
      failed.first ??= { error };
    }
    try {
      this.controller?.abort();
    } catch (error) {
      failed.first ??= { error };
    }
    return rest;
  }
}

/**
 * tokio's `DropGuard`: cancels its token when disposed, unless disarmed.
 *
 * @example
 * ```ts
 * using guard = token.dropGuard();
 * if (handedOff) guard.disarm(); // the token lives on
 * ```
 */
export class DropGuard implements Disposable {
  private armed = true;

  /** Not for direct use: made by `token.dropGuard()`. */
  constructor(private readonly token: CancellationToken) {}

  /**
   * Keep the token from being cancelled by this guard; the token.
   *
   * @example
   * ```ts
   * const token = guard.disarm();
   * ```
   */
  disarm(): CancellationToken {
    this.armed = false;
    return this.token;
  }

  /**
   * Cancel the token (and its child tokens; every task waiting in `cancelled()` is woken), unless
   * the guard was disarmed. Idempotent: the guard cancels at most once.
   *
   * @example
   * ```ts
   * {
   *   using guard = token.dropGuard();
   * } // not disarmed: the token is cancelled here
   * ```
   */
  [Symbol.dispose](): void {
    if (!this.armed) return;
    this.armed = false;
    this.token.cancel();
  }
}
