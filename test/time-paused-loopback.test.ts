/**
 * The paused clock lets Node poll its sockets once before it jumps, as tokio polls its I/O driver
 * with a zero timeout before it advances: a loopback peer that answers at once is heard before the
 * next timer rings. (Found by porting mini-redis, whose own `key_value_timeout` test needs it.)
 */
import net from "node:net";
import { expect, it } from "vitest";
import {
  asyncBlock,
  Instant,
  PENDING,
  pollFn,
  run,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "../src/index.js";
import { TcpListener, TcpStream } from "../src/node.js";

it("twenty loopback round trips on the paused clock take no virtual time while a 1 s timer is pending", async () => {
  const elapsed = await run(
    asyncBlock(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      spawn(
        asyncBlock(function* echo() {
          using conn = yield* listener.accept();
          const buf = new Uint8Array(1);
          while ((yield* conn.read(buf)) > 0) yield* conn.writeAll(buf);
        }),
      );
      const timer = spawn(sleep(1000)); // the Db's purge task, say
      using client = yield* TcpStream.connect({ host: "127.0.0.1", port });
      const start = Instant.now();
      for (let i = 0; i < 20; i++) {
        yield* client.writeAll(new Uint8Array([i]));
        yield* client.readExact(new Uint8Array(1));
      }
      const took = start.elapsed();
      timer.abort();
      return took;
    }),
    { clock: "paused" },
  );
  expect(elapsed).toBe(0);
});

it("a loopback request under a 5 s timeout on the paused clock gets its answer instead of timing out", async () => {
  const answer = await run(
    asyncBlock(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      spawn(
        asyncBlock(function* echo() {
          using conn = yield* listener.accept();
          const buf = new Uint8Array(1);
          while ((yield* conn.read(buf)) > 0) yield* conn.writeAll(buf);
        }),
      );
      using client = yield* TcpStream.connect({ host: "127.0.0.1", port });
      const buf = new Uint8Array(1);
      try {
        yield* timeout(
          5000,
          asyncBlock(function* () {
            yield* client.writeAll(new Uint8Array([7]));
            yield* client.readExact(buf);
          }),
        );
        return buf[0];
      } catch (e) {
        if (e instanceof TimeoutError) return "timed out";
        throw e;
      }
    }),
    { clock: "paused" },
  );
  expect(answer).toBe(7);
});

for (const kind of ["setImmediate", "setTimeout"] as const) {
  it(`a 1 s sleep on the paused clock still fires at once beside a task woken by a native ${kind} every iteration (no socket waits)`, async () => {
    let polls = 0;
    const pollsWhenTheSleepEnded = await run(
      asyncBlock(function* () {
        // Wakes the runtime cannot see must not hold the clock still (they used to step every
        // check back to its first look, so the clock waited for this task to stop).
        const h = spawn(
          pollFn<void>((cx) => {
            if (++polls >= 2000) return undefined;
            const w = cx.waker;
            if (kind === "setImmediate") setImmediate(() => w.wake());
            else setTimeout(() => w.wake(), 0);
            return PENDING;
          }),
        );
        yield* sleep(1000);
        const at = polls;
        h.abort();
        return at;
      }),
      { clock: "paused" },
    );
    expect(pollsWhenTheSleepEnded).toBeLessThan(50);
  });
}

it("round trips to a plain Node echo server in the same process take no virtual time beside pending timers", async () => {
  const server = net.createServer((s) => {
    s.on("data", (d) => s.write(d));
    s.on("error", () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const elapsed = await run(
      asyncBlock(function* () {
        const timers = [1000, 2000, 3000].map((ms) => spawn(sleep(ms)));
        using client = yield* TcpStream.connect({ host: "127.0.0.1", port });
        const start = Instant.now();
        for (let i = 0; i < 10; i++) {
          yield* client.writeAll(new Uint8Array([i]));
          yield* timeout(5000, client.readExact(new Uint8Array(1)));
        }
        const took = start.elapsed();
        for (const t of timers) t.abort();
        return took;
      }),
      { clock: "paused" },
    );
    expect(elapsed).toBe(0);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
