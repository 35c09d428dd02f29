/**
 * What streams and their consumers do once something has finished: a future that threw inside
 * `once` or as `takeUntil`'s stop signal is never polled again (the stream ends after its error,
 * as futures-rs' `once` yields an `Err` then `None`), an iterable whose `[Symbol.asyncIterator]()`
 * throws fails its stream once, and `fold`, `collect`, `forEach` and `forEachConcurrent` polled
 * again after they completed, failed or were dropped throw a `FutureStateError` naming the method
 * (the rule of every Brigade future), never hand out their result a second time or pass a failed
 * fold's partial accumulator off as its result. And `zip` and `merge` when one side throws or
 * ends: nothing is lost or pulled twice, and each side is disposed once. And `take(0)`, which
 * never pulls, lets go of its source at its first poll, not when it is made.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Context,
  DONE,
  type Future,
  FutureBase,
  FutureStateError,
  fromAsyncIterable,
  iter,
  once,
  PENDING,
  type Poll,
  run,
  StreamBase,
  type StreamPoll,
  yieldNow,
} from "../src/index.js";
import { Counter, Failing, Gate, Instant, MockTask } from "./future-testkit.js";

/** Polls `s` through a mock task; an error thrown by the stream is recorded as "err:<message>". */
function poller<T>(s: StreamBase<T>): () => StreamPoll<T> | string {
  const task = new MockTask(
    new (class extends FutureBase<StreamPoll<T> | string> {
      poll(cx: Context): Poll<StreamPoll<T> | string> {
        try {
          return s.pollNext(cx) as Poll<StreamPoll<T> | string>;
        } catch (e) {
          return `err:${(e as Error).message}`;
        }
      }
    })(),
  );
  return () => task.poll() as StreamPoll<T> | string;
}

/** A mock task polling `f`. */
function taskOf<T>(f: Future<T>): MockTask<T> {
  return new MockTask(
    new (class extends FutureBase<T> {
      poll(cx: Context): Poll<T> {
        return f.poll(cx);
      }
    })(),
  );
}

/** Polls `f` through a mock task, recording its output, "PENDING", or the error it threw. */
function outcomes(f: Future<unknown>, n: number): unknown[] {
  const task = taskOf(f);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const r = task.poll();
      out.push(r === PENDING ? "PENDING" : r);
    } catch (e) {
      out.push(
        e instanceof FutureStateError
          ? `FutureStateError: ${e.message}`
          : `err:${(e as Error).message}`,
      );
    }
  }
  return out;
}

describe("a future that threw inside a stream is finished", () => {
  it("once(future): the future throws, its error is the item, then the stream ends without polling it again", () => {
    const f = new Failing(new Error("burnt"));
    const next = poller(once(f));
    expect([next(), next(), next()]).toEqual(["err:burnt", DONE, DONE]);
    expect(f.polls).toBe(1);
  });

  it("once(asyncBlock that throws): the error, then DONE (no 'polled after it completed' from the async fn)", async () => {
    const log = await run(
      asyncBlock(function* () {
        const s = once(
          asyncBlock(function* () {
            yield* yieldNow();
            throw new Error("burnt");
          }),
        );
        const out: unknown[] = [];
        for (let i = 0; i < 3; i++) {
          try {
            out.push(yield* s.next());
          } catch (e) {
            out.push(`err:${(e as Error).message}`);
          }
        }
        return out;
      }),
    );
    expect(log).toEqual(["err:burnt", DONE, DONE]);
  });

  it("takeUntil(stop): the stop throws, the source is disposed, the error is thrown once, then DONE without polling the stop again", () => {
    const stop = new Failing(new Error("stop broke"));
    const source = new Counter(5);
    const next = poller(source.takeUntil(stop));
    expect(next()).toBe("err:stop broke");
    expect(source.drops).toBe(1);
    expect([next(), next()]).toEqual([DONE, DONE]);
    expect(stop.polls).toBe(1);
    expect(source.i).toBe(0);
  });

  it("takeUntil(stop): items pass while the stop waits, then the stop throws: the items, the error, DONE", () => {
    const stop = new Gate<void>("stop");
    const source = new Counter(5);
    const next = poller(source.takeUntil(stop));
    expect([next(), next()]).toEqual([0, 1]);
    stop.reject(new Error("stop broke"));
    expect([next(), next()]).toEqual(["err:stop broke", DONE]);
    expect(stop.polls).toBe(3);
    expect(source.drops).toBe(1);
  });

  it("fromAsyncIterable: [Symbol.asyncIterator]() throws, the stream throws that error once, then ends without asking again", () => {
    let asked = 0;
    const iterable = {
      [Symbol.asyncIterator](): AsyncIterator<number> {
        asked++;
        throw new Error("no iterator");
      },
    };
    const next = poller(fromAsyncIterable(iterable));
    expect([next(), next(), next()]).toEqual(["err:no iterator", DONE, DONE]);
    expect(asked).toBe(1);
  });
});

