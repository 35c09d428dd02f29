/**
 * asyncFn and asyncBlock: how users write recipes. A generator function is the state machine Rust
 * would compile an `async fn` into; `yield*` is `.await`.
 *
 * ```ts
 * const cookDish = asyncFn(function* (dish: string, ms: number) {
 *   yield* sleep(ms);
 *   return `Dish: ${dish}`;
 * });
 * const card = cookDish("Pasta", 3000); // a recipe card: nothing has run
 * ```
 */
import type { Suspend } from "../future/future.js";
import { labelOfStart, NO_ARGS, tagLabel } from "./body.js";
import { Coroutine, type Start } from "./coroutine.js";

/**
 * Turn a generator function into an async fn: calling it returns a lazy future of its result.
 * Called as a method, it runs with that `this` (declare it as the generator's `this` parameter).
 * An async fn that awaits itself (recursion) needs its generator's type written out, as
 * `Generator<Suspend, R, unknown>` (`Suspend` is exported), or TypeScript infers `any`.
 *
 * @example
 * ```ts
 * const add = asyncFn(function* (a: number, b: number) {
 *   yield* yieldNow();
 *   return a + b;
 * });
 * const three = yield* add(1, 2);
 * ```
 *
 * @example
 * ```ts
 * class Kitchen {
 *   served = 0;
 *   serve = asyncFn(function* (this: Kitchen, dish: string) {
 *     yield* sleep(100);
 *     this.served++; // the kitchen `serve` was called on
 *     return dish;
 *   });
 * }
 * const soup = yield* kitchen.serve("soup");
 * ```
 */
export function asyncFn<A extends unknown[], R>(
  body: (...args: A) => Generator<Suspend, R, unknown>,
): (...args: A) => Coroutine<R> {
  if (typeof body !== "function") {
    throw new TypeError(`asyncFn(body): body must be a generator function, got ${typeof body}`);
  }
  refuseAsync(body, "asyncFn(body)");
  const label = body.name || "anonymous";
  // Once per definition, so a task that adopts one of its calls can name the body (body.ts).
  tagLabel(body, label);
  const tagged = labelOfStart(body) === label;
  return marked(function (this: unknown): Coroutine<R> {
    // The arguments are copied out of `arguments` rather than gathered by a rest parameter, so a
    // call without arguments allocates no array (the shared empty one stands in).
    // biome-ignore lint/complexity/noArguments: a rest parameter allocates an array on every call.
    const n = arguments.length;
    let args: readonly unknown[] = NO_ARGS;
    if (n > 0) {
      const a = new Array<unknown>(n);
      // biome-ignore lint/complexity/noArguments: see above.
      for (let i = 0; i < n; i++) a[i] = arguments[i];
      args = a;
    }
    // The generator is made on the first poll; a method call's `this` is bound for it now (a
    // bound function carries no tag, so a task does not adopt that call).
    if (this === undefined) return new Coroutine(body as Start<R>, args, label, tagged);
    return new Coroutine(body.bind(this) as Start<R>, args, label);
  }) as (...args: A) => Coroutine<R>;
}

/** Mark `call` as made by `asyncFn` (passed as an argument, it keeps its empty name). */
function marked<F extends Function>(call: F): F {
  (call as { [MADE_BY_ASYNC_FN]?: true })[MADE_BY_ASYNC_FN] = true;
  return call;
}

/**
 * An async block: a single lazy future from a generator function with no arguments.
 *
 * @example
 * ```ts
 * const main = asyncBlock(function* () {
 *   const [a, b] = yield* join(cookDish("Pasta", 3000), cookDish("Salad", 2000));
 *   return [a, b];
 * });
 * await run(main);
 * ```
 */
export function asyncBlock<R>(body: () => Generator<Suspend, R, unknown>): Coroutine<R> {
  if (typeof body !== "function") {
    throw new TypeError(`asyncBlock(body): body must be a generator function, got ${typeof body}`);
  }
  refuseAsync(body, "asyncBlock(body)");
  const label = body.name || "asyncBlock";
  return new Coroutine(body, NO_ARGS, label, labelOfStart(body) === label);
}

/**
 * The mark of a function made by `asyncFn`. Wrapped again, its calls would hand the outer
 * coroutine a coroutine where a generator belongs, which fails at the first poll with a message
 * about neither ("this.body.next is not a function").
 */
const MADE_BY_ASYNC_FN: unique symbol = Symbol("brigade.asyncFn");

/**
 * An `async function` (or `async function*`) where a generator function belongs: the most likely
 * slip of someone used to promises. Say so at once, not at the first poll. Likewise a function
 * that `asyncFn` already made.
 */
function refuseAsync(body: Function, where: string): void {
  if ((body as { [MADE_BY_ASYNC_FN]?: true })[MADE_BY_ASYNC_FN] === true) {
    throw new TypeError(
      `${where}: body must be a generator function (function* () { ... }), got a function asyncFn already made: call it to get its future instead of wrapping it again`,
    );
  }
  const kind = Object.prototype.toString.call(body);
  if (kind === "[object AsyncFunction]" || kind === "[object AsyncGeneratorFunction]") {
    throw new TypeError(
      `${where}: body must be a generator function (function* () { ... }), got an ${kind === "[object AsyncFunction]" ? "async function" : "async generator function"}: in Brigade, \`yield*\` takes the place of \`await\``,
    );
  }
}
