/**
 * mpsc.SharedReceiver: an unnamed one still names its lock ("shared receiver") in a deadlock
 * report; disposing it drops the receiver, so senders see the channel closed; and a null in place
 * of the receiver is called null in the TypeError.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, mpsc, run, sleep, spawn } from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

describe("mpsc.SharedReceiver", () => {
  it("an unnamed shared receiver's lock is called 'shared receiver' in a deadlock report", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const [tx, rx] = mpsc.channel<number>(1);
          const jobs = new mpsc.SharedReceiver(rx);
          spawn(jobs.recv(), { name: "worker 1" });
          yield* sleep(1);
          yield* jobs.recv(); // tx is kept open by main: nobody will send
          tx.close();
        }),
        { clock: "paused" },
      ),
    );
    expect(error.message).toContain("mutex 'shared receiver'.lock(), held by task 'worker 1'");
  });

  it("disposing it drops the receiver: a send afterwards is refused with its value back", () => {
    const [tx, rx] = mpsc.channel<string>(4);
    {
      using _jobs = new mpsc.SharedReceiver(rx);
      tx.trySend("soup"); // accepted while the receiver lives
    }
    let refused: unknown = null;
    try {
      tx.trySend("stew");
    } catch (e) {
      refused = e;
    }
    expect(refused).not.toBeNull();
    expect((refused as { value: string }).value).toBe("stew");
    expect(String((refused as Error).message)).toMatch(/closed/);
  });

  it("a null receiver is a TypeError that says null", () => {
    expect(() => new mpsc.SharedReceiver(null as unknown as mpsc.Receiver<number>)).toThrow(
      "new SharedReceiver(rx): rx must be an mpsc receiver, got null",
    );
  });
});
