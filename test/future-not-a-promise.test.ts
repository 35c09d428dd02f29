/**
 * A future is not a Promise. Awaited from native code, it used to resolve at once to the future
 * object itself and run nothing (the sleep not slept, the message not sent), silently. Now the
 * await fails: TypeScript refuses it (the `@ts-expect-error` lines below are checked by `npm run
 * typecheck`: each would be an unused directive if the await compiled), and at run time it rejects
 * with a TypeError that says what to do. A JoinHandle is the one future that is also a promise.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, mpsc, Runtime, run, sleep, spawn } from "../src/index.js";

const HINT =
  /^a Brigade future \((\w+)\) was awaited as a Promise: it is not one, and runs only when a task polls it\. From async code, hand it to a runtime \(await rt\.spawn\(future\), or await run\(future\)\); inside an async fn, yield\* it$/;

describe("awaiting a future from native code", () => {
  it("await sleep(ms) rejects with a TypeError naming the future's class, and TypeScript refuses it", async () => {
    const err = await (async () => {
      // @ts-expect-error TS1320: a future has a then that is not a promise's
      await sleep(10);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(HINT);
    expect(HINT.exec((err as Error).message)?.[1]).toBe("Sleep");
  });

  it("await tx.send(v) rejects and sends nothing; the same send spawned on a runtime is sent", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.channel<string>(4);
    const err = await (async () => {
      // @ts-expect-error TS1320
      await tx.send("job 1");
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(rx.tryRecv()).toBeUndefined();
    await rt.spawn(tx.send("job 2"));
    expect(rx.tryRecv()).toBe("job 2");
    await rt.shutdown();
  });

  it("returning a future from an async function rejects the same way, as does Promise.resolve(future)", async () => {
    // @ts-expect-error TS1058: an async function cannot return a thenable that is not a promise
    const made = async () => sleep(5);
    await expect(made()).rejects.toThrow(HINT);
    await expect(Promise.resolve(sleep(5))).rejects.toThrow(HINT);
  });

  it("calling then by hand without a rejection handler throws the error at once", () => {
    const f = sleep(5);
    expect(() => f.then(undefined as never)).toThrow(HINT);
  });

  it("a JoinHandle is still a promise: awaiting it gives the task's output", async () => {
    const rt = new Runtime({ clock: "paused" });
    const h = rt.spawn(
      asyncBlock(function* () {
        yield* sleep(1000);
        return "soup";
      }),
    );
    expect(await h).toBe("soup");
    await rt.shutdown();
    expect(
      await run(
        asyncBlock(function* () {
          return yield* spawn(
            asyncBlock(function* () {
              return 7;
            }),
          );
        }),
      ),
    ).toBe(7);
  });
});
