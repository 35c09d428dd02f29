/**
 * The body of an async fn: the generator that a coroutine, or a task that adopted it, steps. What
 * both drivers share lives here: starting the generator from its function and arguments, the
 * label it shows in errors and task dumps, and the error for a bare `yield`.
 *
 * Labels without a field: `asyncFn` tags its generator function, and that function's own
 * prototype, with the label once per definition (`tagLabel`). Every generator the function makes
 * inherits from that prototype, so a task driving a generator directly can name it without keeping
 * the label (a parked task's bytes are a benchmark target). Untagged are: `asyncBlock` bodies
 * (tagging a fresh function's prototype costs hundreds of nanoseconds, once per block), bound
 * functions and plain functions that return another function's generator (see `tagLabel`). A task
 * adopts a coroutine only when its label can be read back this way ({@link BLOCK_LABEL} for an
 * untagged body), and checks it again on the generator it gets.
 */
import { recordTeardownFailure } from "../future/cancel.js";
import { RETURNED, type Suspend } from "../future/future.js";
import { PENDING } from "../future/poll.js";

/** The generator an async fn body is compiled to. */
export type Body<R> = Generator<Suspend, R, unknown>;

/** The generator function of an async fn: called on the first poll to make its {@link Body}. */
export type Start<R> = (...args: any[]) => Body<R>;

/** Shared by every call without arguments, so such a call allocates no arguments array. */
export const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** Where `asyncFn` keeps the label on a generator function and on its prototype. */
const LABEL: unique symbol = Symbol("brigade.label");

/** The label of an untagged body: an `asyncBlock`'s, unnamed. */
export const BLOCK_LABEL = "asyncBlock";

type Tagged = { [LABEL]?: string };

/** What every generator function's own `prototype` inherits from (`%GeneratorPrototype%`). */
const GENERATOR_PROTOTYPE: object = Object.getPrototypeOf(function* () {}.prototype);

/**
 * Tag `fn` and its prototype, which its generators inherit, with `label`. Only a generator
 * function is tagged, through its own `prototype`: a bound function has none of its own (reading
 * one would reach the object every generator inherits from), and a plain function that returns
 * some other function's generator would not be named by it. The prototype is tagged first, so a
 * tagged function always has a tagged prototype (a frozen prototype leaves both untagged).
 *
 * The calls of a function left untagged keep their label in their coroutine (a task does not adopt
 * them), unless the label is {@link BLOCK_LABEL} itself (an unnamed `asyncBlock`), which an
 * untagged body shows anyway. So do the calls of a function already tagged under another label.
 */
export function tagLabel(fn: Function, label: string): void {
  if (!Object.hasOwn(fn, "prototype")) return;
  const proto: unknown = (fn as { prototype?: unknown }).prototype;
  if (typeof proto !== "object" || proto === null) return;
  if (Object.getPrototypeOf(proto) !== GENERATOR_PROTOTYPE) return;
  if (Object.hasOwn(fn, LABEL) || Object.hasOwn(proto, LABEL)) return;
  try {
    (proto as Tagged)[LABEL] = label;
  } catch {
    return; // A frozen or sealed prototype: both stay untagged.
  }
  try {
    (fn as Tagged)[LABEL] = label;
  } catch {
    // A frozen or sealed function: untagged, though its generators inherit the label (which is
    // the one its coroutines carry anyway).
  }
}

/** The label a generator function carries, or {@link BLOCK_LABEL}. */
export function labelOfStart(start: Function): string {
  return (start as Tagged)[LABEL] ?? BLOCK_LABEL;
}

/**
 * The label of a running body, inherited from its generator function's prototype. Read as a
 * property rather than through `Object.getPrototypeOf`, which V8 does not inline for generators
 * (it cost about 9 ns on every spawned task's first step).
 */
export function labelOfBody(body: object): string {
  return (body as Tagged)[LABEL] ?? BLOCK_LABEL;
}

/**
 * Call the generator function with its arguments and check that it made a generator. `label`
 * names it in the error; `null` reads the function's tag (only when there is an error to report).
 */
export function startBody<R>(
  start: Start<R>,
  args: readonly unknown[],
  label: string | null,
): Body<R> {
  const gen = args.length === 0 ? start() : start(...args);
  if (gen === null || typeof gen !== "object" || typeof gen.next !== "function") {
    throw new TypeError(
      `async fn '${label ?? labelOfStart(start)}' must be a generator function (function* () { ... }), but it returned ${gen === null ? "null" : typeof gen}`,
    );
  }
  return gen;
}

/**
 * How many `finally` blocks, one inside another, a body is led out of when it is left without
 * waiting (a refused body, a cleanup given up on): a bound, so a `finally` that loops cannot hang.
 */
export const MAX_NESTED_FINALLY = 64;

/**
 * The error for a body that yielded `value` instead of suspending: a bare yield, or, when the body
 * is an iterator that is not a generator (no `return`, say an array's), that.
 */
export function bareYieldError(body: Body<unknown>, value: unknown, label: string): TypeError {
  if (typeof (body as Partial<Body<unknown>>).return !== "function") {
    return new TypeError(
      `async fn '${label}' must be a generator function (function* () { ... }), but it returned an iterator that is not a generator`,
    );
  }
  return new TypeError(
    `async fn '${label}' yielded ${describeYielded(value)}: use yield* to await a future (a bare yield is not an await)`,
  );
}

/**
 * A body being torn down yielded something other than a suspension from one of its `finally`
 * blocks. Thrown into the body, the TypeError could land in a `catch` and the body run on, a
 * cancelled task resuming its own code; left alone, the cleanup's driver would take the value for a
 * suspension that nothing will ever wake. So it is kept as the teardown's failure (the task ends
 * panicked with it, see `recordTeardownFailure`), and the teardown goes on: `return()` leaves that
 * block for the enclosing ones, which run, and may await, as any cleanup does. Returns the first
 * step that is not a bare yield (`finally` blocks that bare-yield again are led out of in turn, up
 * to a bound).
 */
export function returnPastBareYields(
  body: Body<unknown>,
  value: unknown,
  label: string,
): IteratorResult<Suspend, unknown> {
  recordTeardownFailure(
    new TypeError(
      `async fn '${label}' yielded ${describeYielded(value)} in a finally block while it was torn down: use yield* to await a future (a bare yield is not an await)`,
    ),
  );
  let r = body.return(undefined);
  for (let i = 1; i < MAX_NESTED_FINALLY && r.done !== true && r.value !== PENDING; i++) {
    r = body.return(undefined);
  }
  // Still yielding bare values (a finally that loops): the body is left for good.
  return r.done !== true && r.value !== PENDING ? RETURNED : r;
}

/** What a bare `yield` handed over, by its class when it is an object ("a Sleep"). */
function describeYielded(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? `a ${name}` : "an object";
}
