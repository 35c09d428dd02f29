/**
 * TaskLocal: a note clipped to the recipe card. `local.scope(value, future)` makes `value` what
 * `local.get()` returns while `future` is polled (and while it is torn down), so code deep inside
 * it (a logger, a tracing helper) can read a request id without every function passing it on:
 * tokio's `task_local!` and `LocalKey::scope`.
 *
 * The value is in scope only during the polls of `future`, exactly: not between them, not in other
 * tasks, and not in a task spawned from inside (a new chef gets a new card; pass what it needs, or
 * give its future a scope of its own). Scopes of the same local nest: the innermost wins until it
 * ends. Each local holds one slot that a scope fills while it polls and restores afterwards, which
 * is sound because polls never interleave: one poll runs at a time, to its end.
 *
 * One exception to "one poll at a time": `abort()` tears the aborted task's future down at once,
 * inside the caller's poll (or a native `syncScope`). That teardown is the aborted task's, so the
 * caller's scopes must not show through: {@link outsideTaskLocals} raises a fence that hides every
 * scope entered before it, and the aborted task's own scopes, entered behind the fence, still show.
 */
import { ambient, type Carrier } from "../future/ambient.js";
import { CANCEL, CancellableFuture, type Cleanup, cancel } from "../future/cancel.js";
import type { Context } from "../future/context.js";
import { DESCRIBE, type Description } from "../future/describe.js";
import { FutureStateError } from "../future/errors.js";
import { assertFuture, disposeOf, type Future, FutureBase } from "../future/future.js";
import { PENDING, type Poll } from "../future/poll.js";
import { RuntimeStateError } from "./runtime-state-error.js";

/** A value in scope, boxed so that `undefined` can be one. */
interface Box<T> {
  readonly value: T;
}

/**
 * The fence: a local's slot counts only if it was filled while the fence stood where it stands now.
 * Raised by {@link outsideTaskLocals}, lowered when it returns; scopes nest inside it, so a value
 * is never reused for a slot still filled.
 */
let fence = 0;

/**
 * Call `fn(a)` with no task-local in scope: the scopes around the call are hidden until it returns;
 * scopes entered inside it show as usual. For the teardown of an aborted task, which runs inside
 * whoever called `abort()` but belongs to the aborted task.
 *
 * @example
 * ```ts
 * requestId.syncScope("r-1", () => outsideTaskLocals(() => requestId.tryGet(), undefined)); // undefined
 * ```
 */
export function outsideTaskLocals<A, R>(fn: (a: A) => R, a: A): R {
  fence++;
  try {
    return fn(a);
  } finally {
    fence--;
  }
}

/**
 * A task-local value: set for the duration of a future with {@link TaskLocal.scope}, read with
 * {@link TaskLocal.get} from anything that future polls.
 *
 * @example
 * ```ts
 * const requestId = new TaskLocal<string>("requestId");
 * const log = (msg: string) => console.log(`[${requestId.get()}] ${msg}`);
 * const handle = asyncFn(function* () {
 *   log("start"); // [r-42] start
 *   yield* sleep(10);
 *   log("done"); // [r-42] done
 * });
 * yield* requestId.scope("r-42", handle());
 * ```
 */
export class TaskLocal<T> {
  /** The box of the innermost scope being polled, or `null` outside every scope. */
  private current: Box<T> | null = null;
  /** Where the fence stood when `current` was filled: other than now, it is hidden. */
  private filledAt = 0;

  /**
   * @param name what errors and task dumps call this local.
   *
   * @example
   * ```ts
   * const user = new TaskLocal<{ id: number }>("user");
   * ```
   */
  constructor(readonly name: string) {
    if (typeof name !== "string") {
      throw new TypeError(`new TaskLocal(name): name must be a string, got ${typeof name}`);
    }
  }

  /**
   * A future that polls `future` with `value` in scope: its output is `future`'s. Dropping it
   * drops `future`, with `value` still in scope for its `finally` blocks.
   *
   * @example
   * ```ts
   * const dish = yield* table.scope(7, serve("soup")); // table.get() is 7 inside serve
   * ```
   */
  scope<R>(value: T, future: Future<R>): FutureBase<R> & Disposable {
    assertFuture(future, `${this.name}.scope(value, future): future`);
    return new Scoped(new Scope(this, { value }), future);
  }

  /**
   * Call `fn` with `value` in scope, and return what it returns (tokio's `sync_scope`).
   *
   * @example
   * ```ts
   * const line = requestId.syncScope("r-7", () => format("ready")); // format may call get()
   * ```
   */
  syncScope<R>(value: T, fn: () => R): R {
    if (typeof fn !== "function") {
      throw new TypeError(
        `${this.name}.syncScope(value, fn): fn must be a function, got ${typeof fn}`,
      );
    }
    const outer = this.current;
    const outerAt = this.filledAt;
    this.enter({ value });
    try {
      return fn();
    } finally {
      this.leave(outer, outerAt);
    }
  }