describe("a consuming future polled again after it finished", () => {
  it("collect(): completes with the items, then a second poll throws a FutureStateError naming collect", () => {
    const out = outcomes(new Counter(3).collect(), 2);
    expect(out[0]).toEqual([0, 1, 2]);
    expect(out[1]).toMatch(/^FutureStateError: stream\.collect\(\) was polled after it completed/);
  });

  it("fold(): f throws on the third item, then a second poll throws a FutureStateError, not the partial sum", () => {
    const source = new Counter(5);
    const sum = source.fold(0, (a, x) => {
      if (x === 2) throw new Error("bad item");
      return a + x;
    });
    const out = outcomes(sum, 2);
    expect(out[0]).toBe("err:bad item");
    expect(out[1]).toMatch(/^FutureStateError: stream\.fold\(init, f\) was polled after it failed/);
    expect(source.drops).toBe(1);
  });

  it("collect(): dropped while waiting, then polled: a FutureStateError saying it was dropped, not the items so far", () => {
    const gate = new Gate<number>();
    const c = iter([1, 2])
      .map((x) => x)
      .merge(once(gate))
      .collect();
    const task = taskOf(c);
    expect(task.poll()).toBe(PENDING);
    c[Symbol.dispose]();
    expect(gate.drops).toBe(1);
    expect(() => task.poll()).toThrow(/stream\.collect\(\) was polled after it was dropped/);
  });

  it("forEach(f): completes, then a second poll throws a FutureStateError; after f throws, likewise (it failed)", () => {
    const seen: number[] = [];
    const done = outcomes(
      new Counter(2).forEach((x) => {
        seen.push(x);
      }),
      2,
    );
    expect(done[0]).toBeUndefined();
    expect(done[1]).toMatch(
      /^FutureStateError: stream\.forEach\(f\) was polled after it completed/,
    );
    const failed = outcomes(
      new Counter(2).forEach(() => {
        throw new Error("f broke");
      }),
      2,
    );
    expect(failed).toEqual([
      "err:f broke",
      expect.stringMatching(/^FutureStateError: stream\.forEach\(f\) was polled after it failed/),
    ]);
    expect(seen).toEqual([0, 1]);
  });

  it("forEachConcurrent(limit, f): a job throws, then a second poll throws a FutureStateError, not a quiet success", () => {
    const jobs: Instant<number>[] = [];
    const f = iter([1, 2, 3]).forEachConcurrent(2, (x) => {
      if (x === 2) return new Failing(new Error("job broke"));
      const j = new Instant(x);
      jobs.push(j);
      return j;
    });
    const out = outcomes(f, 2);
    expect(out[0]).toBe("err:job broke");
    expect(out[1]).toMatch(
      /^FutureStateError: stream\.forEachConcurrent\(limit, f\) was polled after it failed/,
    );
  });

  it("forEachConcurrent(limit, f): completes, then a second poll throws a FutureStateError saying it completed", () => {
    const f = iter([1, 2]).forEachConcurrent(undefined, (x) => new Instant(x));
    const out = outcomes(f, 2);
    expect(out[0]).toBeUndefined();
    expect(out[1]).toMatch(/was polled after it completed/);
  });
});

