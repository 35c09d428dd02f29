/**
 * Types inferred where a bridged promise is handed straight to another function. `npm run
 * typecheck` checks this file: the annotations below fail to compile if an output type comes out
 * as `T | PENDING` (as `fromPromise((s) => p.then(f))` inside `timeout(...)` once did), and the
 * test checks the values at run time.
 */
import { describe, expect, it } from "vitest";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { fromPromise } from "../src/future/from-promise.js";
import { run } from "../src/runtime/runtime.js";
import { CancellationToken } from "../src/sync/cancellation-token.js";
import { spawn } from "../src/task/spawn.js";
import { TaskLocal } from "../src/task/task-local.js";
import { sleep } from "../src/time/sleep.js";
import { timeout } from "../src/time/timeout.js";

type Quote = { price: number };
const fetchQuote = (price: number, signal: AbortSignal): Promise<Response> =>
  Promise.resolve(new Response(JSON.stringify({ price }), { status: signal.aborted ? 499 : 200 }));

describe("the output type of fromPromise handed straight to another function", () => {
  it("is the promise's value type inside timeout, spawn, select, runUntilCancelled and scope", async () => {
    const total = await run(
      asyncBlock(function* () {
        const a: Quote = yield* timeout(
          1000,
          fromPromise((signal) => fetchQuote(1, signal).then((r) => r.json() as Promise<Quote>)),
        );
        const b: Quote = yield* spawn(
          fromPromise((signal) => fetchQuote(2, signal).then((r) => r.json() as Promise<Quote>)),
        );
        const c = yield* select(
          fromPromise((signal) => fetchQuote(3, signal).then((r) => r.json() as Promise<Quote>)),
          sleep(1000),
        );
        const cPrice: number = c.index === 0 ? c.value.price : 0;
        const d: Quote | undefined = yield* new CancellationToken().runUntilCancelled(
          fromPromise((signal) => fetchQuote(4, signal).then((r) => r.json() as Promise<Quote>)),
        );
        const e: Quote = yield* new TaskLocal<string>("request").scope(
          "r-1",
          fromPromise((signal) => fetchQuote(5, signal).then((r) => r.json() as Promise<Quote>)),
        );
        return a.price + b.price + cPrice + (d?.price ?? 0) + e.price;
      }),
    );
    expect(total).toBe(15);
  });
});
