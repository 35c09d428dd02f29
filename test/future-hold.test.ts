/**
 * `hold(value)`: Rust's move for a value acquired before an await that may be dropped. Held with
 * `using`, it is disposed at the end of the scope; `take()` moves it out first, to a task that
 * then releases it.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn } from "../src/coroutine/async-fn.js";
import { hold } from "../src/future/hold.js";
import { pending } from "../src/future/leaf.js";
import { Runtime } from "../src/runtime/runtime.js";
import { Semaphore, type SemaphorePermit } from "../src/sync/semaphore.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

const serve = asyncFn(function* serve(guest: string, permit: SemaphorePermit) {
  using _ = permit;
  yield* sleep(10);
  return guest;
});

describe("hold", () => {
  it("a task aborted while it waits for a guest gives the held permit back", async () => {
    const rt = new Runtime({ clock: "paused" });
    const doors = new Semaphore(1);
    const h = rt.spawn(
      asyncBlock(function* () {
        using permit = hold(yield* doors.acquire());
        yield* pending<string>(); // the guest never comes
        spawn(serve("never", permit.take()));
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(doors.availablePermits()).toBe(0);
    h.abort();
    await rt.shutdown();
    expect(doors.availablePermits()).toBe(1);
  });

  it("taken and moved into a task, the permit outlives the scope and goes back when the task ends", async () => {
    const rt = new Runtime({ clock: "paused" });
    const doors = new Semaphore(1);
    const counts = await rt.spawn(
      asyncBlock(function* () {
        let served: ReturnType<typeof spawn<string>>;
        {
          using permit = hold(yield* doors.acquire());
          yield* yieldNow(); // a guest arrives
          served = spawn(serve("table 4", permit.take()));
          expect(permit.isHeld).toBe(false);
        }
        const whileServing = doors.availablePermits();
        const guest = yield* served;
        return { whileServing, guest, after: doors.availablePermits() };
      }),
    );
    expect(counts).toEqual({ whileServing: 0, guest: "table 4", after: 1 });
    await rt.shutdown();
  });

  it("take twice, or after the scope released it, is a TypeError: a value has one owner", () => {
    let released = 0;
    const ticket = { [Symbol.dispose]: () => void released++ };
    const held = hold(ticket);
    expect(held.take()).toBe(ticket);
    expect(() => held.take()).toThrow(
      new TypeError("held.take(): the value was already taken: a value has one owner"),
    );
    held[Symbol.dispose]();
    expect(released).toBe(0);
    const other = hold(ticket);
    other[Symbol.dispose]();
    other[Symbol.dispose]();
    expect(released).toBe(1);
    expect(() => other.take()).toThrow(
      "held.take(): the value was already released at the end of its scope",
    );
  });

  it("bad input: a value that is not disposable is a TypeError naming the argument", () => {
    expect(() => hold(5 as never)).toThrow(
      new TypeError("hold(value): value must be disposable (have [Symbol.dispose]), got number"),
    );
    expect(() => hold({} as never)).toThrow(/hold\(value\): value must be disposable/);
  });
});
