/**
 * Bug hunt in the task layer, against tokio's JoinHandle and AbortHandle: what an aborted task's
 * teardown sees of its caller's task-locals, which abort names the cause, and what a handle
 * dropped after its task finished hands out.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { drop, OWNED } from "../src/future/cancel.js";
import { Context } from "../src/future/context.js";
import { FutureStateError } from "../src/future/errors.js";
import { pending, ready } from "../src/future/leaf.js";
import { Waker } from "../src/future/waker.js";
import { Runtime } from "../src/runtime/runtime.js";
import type { JoinError } from "../src/task/join-error.js";
import { TaskLocal } from "../src/task/task-local.js";
import { flush, Gate } from "./future-testkit.js";

/** The outcome of `await handle`: its value, or what it rejected with. */
async function settle<T>(p: PromiseLike<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

describe("an aborted task's teardown runs inside the caller, but with its own task-locals", () => {
  it("a task in a scope aborts a parked task: the parked task's finally does not see the caller's value", async () => {
    const local = new TaskLocal<string>("request");
    const seen: (string | undefined)[] = [];
    const rt = new Runtime();
    const victim = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          seen.push(local.tryGet());
        }
      }),
    );
    await flush();
    const aborter = rt.spawn(
      local.scope(
        "the aborter's",
        asyncBlock(function* () {
          victim.abort();
          // Back in the aborter after the teardown: its own value again.
          seen.push(local.tryGet());
        }),
      ),
    );
    await aborter;
    expect(seen).toEqual([undefined, "the aborter's"]);
    const out = (await settle(victim)) as { error: JoinError };
    expect(out.error.isCancelled()).toBe(true);
    await rt.shutdown();
  });

  it("native code in a syncScope aborts a task in a scope of its own: the finally sees the task's value, not the caller's", async () => {
    const local = new TaskLocal<string>("request");
    const seen: (string | undefined)[] = [];
    const rt = new Runtime();
    const victim = rt.spawn(
      local.scope(
        "the victim's",
        asyncBlock(function* () {
          try {
            yield* pending();
          } finally {
            seen.push(local.tryGet());
          }
        }),
      ),
    );
    const bystander = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          seen.push(local.isSet() ? "set" : "unset");
        }
      }),
    );
    await flush();
    local.syncScope("native", () => {
      victim.abort();
      bystander.abort();
      seen.push(local.get());
    });
    expect(seen).toEqual(["the victim's", "unset", "native"]);
    await rt.shutdown();
  });

  it("a cleanup detached by the aborted task's teardown is not wrapped in the caller's scope", async () => {
    const local = new TaskLocal<string>("request");
    const closing = new Gate("closing");
    const seen: (string | undefined)[] = [];
    const rt = new Runtime();
    // A future whose finally awaits, started by hand so that dropping it detaches its cleanup.
    const slow = asyncBlock(function* () {
      try {
        yield* pending();
      } finally {
        yield* closing;
        seen.push(local.tryGet());
      }
    });
    const victim = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          // Polled once inside the teardown, then dropped: its cleanup goes on detached.
          slow.poll(new Context(Waker.noop()));
          drop(slow);
        }
      }),
    );
    await flush();
    await rt.spawn(
      local.scope(
        "the aborter's",
        asyncBlock(function* () {
          victim.abort();
        }),
      ),
    );
    closing.resolve("done");
    await flush();
    expect(seen).toEqual([undefined]);
    await rt.shutdown();
  });
});

describe("the cause of a cancelled task is the abort that started its teardown", () => {
  it("the handle aborts, then the linked signal fires during the cleanup: the JoinError has no cause", async () => {
    const closing = new Gate("closing");
    const controller = new AbortController();
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          yield* closing;
        }
      }),
      { signal: controller.signal },
    );
    await flush();
    h.abort();
    controller.abort("too late to matter");
    closing.resolve("closed");
    const out = await settle(h);
    const error = (out as { error: JoinError }).error;
    expect(error.isCancelled()).toBe(true);
    expect(error.cause).toBeUndefined();
    expect(rt.metrics().liveTasks).toBe(0);
    await rt.shutdown();
  });

  it("a shutdown aborts, then the signal fires during the cleanup: no cause either", async () => {
    const closing = new Gate("closing");
    const controller = new AbortController();
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          yield* closing;
        }
      }),
      { signal: controller.signal },
    );
    await flush();
    const down = rt.shutdown();
    controller.abort("after the shutdown");
    closing.resolve("closed");
    await down;
    const error = ((await settle(h)) as { error: JoinError }).error;
    expect(error.isCancelled()).toBe(true);
    expect(error.cause).toBeUndefined();
  });

  it("the signal aborts first, then the handle: the signal's reason stays the cause", async () => {
    const closing = new Gate("closing");
    const controller = new AbortController();
    const rt = new Runtime();
    const h = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          yield* closing;
        }
      }),
      { signal: controller.signal },
    );
    await flush();
    controller.abort("closing time");
    h.abort();
    closing.resolve("closed");
    const error = ((await settle(h)) as { error: JoinError }).error;
    expect(error.cause).toBe("closing time");
    await rt.shutdown();
  });
});

describe("a handle dropped after its task finished", () => {
  /** A value with one owner: disposed when nobody can take it. */
  class Ticket implements Disposable {
    readonly [OWNED] = true;
    disposed = 0;
    [Symbol.dispose](): void {
      this.disposed++;
    }
  }

  it("the task finishes, the handle is dropped (the ticket is disposed), then awaited: it rejects instead of handing out the disposed ticket", async () => {
    const ticket = new Ticket();
    const rt = new Runtime();
    const h = rt.spawn(ready(ticket));
    await flush();
    expect(h.isFinished()).toBe(true);
    h[Symbol.dispose]();
    expect(ticket.disposed).toBe(1);
    const out = await settle(h);
    expect(out).not.toHaveProperty("value");
    const error = (out as { error: unknown }).error;
    expect(error).toBeInstanceOf(FutureStateError);
    expect((error as Error).message).toMatch(/was dropped/);
    await rt.shutdown();
  });

  it("the task finishes, the handle is dropped, then polled by yield*: the error says it was dropped", async () => {
    const ticket = new Ticket();
    const rt = new Runtime();
    const h = rt.spawn(ready(ticket));
    await flush();
    h[Symbol.dispose]();
    const out = await settle(
      rt.spawn(
        asyncBlock(function* () {
          return yield* h;
        }),
      ),
    );
    const cause = (out as { error: JoinError }).error.cause;
    expect(cause).toBeInstanceOf(FutureStateError);
    expect((cause as Error).message).toMatch(/was dropped/);
    expect(ticket.disposed).toBe(1);
    await rt.shutdown();
  });
});
