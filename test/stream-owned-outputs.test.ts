/**
 * Items a stream drops (they will never be handed out) are disposed when they have one owner
 * (`OWNED`: a lock guard, a socket), as Rust drops them: what `buffered` finished ahead of its
 * turn and `zip`'s item waiting for its pair when the stream is dropped, and the items `filter`
 * rejects, `takeWhile` stops at and `skip` skips. Unmarked items (maybe shared) are let go.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, type Future, iter, Mutex, OWNED, race, run, sleep } from "../src/index.js";
import { Gate } from "./future-testkit.js";

describe("a stream dropped while it holds a finished output", () => {
  it("buffered(2): the second future took a lock and waits for the first; the stream is dropped: the lock is free", async () => {
    const locked = await run(
      asyncBlock(function* () {
        const m = new Mutex(0);
        const s = iter<Future<unknown>>([new Gate<string>("slow"), m.lock()]).buffered(2);
        // Both futures start, the lock is taken, its output waits for the gate's turn; the sleep wins.
        const first = yield* race(s.next(), sleep(1));
        expect(first).toBeUndefined();
        s[Symbol.dispose]();
        return m.isLocked();
      }),
      { clock: "paused" },
    );
    expect(locked).toBe(false);
  });

  it("zip: a's item is a lock guard waiting for b's item; the zip is dropped: the lock is free", async () => {
    const locked = await run(
      asyncBlock(function* () {
        const m = new Mutex(0);
        const a = iter([m]).andThen((mx) => mx.lock());
        const b = iter([new Gate<string>("b")]).andThen((g) => g);
        const z = a.zip(b);
        // a's guard comes at once and waits for its pair; the sleep wins.
        const first = yield* race(z.next(), sleep(1));
        expect(first).toBeUndefined();
        expect(m.isLocked()).toBe(true);
        z[Symbol.dispose]();
        return m.isLocked();
      }),
      { clock: "paused" },
    );
    expect(locked).toBe(false);
  });
});

/** An item with one owner, counting its disposals. */
class Owned implements Disposable {
  readonly [OWNED] = true;
  disposed = 0;
  constructor(readonly n: number) {}
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

/** An item that may be shared (no mark), counting its disposals. */
class Shared implements Disposable {
  disposed = 0;
  constructor(readonly n: number) {}
  [Symbol.dispose](): void {
    this.disposed++;
  }
}

describe("items a stream adapter drops", () => {
  it("filter, takeWhile and skip dispose the owned items they drop, once, and let shared ones go", async () => {
    const owned = [1, 2, 3, 4, 5, 6].map((n) => new Owned(n));
    const shared = [1, 2, 3, 4, 5, 6].map((n) => new Shared(n));
    const out = await run(
      asyncBlock(function* () {
        const a = yield* iter(owned)
          .filter((x) => x.n % 2 === 0)
          .collect();
        const b = yield* iter(shared)
          .filter((x) => x.n % 2 === 0)
          .collect();
        return [a.map((x) => x.n), b.map((x) => x.n)];
      }),
    );
    expect(out).toEqual([
      [2, 4, 6],
      [2, 4, 6],
    ]);
    expect(owned.map((x) => x.disposed)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(shared.map((x) => x.disposed)).toEqual([0, 0, 0, 0, 0, 0]);

    const more = [1, 2, 3, 4, 5].map((n) => new Owned(n));
    const kept = await run(
      asyncBlock(function* () {
        return yield* iter(more)
          .skip(1)
          .takeWhile((x) => x.n < 4)
          .collect();
      }),
    );
    expect(kept.map((x) => x.n)).toEqual([2, 3]);
    // 1 was skipped, 4 stopped takeWhile; 5 was never pulled (still the source's).
    expect(more.map((x) => x.disposed)).toEqual([1, 0, 0, 1, 0]);
  });
});
