/**
 * Hunt: the lock checks' own bookkeeping. The wait-for graph (src/sync/deadlock.ts) is global, for
 * every runtime on the thread: it must not keep a parked task, its lock or its runtime alive.
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { describe, expect, it } from "vitest";
import { asyncBlock, Mutex, Runtime } from "../src/index.js";

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("the wait-for graph and memory", () => {
  it("a runtime dropped while its task waits on a lock, without a shutdown, is not kept alive by the graph", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const refs = await (async () => {
      const rt = new Runtime();
      const pantry = new Mutex(0, { name: "pantry" });
      const held = pantry.tryLock()!; // taken outside any task, and never given back
      let parked = false;
      rt.spawn(
        asyncBlock(function* waiter() {
          parked = true;
          yield* pantry.lock(); // a sequential wait: recorded in the graph
        }),
        { name: "waiter" },
      );
      await flush();
      expect(parked).toBe(true);
      expect(held.value).toBe(0);
      return { rt: new WeakRef(rt), pantry: new WeakRef(pantry) };
    })();
    await flush();
    gc();
    await flush();
    gc();
    expect(refs.pantry.deref()).toBeUndefined();
    expect(refs.rt.deref()).toBeUndefined();
  });
});
