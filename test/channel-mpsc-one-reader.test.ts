/**
 * An mpsc receiver has one reader at a time, as tokio's `&mut rx` guarantees at compile time. A
 * second task that waits on a receiver another task waits on would take the receiver's one pager
 * from it, and the first would sleep for good: the worker pool that is really one worker, and
 * hangs at the close. Brigade refuses the second wait with an error naming both tasks.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  broadcast,
  FutureStateError,
  JoinError,
  JoinSet,
  join,
  Mutex,
  mpsc,
  oneshot,
  Runtime,
  race,
  run,
  select,
  sleep,
  spawn,
} from "../src/index.js";

describe("one reader at a time on an mpsc receiver", () => {
  it("a second task waits on a receiver a first task waits on: the second panics naming both, and the first still gets every message and the end", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const got: number[] = [];
        const first = spawn(
          asyncBlock(function* () {
            for (let m = yield* rx.recv(); m !== undefined; m = yield* rx.recv()) got.push(m);
            return "closed";
          }),
          { name: "worker A" },
        );
        yield* sleep(1);
        const second = spawn(
          asyncBlock(function* () {
            return yield* rx.recv();
          }),
          { name: "worker B" },
        );
        const err = yield* asyncBlock(function* () {
          try {
            yield* second;
            return null;
          } catch (e) {
            return e;
          }
        });
        yield* tx.send(1);
        yield* tx.send(2);
        tx.close();
        return { err, end: yield* first, got };
      }),
      { clock: "paused" },
    );
    expect(out.err).toBeInstanceOf(JoinError);
    const cause = (out.err as JoinError).cause;
    expect(cause).toBeInstanceOf(FutureStateError);
    expect((cause as Error).message).toBe(
      "mpsc rx.recv() in task 'worker B': this receiver is already waited on by task 'worker A' (by a recv() there, a select's rest holding one, or a next() dropped through a stream adapter that does not pass [WITHDRAW] on). A receiver has one reader at a time (tokio's `&mut rx`): to share it among workers, use `new mpsc.SharedReceiver(rx)` (a fair lock around each recv), or give each worker its own channel",
    );
    expect(out.end).toBe("closed");
    expect(out.got).toEqual([1, 2]);
  });

  it("recvMany from a second task is refused the same way", async () => {
    const msg = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        const a = spawn(
          asyncBlock(function* () {
            return yield* rx.recvMany(4);
          }),
          { name: "a" },
        );
        yield* sleep(1);
        const b = spawn(
          asyncBlock(function* () {
            return yield* rx.recvMany(4);
          }),
          { name: "b" },
        );
        let message = "";
        try {
          yield* b;
        } catch (e) {
          message = ((e as JoinError).cause as Error).message;
        }
        tx.send(7);
        expect(yield* a).toEqual([7]);
        return message;
      }),
      { clock: "paused" },
    );
    expect(msg).toMatch(
      /^mpsc rx\.recvMany\(\) in task 'b': this receiver is already waited on by task 'a' \(by a recv\(\) there/,
    );
  });

  it("tasks taking turns (each waits only after the last one's wait ended) are fine, and so is one task's two waits in a join", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        const takeOne = asyncFn(function* () {
          // Waits, and at 5 ms the sleep wins: the recv() is left in `rest`, still registered,
          // and nobody disposes it. The task ends, so its wait is over all the same.
          const r = yield* select(rx.recv(), sleep(5));
          return r.index;
        });
        const first = yield* spawn(takeOne(), { name: "first" });
        const second = yield* spawn(takeOne(), { name: "second" });
        const both = join(rx.recv(), rx.recv());
        const sender = spawn(
          asyncBlock(function* () {
            yield* sleep(1);
            yield* tx.send(1);
            yield* tx.send(2);
          }),
        );
        // Both branches share the task's pager: one message wakes the task, and each branch
        // takes one as it is polled.
        const [a, b] = yield* both;
        yield* sender;
        return { first, second, taken: [a, b].sort() };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({ first: 1, second: 1, taken: [1, 2] });
  });

  it("the pattern the message suggests, a receiver in a Mutex, spreads the jobs over the workers and ends at the close", async () => {
    const took = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<number>(8);
        const shared = new Mutex(rx);
        const took: Record<string, number[]> = {};
        const worker = asyncFn(function* (name: string) {
          took[name] = [];
          for (;;) {
            const job = yield* asyncBlock(function* () {
              using g = yield* shared.lock();
              return yield* g.value.recv();
            });
            if (job === undefined) return;
            took[name]!.push(job);
            yield* sleep(100);
          }
        });
        using set = new JoinSet<void>();
        for (const n of ["A", "B", "C"]) set.spawn(worker(n), { name: `worker ${n}` });
        for (let i = 1; i <= 6; i++) yield* tx.send(i);
        tx.close();
        yield* set.joinAll();
        return took;
      }),
      { clock: "paused" },
    );
    expect(Object.values(took).map((jobs) => jobs.length)).toEqual([2, 2, 2]);
    expect(Object.values(took).flat().sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a broadcast receiver shared by two tasks is refused the same way, with advice to subscribe per task", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = broadcast.channel<string>(4);
        const first = spawn(
          asyncBlock(function* () {
            return yield* rx.recv();
          }),
          { name: "news desk" },
        );
        yield* sleep(1);
        const second = spawn(
          asyncBlock(function* () {
            return yield* rx.recv();
          }),
          { name: "sports desk" },
        );
        let message = "";
        try {
          yield* second;
        } catch (e) {
          message = ((e as JoinError).cause as Error).message;
        }
        tx.send("soup of the day");
        return { message, first: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out.first).toBe("soup of the day");
    expect(out.message).toBe(
      "broadcast rx.recv() in task 'sports desk': this receiver is already waited on by task 'news desk' (by a recv() there, a select's rest holding one, or a next() dropped through a stream adapter that does not pass [WITHDRAW] on). A receiver has one reader at a time (tokio's `&mut rx`): give each task its own receiver (`tx.subscribe()`, or `rx.resubscribe()` for one that starts from now)",
    );
  });

  it("a oneshot receiver waited on by two tasks is refused the same way, and the first still gets the value", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [tx, rx] = oneshot.channel<number>();
        const first = spawn(
          asyncBlock(function* () {
            return yield* rx.recv();
          }),
          { name: "waiter" },
        );
        yield* sleep(1);
        const second = spawn(
          asyncBlock(function* () {
            return yield* rx.recv();
          }),
          { name: "other waiter" },
        );
        let message = "";
        try {
          yield* second;
        } catch (e) {
          message = ((e as JoinError).cause as Error).message;
        }
        tx.send(42);
        return { message, first: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out.first).toBe(42);
    expect(out.message).toMatch(
      /^oneshot receive in task 'other waiter': this receiver is already waited on by task 'waiter' .*: a oneshot value goes to one task; to hand one value to many, use a watch or broadcast channel$/,
    );
  });

  it("a native for await waits on a receiver, then a task waits on it too: the task is refused, naming the loop, and the loop still gets the message", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<number>(4);
    const got: number[] = [];
    const loop = (async () => {
      for await (const m of rx) got.push(m);
    })();
    await new Promise((r) => setImmediate(r)); // the loop's next() waits in the receiver's slot
    const second = rt.spawn(
      asyncBlock(function* () {
        return yield* rx.recv();
      }),
      { name: "worker B" },
    );
    const refused = await Promise.resolve(second).catch((e: unknown) => (e as JoinError).cause);
    expect((refused as Error).message).toMatch(
      /^mpsc rx\.recv\(\) in task 'worker B': this receiver is already waited on by a native for await loop /,
    );
    tx.trySend(1);
    tx.close();
    await loop;
    expect(got).toEqual([1]);
    await rt.shutdown();
  });

  it("a task waits on a receiver, then a native for await's next() waits on it too: that next() rejects, and the task still gets the message", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<number>(4);
    const first = rt.spawn(
      asyncBlock(function* () {
        return yield* rx.recv();
      }),
      { name: "worker A" },
    );
    await new Promise((r) => setImmediate(r));
    const native = rx[Symbol.asyncIterator]().next();
    await expect(native).rejects.toThrow(
      /^mpsc rx\.recv\(\) in a native for await loop: this receiver is already waited on by task 'worker A' /,
    );
    tx.trySend(1);
    expect(await first).toBe(1);
    await rt.shutdown();
  });

  it("a cleanup that waits on a receiver after the task it cleans up for has ended still holds it: a second task is refused, and the cleanup gets the message", async () => {
    const rt = new Runtime({ clock: "paused" });
    const [tx, rx] = mpsc.channel<number>(4);
    const log: string[] = [];
    await rt.spawn(
      asyncBlock(function* () {
        // The race drops its loser, whose finally awaits: that cleanup goes on as a detached task.
        yield* race(
          asyncBlock(function* () {
            try {
              yield* sleep(1000);
            } finally {
              log.push(`cleanup got ${yield* rx.recv()}`);
            }
          }),
          sleep(1),
        );
        log.push("owner ended");
      }),
      { name: "owner" },
    );
    const second = rt.spawn(
      asyncBlock(function* () {
        return yield* rx.recv();
      }),
      { name: "second" },
    );
    const refused = await Promise.resolve(second).catch((e: unknown) => (e as JoinError).cause);
    expect((refused as Error).message).toMatch(
      /^mpsc rx\.recv\(\) in task 'second': this receiver is already waited on by task 'owner' /,
    );
    tx.trySend(1);
    await rt.spawn(sleep(1));
    expect(log).toEqual(["owner ended", "cleanup got 1"]);
    await rt.shutdown();
  });
});
