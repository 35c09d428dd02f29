/**
 * A task that panics with JavaScript's "is not iterable" TypeError (the usual cause: `yield*` of a
 * Promise or of a plain object with `poll`) gets a sentence saying what `yield*` takes, in the
 * message and in the stack's first line, once; inside the body, before the error leaves the task,
 * it is untouched, and other errors are never touched.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, JoinError, run, spawn } from "../src/index.js";

const HINT =
  " (if this is a yield* in an async fn: yield* takes a Brigade future, such as an async fn's call or a FutureBase; a Promise is awaited with yield* fromPromise(() => promise), and a hand-written future extends FutureBase)";

describe("the not-iterable hint", () => {
  it("yield* of a Promise: run() rejects with the TypeError, its message and stack explained", async () => {
    const err = await run(
      asyncBlock(function* () {
        return yield* Promise.resolve(1) as unknown as Generator<never, number>;
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    const { message, stack } = err as TypeError;
    expect(message).toMatch(/is not iterable/);
    expect(message.endsWith(HINT)).toBe(true);
    expect(message.split(HINT)).toHaveLength(2); // once, though the task and run() both saw it
    expect(stack!.split("\n")[0]).toBe(`TypeError: ${message}`);
  });

  it("yield* of a plain object with poll, in a spawned task: the JoinError's message carries the hint", async () => {
    const err = await run(
      asyncBlock(function* () {
        const child = spawn(
          asyncBlock(function* () {
            return yield* { poll: () => 1 } as unknown as Generator<never, number>;
          }),
          { name: "leaf caller" },
        );
        return yield* child;
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).message).toContain(
      "task 'leaf caller' panicked: TypeError: object is not iterable",
    );
    expect(((err as JoinError).cause as Error).message.endsWith(HINT)).toBe(true);
  });

  it("caught inside the body, the error is as JavaScript made it", async () => {
    const seen = await run(
      asyncBlock(function* () {
        try {
          for (const _ of 5 as unknown as number[]) {
          }
        } catch (e) {
          return (e as Error).message;
        }
        return "no error";
      }),
    );
    expect(seen).toBe("5 is not iterable");
  });

  it("other errors, TypeErrors included, are left alone", async () => {
    const plain = await run(
      asyncBlock(function* () {
        yield* [];
        throw new TypeError("dish must be a string");
      }),
    ).catch((e: unknown) => e);
    expect((plain as Error).message).toBe("dish must be a string");
    const range = await run(
      asyncBlock(function* () {
        yield* [];
        throw new RangeError("is not iterable, said a RangeError");
      }),
    ).catch((e: unknown) => e);
    expect((range as Error).message).toBe("is not iterable, said a RangeError");
  });

  it("a frozen error keeps its words and still rejects the run", async () => {
    const frozen = Object.freeze(new TypeError("x is not iterable"));
    const err = await run(
      asyncBlock(function* () {
        yield* [];
        throw frozen;
      }),
    ).catch((e: unknown) => e);
    expect(err).toBe(frozen);
    expect((err as Error).message).toBe("x is not iterable");
  });
});
