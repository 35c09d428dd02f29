import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { joinAll } from "../src/combinator/join-all.js";
import { select } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { drop } from "../src/future/cancel.js";
import {
  BlockingError,
  type BlockingFailure,
  spawnBlocking,
} from "../src/runtime/blocking-pool.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

const jobs = new URL("./fixtures/blocking-jobs.mjs", import.meta.url);
const broken = new URL("./fixtures/blocking-broken.mjs", import.meta.url);
const CHILD = fileURLToPath(new URL("./fixtures/blocking-child.ts", import.meta.url));

/** Run `spawnBlocking(module, exportName, ...args)` on a fresh runtime; settle with its outcome. */
function runJob(module: string | URL, exportName: string, ...args: unknown[]): Promise<unknown> {
  return run(
    asyncBlock(function* () {
      return yield* spawnBlocking(module, exportName, ...args);
    }),
  );
}

/**
 * The BlockingError behind a failed job: run() rejects with what main threw, the blocking task's
 * panic JoinError, whose cause it is.
 */
async function failure(job: Promise<unknown>, reason: BlockingFailure): Promise<BlockingError> {
  const e = await job.then(
    () => {
      throw new Error("the job was expected to fail");
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(JoinError);
  const b = (e as JoinError).cause as BlockingError;
  expect(b).toBeInstanceOf(BlockingError);
  expect(b.reason).toBe(reason);
  return b;
}

describe("spawnBlocking", () => {
  it("runs the export on a worker thread and hands back its result through the JoinHandle", async () => {
    const rt = new Runtime();
    const outer = rt.spawn(
      asyncBlock(function* () {
        const h = spawnBlocking<number>(jobs, "double", 21);
        expect(h.name).toBe("blocking double");
        return yield* h;
      }),
    );
    expect(await outer).toBe(42);
    await rt.shutdown();
  });

  it("copies rich results (Map, Date, typed arrays) back intact", async () => {
    const value = (await runJob(jobs, "rich")) as {
      map: Map<number, string>;
      date: Date;
      bytes: Uint8Array;
    };
    expect(value.map.get(1)).toBe("one");
    expect(value.date.getTime()).toBe(0);
    expect([...value.bytes]).toEqual([1, 2, 3]);
  });

  it("accepts an absolute path and a file: URL string as well as a URL", async () => {
    expect(await runJob(fileURLToPath(jobs), "double", 2)).toBe(4);
    expect(await runJob(jobs.href, "double", 3)).toBe(6);
  });

  it("lets a task ticking on a short timer keep going while a CPU-bound job spins", async () => {
    const ticks: number[] = [];
    const job = await run(
      asyncBlock(function* () {
        const handle = spawnBlocking<{ start: number; end: number; loops: number }>(
          jobs,
          "spin",
          300,
        );
        while (!handle.isFinished()) {
          yield* sleep(5);
          ticks.push(Date.now());
        }
        return yield* handle;
      }),
    );
    expect(job.loops).toBeGreaterThan(0);
    // Ticks seen while the job was spinning. An executor blocked by the job would see none; a
    // 5 ms ticker sees ~60 over 300 ms on an idle machine; 5 leaves room for a loaded one.
    const during = ticks.filter((t) => t > job.start && t < job.end).length;
    expect(during).toBeGreaterThanOrEqual(5);
  });

  it("counts a running job as in flight, and aborting its handle cancels it at once", async () => {
    const rt = new Runtime();
    const result = await rt.spawn(
      asyncBlock(function* () {
        const h = spawnBlocking(jobs, "block", 60_000);
        yield* sleep(20);
        const inFlight = rt.metrics().pendingBridges;
        h.abort();
        try {
          yield* h;
          return { inFlight, cancelled: false };
        } catch (e) {
          return { inFlight, cancelled: e instanceof JoinError && e.isCancelled() };
        }
      }),
    );
    expect(result).toEqual({ inFlight: 1, cancelled: true });
    expect(rt.metrics().pendingBridges).toBe(0);
    await rt.shutdown(); // would wait a minute if the blocked thread were still joined
  });

  it("keeps a paused clock from jumping ahead while a job runs", async () => {
    const winner = await run(
      asyncBlock(function* () {
        const raced = yield* select(spawnBlocking<number>(jobs, "block", 50), sleep(10_000));
        if (raced.index === 1) return "the paused clock jumped 10 s past a running job";
        drop(raced.rest);
        return "job";
      }),
      { clock: "paused" },
    );
    expect(winner).toBe("job");
  });

  it("shutting the runtime down cancels a running job and ends its thread", async () => {
    const rt = new Runtime();
    const handle = rt.spawn(
      asyncBlock(function* () {
        return yield* spawnBlocking(jobs, "block", 60_000);
      }),
    );
    const outcome = handle.then(
      () => "finished",
      (e: unknown) => (e instanceof JoinError && e.isCancelled() ? "cancelled" : String(e)),
    );
    while (rt.blockingPool === null || rt.blockingPool.liveThreads === 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const pool = rt.blockingPool;
    await rt.shutdown();
    expect(await outcome).toBe("cancelled");
    expect(pool.liveThreads).toBe(0);
  });

  it("runs at most blockingThreads jobs at a time", async () => {
    const rt = new Runtime({ blockingThreads: 2 });
    const threads = await rt.spawn(
      asyncBlock(function* () {
        return yield* joinAll([1, 2, 3, 4].map(() => spawnBlocking<number>(jobs, "block", 100)));
      }),
    );
    expect(new Set(threads).size).toBe(2);
    expect(rt.blockingPool?.threads).toBe(2);
    expect(rt.blockingPool!.liveThreads).toBeLessThanOrEqual(2);
    await rt.shutdown();
  });

  it("makes the pool on first use, sized to the machine by default, and destroys it on shutdown", async () => {
    const rt = new Runtime();
    expect(rt.blockingPool).toBeNull();
    await rt.spawn(
      asyncBlock(function* () {
        return yield* spawnBlocking(jobs, "double", 1);
      }),
    );
    const pool = rt.blockingPool!;
    expect(pool.threads).toBe(availableParallelism());
    expect(pool.liveThreads).toBe(1);
    await rt.shutdown();
    expect(rt.blockingPool).toBeNull();
    expect(pool.liveThreads).toBe(0);
  });

  it("a job whose runtime shuts down in the turn it first ran makes no pool on the closed runtime", async () => {
    const rt = new Runtime({ blockingThreads: 1 });
    await rt
      .spawn(
        asyncBlock(function* () {
          spawnBlocking(jobs, "spin", 200);
          yield* yieldNow(); // the job's task has been polled: it reaches for the pool next
          void Runtime.current().shutdown();
        }),
      )
      .then(
        () => {},
        () => {},
      );
    await rt.shutdown();
    await new Promise((r) => setTimeout(r, 20));
    expect(rt.blockingPool).toBeNull();
  });

  it("rejects a bad blockingThreads option with a RangeError", () => {
    expect(() => new Runtime({ blockingThreads: 0 })).toThrow(RangeError);
    expect(() => new Runtime({ blockingThreads: 1.5 })).toThrow(
      /options.blockingThreads must be an integer of at least 1, got 1.5/,
    );
  });
});

describe("spawnBlocking failures", () => {
  it("a throwing export panics the task with a BlockingError whose cause is the thrown error", async () => {
    const rt = new Runtime();
    const e = await rt
      .spawn(
        asyncBlock(function* () {
          return yield* spawnBlocking(jobs, "fail", "the sauce burnt");
        }),
      )
      .then(
        () => null,
        (err: unknown) => err,
      );
    // The outer task rethrew the inner JoinError, whose cause is the BlockingError.
    expect(e).toBeInstanceOf(JoinError);
    const inner = (e as JoinError).cause as JoinError;
    expect(inner).toBeInstanceOf(JoinError);
    expect(inner.isPanic()).toBe(true);
    expect(inner.taskName).toBe("blocking fail");
    const why = inner.cause as BlockingError;
    expect(why).toBeInstanceOf(BlockingError);
    expect(why.reason).toBe("threw");
    expect(why.exportName).toBe("fail");
    expect(why.module).toBe(jobs.href);
    expect(why.message).toBe(
      `spawnBlocking(${jobs.href}, 'fail'): the job threw RangeError: the sauce burnt`,
    );
    expect(why.cause).toBeInstanceOf(RangeError);
    expect((why.cause as Error).stack).toContain("blocking-jobs.mjs");
    await rt.shutdown();
  });

  it("the thrown error's chain of causes comes back with it", async () => {
    const e = await failure(runJob(jobs, "failWithCause"), "threw");
    const top = e.cause as Error & { cause: Error & { cause: Error & { code: string } } };
    expect(top.message).toBe("the sauce burnt");
    expect(top.cause).toBeInstanceOf(RangeError);
    expect(top.cause.message).toBe("too hot");
    expect(top.cause.cause).toBeInstanceOf(TypeError);
    expect(top.cause.cause.message).toBe("the oven is cold");
    expect(top.cause.cause.code).toBe("E_COLD");
  });

  it("a thrown non-error is described", async () => {
    const e = await failure(runJob(jobs, "throwString"), "threw");
    expect(e.message).toContain('the string "a plain string"');
  });

  it("a missing export names the functions the module does export", async () => {
    const e = await failure(runJob(jobs, "triple", 1), "export-missing");
    expect(e.message).toContain("the module has no export 'triple'");
    expect(e.message).toContain("'double'");
  });

  it("an export that is not a function says what it is", async () => {
    const e = await failure(runJob(jobs, "notAFunction"), "not-a-function");
    expect(e.message).toContain("is not a function: it is number 42");
  });

  it("a missing module says so", async () => {
    const missing = new URL("./fixtures/no-such-module.mjs", import.meta.url);
    const e = await failure(runJob(missing, "double", 1), "module-not-found");
    expect(e.message).toBe(`spawnBlocking(${missing.href}, 'double'): the module was not found`);
  });

  it("a module that throws while loading says why", async () => {
    const e = await failure(runJob(broken, "double", 1), "module-failed");
    expect(e.message).toContain("the module failed to load: Error: the oven is broken");
  });

  it("an argument that cannot be cloned is named as the argument", async () => {
    const e = await failure(
      runJob(jobs, "double", () => 1),
      "argument-not-cloneable",
    );
    expect(e.message).toContain("an argument cannot be structured-cloned");
  });

  it("a result that cannot be cloned is named as the result, and the pool keeps working", async () => {
    const rt = new Runtime({ blockingThreads: 1 });
    const outcome = await rt.spawn(
      asyncBlock(function* () {
        let reason: string | null = null;
        try {
          yield* spawnBlocking(jobs, "returnsFunction");
        } catch (e) {
          reason = ((e as JoinError).cause as BlockingError).reason;
        }
        const after = yield* spawnBlocking<number>(jobs, "double", 5);
        return { reason, after };
      }),
    );
    expect(outcome).toEqual({ reason: "result-not-cloneable", after: 10 });
    await rt.shutdown();
  });

  it("bad arguments are typed errors thrown at the call", async () => {
    const errors = await run(
      asyncBlock(function* () {
        const caught: unknown[] = [];
        for (const [m, name] of [
          ["./jobs.mjs", "double"],
          [42, "double"],
          [jobs, ""],
          [jobs, 7],
        ] as const) {
          try {
            spawnBlocking(m as never, name as never);
          } catch (e) {
            caught.push(e);
          }
        }
        yield* sleep(0);
        return caught;
      }),
    );
    expect(errors.length).toBe(4);
    for (const e of errors) expect(e).toBeInstanceOf(TypeError);
    expect((errors[0] as Error).message).toContain(
      "module must be absolute (a URL, a file: or node: URL, or an absolute path), got './jobs.mjs'",
    );
    expect((errors[2] as Error).message).toContain("exportName must be a non-empty string");
    expect(() => spawnBlocking(jobs, "double")).toThrow(/outside a Brigade runtime/);
  });
});

describe("spawnBlocking and the process", () => {
  for (const mode of ["run", "no-shutdown"]) {
    it(`a child process that used spawnBlocking exits on its own (${mode})`, async () => {
      const out = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
        execFile(
          process.execPath,
          ["--import", "tsx", CHILD, mode],
          { timeout: 20_000 },
          (err, stdout) => {
            if (err !== null && (err as { killed?: boolean }).killed) reject(err);
            else resolve({ code: err === null ? 0 : Number(err.code), stdout });
          },
        );
      });
      expect(out).toEqual({ code: 0, stdout: "result 42\n" });
    }, 30_000);
  }
});
