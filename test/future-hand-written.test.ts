/**
 * What a library author needs to write futures and streams by hand, through the public entry
 * (`brigade`): a stream adapter passes `[CLAIM]`/`[WITHDRAW]` on so a dropped `next()` takes its
 * wait back; a combinator drops what it abandons with `drop` and hands its child's cleanup on with
 * `cancel` from its own `[CANCEL]`, so an awaiting `finally` is never cut short; and a test that
 * polls by hand with a new waker is told to keep one owner.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  CANCEL,
  type Cancellable,
  CLAIM,
  type Cleanup,
  Context,
  cancel,
  DONE,
  drop,
  FutureBase,
  FutureStateError,
  mpsc,
  PENDING,
  type Poll,
  Runtime,
  race,
  receiverStream,
  StreamBase,
  type StreamPoll,
  sleep,
  Waker,
  WITHDRAW,
} from "../src/index.js";
import { MockTask } from "./future-testkit.js";

/** Every other item of `inner`; `forwards` says whether it passes claims and withdrawals on. */
class EveryOther<T> extends StreamBase<T> {
  private dropNext = false;
  constructor(
    private readonly inner: StreamBase<T>,
    private readonly forwards: boolean,
  ) {
    super();
  }
  pollNext(cx: Context): StreamPoll<T> {
    for (;;) {
      const v = this.inner.pollNext(cx);
      if (v === PENDING || v === DONE) return v;
      this.dropNext = !this.dropNext;
      if (this.dropNext) return v;
    }
  }
  override [CLAIM](by: unknown): void {
    if (this.forwards) this.inner[CLAIM](by);
  }
  override [WITHDRAW](by: unknown): void {
    if (this.forwards) this.inner[WITHDRAW](by);
  }
  override [Symbol.dispose](): void {
    this.inner[Symbol.dispose]();
  }
}

/** Run `body` as a task of a fresh runtime, then shut it down. */
async function inTask(body: () => Generator<any, void, any>): Promise<void> {
  const rt = new Runtime();
  try {
    await rt.spawn(asyncBlock(body));
  } finally {
    await rt.shutdown();
  }
}

describe("a hand-written stream adapter", () => {
  for (const forwards of [true, false]) {
    it(`${forwards ? "passing" : "not passing"} [CLAIM]/[WITHDRAW] on: a dropped next() through it ${forwards ? "takes back" : "leaves"} its wait at the receiver`, () =>
      inTask(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const s = new EveryOther(receiverStream(rx), forwards);
        const next = s.next();
        expect(new MockTask<unknown>(next).poll()).toBe(PENDING);
        expect(Runtime.current().metrics().liveWaiters).toBe(1);
        drop(next);
        expect(Runtime.current().metrics().liveWaiters).toBe(forwards ? 0 : 1);
        tx.close();
        s[Symbol.dispose]();
      }));
  }
});

/** Race-able wrapper: its child, dropped or cancelled the way the docs say a combinator must. */
class Wrapped<T> extends FutureBase<T> implements Cancellable {
  constructor(private child: FutureBase<T> | null) {
    super();
  }
  poll(cx: Context): Poll<T> {
    const v = this.child!.poll(cx);
    if (v !== PENDING) this.child = null;
    return v;
  }
  [CANCEL](): Cleanup | null {
    const c = this.child;
    this.child = null;
    return cancel(c);
  }
  [Symbol.dispose](): void {
    const c = this.child;
    this.child = null;
    drop(c);
  }
}

describe("a hand-written combinator", () => {
  it("losing a race, its child's finally that awaits runs to the end (cancel from its [CANCEL])", async () => {
    const log: string[] = [];
    const slowClose = asyncFn(function* () {
      try {
        yield* sleep(1_000_000);
      } finally {
        log.push("closing");
        yield* sleep(10);
        log.push("closed");
      }
    });
    const rt = new Runtime({ clock: "paused" });
    await rt.spawn(
      asyncBlock(function* () {
        yield* race(new Wrapped(slowClose()), sleep(5));
        log.push("race over");
        yield* sleep(100);
      }),
    );
    await rt.shutdown();
    expect(log).toEqual(["closing", "race over", "closed"]);
  });

  it("disposed by hand, it drops its child: the child's awaiting finally still finishes, as a detached cleanup", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused" });
    await rt.spawn(
      asyncBlock(function* () {
        const w = new Wrapped(
          asyncBlock(function* () {
            try {
              yield* sleep(1_000_000);
            } finally {
              yield* sleep(10);
              log.push("child closed");
            }
          }),
        );
        expect(new MockTask(w).poll()).toBe(PENDING);
        w[Symbol.dispose]();
        yield* sleep(100);
        log.push("after");
      }),
    );
    await rt.shutdown();
    expect(log).toEqual(["child closed", "after"]);
  });
});

describe("polling an async fn by hand", () => {
  it("with a new waker and no owner given, the error says to keep one owner; with one owner it goes on", () => {
    const make = () =>
      asyncBlock(function* () {
        yield* new Yield();
        return "done";
      });
    const f = make();
    const fresh = () => new Context(Waker.from(() => {}));
    expect(f.poll(fresh())).toBe(PENDING);
    expect(() => f.poll(fresh())).toThrow(FutureStateError);
    expect(() => f.poll(fresh())).toThrow(
      /second task or owner.*new Context\(waker\) is owned by its waker.*new Context\(waker, owner\)/,
    );
    const owner = {};
    const g = make();
    expect(
      g.poll(
        new Context(
          Waker.from(() => {}),
          owner,
        ),
      ),
    ).toBe(PENDING);
    expect(
      g.poll(
        new Context(
          Waker.from(() => {}),
          owner,
        ),
      ),
    ).toBe("done");
  });
});

/** Pending once, then ready: a leaf with no runtime needed. */
class Yield extends FutureBase<void> {
  private once = false;
  poll(cx: Context): Poll<void> {
    if (this.once) return undefined;
    this.once = true;
    cx.waker.wake();
    return PENDING;
  }
}
