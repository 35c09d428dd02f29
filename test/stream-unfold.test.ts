/**
 * `unfold(init, f)`: a stream from a state and an async step. Steps are made one at a time, only
 * when the consumer asks; `undefined` ends; a step that throws ends the stream after its error;
 * disposal drops the step in flight or the owned state.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { OWNED } from "../src/future/cancel.js";
import { Context } from "../src/future/context.js";
import { ready } from "../src/future/leaf.js";
import { PENDING } from "../src/future/poll.js";
import { Waker } from "../src/future/waker.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { DONE, unfold } from "../src/stream/index.js";
import { sleep } from "../src/time/sleep.js";

const cx = new Context(Waker.noop());

describe("unfold", () => {
  it("pages are fetched one at a time, each only when the consumer asks, and an empty page ends the stream", async () => {
    const fetched: number[] = [];
    const pages = [["soup", "tea"], ["pie"], []];
    const out = await run(
      asyncBlock(function* () {
        const s = unfold(0, (page: number) =>
          asyncBlock(function* () {
            fetched.push(page);
            yield* sleep(10);
            const rows = pages[page]!;
            return rows.length === 0 ? undefined : ([rows, page + 1] as const);
          }),
        );
        const first = yield* s.next();
        const fetchedAfterFirst = fetched.slice();
        const rest = yield* s.collect();
        return { first, fetchedAfterFirst, rest };
      }),
      { clock: "paused" },
    );
    expect(out.first).toEqual(["soup", "tea"]);
    expect(out.fetchedAfterFirst).toEqual([0]);
    expect(out.rest).toEqual([["pie"]]);
    expect(fetched).toEqual([0, 1, 2]);
  });

  it("a step that throws hands its error out once, then the stream has ended and f is not called again", () => {
    let calls = 0;
    const s = unfold(0, (n: number) => {
      calls++;
      if (n === 1) throw new Error("the fryer is out");
      return ready([n, n + 1] as const);
    });
    expect(s.pollNext(cx)).toBe(0);
    expect(() => s.pollNext(cx)).toThrow("the fryer is out");
    expect(s.pollNext(cx)).toBe(DONE);
    expect(s.pollNext(cx)).toBe(DONE);
    expect(calls).toBe(2);
  });

  it("a step whose future throws is the same: its error once, then DONE", async () => {
    const out = await run(
      asyncBlock(function* () {
        const s = unfold(0, (n: number) =>
          asyncBlock(function* () {
            yield* sleep(1);
            if (n === 2) throw new Error("burnt");
            return [n, n + 1] as const;
          }),
        );
        const got: unknown[] = [];
        for (;;) {
          try {
            const v = yield* s.next();
            if (v === DONE) break;
            got.push(v);
          } catch (e) {
            got.push((e as Error).message);
          }
        }
        return got;
      }),
      { clock: "paused" },
    );
    expect(out).toEqual([0, 1, "burnt"]);
  });

  it("disposed while a step waits: the step is dropped (its finally runs) and its timer leaves the wheel", async () => {
    let cleaned = 0;
    const [before, after] = await run(
      asyncBlock(function* () {
        const s = unfold(0, (n: number) =>
          asyncBlock(function* () {
            try {
              yield* sleep(1000);
              return [n, n + 1] as const;
            } finally {
              cleaned++;
            }
          }),
        );
        const rt = Runtime.current();
        expect(s.pollNext(cx)).toBe(PENDING);
        const before = rt.metrics().liveTimers;
        s[Symbol.dispose]();
        return [before, rt.metrics().liveTimers];
      }),
      { clock: "paused" },
    );
    expect([before, after, cleaned]).toEqual([1, 0, 1]);
  });

  it("disposed between steps: an OWNED state is disposed; a plain one is let go", () => {
    class Conn {
      readonly [OWNED] = true;
      closed = 0;
      [Symbol.dispose]() {
        this.closed++;
      }
    }
    const conn = new Conn();
    const s = unfold(conn, (c: Conn) => ready([c.closed, c] as const));
    expect(s.pollNext(cx)).toBe(0);
    s[Symbol.dispose]();
    s[Symbol.dispose]();
    expect(conn.closed).toBe(1);
    expect(s.pollNext(cx)).toBe(DONE);
  });

  it("bad input: f not a function, f returning no future, a future giving something other than a pair", () => {
    expect(() => unfold(0, 5 as never)).toThrow(
      new TypeError("unfold(init, f): f must be a function, got number"),
    );
    const noFuture = unfold(0, () => 7 as never);
    expect(() => noFuture.pollNext(cx)).toThrow(TypeError);
    expect(() => noFuture.pollNext(cx)).not.toThrow();
    const notAPair = unfold(0, () => ready([1] as never));
    expect(() => notAPair.pollNext(cx)).toThrow(
      "unfold(init, f): f's future must give [item, nextState] or undefined, got an array of 1",
    );
    expect(notAPair.pollNext(cx)).toBe(DONE);
  });
});
