/**
 * Named semaphores, notifies and channels: a deadlock report says which one each task waits on
 * (a pipeline of unnamed channels read "channel full (capacity 4)" three times over), and a
 * semaphore's wait says how many permits are free. Unnamed, the labels are what they were.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, join, mpsc, Notify, run, Semaphore, spawn, yieldNow } from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

describe("names in deadlock reports", () => {
  it("a stalled pipeline of named channels: each waiting stage names its channel", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const [rawTx, rawRx] = mpsc.channel<number>(1, { name: "raw" });
          const [cookedTx] = mpsc.channel<number>(1, { name: "cooked" });
          spawn(
            asyncBlock(function* cook() {
              const v = yield* rawRx.recv();
              yield* cookedTx.send(v!); // fills "cooked"
              yield* cookedTx.send(v!); // nobody reads "cooked"
            }),
            { name: "cook" },
          );
          yield* rawTx.send(1);
          yield* rawTx.send(2);
          yield* rawTx.send(3); // "raw" is full: the cook is stuck on "cooked"
        }),
      ),
    );
    expect(error.message).toContain("mpsc 'raw' tx.send(), channel full (capacity 1)");
    expect(error.message).toContain("mpsc 'cooked' tx.send(), channel full (capacity 1)");
  });

  it("a receiver of a named channel names it, with the senders still open", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const [tx, rx] = mpsc.unboundedChannel<number>({ name: "tickets" });
          yield* rx.recv();
          tx.close();
        }),
      ),
    );
    expect(error.message).toMatch(
      /mpsc 'tickets' rx\.recv\(\), channel empty, 1 sender still open \(made in task 'main'\)/,
    );
  });

  it("a named semaphore's wait says how many permits are free; an unnamed one keeps its old label", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const pool = new Semaphore(3, { name: "db pool" });
          const plain = new Semaphore(0);
          using _held = yield* pool.acquire(2);
          yield* join(pool.acquire(2), plain.acquire());
        }),
      ),
    );
    expect(error.message).toContain("semaphore 'db pool'.acquire(2), 1 permit free");
    expect(error.message).toContain("sem.acquire(1), 0 permits free");
  });

  it("a named notify names itself; an unnamed one stays Notify.notified()", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const closing = new Notify({ name: "closing" });
          yield* join(closing.notified(), new Notify().notified(), yieldNow());
        }),
      ),
    );
    expect(error.message).toContain("notify 'closing'.notified()");
    expect(error.message).toContain("Notify.notified()");
  });
});

describe("bad name options are TypeErrors naming the argument", () => {
  it.each([
    [
      "mpsc.channel",
      () => mpsc.channel(1, { name: 5 as unknown as string }),
      "mpsc.channel(capacity, options): options.name must be a string, got number",
    ],
    [
      "mpsc.unboundedChannel",
      () => mpsc.unboundedChannel(null as unknown as {}),
      "mpsc.unboundedChannel(options): options must be an object, got null",
    ],
    [
      "Semaphore",
      () => new Semaphore(1, "pool" as unknown as {}),
      "new Semaphore(permits, options): options must be an object, got string",
    ],
    [
      "Notify",
      () => new Notify({ name: [] as unknown as string }),
      "new Notify(options): options.name must be a string, got object",
    ],
  ])("%s", (_what, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });

  it("a name with a newline or another control character is refused: it would split a report's line", () => {
    expect(() => new Semaphore(1, { name: "db\npool" })).toThrow(
      'new Semaphore(permits, options): options.name must not hold control characters or line separators (a newline would split a report\'s line), got "db\\npool"',
    );
    expect(() => mpsc.channel(1, { name: "a\tb" })).toThrow(TypeError);
    expect(new Notify({ name: "chef's bell" }).name).toBe("chef's bell");
  });

  it("no options, or options without a name, name nothing", () => {
    expect(new Semaphore(1).name).toBeNull();
    expect(new Semaphore(1, {}).name).toBeNull();
    expect(new Notify().name).toBeNull();
  });
});
