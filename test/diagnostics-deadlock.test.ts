/**
 * "All tasks are asleep": when main waits and nothing can ever wake a task, `run` rejects with a
 * DeadlockError listing each waiting task's await chain down to the leaf, instead of hanging or
 * exiting silently. And the task dump draws the same chains as a tree.
 */
import { describe, expect, it } from "vitest";
import type { Context } from "../src/future/context.js";
import { FutureBase } from "../src/future/future.js";
import { PENDING, type Poll } from "../src/future/poll.js";
import {
  asyncBlock,
  asyncFn,
  fromEvent,
  fromPromise,
  interval,
  iter,
  JoinSet,
  join,
  Mutex,
  mpsc,
  Notify,
  pending,
  pollFn,
  Runtime,
  run,
  sleep,
  spawn,
  timeout,
  yieldNow,
} from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

describe("all tasks are asleep", () => {
  it("a lock held by a task that waits forever: the waiter's chain names the lock and its holder", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const hoard = asyncFn(function* hoard() {
      using _guard = yield* pantry.lock();
      yield* pending(); // keeps the key while waiting for nothing
    });
    const serveTable = asyncFn(function* serveTable() {
      using guard = yield* pantry.lock();
      guard.value++;
    });
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const t1 = spawn(hoard(), { name: "table 1" });
          yield* yieldNow();
          const t2 = spawn(serveTable(), { name: "table 2" });
          yield* join(t1, t2);
        }),
      ),
    );
    const chains = Object.fromEntries(
      error.waiting.map((w) => [w.name, w.chains.map((c) => c.join(" → "))]),
    );
    expect(chains["table 1"]).toEqual(["hoard → pending() (never ready)"]);
    expect(chains["table 2"]).toHaveLength(1);
    expect(chains["table 2"]![0]).toMatch(/^serveTable → .*pantry.*held by task 'table 1'/);
    expect(chains.main).toEqual([
      "main → join → JoinHandle of 'table 1'",
      "main → join → JoinHandle of 'table 2'",
    ]);
    expect(error.message).toMatch(/all tasks are asleep/);
    // Every leaf is Brigade's own: no hint about wakes it cannot see.
    expect(error.message).not.toMatch(/cannot look into/);
  });

  it("a leaf of the user's own making (no DESCRIBE) gets a hint about wakes Brigade cannot see", async () => {
    class NativeTimer extends FutureBase<void> {
      private fired = false;
      poll(cx: Context): Poll<void> {
        if (this.fired) return undefined;
        const waker = cx.waker; // kept by a host callback Brigade knows nothing of (none here)
        void waker;
        return PENDING;
      }
    }
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* new NativeTimer();
        }),
      ),
    );
    expect(error.message).toMatch(
      /A future Brigade cannot look into \(NativeTimer\) may be woken by a callback Brigade cannot see .*openBridge\(\), see docs\/extending\.md.*bridge them with fromPromise or fromEvent, or run with \{ detectDeadlocks: false \}/,
    );
    expect(error.message).not.toMatch(/lost waker/);
  });

  it("a leaf that returned Pending without reading cx.waker is reported as one nothing can wake, not as one a callback may wake", async () => {
    class Forgetful extends FutureBase<void> {
      poll(_cx: Context): Poll<void> {
        return PENDING; // never keeps the pager
      }
    }
    const warnings: string[] = [];
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* new Forgetful();
        }),
        { onWarning: (w) => warnings.push(w.kind) },
      ),
    );
    expect(warnings).toEqual(["lost-waker"]);
    expect(error.message).toMatch(
      /'main' returned Pending without reading cx\.waker \(a lost waker\): nothing can wake it\. A future must keep cx\.waker before it returns PENDING\.$/,
    );
    expect(error.message).not.toMatch(/may be woken/);
  });

  it("chains go on through a timeout and name the tasks a JoinSet waits for", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const set = new JoinSet<void>();
          set.spawn(pending(), { name: "table 4" });
          yield* timeout(Number.POSITIVE_INFINITY, set.joinNext());
        }),
      ),
    );
    const main = error.waiting.find((w) => w.name === "main")!;
    expect(main.chains.map((c) => c.join(" → "))).toEqual([
      "main → timeout(Infinity) → JoinSet.joinNext() of 'table 4'",
    ]);
  });

  it("a channel nobody sends on: the receiver's chain ends at recv", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const [tx, rx] = mpsc.channel<string>(4);
          const waiter = asyncFn(function* waitForOrder() {
            return yield* rx.recv();
          });
          const order = yield* waiter();
          tx.close?.(); // never reached: keeps the sender alive while waiting
          return order;
        }),
      ),
    );
    expect(error.waiting.map((w) => w.name)).toEqual(["main"]);
    expect(error.waiting[0]!.chains[0]!.join(" → ")).toMatch(/^main → waitForOrder → .*recv/);
  });

  it("is not declared while a timer can still wake a task", async () => {
    const value = await run(
      asyncBlock(function* main() {
        yield* sleep(50);
        return "served";
      }),
      { clock: "paused" },
    );
    expect(value).toBe("served");
  });

  it("is not declared while a bridged promise is in flight", async () => {
    const { fromPromise } = await import("../src/index.js");
    const value = await run(
      asyncBlock(function* main() {
        return yield* fromPromise(
          () => new Promise<string>((r) => setTimeout(() => r("delivered"), 5)),
        );
      }),
    );
    expect(value).toBe("delivered");
  });

  it("detectDeadlocks: false leaves the waiting to the caller", async () => {
    const ac = new AbortController();
    const p = run(
      asyncBlock(function* main() {
        yield* pending();
      }),
      { detectDeadlocks: false, signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ name: "JoinError" });
  });

  it("every task is disposed after the report: their finally blocks ran", async () => {
    const cleared: string[] = [];
    const wait = asyncFn(function* wait(name: string) {
      try {
        yield* pending();
      } finally {
        cleared.push(name);
      }
    });
    await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* join(spawn(wait("a"), { name: "a" }), spawn(wait("b"), { name: "b" }));
        }),
      ),
    );
    expect(cleared.sort()).toEqual(["a", "b"]);
  });
});