/** A stream of scripted answers: a value, "pending" (after waking itself), "throw:<msg>", or the end. */
class Scripted extends StreamBase<string> {
  polls = 0;
  drops = 0;
  constructor(private readonly script: string[]) {
    super();
  }
  pollNext(cx: Context): StreamPoll<string> {
    const step = this.script[this.polls++];
    if (step === undefined) return DONE;
    if (step === "pending") {
      cx.waker.wake();
      return PENDING;
    }
    if (step.startsWith("throw:")) throw new Error(step.slice(6));
    return step;
  }
  override [Symbol.dispose](): void {
    this.drops++;
  }
}

describe("zip and merge when one side throws or ends", () => {
  it("zip: b's item waits while a throws; the error comes, then a's next item is paired with that same b item, and when a ends both sides are disposed", () => {
    const a = new Scripted(["pending", "throw:a broke", "a1"]);
    const b = new Scripted(["b1", "b2"]);
    const next = poller(a.zip(b) as StreamBase<unknown>);
    expect(next()).toBe(PENDING); // b1 is kept, a is pending
    expect(next()).toBe("err:a broke");
    expect(next()).toEqual(["a1", "b1"]);
    expect(next()).toBe(DONE);
    expect([a.drops, b.drops]).toEqual([1, 1]);
    expect(b.polls).toBe(1); // b2 was never pulled: a ended first
    expect(next()).toBe(DONE);
  });

  it("merge: a throws, the error comes and both sides go on; a ends, b goes on alone; the end comes when both have ended, each disposed once", () => {
    const a = new Scripted(["throw:a broke"]);
    const b = new Scripted(["pending", "b1", "b2"]);
    const next = poller(a.merge(b) as StreamBase<unknown>);
    const out: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      const r = next();
      if (r !== PENDING) out.push(r);
      if (r === DONE) break;
    }
    expect(out).toEqual(["err:a broke", "b1", "b2", DONE]);
    expect([a.drops, b.drops]).toEqual([1, 1]);
  });
});

describe("take(0)", () => {
  it("making it neither polls nor disposes the source; its first poll answers DONE and disposes the source without polling it", () => {
    const source = new Counter(3);
    const none = source.take(0);
    expect([source.i, source.drops]).toEqual([0, 0]);
    const next = poller(none);
    expect(next()).toBe(DONE);
    expect([source.i, source.drops]).toEqual([0, 1]);
    expect(next()).toBe(DONE);
    none[Symbol.dispose]();
    expect(source.drops).toBe(1);
  });
});

describe("takeUntil lets go of its stop signal once done", () => {
  it("the source ends first: the waiting stop is dropped once with it, and later polls touch neither", () => {
    const stop = new Gate<void>("stop");
    const source = new Counter(2);
    const s = source.takeUntil(stop);
    const next = poller(s);
    expect([next(), next(), next()]).toEqual([0, 1, DONE]);
    expect([stop.drops, source.drops]).toEqual([1, 1]);
    expect(next()).toBe(DONE);
    s[Symbol.dispose]();
    expect([stop.drops, source.drops, stop.polls]).toEqual([1, 1, 3]);
  });

  it("the stop fires first: the source is disposed without another pull, and the finished stop is never polled again", () => {
    const stop = new Gate<void>("stop");
    const source = new Counter(5);
    const next = poller(source.takeUntil(stop));
    expect(next()).toBe(0);
    stop.resolve();
    expect([next(), next()]).toEqual([DONE, DONE]);
    expect([source.i, source.drops, stop.polls]).toEqual([1, 1, 2]);
  });
});
