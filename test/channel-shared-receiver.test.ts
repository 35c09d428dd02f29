/**
 * mpsc.SharedReceiver: one channel read by a pool of workers (Go's workers ranging over one
 * channel, tokio's Arc<Mutex<Receiver>>). Every message reaches exactly one worker, workers are
 * served in the order they asked, every worker sees the end, and a worker dropped mid-wait loses
 * no message.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  join,
  mpsc,
  Runtime,
  run,
  SendError,
  sleep,
  spawn,
  yieldNow,
} from "../src/index.js";
import { deadlockOf } from "./deadlock-testkit.js";

describe("mpsc.SharedReceiver", () => {
  it("four workers drain 200 jobs: each job is taken once, and every worker sees the end", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const taken: number[] = [];
        const ended: string[] = [];
        await run(
          asyncBlock(function* main() {
            const [tx, rx] = mpsc.channel<number>(4);
            const jobs = new mpsc.SharedReceiver(rx, { name: "jobs" });
            const workers = [1, 2, 3, 4].map((w) =>
              spawn(
                asyncBlock(function* worker() {
                  let job: number | undefined;
                  while ((job = yield* jobs.recv()) !== undefined) {
                    taken.push(job);
                    yield* yieldNow();
                  }
                  ended.push(`worker ${w}`);
                }),
              ),
            );
            for (let i = 0; i < 200; i++) yield* tx.send(i);
            tx.close();
            for (const h of workers) yield* h;
          }),
          { seed },
        );
        expect([...taken].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
        expect(ended.sort()).toEqual(["worker 1", "worker 2", "worker 3", "worker 4"]);
      }),
      { numRuns: 20 },
    );
  });

  it("workers that asked first are served first, one message each", async () => {
    const got: string[] = [];
    await run(
      asyncBlock(function* main() {
        const [tx, rx] = mpsc.unboundedChannel<string>();
        const jobs = new mpsc.SharedReceiver(rx);
        const ask = (name: string) =>
          spawn(
            asyncBlock(function* () {
              got.push(`${name}: ${yield* jobs.recv()}`);
            }),
          );
        const a = ask("ana");
        yield* yieldNow();
        const b = ask("ben");
        yield* yieldNow();
        const c = ask("cai");
        yield* yieldNow();
        tx.send("soup");
        tx.send("stew");
        tx.send("tart");
        yield* join(a, b, c);
      }),
    );
    expect(got).toEqual(["ana: soup", "ben: stew", "cai: tart"]);
  });

  it("a worker aborted while it waits for a message loses none: the next worker gets it, and no waiter is left", async () => {
    const rt = new Runtime({ clock: "paused" });
    const got: string[] = [];
    await rt.spawn(
      asyncBlock(function* main() {
        const [tx, rx] = mpsc.unboundedChannel<string>();
        const jobs = new mpsc.SharedReceiver(rx);
        const first = spawn(
          asyncBlock(function* () {
            got.push(`first: ${yield* jobs.recv()}`);
          }),
        );
        const second = spawn(
          asyncBlock(function* () {
            got.push(`second: ${yield* jobs.recv()}`);
          }),
        );
        yield* sleep(10); // the first holds the lock in recv(), the second waits for the lock
        first.abort();
        yield* sleep(10);
        tx.send("soup");
        yield* second;
        expect(Runtime.current().metrics().liveWaiters).toBe(0);
      }),
    );
    await rt.shutdown();
    expect(got).toEqual(["second: soup"]);
  });

  it("close() from the receiving side: sends fail with their value back, and queued jobs are still drained", async () => {
    const got: (string | undefined)[] = [];
    let refused: unknown = null;
    await run(
      asyncBlock(function* main() {
        const [tx, rx] = mpsc.channel<string>(4);
        const jobs = new mpsc.SharedReceiver(rx);
        yield* tx.send("soup");
        jobs.close();
        try {
          yield* tx.send("stew");
        } catch (e) {
          refused = e;
        }
        got.push(yield* jobs.recv(), yield* jobs.recv());
      }),
    );
    expect(refused).toBeInstanceOf(SendError);
    expect((refused as SendError<string>).value).toBe("stew");
    expect(got).toEqual(["soup", undefined]);
  });

  it("a deadlock report names the shared receiver's lock and the worker holding it", async () => {
    const error = await deadlockOf(
      run(
        asyncBlock(function* main() {
          const [tx, rx] = mpsc.channel<number>(1, { name: "jobs" });
          const jobs = new mpsc.SharedReceiver(rx, { name: "job rail" });
          spawn(jobs.recv(), { name: "worker 1" });
          spawn(jobs.recv(), { name: "worker 2" });
          yield* sleep(1);
          yield* jobs.recv(); // tx is kept open by main: nobody will send
          tx.close();
        }),
        { clock: "paused" },
      ),
    );
    const message = error.message;
    expect(message).toContain("mutex 'job rail'.lock(), held by task 'worker 1'");
    expect(message).toContain("mpsc 'jobs' rx.recv(), channel empty, 1 sender still open");
  });

  it("bad input is a TypeError naming the argument", () => {
    expect(() => new mpsc.SharedReceiver({} as mpsc.Receiver<number>)).toThrow(
      "new SharedReceiver(rx): rx must be an mpsc receiver, got object",
    );
    const [, rx] = mpsc.channel<number>(1);
    expect(() => new mpsc.SharedReceiver(rx, { name: 1 as unknown as string })).toThrow(
      "new SharedReceiver(rx, options): options.name must be a string, got number",
    );
  });
});