describe("task dump", () => {
  it("names the leaves a task waits on: an interval's tick, an event", async () => {
    const rt = new Runtime({ clock: "paused" });
    const emitter = new EventTarget();
    rt.spawn(
      asyncBlock(function* ticking() {
        const every = interval(60_000);
        yield* every.tick();
        yield* every.tick();
      }),
      { name: "ticker" },
    );
    rt.spawn(
      asyncBlock(function* listening() {
        yield* fromEvent(emitter, "order").next();
      }),
      { name: "listener" },
    );
    await new Promise((r) => setImmediate(r));
    const text = String(rt.dump());
    expect(text).toContain("interval(60000).tick()");
    expect(text).toContain("fromEvent('order').next()");
    await rt.shutdown();
  });

  it("names a task's own turn: a task back in line after yieldNow() shows 'yieldNow()'", async () => {
    const rt = new Runtime();
    const start = new Notify();
    const lines = await rt.spawn(
      asyncBlock(function* () {
        const stirrer = spawn(
          asyncBlock(function* stir() {
            yield* start.notified(); // waits once, so the runtime keeps it on its list
            for (;;) yield* yieldNow();
          }),
          { name: "stirrer" },
        );
        yield* yieldNow();
        start.notifyOne();
        yield* yieldNow();
        yield* yieldNow();
        const dump = String(rt.dump()).split("\n");
        stirrer.abort();
        return dump;
      }),
    );
    expect(lines.slice(lines.indexOf("task 2 'stirrer' (scheduled)"))).toEqual([
      "task 2 'stirrer' (scheduled)",
      "└─ stir",
      "   └─ yieldNow()",
    ]);
    await rt.shutdown();
  });

  it("draws every live task's await tree, down to the leaves", async () => {
    const rt = new Runtime({ clock: "paused" });
    const cookDish = asyncFn(function* cookDish(ms: number) {
      yield* sleep(ms);
    });
    const serveTable = asyncFn(function* serveTable() {
      yield* join(cookDish(3000), cookDish(4000));
    });
    const h = rt.spawn(serveTable(), { name: "table 1" });
    await new Promise((r) => setImmediate(r));
    const dump = rt.dump();
    expect(dump.tasks.map((t) => [t.name, t.state])).toEqual([["table 1", "idle"]]);
    const text = String(dump);
    expect(text.split("\n").slice(0, 4)).toEqual([
      "task 1 'table 1' (idle)",
      "└─ serveTable",
      "   └─ join",
      "      ├─ cookDish",
    ]);
    expect(text).toMatch(/sleep/);
    h.abort();
    await rt.shutdown();
    expect(String(rt.dump())).toBe("(no live tasks)");
  });

  it("follows a task into a stream pipeline: the consumer, each adapter, and the futures in flight", async () => {
    const rt = new Runtime({ clock: "paused" });
    const cook = asyncFn(function* cook(n: number) {
      yield* sleep(1000 * n);
      return n;
    });
    rt.spawn(
      asyncBlock(function* kitchen() {
        return yield* iter([1, 2])
          .map((n) => cook(n))
          .buffered(2)
          .collect();
      }),
      { name: "pass" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump()).split("\n")).toEqual([
      "task 1 'pass' (idle)",
      "└─ kitchen",
      "   └─ collect",
      "      └─ buffered(2)",
      "         ├─ FuturesUnordered (2 in flight)",
      "         │  ├─ item 0",
      "         │  │  └─ cook",
      "         │  │     └─ sleep until t=1000 ms",
      "         │  └─ item 1",
      "         │     └─ cook",
      "         │        └─ sleep until t=2000 ms",
      "         └─ map",
      "            └─ iter",
    ]);
    await rt.shutdown();
  });
});

