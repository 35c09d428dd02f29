/**
 * The all-asleep report decides whether to add its hint about host callbacks from what each leaf
 * says it waits on (`waitsOn`: never, a task, a lock's holders), not from the wording of its label.
 * So a leaf of the user's own whose label happens to read like a lock's or a handle's wait keeps
 * the hint, and an RwLock's writer waiting on a reader that is asleep too is explained by the
 * report itself, as a Mutex's waiter is.
 */
import { describe, expect, it } from "vitest";
import { describeFuture } from "../src/future/describe.js";
import {
  asyncBlock,
  Context,
  DESCRIBE,
  FutureBase,
  Mutex,
  oneshot,
  PENDING,
  type Poll,
  pending,
  RwLock,
  run,
  spawn,
  Waker,
  yieldNow,
} from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

/** A described leaf (not opaque) that keeps its waker and is never woken, labelled `label`. */
class Labelled extends FutureBase<void> {
  constructor(private readonly label: string) {
    super();
  }
  poll(cx: Context): Poll<void> {
    void cx.waker;
    return PENDING;
  }
  [DESCRIBE]() {
    return { label: this.label, children: [] };
  }
}

const HINT = /If a callback Brigade cannot see/;

describe("waitsOn, not the label, decides the report's hint", () => {
  it("a leaf of your own labelled like a held lock keeps the hint", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* new Labelled("rota, held by task 'main'");
        }),
      ),
    );
    expect(error.message).toContain("main → main → rota, held by task 'main'");
    expect(error.message).toMatch(HINT);
  });

  it("a leaf of your own labelled like a JoinHandle keeps the hint", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* new Labelled("JoinHandle of 'main'");
        }),
      ),
    );
    expect(error.message).toMatch(HINT);
  });

  it("main awaiting the handle of a task that waits on pending(): certain, no hint", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const h = spawn(pending<void>(), { name: "idle cook" });
          yield* h;
        }),
      ),
    );
    expect(error.message).toContain("main → main → JoinHandle of 'idle cook'");
    expect(error.message).not.toMatch(HINT);
  });

  it("an RwLock writer waiting on a reader that keeps its guard while asleep too: no hint, the report names the reader", async () => {
    const menu = new RwLock(["soup"], { name: "menu" });
    const [_tx, rx] = oneshot.channel<number>();
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          spawn(
            asyncBlock(function* browse() {
              using _page = yield* menu.read();
              yield* rx; // keeps the read guard while it waits
            }),
            { name: "reader" },
          );
          yield* yieldNow();
          using _pen = yield* menu.write();
        }),
      ),
    );
    expect(error.message).toMatch(/menu.*\.write\(\), read by 'reader'/);
    expect(error.message).not.toMatch(HINT);
  });

  it("describeFuture carries the lock's holders, with whether each has finished", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const seen = await run(
      asyncBlock(function* main() {
        const holder = spawn(
          asyncBlock(function* hold() {
            using _key = yield* pantry.lock();
            yield* yieldNow();
            yield* yieldNow();
          }),
          { name: "holder" },
        );
        yield* yieldNow();
        const wait = pantry.lock();
        const before = wait.poll(new Context(Waker.noop()));
        const node = describeFuture(wait);
        wait[Symbol.dispose]();
        yield* holder;
        return { before, waitsOn: node.waitsOn };
      }),
    );
    expect(seen.before).toBe(PENDING);
    expect(seen.waitsOn).toEqual({ kind: "lock", tasks: [{ name: "holder", finished: false }] });
  });
});
