import { describe, expect, it } from "vitest";
import * as broadcast from "../src/channel/broadcast.js";
import * as mpsc from "../src/channel/mpsc.js";
import { flush } from "./future-testkit.js";

describe("channel iteration hunt: return() while a next() waits", () => {
  it("broadcast: return() during a waiting next() settles that next() as done, and the receiver stays usable", async () => {
    const [tx, rx] = broadcast.channel<string>(4);
    const it = rx[Symbol.asyncIterator]();
    const waiting = it.next();
    let settled: IteratorResult<string, undefined> | null = null;
    void waiting.then((r) => {
      settled = r;
    });
    await flush();
    expect(settled).toBeNull();
    await expect(it.return!()).resolves.toEqual({ done: true, value: undefined });
    await flush();
    expect(settled).toEqual({ done: true, value: undefined });
    // The message sent after the iteration stopped is still there for the receiver.
    tx.send("soup");
    expect(rx.tryRecv()).toBe("soup");
  });

  it("mpsc: return() during a waiting next() settles it as done; a next() after that receives the next message, not stuck behind it", async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    const it = rx[Symbol.asyncIterator]();
    const first = it.next();
    await flush();
    await it.return!();
    await expect(first).resolves.toEqual({ done: true, value: undefined });
    const second = it.next();
    tx.send(1);
    await expect(second).resolves.toEqual({ done: false, value: 1 });
  });

  it("mpsc: next() calls queued behind a waiting one end as done at return(), and take no message sent after", async () => {
    const [tx, rx] = mpsc.unboundedChannel<number>();
    const it = rx[Symbol.asyncIterator]();
    const first = it.next();
    const second = it.next();
    await flush();
    await it.return!();
    await expect(first).resolves.toEqual({ done: true, value: undefined });
    await expect(second).resolves.toEqual({ done: true, value: undefined });
    tx.send(1);
    await flush();
    expect(rx.tryRecv()).toBe(1); // still there for whoever reads next
    tx.send(2);
    await expect(it.next()).resolves.toEqual({ done: false, value: 2 });
  });
});
