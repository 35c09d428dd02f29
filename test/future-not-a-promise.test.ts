/**
 * A future is not a Promise. Awaited from native code it would resolve at once to the future object
 * itself and run nothing (the sleep not slept, the message not sent), so TypeScript refuses the
 * `await`: `FutureBase` declares, for the type checker only, a `then` no promise has. The
 * `@ts-expect-error` lines below are checked by `npm run typecheck`: each would be an unused
 * directive if the code compiled. At run time nothing changes: a future passed through a Promise
 * as a value (a task's output, an async generator's item) arrives as itself.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  type Future,
  fromAsyncIterable,
  mpsc,
  oneshot,
  Runtime,
  run,
  Sleep,
  sleep,
} from "../src/index.js";

describe("a future and a Promise", () => {
  it("TypeScript refuses await of a future, which would run nothing: the message is not sent", async () => {
    const [tx, rx] = mpsc.channel<string>(4);
    const sending = tx.send("job 1");
    // @ts-expect-error TS1320: a future is not a promise
    const awaited: unknown = await sending;
    expect(awaited).toBe(sending); // the future itself, never polled
    expect(rx.tryRecv()).toBeUndefined();
    const rt = new Runtime();
    await rt.spawn(tx.send("job 2")); // the way: a task polls it; the handle is a promise
    expect(rx.tryRecv()).toBe("job 2");
    await rt.shutdown();
  });

  it("TypeScript refuses an async function that returns a future, which hands back the sleep itself, never polled", async () => {
    // @ts-expect-error TS1058: an async function's result cannot be a future
    const made = async () => sleep(60_000);
    const got: unknown = await made();
    expect(got).toBeInstanceOf(Sleep); // nothing slept: no runtime ever saw it
  });

  it("a task's output that is a future arrives as itself through the handle's promise (wrapped in an object, TypeScript is content)", async () => {
    const rt = new Runtime();
    const { rx } = await rt.spawn(
      asyncBlock(function* () {
        const [tx, rx] = oneshot.channel<number>();
        tx.send(7);
        return { rx };
      }),
    );
    expect(rx).toBeInstanceOf(oneshot.Receiver);
    expect(await rt.spawn(rx)).toBe(7);
    await rt.shutdown();
  });

  it("an async generator's futures reach a stream as themselves, and buffered runs them", async () => {
    async function* jobs(): AsyncGenerator<Future<number>> {
      for (let i = 0; i < 3; i++) {
        const job = asyncBlock(function* () {
          yield* sleep(10 - i);
          return i;
        });
        // @ts-expect-error TypeScript: yield in an async generator awaits its operand
        yield job;
      }
    }
    const got = await run(
      asyncBlock(function* () {
        return yield* fromAsyncIterable(jobs()).buffered(2).collect();
      }),
      { clock: "paused" },
    );
    expect(got).toEqual([0, 1, 2]);
  });

  it("a JoinHandle is a promise: awaiting it gives the task's output", async () => {
    const rt = new Runtime({ clock: "paused" });
    const h = rt.spawn(
      asyncBlock(function* () {
        yield* sleep(1000);
        return "soup";
      }),
    );
    expect(await h).toBe("soup");
    await rt.shutdown();
  });
});
