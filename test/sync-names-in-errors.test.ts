/**
 * `mpsc.channel(n, { name })` names the channel in deadlock reports, dumps and errors, and a
 * semaphore's name is in its errors too: the errors a program catches (a full or closed channel, a
 * closed semaphore) say which one refused, so a service with several named channels can tell from
 * a log line.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, mpsc, run, Semaphore } from "../src/index.js";

describe("a named channel's errors name it", () => {
  it("trySend on a full named channel throws an error that names the channel", () => {
    const [tx, rx] = mpsc.channel<number>(1, { name: "orders" });
    tx.trySend(1);
    let caught: unknown;
    try {
      tx.trySend(2);
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).message).toContain("full");
    expect((caught as Error).message).toContain("orders");
    rx.close();
  });

  it("send after the named channel's receiver is dropped rejects with an error that names the channel", async () => {
    const [tx, rx] = mpsc.channel<number>(1, { name: "orders" });
    rx[Symbol.dispose]();
    const e = await run(
      asyncBlock(function* () {
        try {
          yield* tx.send(7);
          return null;
        } catch (err) {
          return err as Error & { value?: number };
        }
      }),
    );
    expect(e?.value).toBe(7);
    expect(e?.message).toContain("orders");
  });
});

describe("a named semaphore's errors name it", () => {
  it("acquire on a closed named semaphore rejects with an error that names the semaphore", async () => {
    const sem = new Semaphore(1, { name: "db pool" });
    sem.close();
    const e = await run(
      asyncBlock(function* () {
        try {
          yield* sem.acquire();
          return null;
        } catch (err) {
          return err as Error;
        }
      }),
    );
    expect(e?.message).toContain("closed");
    expect(e?.message).toContain("db pool");
  });
});
