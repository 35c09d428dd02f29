/**
 * The all-asleep report decides whether to add its hint about host callbacks from what each leaf
 * says it waits on (`waitsOn`: never, a task, a lock's holders), not from the wording of its label.
 * So a leaf of the user's own whose label happens to read like a lock's or a handle's wait keeps
 * the hint; an RwLock's writer waiting on a reader that is asleep too is explained by the report
 * itself, as a Mutex's waiter is; a `JoinSet` over asleep members is as certain as a handle; and
 * one wait the report explains does not take the hint away from another that a callback may end.
 */
import { describe, expect, it } from "vitest";
import { describeFuture } from "../src/future/describe.js";
import {
  asyncBlock,
  CancellationToken,
  Context,
  DESCRIBE,
  FutureBase,
  JoinSet,
  Mutex,
  oneshot,
  PENDING,
  type Poll,
  pending,
  Runtime,
  RwLock,
  run,
  spawn,
  Waker,
  yieldNow,
} from "../src/index.js";
import { allAsleep } from "../src/runtime/deadlock.js";
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

  it("describeFuture carries a waiting lock future's holders (id, name, not finished), and a held guard none", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const menu = new RwLock(0, { name: "menu" });
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
        using held = yield* pantry.lock();
        using page = yield* menu.read(); // a reader holds it: the write below would wait on main
        return {
          before,
          waitsOn: node.waitsOn,
          held: describeFuture(held).waitsOn,
          page: describeFuture(page).waitsOn,
          id: holder.id,
        };
      }),
    );
    expect(seen.before).toBe(PENDING);
    expect(seen.waitsOn).toMatchObject({
      kind: "lock",
      tasks: [{ id: seen.id, name: "holder", finished: false }],
    });
    expect(seen.waitsOn!.tasks).toHaveLength(1);
    expect(seen.held).toBeUndefined(); // a guard held waits for nobody
    expect(seen.page).toBeUndefined();
  });

  it("a dump whose leaves wait on tasks and locks is plain data: JSON.stringify gives their waitsOn", async () => {
    const pantry = new Mutex(0, { name: "pantry" });
    const rt = new Runtime();
    const main = rt.spawn(
      asyncBlock(function* main() {
        const hoarder = spawn(
          asyncBlock(function* hoard() {
            using _key = yield* pantry.lock();
            yield* pending<void>();
          }),
          { name: "hoarder" },
        );
        yield* yieldNow();
        spawn(
          asyncBlock(function* want() {
            using _key = yield* pantry.lock();
          }),
          { name: "waiter" },
        );
        yield* hoarder;
      }),
      { name: "main" },
    );
    try {
      await new Promise((r) => setTimeout(r, 0)); // every task parked
      const json = JSON.parse(JSON.stringify(rt.dump())) as {
        tasks: { name: string; tree: { children: unknown[] } }[];
      };
      const leafOf = (name: string) => {
        let node = json.tasks.find((t) => t.name === name)!.tree as {
          children: unknown[];
          waitsOn?: unknown;
        };
        while (node.children.length > 0) node = node.children[0] as typeof node;
        return node.waitsOn;
      };
      expect(leafOf("waiter")).toEqual({
        kind: "lock",
        tasks: [{ id: expect.any(Number), name: "hoarder", finished: false }],
      });
      expect(leafOf("main")).toEqual({
        kind: "task",
        tasks: [{ id: expect.any(Number), name: "hoarder", finished: false }],
      });
      expect(leafOf("hoarder")).toEqual({ kind: "never", tasks: [] });
    } finally {
      main.abort();
      await rt.shutdown();
    }
  });

  it("main awaiting a task that lost its waker: the lost waker is the whole story, no callback hint", async () => {
    class Forgetful extends FutureBase<void> {
      poll(_cx: Context): Poll<void> {
        return PENDING; // never keeps the pager
      }
    }
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* spawn(new Forgetful(), { name: "forgetful" });
        }),
        { onWarning: () => {} },
      ),
    );
    expect(error.message).toMatch(/'forgetful' returned Pending without reading cx\.waker/);
    expect(error.message).not.toMatch(HINT);
  });

  it("an RwLock writer waits on two readers, one asleep here and one in another runtime: stuck all the same, no hint", async () => {
    const menu = new RwLock(0, { name: "menu" });
    const kitchen2 = new Runtime();
    const token = new CancellationToken();
    const away = kitchen2.spawn(
      asyncBlock(function* browseAway() {
        using _page = yield* menu.read();
        yield* token.cancelled(); // may end: this reader may release
      }),
      { name: "away reader" },
    );
    const rt = new Runtime();
    rt.spawn(
      asyncBlock(function* browse() {
        using _page = yield* menu.read();
        yield* pending<void>(); // never releases
      }),
      { name: "home reader" },
    );
    try {
      await new Promise((r) => setTimeout(r, 0)); // both readers hold the lock
      rt.spawn(
        asyncBlock(function* edit() {
          using _pen = yield* menu.write();
        }),
        { name: "writer" },
      );
      await new Promise((r) => setTimeout(r, 0)); // the writer waits
      const error = allAsleep(rt.liveTasks());
      expect(error.message).toMatch(
        /writer → edit → .*read by 'away reader', 'home reader'|writer → edit → .*read by 'home reader', 'away reader'/,
      );
      expect(error.message).not.toMatch(HINT);
    } finally {
      token.cancel();
      await away;
      await rt.shutdown({ timeout: 1000 }).catch(() => {});
      await kitchen2.shutdown();
    }
  });

  it("an RwLock whose only reader finished without releasing: the report explains it, no hint", async () => {
    const menu = new RwLock(0, { name: "menu" });
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          yield* spawn(
            asyncBlock(function* forgetful() {
              const page = yield* menu.read(); // kept with const: never released
              void page;
            }),
            { name: "forgetful" },
          );
          using _pen = yield* menu.write();
        }),
      ),
    );
    expect(error.message).toMatch(/'forgetful' has finished without releasing/);
    expect(error.message).not.toMatch(HINT);
  });

  it("main joining a JoinSet whose member waits on pending(): certain, no hint", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const set = new JoinSet<void>();
          set.spawn(pending<void>(), { name: "idle cook" });
          yield* set.joinNext();
        }),
      ),
    );
    expect(error.message).toContain("JoinSet.joinNext() of 'idle cook'");
    expect(error.message).not.toMatch(HINT);
  });

  it("a handle of another runtime's task that shares main's name is no certainty: the hint comes", async () => {
    const kitchen2 = new Runtime();
    const token = new CancellationToken();
    const twin = kitchen2.spawn(token.cancelled(), { name: "main" }); // a callback may cancel it
    const rt = new Runtime();
    rt.spawn(
      asyncBlock(function* main() {
        yield* twin;
      }),
      { name: "main" },
    );
    try {
      await new Promise((r) => setTimeout(r, 0)); // both polled once: parked
      // The report as the idle check would build it for `rt`, whose only task is its main.
      const error = allAsleep(rt.liveTasks());
      expect(error.message).toContain("main → main → JoinHandle of 'main'");
      expect(error.message).toMatch(HINT);
    } finally {
      token.cancel();
      await rt.shutdown();
      await kitchen2.shutdown();
    }
  });

  for (const lock of ["Mutex", "RwLock"] as const) {
    it(`main waits on a token a callback may cancel while a ${lock} waiter waits on an asleep holder: the hint stays for main's wait`, async () => {
      const pantry = lock === "Mutex" ? new Mutex(0, { name: "pantry" }) : null;
      const menu = lock === "RwLock" ? new RwLock(0, { name: "menu" }) : null;
      const token = new CancellationToken();
      const timer = setTimeout(() => token.cancel(), 60_000);
      try {
        const error = await deadlockOf(
          run(
            asyncBlock(function* main() {
              spawn(
                asyncBlock(function* hold() {
                  using _k = pantry !== null ? yield* pantry.lock() : yield* menu!.read();
                  yield* pending<void>();
                }),
                { name: "holder" },
              );
              yield* yieldNow();
              spawn(
                asyncBlock(function* want() {
                  using _k = pantry !== null ? yield* pantry.lock() : yield* menu!.write();
                }),
                { name: "waiter" },
              );
              yield* token.cancelled(); // a raw setTimeout may cancel this
            }),
          ),
        );
        expect(error.message).toMatch(/waiter → want → .*(held by task|read by) 'holder'/);
        expect(error.message).toMatch(HINT);
      } finally {
        clearTimeout(timer);
      }
    });
  }
});
