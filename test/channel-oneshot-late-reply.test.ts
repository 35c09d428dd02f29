/**
 * A reply the caller stopped waiting for, as docs/channels.md describes it: the caller's `timeout`
 * drops the receiver, so the replier's `tx.isClosed()` is true and `if (!tx.isClosed())` skips the
 * send (tokio's `let _ = tx.send(v)`); unchecked, the late send throws a `SendError` holding the
 * reply, which ends the replying task as a panic.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  JoinError,
  oneshot,
  Runtime,
  SendError,
  sleep,
  TimeoutError,
  timeout,
} from "../src/index.js";

/** A caller that gives up after 10 ms on a replier that answers at 50 ms; `checks` is the replier's habit. */
async function lateReply(checks: boolean) {
  const rt = new Runtime({ clock: "paused", unhandledPanic: "ignore" });
  const [tx, rx] = oneshot.channel<string>();
  const replier = rt.spawn(
    asyncBlock(function* () {
      yield* sleep(50);
      const closed = tx.isClosed();
      if (!checks || !closed) tx.send("late answer");
      return closed ? "skipped" : "sent";
    }),
  );
  const caller = await rt.spawn(timeout(10, rx)).then(
    () => "answered",
    (e: unknown) => (e instanceof JoinError && e.cause instanceof TimeoutError ? "gave up" : e),
  );
  const outcome = await replier.then(
    (v) => v,
    (e: unknown) => e,
  );
  await rt.shutdown();
  return { caller, outcome };
}

describe("a late reply on a oneshot", () => {
  it("checked with isClosed(): skipped, the replier finishes", async () => {
    expect(await lateReply(true)).toEqual({ caller: "gave up", outcome: "skipped" });
  });

  it("unchecked: the send throws a SendError holding the reply, and the replier panics", async () => {
    const { caller, outcome } = await lateReply(false);
    expect(caller).toBe("gave up");
    expect(outcome).toBeInstanceOf(JoinError);
    const cause = (outcome as JoinError).cause;
    expect(cause).toBeInstanceOf(SendError);
    expect((cause as SendError<string>).value).toBe("late answer");
    expect((cause as Error).message).toBe(
      "oneshot send: the receiver is gone (the value is in error.value)",
    );
  });
});
