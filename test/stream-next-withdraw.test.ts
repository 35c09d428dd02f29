/**
 * A dropped `next()` takes back the wait it parked, through any chain of adapters
 * (src/stream/stream.ts, `WITHDRAW`). Without that, `receiverStream(rx).map(f).next()` dropped
 * while waiting left its waker in the channel (a live waiter), and a socket or listener kept its
 * I/O wait open, which the runtime's "all tasks asleep" check takes for a source that may still
 * wake the task: a real deadlock hidden. `rx.recv()`, `lines().next()` and `incoming().next()`
 * always took theirs back; the same sources seen through adapters now do too, and only the
 * registration the dropped future made is taken back, never a newer one.
 */
import { describe, expect, it } from "vitest";
import * as mpsc from "../src/channel/mpsc.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { drop } from "../src/future/cancel.js";
import type { FutureBase } from "../src/future/future.js";
import { ready } from "../src/future/leaf.js";
import { BufReader } from "../src/io/buf-reader.js";
import { TcpListener, TcpStream } from "../src/node.js";
import { Runtime } from "../src/runtime/runtime.js";
import "../src/stream/index.js";
import { receiverStream } from "../src/stream/wrappers.js";
import { MockTask, PENDING } from "./future-testkit.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

/** Run `body` as a task of a fresh runtime and shut it down. */
async function inTask(body: () => Generator<any, void, any>): Promise<void> {
  const rt = new Runtime();
  try {
    await rt.spawn(asyncBlock(body));
  } finally {
    await rt.shutdown();
  }
}

/** Poll `f` by hand once; it must park. */
function park(f: FutureBase<unknown>): void {
  expect(new MockTask<unknown>(f).poll()).toBe(PENDING);
}

function metrics() {
  const m = Runtime.current().metrics();
  return { waiters: m.liveWaiters, ioWaits: m.ioWaits };
}

describe("a dropped stream next() releases the wait it parked", () => {
  it("receiverStream(rx).next() parks, then is dropped: the channel no longer counts a live waiter (as after a dropped rx.recv())", () =>
    inTask(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const direct = rx.recv();
      park(direct);
      direct[Symbol.dispose]();
      expect(metrics().waiters).toBe(0); // the direct recv() takes its wait back

      const s = receiverStream(rx);
      const next = s.next();
      park(next);
      expect(metrics().waiters).toBe(1);
      drop(next);
      expect(metrics().waiters).toBe(0);
      tx.close();
      s[Symbol.dispose]();
    }));

  it("receiverStream(rx).map(f).next() parks, then is dropped: no live waiter is left", () =>
    inTask(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const s = receiverStream(rx).map((x) => x + 1);
      const next = s.next();
      park(next);
      drop(next);
      expect(metrics().waiters).toBe(0);
      tx.close();
      s[Symbol.dispose]();
    }));

  it("new BufReader(socket).lines().map(f).next() parks, then is dropped: the socket's I/O wait is closed (as after a dropped lines().next())", () =>
    inTask(function* () {
      const listener = yield* TcpListener.bind("127.0.0.1:0");
      const client = yield* TcpStream.connect(listener.localAddr());
      const server = yield* listener.accept();
      try {
        const lines = new BufReader(client).lines();
        const direct = lines.next();
        park(direct);
        drop(direct);
        expect(metrics().ioWaits).toBe(0); // lines().next() takes its wait back

        const trimmed = lines.map((l) => l.trim());
        const next = trimmed.next();
        park(next);
        expect(metrics().ioWaits).toBe(1);
        drop(next);
        expect(metrics().ioWaits).toBe(0);
      } finally {
        client[Symbol.dispose]();
        server[Symbol.dispose]();
        listener[Symbol.dispose]();
      }
    }));

  it("listener.incoming().map(f).next() parks, then is dropped: the listener's accept wait is closed (as after a dropped incoming().next())", () =>
    inTask(function* () {
      const listener = yield* TcpListener.bind("127.0.0.1:0");
      try {
        const direct = listener.incoming().next();
        park(direct);
        drop(direct);
        expect(metrics().ioWaits).toBe(0);

        const next = listener
          .incoming()
          .map((c) => c)
          .next();
        park(next);
        expect(metrics().ioWaits).toBe(1);
        drop(next);
        expect(metrics().ioWaits).toBe(0);
      } finally {
        listener[Symbol.dispose]();
      }
    }));

  it("dropping an older next() after a newer one parked leaves the newer one's registration in place", () =>
    inTask(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const s = receiverStream(rx).map((x) => x * 2);
      const older = s.next();
      park(older);
      const newer = s.next();
      const task = new MockTask<unknown>(newer);
      expect(task.poll()).toBe(PENDING);
      drop(older);
      expect(metrics().waiters).toBe(1);
      tx.trySend(21);
      expect(task.wakes).toBe(1);
      expect(task.poll()).toBe(42);
      tx.close();
      s[Symbol.dispose]();
    }));

  it("disposing an adapter over incoming() after its next() parked closes the listener's wait", () =>
    inTask(function* () {
      const listener = yield* TcpListener.bind("127.0.0.1:0");
      try {
        const conns = listener.incoming().map((c) => c);
        park(conns.next());
        expect(metrics().ioWaits).toBe(1);
        conns[Symbol.dispose]();
        expect(metrics().ioWaits).toBe(0);
      } finally {
        listener[Symbol.dispose]();
      }
    }));

  it("a stale next() through an adapter, dropped after another path over the same source parked, leaves that wait alone", () =>
    inTask(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const s = receiverStream(rx);
      const stale = s.map((x) => x * 10).next();
      park(stale);
      const fresh = s.next();
      const task = new MockTask<unknown>(fresh);
      expect(task.poll()).toBe(PENDING);
      drop(stale);
      tx.trySend(7);
      expect(task.wakes).toBe(1);
      expect(task.poll()).toBe(7);
      tx.close();
      s[Symbol.dispose]();
    }));

  it("buffered and bufferUnordered pass a dropped next()'s withdrawal on to their upstream", () =>
    inTask(function* () {
      for (const ordered of [true, false]) {
        const [tx, rx] = mpsc.channel<number>(4);
        const mapped = receiverStream(rx).map((x) => ready(x));
        const s = ordered ? mapped.buffered(2) : mapped.bufferUnordered(2);
        const next = s.next();
        park(next);
        expect(metrics().waiters).toBe(1);
        drop(next);
        expect(metrics().waiters).toBe(0);
        tx.close();
        s[Symbol.dispose]();
      }
    }));

  it("a stale next() dropped after a consumer that claims nothing (forEach) parked leaves its wait alone", () =>
    inTask(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const s = receiverStream(rx);
      const stale = s.next();
      park(stale);
      const got: number[] = [];
      const consumer = new MockTask<unknown>(
        s.forEach((x) => void got.push(x)) as unknown as FutureBase<unknown>,
      );
      expect(consumer.poll()).toBe(PENDING); // parks as the stream itself
      drop(stale);
      tx.trySend(1);
      expect(consumer.wakes).toBe(1);
      expect(consumer.poll()).toBe(PENDING);
      expect(got).toEqual([1]);
      tx.close();
      expect(consumer.poll()).toBeUndefined();
    }));
});