describe("all tasks are asleep, and what can still wake them", () => {
  it("a main that only waits to be cancelled by its AbortSignal is not a deadlock", async () => {
    const ac = new AbortController();
    const p = run(
      asyncBlock(function* main() {
        yield* pending();
      }),
      { signal: ac.signal },
    );
    let settled = false;
    p.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    // Several event-loop turns: the deadlock check would have fired by now.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "JoinError" });
  });

  it("main awaiting the handle of a task on another runtime is not a deadlock; the wait ends with it", async () => {
    let deliver!: (v: string) => void;
    const parcel = new Promise<string>((r) => {
      deliver = r;
    });
    const kitchen2 = new Runtime();
    const other = kitchen2.spawn(
      fromPromise(() => parcel),
      { name: "courier" },
    );
    const rt = new Runtime();
    const got = rt.spawn(
      asyncBlock(function* main() {
        return yield* other;
      }),
    );
    // Several event-loop turns: the idle check of `rt` would have given its verdict by now.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    // Waiting on the other runtime counts as a bridge on this one while it lasts.
    expect(rt.metrics().pendingBridges).toBe(1);
    deliver("from the other kitchen");
    expect(await got).toBe("from the other kitchen");
    expect(rt.metrics().pendingBridges).toBe(0);
    await rt.shutdown();
    await kitchen2.shutdown();
  });

  it("the same wait through run(): run resolves with the other runtime's value", async () => {
    let deliver!: (v: number) => void;
    const parcel = new Promise<number>((r) => {
      deliver = r;
    });
    const kitchen2 = new Runtime();
    const other = kitchen2.spawn(fromPromise(() => parcel));
    const result = run(
      asyncBlock(function* main() {
        return yield* other;
      }),
    );
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    deliver(7);
    expect(await result).toBe(7);
    await kitchen2.shutdown();
  });
});

