/**
 * What docs/runtime.md says about tasks and their handles, pinned where no other test did: a handle
 * is a thenable (so an async function that returns one hands back the output), a handle you drop
 * differs from one you merely ignore, and `run(main, { signal })` reports the signal's reason.
 */
import { describe, expect, it } from "vitest";
import { OWNED } from "../src/future/cancel.js";
import {
  asyncBlock,
  JoinError,
  type JoinHandle,
  pending,
  Runtime,
  run,
  sleep,
  spawn,
} from "../src/index.js";

/** An output that counts its disposals, as a lock guard or a socket would release itself. */
function guard(): { disposed: number; [OWNED]: true; [Symbol.dispose](): void } {
  return {
    [OWNED]: true,
    disposed: 0,
    [Symbol.dispose]() {
      this.disposed++;
    },
  };
}

describe("docs/runtime.md, Tasks: a handle is a thenable", () => {
  it("an async function returns a handle, its caller awaits it and gets the task's output, not the handle", async () => {
    const rt = new Runtime({ clock: "paused" });
    let polls = 0;
    async function order(): Promise<string> {
      // Returning the handle makes the async function's promise follow it (it is a thenable).
      return rt.spawn(
        asyncBlock(function* soup() {
          polls++;
          yield* sleep(30);
          return "soup";
        }),
      ) as unknown as Promise<string>;
    }
    const got = await order();
    expect(got).toBe("soup");
    expect(polls).toBe(1);
    await rt.shutdown();
  });

  it("the same handle wrapped ({ handle }) reaches the caller as a handle: abort() still works, and awaiting it reports cancelled", async () => {
    const rt = new Runtime({ clock: "paused" });
    let cleaned = false;
    async function order(): Promise<{ handle: JoinHandle<string> }> {
      const handle = rt.spawn(
        asyncBlock(function* waitForever() {
          try {
            yield* pending();
          } finally {
            cleaned = true;
          }
          return "never";
        }),
      );
      return { handle };
    }
    const { handle } = await order();
    expect(handle.isFinished()).toBe(false);
    handle.abort();
    expect(cleaned).toBe(true);
    const outcome = await handle.then(
      () => "served",
      (e: unknown) => (e instanceof JoinError && e.isCancelled() ? "cancelled" : "other"),
    );
    expect(outcome).toBe("cancelled");
    await rt.shutdown();
  });
});

describe("docs/runtime.md, Tasks: a dropped handle and an ignored one", () => {
  it("a handle is dropped, its task runs on and finishes, and the output it returns is disposed once", async () => {
    const out = guard();
    let finished = false;
    await run(
      asyncBlock(function* main() {
        const h = spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            finished = true;
            return out;
          }),
        );
        h[Symbol.dispose](); // dropped: detached, not aborted
        yield* sleep(20);
      }),
      { clock: "paused" },
    );
    expect(finished).toBe(true);
    expect(out.disposed).toBe(1);
  });

  it("a handle is ignored (never disposed), its task runs on and finishes, and its output is left alone, even after the runtime ends", async () => {
    const out = guard();
    let finished = false;
    await run(
      asyncBlock(function* main() {
        spawn(
          asyncBlock(function* () {
            yield* sleep(10);
            finished = true;
            return out;
          }),
        );
        yield* sleep(20);
      }),
      { clock: "paused" },
    );
    expect(finished).toBe(true);
    expect(out.disposed).toBe(0);
  });
});

describe("docs/runtime.md, Tasks: run(main, { signal })", () => {
  it("the signal is aborted while main waits: main's finally runs, then run rejects with a cancelled JoinError whose cause is the signal's reason", async () => {
    const ac = new AbortController();
    const log: string[] = [];
    const closing = new Error("closing time");
    const outcome = run(
      asyncBlock(function* main() {
        try {
          yield* pending();
        } finally {
          log.push("main: finally");
        }
      }),
      { signal: ac.signal },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 1));
    log.push("abort");
    ac.abort(closing);
    const e = await outcome;
    expect(log).toEqual(["abort", "main: finally"]);
    expect(e).toBeInstanceOf(JoinError);
    expect((e as JoinError).isCancelled()).toBe(true);
    expect((e as JoinError).cause).toBe(closing);
  });

  it("a signal already aborted: main never runs, and run rejects with its reason as the cause", async () => {
    let ran = false;
    const reason = new Error("closed today");
    const e = await run(
      asyncBlock(function* main() {
        ran = true;
      }),
      { signal: AbortSignal.abort(reason) },
    ).then(
      () => null,
      (err: unknown) => err,
    );
    expect(ran).toBe(false);
    expect((e as JoinError).isCancelled()).toBe(true);
    expect((e as JoinError).cause).toBe(reason);
  });
});
