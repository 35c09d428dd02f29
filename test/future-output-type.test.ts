/**
 * `FutureOutput<F>`: the type a future completes with (Rust's `F::Output`), for a future, an async
 * fn's call and a task's handle. Checked by the type checker (`expectTypeOf`) and by a run.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  asyncFn,
  type FutureOutput,
  type JoinHandle,
  type ready,
  run,
  sleep,
} from "../src/index.js";

const cookDish = asyncFn(function* (dish: string) {
  yield* sleep(1);
  return { dish, plated: true };
});

describe("FutureOutput<F>", () => {
  it("names what a future, an async fn's call and a handle complete with; never for a non-future", async () => {
    expectTypeOf<FutureOutput<ReturnType<typeof cookDish>>>().toEqualTypeOf<{
      dish: string;
      plated: boolean;
    }>();
    expectTypeOf<FutureOutput<ReturnType<typeof ready<number>>>>().toEqualTypeOf<number>();
    expectTypeOf<FutureOutput<JoinHandle<string[]>>>().toEqualTypeOf<string[]>();
    expectTypeOf<FutureOutput<Promise<number>>>().toEqualTypeOf<never>();
    const served: FutureOutput<ReturnType<typeof cookDish>> = await run(cookDish("soup"), {
      clock: "paused",
    });
    expect(served).toEqual({ dish: "soup", plated: true });
  });
});
