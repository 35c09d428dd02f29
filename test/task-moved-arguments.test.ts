/**
 * An async fn's arguments are moved into its call, as Rust's `async fn` takes its arguments: if
 * the call's future is dropped before its first poll (its task aborted at once, its JoinSet
 * disposed, the future itself dropped), the body never ran and no `using` in it ever took them,
 * so the owned ones (`OWNED`: a permit, a socket) are disposed with the future. Shared ones are
 * let go. (What an `asyncBlock` captures from outside is not its own: pass such things as
 * arguments.)
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  asyncFn,
  fromPromise,
  JoinSet,
  run,
  Semaphore,
  sleep,
  spawn,
  yieldNow,
} from "../src/index.js";
import { TcpListener, type TcpStream } from "../src/node.js";
import { settled } from "./net-testkit.js";

const worker = asyncFn(function* worker(permit: Disposable, _n: number) {
  using _held = permit;
  yield* sleep(10);
});

describe("an async fn dropped before its first poll", () => {
  it("its task aborted at once: the permit it was given goes back to the semaphore", async () => {
    const available = await run(
      asyncBlock(function* () {
        const sem = new Semaphore(1);
        const h = spawn(worker(yield* sem.acquire(), 1));
        h.abort();
        yield* yieldNow();
        return sem.availablePermits();
      }),
    );
    expect(available).toBe(1);
  });

  it("a JoinSet disposed before its members ran: every permit goes back", async () => {
    const available = await run(
      asyncBlock(function* () {
        const sem = new Semaphore(3);
        {
          using set = new JoinSet<void>();
          for (let i = 0; i < 3; i++) set.spawn(worker(yield* sem.acquire(), i));
        }
        yield* yieldNow();
        return sem.availablePermits();
      }),
    );
    expect(available).toBe(3);
  });

  it("the future dropped by hand, never spawned: the permit goes back", async () => {
    const out = await run(
      asyncBlock(function* () {
        const sem = new Semaphore(1);
        const f = worker(yield* sem.acquire(), 1);
        const before = sem.availablePermits();
        f[Symbol.dispose]();
        return [before, sem.availablePermits()];
      }),
    );
    expect(out).toEqual([0, 1]);
  });

  it("a shared value among the arguments is let go, not disposed", async () => {
    let disposed = 0;
    const shared = {
      [Symbol.dispose]() {
        disposed++;
      },
    };
    await run(
      asyncBlock(function* () {
        const h = spawn(worker(shared, 1));
        h.abort();
        yield* yieldNow();
      }),
    );
    expect(disposed).toBe(0);
  });

  it("a connection handed to a task that is aborted before it ran is closed: the client sees the end", async () => {
    const serve = asyncFn(function* serve(conn: TcpStream) {
      using c = conn;
      yield* c.readToEnd();
    });
    const outcome = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind({ host: "127.0.0.1", port: 0 });
        const client = net.connect({ host: "127.0.0.1", port: listener.localAddr().port });
        const ended = new Promise<string>((resolve) => {
          client.on("end", () => resolve("end"));
          client.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
          client.resume();
        });
        const h = spawn(serve(yield* listener.accept()));
        h.abort(); // the accept loop's JoinSet disposed at shutdown, say
        const seen = yield* fromPromise(() => ended);
        client.destroy();
        return seen;
      }),
    );
    expect(outcome).toBe("end");
    expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });
});