describe("runtimes share the thread", () => {
  it("a task waiting on a lock that another runtime's task releases later is not reported asleep", async () => {
    const kitchen = new Runtime();
    const lock = new Mutex("stove", { name: "stove" });
    const guard = lock.tryLock()!;
    kitchen.spawn(
      asyncBlock(function* () {
        yield* sleep(30);
        guard.release();
      }),
    );
    const [tx, rx] = mpsc.channel<string>(1);
    kitchen.spawn(
      asyncBlock(function* () {
        yield* sleep(40);
        yield* tx.send("order up");
      }),
    );
    const got = await run(
      asyncBlock(function* () {
        const g = yield* lock.lock();
        const v = g.value;
        g.release();
        return [v, yield* rx.recv()];
      }),
    );
    expect(got).toEqual(["stove", "order up"]);
    await kitchen.shutdown();
  });

  it("a real deadlock is reported once the other runtime's last task has ended", async () => {
    const other = new Runtime();
    const h = other.spawn(sleep(20));
    const lock = new Mutex(0, { name: "walk-in" });
    const guard = lock.tryLock()!; // held for ever: nothing will release it
    const err = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* lock.lock();
        }),
      ),
    );
    expect(h.isFinished()).toBe(true);
    expect(err.waiting.map((t) => t.name)).toEqual(["main"]);
    guard.release();
    await other.shutdown();
  });

  it("two runtimes stuck at once, each on what its own tasks hold, both report", async () => {
    const stuck = (name: string) => {
      const never = new Notify();
      return deadlockOf(
        run(
          asyncBlock(function* main() {
            yield* never.notified();
            return name;
          }),
        ),
      );
    };
    const [a, b] = await Promise.all([stuck("a"), stuck("b")]);
    expect(a.waiting.map((t) => t.name)).toEqual(["main"]);
    expect(b.waiting.map((t) => t.name)).toEqual(["main"]);
  });

  it("a bystander runtime whose tasks are all parked hides no deadlock", async () => {
    const bystander = new Runtime();
    const [, rx] = mpsc.channel<number>(1);
    bystander.spawn(rx.recv(), { name: "idle worker" }); // parked for good, no timer
    const err = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* pending();
        }),
      ),
    );
    expect(err.waiting.map((t) => t.name)).toEqual(["main"]);
    await bystander.shutdown();
  });

  it("a peer that opted out of the check counts as able to move: its task may be woken unseen", async () => {
    const peer = new Runtime({ detectDeadlocks: false });
    const [tx, rx] = mpsc.channel<string>(1);
    let fired = false;
    peer.spawn(
      asyncBlock(function* () {
        // A wake Brigade cannot see: what the peer opted out of the check for.
        yield* pollFn((cx) => {
          if (fired) return undefined;
          const w = cx.waker;
          setTimeout(() => {
            fired = true;
            w.wake();
          }, 20);
          return PENDING;
        });
        tx.trySend("order up");
      }),
    );
    const got = await run(
      asyncBlock(function* () {
        return yield* rx.recv();
      }),
    );
    expect(got).toBe("order up");
    await peer.shutdown();
  });

  it("an open runtime waits for a peer that is shutting down to give up its stuck cleanup (and the lock it holds)", async () => {
    const lock = new Mutex(0, { name: "pass" });
    const never = new Notify();
    const peer = new Runtime();
    peer.spawn(
      asyncBlock(function* () {
        using _held = yield* lock.lock();
        try {
          yield* never.notified();
        } finally {
          yield* never.notified(); // a cleanup that cannot finish, the guard still held
        }
      }),
    );
    await new Promise((r) => setImmediate(r));
    const peerDone = peer.shutdown().then(
      () => "closed",
      (e: Error) => e.name,
    );
    const got = await run(
      asyncBlock(function* () {
        using _g = yield* lock.lock();
        return "got the lock";
      }),
    );
    expect(got).toBe("got the lock");
    expect(await peerDone).toBe("DeadlockError");
  });

  it("two runtimes shutting down, each cleanup waiting on the other's, both give up", async () => {
    const fromOne = new Notify();
    const fromTwo = new Notify();
    const waitThenTell = (wait: Notify, tell: Notify) =>
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          yield* wait.notified(); // the other cleanup would tell us, after its own wait
          tell.notifyOne();
        }
      });
    const one = new Runtime();
    const two = new Runtime();
    one.spawn(waitThenTell(fromTwo, fromOne), { name: "one" });
    two.spawn(waitThenTell(fromOne, fromTwo), { name: "two" });
    await new Promise((r) => setImmediate(r));
    const outcomes = await Promise.all(
      [one, two].map((rt) =>
        rt.shutdown().then(
          () => "closed",
          (e: Error) => e.name,
        ),
      ),
    );
    expect(outcomes).toEqual(["DeadlockError", "DeadlockError"]);
  });
});
