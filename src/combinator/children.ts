/**
 * What every combinator owes its children: one owner per recipe card, and no dish left on the
 * pass. A combinator owns the futures it is given (tokio's `join!` and `select!` take them by
 * value), so the same future may not be given twice, and the values it gathered but will never
 * hand over (a `tryJoin` that failed, a `join` dropped half way, a `race` whose loser's `finally`
 * threw) are disposed if they are marked `OWNED` (a lock guard, a permit, a socket), as Rust drops
 * the outputs a dropped `join!` held: a lock guard one child took is released instead of holding
 * the lock for ever. Unmarked values may be shared (a broadcast message, a `OnceCell`'s value) and
 * are let go.
 */
import { disposeOwned, dropAll } from "../future/cancel.js";
import { FutureStateError } from "../future/errors.js";

/**
 * Up to this many children, pairs are compared at creation. Past it the check would cost a hash per
 * child (a Set: ~70 ns each, a quarter of what a `joinAll` child costs in all), and is skipped:
 * lists that long are built by `map` over fresh futures, where the mistake is rare. A future given
 * twice there answers only one branch's waker; the other waits for ever (a deadlock report shows
 * the `joinAll` with one child left).
 */
const PAIRWISE_MAX = 16;

/**
 * Throw a {@link FutureStateError} if the same future appears twice in `futures` (checked for up
 * to 16 of them): polled by two branches, it would answer only the waker of the last one, or be
 * polled after it completed. `what` names the call and `item` its elements ("argument", "item").
 *
 * @example
 * ```ts
 * const dish = cookDish("Soup", 1000);
 * join(dish, dish); // FutureStateError: join(...futures): argument 1 is the same future as argument 0
 * ```
 */
export function assertDistinct(futures: readonly unknown[], what: string, item: string): void {
  const n = futures.length;
  if (n < 2 || n > PAIRWISE_MAX) return;
  for (let j = 1; j < n; j++) {
    for (let i = 0; i < j; i++) {
      if (futures[i] === futures[j]) throw duplicate(what, item, i, j);
    }
  }
}

function duplicate(what: string, item: string, first: number, again: number): FutureStateError {
  return new FutureStateError(
    `${what}: ${item} ${again} is the same future as ${item} ${first} (a future has one owner: make a new one for each branch)`,
  );
}

/**
 * Dispose every value in `outputs` that holds something (emptying the slots), each on its own:
 * the outputs a combinator gathered and will never hand over. A dispose that throws is ignored,
 * as for the output of a dropped `JoinHandle`: nobody is left to be told.
 *
 * @example
 * ```ts
 * // tryJoin(mutex.lock(), failing()): the lock was taken before the other child threw
 * disposeOutputs(this.results); // the guard is released
 * ```
 */
export function disposeOutputs(outputs: unknown[]): void {
  for (let i = 0; i < outputs.length; i++) {
    const value = outputs[i];
    outputs[i] = undefined;
    disposeOwned(value);
  }
}

/**
 * The futures of an iterable, as a list the combinator owns, checked by `check`. If a generator
 * throws half way, or what it gave fails the check (a non-future, the same future twice), the
 * futures it had already made are the combinator's and nobody else's (the caller never held them),
 * so they are dropped, each on its own, as Rust drops what `join_all` had collected when the
 * iterator panics; the generator's or the check's error is what is thrown. What a generator yields
 * is taken as made by it, even a future the caller also holds (each is dropped once). Any other
 * iterable (an array, a `Set`, a `Map`'s values) may still be its caller's: nothing in it is
 * dropped, nor is an item that is not a future at all. An infinite iterable never ends, as it would not in Rust.
 *
 * @example
 * ```ts
 * const list = collect(orders.map((o) => cookDish(o)), "joinAll(futures)", checkItems);
 * ```
 */
export function collect<T>(futures: Iterable<T>, what: string, check: (list: T[]) => void): T[] {
  if (Array.isArray(futures)) {
    const copy = futures.slice();
    check(copy);
    return copy;
  }
  const made = Object.prototype.toString.call(futures) === "[object Generator]";
  const list: T[] = [];
  try {
    for (const f of futures) list.push(f);
    check(list);
  } catch (e) {
    if (!made) throw e;
    try {
      dropAll([...new Set(list.filter(isFuture))]);
    } catch (d) {
      throw new AggregateError(
        [e, d],
        `${what}: the iterable failed, and dropping the futures it had given threw`,
      );
    }
    throw e;
  }
  return list;
}

/** Whether `x` is a future (it can be polled): only futures are dropped (see {@link collect}). */
function isFuture(x: unknown): boolean {
  return typeof (x as { poll?: unknown } | null)?.poll === "function";
}
