/**
 * Bug hunt in the runtime's lifecycle. A runtime made with `new Runtime` that an unobserved panic
 * shut down (tokio's `unhandled_panic = ShutdownRuntime`) must say so to whoever awaits
 * `shutdown()`, as `run()` does, instead of closing as if nothing happened. And `run()` must not
 * let Node exit unsettled while its shutdown waits on a cleanup nothing can wake any more, as it
 * already does not while main waits (the host-exit cases run in a child process).
 */
import { spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { pending } from "../src/future/leaf.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { JoinError } from "../src/task/join-error.js";
import { spawn } from "../src/task/spawn.js";
import { Gate } from "./future-testkit.js";

/** What `p` rejected with, or `null` if it resolved. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
    return null;
  } catch (e) {
    return e;
  }
}

/** Run `code` (an ES module that may import Brigade from `BRIGADE`) in a child Node; its lines and exit code. */
function runChild(code: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawnProcess(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", code.replaceAll("BRIGADE", BRIGADE)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve([...out.split("\n").filter((l) => l !== ""), `exit ${code}`]),
    );
  });
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BRIGADE = new URL("../src/index.ts", import.meta.url).href;

describe("run() while its shutdown waits on a cleanup the host can no longer wake", () => {
  it("main ends, a worker's finally awaits a bridged promise that never settles, the host runs out of work: run() rejects with a DeadlockError naming the worker instead of Node exiting with run() unsettled", async () => {
    const lines = await runChild(`
      import { asyncBlock, fromPromise, pending, run, spawn } from "BRIGADE";
      run(asyncBlock(function* () {
        spawn(asyncBlock(function* () {
          try {
            yield* pending();
          } finally {
            console.log("worker: finally");
            yield* fromPromise(() => new Promise(() => {}));
          }
        }), { name: "worker" });
        yield* fromPromise(() => Promise.resolve("started"));
        return "main done";
      })).then(
        (v) => console.log("run resolved: " + v),
        (e) => console.log("run rejected: " + e.name + " " + JSON.stringify(e.tasks)),
      );
    `);
    expect(lines).toEqual(["worker: finally", 'run rejected: DeadlockError ["worker"]', "exit 0"]);
  });

  it("control: a worker's finally that awaits a promise settled by a timer lets run() resolve", async () => {
    const lines = await runChild(`
      import { asyncBlock, fromPromise, pending, run, spawn } from "BRIGADE";
      run(asyncBlock(function* () {
        spawn(asyncBlock(function* () {
          try {
            yield* pending();
          } finally {
            yield* fromPromise(() => new Promise((r) => setTimeout(r, 20)));
            console.log("worker: cleaned up");
          }
        }));
        yield* fromPromise(() => Promise.resolve("started"));
        return "main done";
      })).then(
        (v) => console.log("run resolved: " + v),
        (e) => console.log("run rejected: " + e.name),
      );
    `);
    expect(lines).toEqual(["worker: cleaned up", "run resolved: main done", "exit 0"]);
  });
});

describe('unhandledPanic: "shutdown" on a runtime made with new Runtime', () => {
  it("a task panics with nothing awaiting it: the runtime closes, its other tasks are cleaned up, and shutdown() rejects with the panic", async () => {
    const rt = new Runtime({ unhandledPanic: "shutdown" });
    const cleaned: string[] = [];
    const other = rt.spawn(
      asyncBlock(function* () {
        try {
          yield* pending();
        } finally {
          cleaned.push("other");
        }
      }),
    );
    const gate = new Gate<number>("fuse");
    rt.spawn(
      asyncBlock(function* () {
        yield* gate;
        throw new Error("the oven caught fire");
      }),
      { name: "oven" },
    );
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve(1);
    await new Promise((resolve) => setImmediate(resolve));
    // The panic shut the runtime down by itself.
    expect(other.isFinished()).toBe(true);
    const error = await rejection(rt.shutdown());
    expect(error).toBeInstanceOf(JoinError);
    expect((error as JoinError).isPanic()).toBe(true);
    expect((error as JoinError).taskName).toBe("oven");
    expect(((error as JoinError).cause as Error).message).toBe("the oven caught fire");
    expect(cleaned).toEqual(["other"]);
    expect(other.isFinished()).toBe(true);
    expect(rt.metrics().liveTasks).toBe(0);
    // Asked again: the same outcome.
    expect(await rejection(rt.shutdown())).toBe(error);
  });

  it("a panic that is awaited does not make shutdown() reject", async () => {
    const rt = new Runtime({ unhandledPanic: "shutdown" });
    const h = rt.spawn(
      asyncBlock(function* () {
        throw new Error("caught by the caller");
      }),
    );
    const outcome = await rejection(h as unknown as Promise<unknown>);
    expect((outcome as JoinError).isPanic()).toBe(true);
    expect(await rejection(rt.shutdown())).toBeNull();
  });

  it("run() still rejects with the panic, not with anything else", async () => {
    const error = await rejection(
      run(
        asyncBlock(function* () {
          spawn(
            asyncBlock(function* () {
              throw new Error("first");
            }),
          );
          yield* pending();
        }),
        { unhandledPanic: "shutdown" },
      ),
    );
    expect((error as JoinError).isPanic()).toBe(true);
    expect(((error as JoinError).cause as Error).message).toBe("first");
  });
});
