/**
 * `rx.waitFor(predicate)` returns the value the predicate accepted, even when the predicate itself
 * sends on the channel (a state machine stepping itself), as tokio's does (its borrow is held
 * across the call).
 */
import { describe, expect, it } from "vitest";
import * as watch from "../src/channel/watch.js";
import { Context } from "../src/future/context.js";
import { Waker } from "../src/future/waker.js";
import { resetBudget } from "../src/task/budget.js";

describe("watch rx.waitFor(predicate) with a predicate that sends", () => {
  it("the predicate accepts 1 and then sends 2: waitFor returns the 1 it accepted, and the 2 is left unseen", () => {
    const [tx, rx] = watch.channel(1);
    resetBudget();
    const got = rx
      .waitFor((v) => {
        if (v === 1) tx.send(2);
        return v === 1;
      })
      .poll(new Context(Waker.from(() => {})));
    expect(got).toBe(1);
    expect(rx.hasChanged()).toBe(true);
  });
});
