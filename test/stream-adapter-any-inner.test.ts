/**
 * A stream adapter written as docs/extending.md shows, over any `Stream`: `claimFrom`,
 * `withdrawFrom` and `drop` pass a claim, a withdrawal and a dispose on when the wrapped stream
 * takes them, and skip a stream built by hand with only `pollNext`. Forwarding with
 * `this.inner[CLAIM](by)`, as the docs did before, threw a TypeError inside `next()` over such a
 * stream (a library author's study found it).
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  CLAIM,
  type Context,
  claimFrom,
  DONE,
  drop,
  mpsc,
  PENDING,
  Runtime,
  receiverStream,
  run,
  type Stream,
  StreamBase,
  type StreamPoll,
  select,
  sleep,
  type Waker,
  WITHDRAW,
  withdrawFrom,
} from "../src/index.js";

/** The docs' shape: pass every item through, forward the three. */
class Pass<T> extends StreamBase<T> {
  constructor(private readonly inner: Stream<T>) {
    super();
  }
  pollNext(cx: Context): StreamPoll<T> {
    return this.inner.pollNext(cx);
  }
  override [CLAIM](by: unknown): void {
    claimFrom(this.inner, by);
  }
  override [WITHDRAW](by: unknown): void {
    withdrawFrom(this.inner, by);
  }
  override [Symbol.dispose](): void {
    drop(this.inner);
  }
}

/** A stream as a plain object: it keeps the waker and yields what `push` gives it. */
function handMade() {
  const items: number[] = [];
  let waker: Waker | null = null;
  const stream: Stream<number> = {
    pollNext(cx) {
      if (items.length > 0) return items.shift()!;
      waker = cx.waker;
      return PENDING;
    },
  };
  const push = (v: number) => {
    items.push(v);
    waker?.wake();
  };
  return { stream, push };
}

describe("an adapter over any Stream", () => {
  it("over a plain-object stream, a next() that loses a select is dropped without a TypeError", async () => {
    const { stream } = handMade();
    const r = await run(
      asyncBlock(function* () {
        return yield* select(new Pass(stream).next(), sleep(10));
      }),
      { clock: "paused" },
    );
    expect(r.index).toBe(1);
  });

  it("over a plain-object stream, items pass through and disposing skips what it lacks", async () => {
    const { stream, push } = handMade();
    push(7);
    push(8);
    const pass = new Pass(stream);
    expect(await run(pass.take(2).collect())).toEqual([7, 8]);
    expect(() => pass[Symbol.dispose]()).not.toThrow();
  });

  it("over a channel, a next() dropped through the adapter takes its wait back: another task may read next", async () => {
    const rt = new Runtime({ clock: "paused" });
    try {
      const [tx, rx] = mpsc.channel<string>(4);
      const source = receiverStream(rx);
      await rt.spawn(
        asyncBlock(function* () {
          const lost = yield* select(new Pass(source).next(), sleep(5));
          expect(lost.index).toBe(1);
        }),
      );
      // Another task reads the same receiver now: without the withdrawal the first task's wait
      // would still be there, and this read would be refused as a second reader.
      const reader = rt.spawn(
        asyncBlock(function* () {
          const v = yield* source.next();
          return v === DONE ? "done" : v;
        }),
      );
      tx.trySend("soup");
      expect(await reader).toBe("soup");
      expect(rt.metrics().liveWaiters).toBe(0);
    } finally {
      await rt.shutdown();
    }
  });

  it("disposing the adapter disposes a wrapped stream that can be disposed", () => {
    const [, rx] = mpsc.channel<string>(1);
    const source = receiverStream(rx);
    new Pass(source)[Symbol.dispose]();
    expect(rx.isClosed()).toBe(true);
  });
});
