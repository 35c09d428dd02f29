/**
 * Child processes: a `Command` starts the program as described (arguments, environment, working
 * directory, stdio), `output()` collects what it wrote, `status()` says how it ended, a piped
 * stdin and stdout carry megabytes both ways with backpressure, `wait()` closes stdin first and is
 * cancel-safe, `kill()` and `killOnDrop` end the process, a program that cannot start is a typed
 * error at the first wait, and bad input is refused with errors naming the argument.
 *
 * The children are `node -e …` (this Node), so the tests need no shell tools.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { describe, expect, it } from "vitest";
import { join } from "../src/combinator/join.js";
import { race } from "../src/combinator/select.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { FutureStateError } from "../src/future/errors.js";
import type { Future } from "../src/future/future.js";
import { BufReader } from "../src/io/buf-reader.js";
import { IoError } from "../src/io/error.js";
import { Command } from "../src/io/process/command.js";
import { processMetrics } from "../src/io/process/counters.js";
import { ExitStatus } from "../src/io/process/exit-status.js";
import { readExact, readToEnd } from "../src/io/read.js";
import { shutdown, writeAll } from "../src/io/write.js";
import { Runtime, run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { yieldNow } from "../src/task/yield-now.js";
import { sleep } from "../src/time/sleep.js";

const NODE = process.execPath;
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);
const node = (script: string) => new Command(NODE).args(["-e", script]);

/** Whether a process with this id exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

/** Wait (in real time: the process is outside the program) until `pid` is gone, or give up. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe("Command.output() and status()", () => {
  it("collects stdout and stderr apart, with the exit code", async () => {
    const out = await run(
      node(
        "process.stdout.write('soup'); process.stderr.write('burnt'); process.exitCode = 3",
      ).output(),
    );
    expect(text(out.stdout)).toBe("soup");
    expect(text(out.stderr)).toBe("burnt");
    expect(out.status.code).toBe(3);
    expect(out.status.signal).toBe(null);
    expect(out.status.success()).toBe(false);
    expect(`${out.status}`).toBe("exit status: 3");
  });

  it("gives the arguments as they are, with no shell in between", async () => {
    const args = ["two words", "$HOME", "a'quote", "*", ""];
    const out = await run(
      new Command(NODE)
        .args(["-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))"])
        .args(args)
        .output(),
    );
    expect(JSON.parse(text(out.stdout))).toEqual(args);
  });

  it("passes the environment as changed: set, removed, or cleared but for what is set", async () => {
    process.env.BRIGADE_TEST_INHERITED = "yes";
    process.env.BRIGADE_TEST_REMOVED = "yes";
    try {
      const show =
        "process.stdout.write(JSON.stringify([process.env.BRIGADE_TEST_INHERITED, process.env.BRIGADE_TEST_REMOVED, process.env.BRIGADE_TEST_SET, process.env.PATH === undefined]))";
      const changed = await run(
        node(show).env("BRIGADE_TEST_SET", "soup").envRemove("BRIGADE_TEST_REMOVED").output(),
      );
      expect(JSON.parse(text(changed.stdout))).toEqual(["yes", null, "soup", false]);
      const cleared = await run(node(show).envClear().envs({ BRIGADE_TEST_SET: "only" }).output());
      expect(JSON.parse(text(cleared.stdout))).toEqual([null, null, "only", true]);
    } finally {
      delete process.env.BRIGADE_TEST_INHERITED;
      delete process.env.BRIGADE_TEST_REMOVED;
    }
  });

  it("starts the child in the working directory given", async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), "brigade-cwd-"));
    try {
      const out = await run(node("process.stdout.write(process.cwd())").currentDir(dir).output());
      expect(text(out.stdout)).toBe(realpathSync(dir));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("status() says how the process ended: a code, or the signal that killed it", async () => {
    expect((await run(node("process.exit(0)").status())).success()).toBe(true);
    const killed = await run(node("process.kill(process.pid, 'SIGKILL')").status());
    expect(killed.code).toBe(null);
    expect(killed.signal).toBe("SIGKILL");
    expect(`${killed}`).toBe("signal: 9 (SIGKILL)");
  });

  it("output() gives the child an empty stdin unless told otherwise: a reader of it sees the end at once", async () => {
    const out = await run(
      node(
        "let n = 0; process.stdin.on('data', (d) => (n += d.length)).on('end', () => process.stdout.write(String(n)))",
      ).output(),
    );
    expect(text(out.stdout)).toBe("0");
  });

  it("a command is lazy: output() starts nothing until polled, and can be run twice", async () => {
    const cmd = node("process.stdout.write('once')");
    const fut = cmd.output();
    // Nothing ran: disposing the unpolled future is all there is to do.
    fut[Symbol.dispose]();
    const [a, b] = await run(join(cmd.output(), cmd.output()));
    expect([text(a.stdout), text(b.stdout)]).toEqual(["once", "once"]);
  });
});

describe("Child: piped stdio", () => {
  it("carries megabytes through a child's stdin and back from its stdout, in order", async () => {
    const size = 6 * 1024 * 1024;
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i++) payload[i] = (i * 7919) & 255;
    const got = await run(
      asyncBlock(function* () {
        const child = node("process.stdin.pipe(process.stdout)")
          .stdin("piped")
          .stdout("piped")
          .spawn();
        // Taken out of the Child (tokio's `child.stdin.take()`): wait() closes the stdin it holds.
        const stdin = child.stdin!;
        child.stdin = null;
        const [, echoed, status] = yield* join(
          asyncBlock(function* () {
            yield* writeAll(stdin, payload);
            yield* shutdown(stdin);
          }),
          readToEnd(child.stdout!),
          child.wait(),
        );
        expect(status.success()).toBe(true);
        return echoed;
      }),
    );
    expect(got.length).toBe(size);
    expect(Buffer.compare(got, payload)).toBe(0);
  });

  it("reads a child's output line by line as it comes, through BufReader", async () => {
    const lines = await run(
      asyncBlock(function* () {
        const child = node("for (const d of ['soup', 'fish', 'cake']) console.log(d)")
          .stdout("piped")
          .spawn();
        const all = yield* new BufReader(child.stdout!).lines().collect();
        yield* child.wait();
        return all;
      }),
    );
    expect(lines).toEqual(["soup", "fish", "cake"]);
  });

  it("a child that reads to the end of its input is not left waiting: wait() closes stdin first", async () => {
    const status = await run(
      asyncBlock(function* () {
        const child = node("process.stdin.resume().on('end', () => process.exit(7))")
          .stdin("piped")
          .spawn();
        return yield* child.wait();
      }),
    );
    expect(status.code).toBe(7);
  });

  it("writing to a stdin left in the Child while wait() runs fails, saying wait() closed it and how to keep it", async () => {
    const e = await run(
      asyncBlock(function* () {
        const child = node("process.stdin.resume()").stdin("piped").spawn();
        yield* join(writeAll(child.stdin!, new Uint8Array(1 << 20)), child.wait());
      }),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IoError);
    expect((e as IoError).kind).toBe("NotConnected");
    expect((e as IoError).message).toMatch(/closed by child\.wait\(\).*child\.stdin = null/);
  });

  it("the hatches are null unless piped", async () => {
    await run(
      asyncBlock(function* () {
        const child = node("").stdout("null").spawn();
        expect([child.stdin, child.stdout, child.stderr]).toEqual([null, null, null]);
        yield* child.wait();
      }),
    );
  });
});

describe("Child: waiting and killing", () => {
  it("wait() dropped while waiting takes its wait back, and a later wait() gives the status", async () => {
    const status = await run(
      asyncBlock(function* () {
        const child = node("process.stdin.resume().on('end', () => process.exit(5))")
          .stdin("piped")
          .spawn();
        // The process does not hold the paused clock: the timer wins, and the wait is dropped.
        const first = yield* race(child.wait(), sleep(60_000));
        expect(first).toBe(undefined);
        expect(Runtime.current().metrics().ioWaits).toBe(0);
        expect(child.id).toBeTypeOf("number");
        const status = yield* child.wait();
        expect(Runtime.current().metrics().ioWaits).toBe(0);
        return status;
      }),
      { clock: "paused" },
    );
    expect(status.code).toBe(5);
  });

  it("kill() ends a running process and gives its status; id is undefined afterwards, and it no longer counts as live", async () => {
    const before = processMetrics().liveChildren;
    await run(
      asyncBlock(function* () {
        const child = node("setInterval(() => {}, 1000)").spawn();
        const pid = child.id!;
        expect(alive(pid)).toBe(true);
        expect(processMetrics().liveChildren).toBe(before + 1);
        const status = yield* child.kill();
        expect(status.signal).toBe("SIGKILL");
        expect(processMetrics().liveChildren).toBe(before);
        expect(child.id).toBe(undefined);
        expect(child.tryWait()).toBe(status);
        // Killing what has exited does nothing.
        expect((yield* child.kill()).signal).toBe("SIGKILL");
        child.startKill();
      }),
    );
  });

  it("startKill(signal) sends the signal given, and wait() sees it", async () => {
    const status = await run(
      asyncBlock(function* () {
        const child = node("setInterval(() => {}, 1000)").spawn();
        expect(child.tryWait()).toBe(undefined);
        child.startKill("SIGTERM");
        return yield* child.wait();
      }),
    );
    expect(status.signal).toBe("SIGTERM");
  });

  it("killOnDrop(true): a task aborted while it waits on its child takes the process with it", async () => {
    let pid = 0;
    await run(
      asyncBlock(function* () {
        const task = spawn(
          asyncBlock(function* () {
            const child = node("console.log(process.pid); setInterval(() => {}, 1000)")
              .stdout("piped")
              .killOnDrop(true)
              .spawn();
            try {
              const line = new Uint8Array(1);
              let digits = "";
              for (;;) {
                yield* readExact(child.stdout!, line);
                if (line[0] === 10) break;
                digits += String.fromCharCode(line[0]!);
              }
              pid = Number(digits);
              yield* child.wait();
            } finally {
              child[Symbol.dispose]();
            }
          }),
        );
        while (pid === 0) yield* yieldNow();
        expect(alive(pid)).toBe(true);
        task.abort();
        yield* yieldNow();
      }),
    );
    expect(await gone(pid)).toBe(true);
  });

  it("without killOnDrop, a disposed Child runs on, and does not keep this program from finishing", async () => {
    const child = await run(
      asyncBlock(function* () {
        const c = node("setInterval(() => {}, 1000)").spawn();
        yield* yieldNow();
        c[Symbol.dispose]();
        return c;
      }),
    );
    const pid = (child as unknown as { proc: { pid: number } }).proc.pid;
    try {
      expect(alive(pid)).toBe(true);
      expect(() => child.tryWait()).not.toThrow();
    } finally {
      process.kill(pid, "SIGKILL");
    }
    expect(await gone(pid)).toBe(true);
  });

  it("a second task's wait() on one child is refused while the first waits, naming both", async () => {
    const err = await run(
      asyncBlock(function* () {
        const child = node("process.stdin.resume().on('end', () => process.exit(0))")
          .stdin("piped")
          .spawn();
        spawn(child.wait(), { name: "waiter" });
        yield* yieldNow();
        try {
          yield* child.wait();
          return null;
        } catch (e) {
          return e;
        } finally {
          child.startKill();
          child[Symbol.dispose]();
        }
      }),
      { onWarning: () => {} },
    );
    expect(err).toBeInstanceOf(FutureStateError);
    expect((err as Error).message).toMatch(/task 'waiter'/);
    expect((err as Error).message).toMatch(/task 'main'/);
  });
});

describe("Command: errors", () => {
  it("a program that does not exist is a NotFound IoError at the first wait, status or output", async () => {
    const cmd = new Command("brigade-no-such-program");
    for (const f of [(): Future<unknown> => cmd.output(), (): Future<unknown> => cmd.status()]) {
      const e = await run(f()).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(IoError);
      expect((e as IoError).kind).toBe("NotFound");
      expect((e as IoError).code).toBe("ENOENT");
      expect((e as IoError).message).toContain("'brigade-no-such-program'");
    }
    const before = processMetrics().liveChildren;
    await run(
      asyncBlock(function* () {
        const child = cmd.spawn();
        expect(child.id).toBe(undefined);
        const e = yield* asyncBlock(function* () {
          try {
            yield* child.wait();
          } catch (x) {
            return x;
          }
        });
        expect((e as IoError).kind).toBe("NotFound");
        expect(() => child.tryWait()).toThrow(IoError);
        // Nothing runs, so nothing to kill: a cleanup may call it whatever happened.
        expect(() => child.startKill()).not.toThrow();
        expect(processMetrics().liveChildren).toBe(before);
      }),
    );
  });

  it("a working directory that does not exist is a NotFound IoError too", async () => {
    const e = await run(node("").currentDir("/brigade/no/such/dir").status()).catch((x) => x);
    expect((e as IoError).kind).toBe("NotFound");
  });

  it("bad input is refused with a typed error naming the argument and the rule", () => {
    expect(() => new Command("")).toThrow(/new Command\(program\): program must not be empty/);
    expect(() => new Command(3 as never)).toThrow(TypeError);
    expect(() => node("").arg(1 as never)).toThrow(/command\.arg\(arg\): arg must be a string/);
    expect(() => node("").arg("a\0b")).toThrow(RangeError);
    expect(() => node("").args("-l" as never)).toThrow(/iterable of strings/);
    expect(() => node("").args(["ok", 2 as never])).toThrow(/args\[1\] must be a string/);
    expect(() => node("").env("A=B", "x")).toThrow(/without '='/);
    expect(() => node("").env("", "x")).toThrow(RangeError);
    expect(() => node("").envs({ A: 1 as never })).toThrow(/value of A must be a string/);
    expect(() => node("").stdin("pipe" as never)).toThrow(
      /command\.stdin\(cfg\): cfg must be "inherit", "piped" or "null", got "pipe"/,
    );
    expect(() => node("").killOnDrop("yes" as never)).toThrow(TypeError);
    expect(() => node("").currentDir(undefined as never)).toThrow(TypeError);
  });

  it("startKill refuses a name that is not a signal", async () => {
    await run(
      asyncBlock(function* () {
        const child = node("").spawn();
        expect(() => child.startKill("SIGSOUP" as never)).toThrow(
          /child\.startKill\(signal\): signal must be a signal of this platform/,
        );
        yield* child.wait();
      }),
    );
  });

  it("an ExitStatus reads as Rust prints it", () => {
    expect(`${new ExitStatus(0, null)}`).toBe("exit status: 0");
    expect(`${new ExitStatus(null, "SIGTERM")}`).toBe("signal: 15 (SIGTERM)");
  });
});

describe("wait() in another task", () => {
  it("a wait() parked in one task is woken when another task kills the child", async () => {
    const status = await run(
      asyncBlock(function* () {
        const child = node("setInterval(() => {}, 1000)").spawn();
        const waiter = spawn(child.wait());
        yield* yieldNow();
        child.startKill();
        return yield* waiter;
      }),
    );
    expect(status.signal).toBe("SIGKILL");
  });

  it("a wait() parked when the Child is disposed fails, instead of sleeping for good", async () => {
    const e = await run(
      asyncBlock(function* () {
        const child = node("setInterval(() => {}, 1000)").killOnDrop(true).spawn();
        const waiter = spawn(child.wait());
        yield* yieldNow();
        child[Symbol.dispose]();
        try {
          yield* waiter;
        } catch (x) {
          return x;
        }
      }),
      { onWarning: () => {} },
    );
    expect(String((e as { cause?: unknown }).cause)).toMatch(/after the Child was disposed/);
  });
});

it("bytes written to a child's stdin reach it even when the writer is disposed right after", async () => {
  const out = await run(
    asyncBlock(function* () {
      const child = node(
        "let n = 0; process.stdin.on('data', (d) => (n += d.length)).on('end', () => process.stdout.write(String(n)))",
      )
        .stdin("piped")
        .stdout("piped")
        .spawn();
      yield* writeAll(child.stdin!, bytes("x".repeat(200_000)));
      child.stdin![Symbol.dispose]();
      child.stdin = null;
      const n = yield* readToEnd(child.stdout!);
      yield* child.wait();
      return text(n);
    }),
  );
  expect(out).toBe("200000");
});
