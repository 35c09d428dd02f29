/**
 * A socket future dropped while it waits (the loser of a `select`, a task aborted mid-read) takes
 * its waker and its I/O wait back at once: `rt.metrics().ioWaits` falls to 0, and a task that then
 * waits on nothing else is reported as deadlocked instead of hanging. Only the dropped future's own
 * registration is taken back: a newer future parked on the same stream keeps its waker. Real
 * sockets on 127.0.0.1; the futures that are dropped wait on a peer that stays silent, so no socket
 * event can close a wait behind the test's back.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  DeadlockError,
  type Future,
  join,
  oneshot,
  Runtime,
  race,
  run,
  select,
  yieldNow,
} from "../src/index.js";
import { BufReader, copy, read, split } from "../src/io/index.js";
import { TcpListener, TcpStream } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

/** A listener, a client and the server's end of their connection; disposed by `close`. */
const connected = asyncFn(function* () {
  const listener = yield* TcpListener.bind("127.0.0.1:0");
  const client = yield* TcpStream.connect(listener.localAddr());
  const server = yield* listener.accept();
  const close = () => {
    client[Symbol.dispose]();
    server[Symbol.dispose]();
    listener[Symbol.dispose]();
  };
  return { listener, client, server, close };
});

/**
 * Write until a write has to wait: the peer never reads, so once the kernel's buffers and Node's
 * are full no 'drain' can come, and every later write or flush parks.
 */
const jam = asyncFn(function* (client: TcpStream) {
  const chunk = new Uint8Array(64 * 1024);
  for (let i = 0; i < 2000; i++) {
    using sel = yield* select(client.write(chunk), yieldNow());
    if (sel.index === 1) return;
  }
  throw new Error("the peer's buffers never filled up");
});

/** Spawn `body(rt)` on a fresh runtime, await it, shut down. */
async function onRuntime<T>(body: (rt: Runtime) => ReturnType<typeof asyncBlock<T>>): Promise<T> {
  const rt = new Runtime();
  try {
    return await rt.spawn(body(rt));
  } finally {
    await rt.shutdown();
  }
}