  /**
   * The value of the innermost scope being polled. Throws a {@link RuntimeStateError} outside
   * every scope (tokio panics there); {@link TaskLocal.tryGet} does not.
   *
   * @example
   * ```ts
   * yield* requestId.scope("r-1", asyncBlock(function* () {
   *   requestId.get(); // "r-1"
   * }));
   * ```
   */
  get(): T {
    const box = this.visible();
    if (box === null) {
      throw new RuntimeStateError(
        `task-local '${this.name}' was read outside its scope: only code polled inside its scope(value, future) (or run by its syncScope) can read it, and a spawned task does not inherit it`,
      );
    }
    return box.value;
  }

  /**
   * The value in scope, or `undefined` outside every scope (tokio's `try_with`).
   *
   * @example
   * ```ts
   * const id = requestId.tryGet() ?? "no request";
   * ```
   */
  tryGet(): T | undefined {
    return this.visible()?.value;
  }

  /**
   * Whether a scope of this local is being polled (tells an unset local from one set to
   * `undefined`).
   *
   * @example
   * ```ts
   * if (requestId.isSet()) log(requestId.get());
   * ```
   */
  isSet(): boolean {
    return this.visible() !== null;
  }

  /** The innermost scope's box, unless a fence raised since hides it. */
  private visible(): Box<T> | null {
    return this.filledAt === fence ? this.current : null;
  }

  /** @internal the slot to restore when a scope ends: read both before `enter`. */
  get outerBox(): Box<T> | null {
    return this.current;
  }

  /** @internal where the fence stood for `outerBox`. */
  get outerAt(): number {
    return this.filledAt;
  }

  /** @internal put `box` in scope, behind the fence as it stands now. */
  enter(box: Box<T>): void {
    this.current = box;
    this.filledAt = fence;
  }

  /** @internal end a scope entered with `enter`: put back what `outerBox` and `outerAt` read. */
  leave(outer: Box<T> | null, outerAt: number): void {
    this.current = outer;
    this.filledAt = outerAt;
  }
}

/**
 * One scope of one local: entered around each poll and teardown of what it wraps, and the carrier
 * (`ambient.carry`) that wraps a cleanup detached inside it, so that the cleanup runs with the
 * value in scope too when the runtime drives it later (a `race` loser whose `finally` awaits).
 */
class Scope<T> implements Carrier {
  /** The carrier that was current when this scope was entered (innermost entry), to wrap next. */
  private outerCarry: Carrier | null = null;

  constructor(
    readonly local: TaskLocal<T>,
    private readonly box: Box<T>,
  ) {}

  /** Run `step(a, b)` with the value in scope. */
  within<A, B, R>(step: (a: A, b: B) => R, a: A, b: B): R {
    const local = this.local;
    const outerBox = local.outerBox;
    const outerAt = local.outerAt;
    local.enter(this.box);
    const savedOuter = this.outerCarry;
    this.outerCarry = ambient.carry;
    ambient.carry = this;
    try {
      return step(a, b);
    } finally {
      ambient.carry = this.outerCarry;
      this.outerCarry = savedOuter;
      local.leave(outerBox, outerAt);
    }
  }

  /** A cleanup detached inside this scope: it will run inside it, and inside the scopes around. */
  wrap(rest: Cleanup): Cleanup {
    const kept = new ScopedCleanup(this, rest);
    return this.outerCarry === null ? kept : this.outerCarry.wrap(kept);
  }
}

/** The future of `local.scope(value, future)`. */
class Scoped<T, R> extends CancellableFuture<R> {
  private inner: Future<R> | null;

  constructor(
    private readonly scope: Scope<T>,
    inner: Future<R>,
  ) {
    super();
    this.inner = inner;
  }

  poll(cx: Context): Poll<R> {
    const inner = this.inner;
    if (inner === null) {
      throw new FutureStateError(`${this.scope.local.name}.scope(…) was polled after it finished`);
    }
    let r: Poll<R>;
    try {
      r = this.scope.within(pollWith<R>, inner, cx);
    } catch (e) {
      this.inner = null;
      throw e;
    }
    if (r !== PENDING) this.inner = null;
    return r;
  }

  /** Torn down: the inner future's teardown sees the value, now and in any part left to drive. */
  [CANCEL](): Cleanup | null {
    const inner = this.inner;
    if (inner === null) return null;
    this.inner = null;
    const rest = this.scope.within(cancel, inner, undefined);
    return rest === null ? null : new ScopedCleanup(this.scope, rest);
  }

  [DESCRIBE](): Description {
    return {
      label: `${this.scope.local.name}.scope`,
      children: this.inner === null ? [] : [this.inner],
    };
  }
}

/** The rest of a teardown begun inside a scope, driven with the value still in scope. */
class ScopedCleanup<T> extends FutureBase<void> implements Cleanup, Disposable {
  readonly owner: unknown;

  constructor(
    private readonly scope: Scope<T>,
    private readonly rest: Cleanup,
  ) {
    super();
    this.owner = rest.owner;
  }

  poll(cx: Context): Poll<void> {
    return this.scope.within(pollWith<void>, this.rest, cx);
  }

  [Symbol.dispose](): void {
    this.scope.within(disposeOf, this.rest, undefined);
  }

  [DESCRIBE](): Description {
    return { label: `${this.scope.local.name}.scope cleanup`, children: [this.rest] };
  }
}

function pollWith<R>(future: Future<R>, cx: Context): Poll<R> {
  return future.poll(cx);
}
