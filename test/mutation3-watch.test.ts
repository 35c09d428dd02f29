/**
 * Tests written from a mutation run over watch's `rx.waitFor` (src/channel/watch.ts): each pins
 * down a behaviour the rest of the suite let change unnoticed (the run's notes are in
 * scratch/mutation/NOTES.md). The futures are polled by hand, a mock task each.
 */
import { describe, expect, it } from "vitest";
import { ChannelClosedError } from "../src/channel/errors.js";
import * as watch from "../src/channel/watch.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { describeFuture } from "../src/future/describe.js";
import { FutureStateError } from "../src/future/errors.js";
import { PENDING } from "../src/future/poll.js";
import { MockTask } from "./future-testkit.js";

/** What `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("rx.waitFor's errors", () => {
  it("on a closed receiver: a TypeError that says so", () => {
    const [, rx] = watch.channel(0);
    rx.close();
    const e = thrown(() => rx.waitFor(() => true));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe("rx.waitFor(predicate) on a closed watch receiver");
  });

  it("polled after it returned: a FutureStateError that says it completed or was dropped", () => {
    const [, rx] = watch.channel(1);
    const t = new MockTask(rx.waitFor((v) => v === 1));
    expect(t.poll()).toBe(1);
    const e = thrown(() => t.poll());
    expect(e).toBeInstanceOf(FutureStateError);
    expect((e as Error).message).toBe("rx.waitFor() was polled after it completed or was dropped");
  });

  it("its receiver closed while it waits: ChannelClosedError at the next poll, and a FutureStateError at the one after", () => {
    const [, rx] = watch.channel(0);
    const t = new MockTask(rx.waitFor(() => false));
    expect(t.poll()).toBe(PENDING);
    rx.close();
    expect(t.isWoken()).toBe(true);
    expect(thrown(() => t.poll())).toBeInstanceOf(ChannelClosedError);
    expect(thrown(() => t.poll())).toBeInstanceOf(FutureStateError);
  });
});

describe("rx.waitFor's predicate", () => {
  it("a waiting waitFor polled again with no new value (a spurious wake) stays pending without asking its predicate again", () => {
    const [tx, rx] = watch.channel(0);
    const asked: number[] = [];
    const t = new MockTask(
      rx.waitFor((v) => {
        asked.push(v);
        return v === 2;
      }),
    );
    expect(t.poll()).toBe(PENDING);
    expect(t.poll()).toBe(PENDING);
    expect(t.poll()).toBe(PENDING);
    expect(asked).toEqual([0]);
    tx.send(2);
    expect(t.poll()).toBe(2);
    expect(asked).toEqual([0, 2]);
  });
});

describe("rx.waitFor's line", () => {
  it("a waitFor woken by a send is dropped before its poll while another waits in line: the next send still wakes the other", () => {
    const [tx, rx] = watch.channel(0);
    const rx2 = rx.clone();
    const woken = new MockTask(rx.waitFor(() => false));
    expect(woken.poll()).toBe(PENDING);
    tx.send(1);
    expect(woken.isWoken()).toBe(true);
    const other = new MockTask(rx2.waitFor((v) => v === 2));
    expect(other.poll()).toBe(PENDING);
    woken.future[Symbol.dispose]();
    tx.send(2);
    expect(other.isWoken()).toBe(true);
    expect(other.poll()).toBe(2);
  });
});

describe("rx.waitFor and the cooperative budget", () => {
  it("a task waits 200 times for a value already there: it yields once its budget is spent (pending, woken), and finishes on its next poll", () => {
    const [, rx] = watch.channel(3);
    const t = new MockTask(
      asyncBlock(function* () {
        let sum = 0;
        for (let i = 0; i < 200; i++) sum += yield* rx.waitFor((v) => v === 3);
        return sum;
      }),
    );
    expect(t.poll()).toBe(PENDING);
    expect(t.isWoken()).toBe(true);
    expect(t.poll()).toBe(600);
  });
});

describe("how a waitFor describes itself (dumps, deadlock reports)", () => {
  it("it says it is a watch receiver's waitFor, with no children", () => {
    const [, rx] = watch.channel(0);
    const d = describeFuture(rx.waitFor(() => false));
    expect(d.label).toBe("watch rx.waitFor(predicate)");
    expect(d.children).toEqual([]);
  });
});
