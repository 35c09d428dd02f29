import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { DeadlockError } from "../src/runtime/deadlock.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";

describe("what a waiting mpsc receive tells dumps and deadlock reports", () => {
  it("a receive that waits says the channel is empty and how many senders are still open", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<string>(4);
    const other = tx.clone();
    rt.spawn(
      asyncBlock(function* logger() {
        while ((yield* rx.recv()) !== undefined) {}
      }),
      { name: "logger" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain(
      "mpsc rx.recv(), channel empty, 2 senders still open (made outside any task (2))",
    );
    other.close();
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain(
      "mpsc rx.recv(), channel empty, 1 sender still open (made outside any task)",
    );
    tx.close();
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("a receiver loop kept alive by a forgotten sender is reported with that sender counted", async () => {
    const err = await run(
      asyncBlock(function* main() {
        const [tx, rx] = mpsc.unboundedChannel<number>();
        const log = spawn(
          asyncBlock(function* logger() {
            for (
              let batch = yield* rx.recvMany(8);
              batch.length > 0;
              batch = yield* rx.recvMany(8)
            ) {}
          }),
          { name: "logger" },
        );
        tx.send(1);
        // The sender is never closed: the logger's loop cannot end.
        yield* log;
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain(
      "logger → logger → mpsc rx.recvMany(8), channel empty, 1 sender still open (made in task 'main')",
    );
  });

  it("the report names the tasks the open senders were made in, oldest first, so the forgotten one stands out", async () => {
    const err = await run(
      asyncBlock(function* main() {
        const [tx, rx] = mpsc.channel<number>(4);
        const cooks = [1, 2].map((i) => {
          // Each cook makes a clone of its own and never closes it; main keeps its own handle.
          const mine = tx.clone();
          return spawn(
            asyncBlock(function* () {
              const extra = mine.clone();
              yield* extra.send(i);
              mine.close();
            }),
            { name: `cook ${i}` },
          );
        });
        for (const c of cooks) yield* c;
        const waiter = spawn(
          asyncBlock(function* () {
            while ((yield* rx.recv()) !== undefined) {}
          }),
          { name: "pass" },
        );
        yield* waiter;
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain(
      "pass → asyncBlock → mpsc rx.recv(), channel empty, 3 senders still open (made in task 'main', in task 'cook 1', in task 'cook 2')",
    );
  });

  it("a closed handle leaves the list wherever it sits in it, and past four places the rest are counted", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.unboundedChannel<number>();
    const clones = [0, 1, 2, 3, 4, 5].map((i) =>
      rt.spawn(
        asyncBlock(function* () {
          return tx.clone();
        }),
        { name: `t${i}` },
      ),
    );
    const handles = await Promise.all(clones);
    handles[2]!.close(); // from the middle of the list
    handles[5]!.close(); // its head
    tx.close(); // its tail
    rt.spawn(
      asyncBlock(function* () {
        while ((yield* rx.recv()) !== undefined) {}
      }),
      { name: "pass" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain(
      "4 senders still open (made in task 't0', in task 't1', in task 't3', in task 't4')",
    );
    const more = await rt.spawn(
      asyncBlock(function* () {
        return handles[0]!.clone();
      }),
      { name: "t9" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain(
      "5 senders still open (made in task 't0', in task 't1', in task 't3', in task 't4', and 1 more places)",
    );
    for (const h of [...handles, more]) h.close();
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });

  it("only the first sixteen open handles are listed: a thousand clones never closed are counted, not kept, and a listed one closed frees its place", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.unboundedChannel<number>();
    const made = await rt.spawn(
      asyncBlock(function* () {
        const all = [];
        for (let i = 0; i < 1000; i++) all.push(tx.clone());
        return all;
      }),
      { name: "cloner" },
    );
    rt.spawn(
      asyncBlock(function* () {
        while ((yield* rx.recv()) !== undefined) {}
      }),
      { name: "pass" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain(
      "1001 senders still open (made outside any task, in task 'cloner' (15), and 985 more made later)",
    );
    tx.close(); // the first listed
    const late = await rt.spawn(
      asyncBlock(function* () {
        return made[999]!.clone();
      }),
      { name: "latecomer" },
    );
    await new Promise((r) => setImmediate(r));
    expect(String(rt.dump())).toContain(
      "1001 senders still open (made in task 'cloner' (15), in task 'latecomer', and 985 more made later)",
    );
    for (const h of [...made, late]) h.close();
    await rt.shutdown();
    expect(rt.metrics().liveTasks).toBe(0);
  });
});