describe("a dropped socket future closes its I/O wait", () => {
  it("a read parks, loses a select to yieldNow, and is dropped at the scope's end: ioWaits reads 1 while it is kept, 0 after, and the next read gets the peer's bytes", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const { client, server, close } = yield* connected();
        try {
          const seen: unknown[] = [];
          {
            using sel = yield* select(client.read(new Uint8Array(8)), yieldNow());
            seen.push(sel.index, rt.metrics().ioWaits);
          }
          seen.push(rt.metrics().ioWaits);
          yield* server.writeAll(new Uint8Array([7, 8]));
          const buf = new Uint8Array(8);
          const n = yield* client.read(buf);
          seen.push([...buf.subarray(0, n)]);
          return seen;
        } finally {
          close();
        }
      }),
    );
    expect(seen).toEqual([1, 1, 0, [7, 8]]);
  });

  it("io's read(stream, buf), and a read through a split half, take their waits back when dropped too", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const { client, server, close } = yield* connected();
        try {
          const seen: unknown[] = [];
          {
            using sel = yield* select(read(client, new Uint8Array(8)), yieldNow());
            seen.push(sel.index, rt.metrics().ioWaits);
          }
          seen.push(rt.metrics().ioWaits);
          const [rd, wr] = split(client);
          {
            using sel = yield* select(read(rd, new Uint8Array(8)), yieldNow());
            seen.push(sel.index, rt.metrics().ioWaits);
          }
          seen.push(rt.metrics().ioWaits);
          yield* server.writeAll(new Uint8Array([7, 8]));
          const buf = new Uint8Array(8);
          const n = yield* read(rd, buf);
          seen.push([...buf.subarray(0, n)]);
          rd[Symbol.dispose]();
          wr[Symbol.dispose]();
          return seen;
        } finally {
          close();
        }
      }),
    );
    expect(seen).toEqual([1, 1, 0, 1, 1, 0, [7, 8]]);
  });

  it("reads through a BufReader (read, readLine, lines().next()), a copy, and a read whose half was disposed first all take their waits back when dropped", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const { client, server, close } = yield* connected();
        try {
          const waits: number[] = [];
          const br = new BufReader(client);
          const reads: (() => Future<unknown>)[] = [
            () => read(br, new Uint8Array(4)),
            () => br.readLine(),
            () => br.lines().next(),
          ];
          for (const f of reads) {
            {
              using _sel = yield* select(f(), yieldNow());
              waits.push(rt.metrics().ioWaits);
            }
            waits.push(rt.metrics().ioWaits);
          }
          {
            using _sel = yield* select(copy(client, server), yieldNow());
            waits.push(rt.metrics().ioWaits);
          }
          waits.push(rt.metrics().ioWaits);
          const [rd, wr] = split(server);
          const sel = yield* select(read(rd, new Uint8Array(4)), yieldNow());
          waits.push(rt.metrics().ioWaits);
          rd[Symbol.dispose](); // the half goes first; the stream lives on through wr
          sel[Symbol.dispose](); // then the read that parked through it
          waits.push(rt.metrics().ioWaits);
          wr[Symbol.dispose]();
          return waits;
        } finally {
          close();
        }
      }),
    );
    expect(seen).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it("a write parked on backpressure (the peer never reads) is dropped: ioWaits reads 1 while it is kept, 0 after", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const { client, close } = yield* connected();
        try {
          yield* jam(client);
          const seen: unknown[] = [];
          {
            using sel = yield* select(client.write(new Uint8Array(1)), yieldNow());
            seen.push(sel.index, rt.metrics().ioWaits);
          }
          seen.push(rt.metrics().ioWaits);
          return seen;
        } finally {
          close();
        }
      }),
    );
    expect(seen).toEqual([1, 1, 0]);
  });

  it("an accept and an incoming().next() each park and are dropped: ioWaits reads 1 while each is kept, 0 after", async () => {
    const seen = await onRuntime((rt) =>
      asyncBlock(function* () {
        const { listener, close } = yield* connected();
        try {
          const seen: number[] = [];
          {
            using sel = yield* select(listener.accept(), yieldNow());
            seen.push(rt.metrics().ioWaits);
            void sel;
          }
          seen.push(rt.metrics().ioWaits);
          const incoming = listener.incoming();
          {
            using sel = yield* select(incoming.next(), yieldNow());
            seen.push(rt.metrics().ioWaits);
            void sel;
          }
          seen.push(rt.metrics().ioWaits);
          return seen;
        } finally {
          close();
        }
      }),
    );
    expect(seen).toEqual([1, 0, 1, 0]);
  });

  it("a task parked in a read is aborted: its read is dropped and ioWaits falls from 1 to 0", async () => {
    const rt = new Runtime();
    const ends = await rt.spawn(connected());
    try {
      const h = rt.spawn(ends.client.read(new Uint8Array(8)));
      await new Promise((r) => setImmediate(r));
      expect(rt.metrics().ioWaits).toBe(1);
      h.abort();
      await new Promise((r) => setImmediate(r));
      expect(rt.metrics().ioWaits).toBe(0);
    } finally {
      ends.close();
      await rt.shutdown();
    }
  });

  it.each([
    ["a read", false, (e: Ends) => e.client.read(new Uint8Array(8))],
    ["a readExact", false, (e: Ends) => e.client.readExact(new Uint8Array(8))],
    ["an accept", false, (e: Ends) => e.listener.accept()],
    ["a write", true, (e: Ends) => e.client.write(new Uint8Array(8))],
    ["a writeAll", true, (e: Ends) => e.client.writeAll(new Uint8Array(8))],
    ["a flush", true, (e: Ends) => e.client.flush()],
    ["a shutdown", true, (e: Ends) => e.client.shutdown()],
  ] as const)(
    "%s loses a race and is dropped, then main waits on a oneshot whose sender is kept but never used: run() rejects with a DeadlockError",
    async (_name, jammed, op) => {
      const outcome = run(
        asyncBlock(function* () {
          const ends = yield* connected();
          try {
            if (jammed) yield* jam(ends.client);
            const won = yield* race(
              op(ends),
              asyncBlock(function* () {
                yield* yieldNow();
                return "yieldNow";
              }),
            );
            expect(won).toBe("yieldNow"); // so the op was parked when it was dropped
            const [tx, rx] = oneshot.channel<number>();
            try {
              return yield* rx;
            } finally {
              tx[Symbol.dispose]();
            }
          } finally {
            ends.close();
          }
        }),
      );
      await expect(outcome).rejects.toBeInstanceOf(DeadlockError);
    },
  );

  it("an older read kept by a select is dropped after a newer read on the same stream parked: the newer read keeps its waker and gets the peer's bytes", async () => {
    const got = await onRuntime(() =>
      asyncBlock(function* () {
        const { client, server, close } = yield* connected();
        try {
          const older = yield* select(client.read(new Uint8Array(8)), yieldNow());
          const buf = new Uint8Array(8);
          const [n] = yield* join(
            client.read(buf), // parks first: the newest registration
            asyncBlock(function* () {
              older[Symbol.dispose]();
              yield* server.writeAll(new Uint8Array([1, 2, 3]));
            }),
          );
          return [...buf.subarray(0, n)];
        } finally {
          close();
        }
      }),
    );
    expect(got).toEqual([1, 2, 3]);
  });
});

type Ends = {
  listener: TcpListener;
  client: TcpStream;
  server: TcpStream;
  close: () => void;
};
