/**
 * Command: how to start a child process, tokio's `process::Command` (itself std's): the program,
 * its arguments, environment and working directory, what its stdin, stdout and stderr are, and
 * whether dropping the `Child` kills it. A recipe for hiring a cook: nothing happens until
 * `spawn()` (or the `status()` / `output()` futures, at their first poll).
 *
 * Each of stdin, stdout and stderr is `"inherit"` (this program's own), `"piped"` (an
 * `AsyncWrite` / `AsyncRead` on the `Child`) or `"null"` (nothing). The defaults are std's: all
 * inherited for `spawn()` and `status()`; for `output()`, stdout and stderr piped and stdin null.
 *
 * One difference from tokio: Node learns that a program could not start (no such file, no
 * permission) only after `spawn()` has returned. So `spawn()` returns a `Child`, and the failure
 * is thrown, as an `IoError` of kind `NotFound` or `PermissionDenied`, by the first `wait()` or
 * `kill()` (`status()` and `output()` throw it themselves); until Node reports it (the next tick),
 * `child.id` is `undefined` and `tryWait()` answers `undefined`. Failures Node reports at once (an
 * argument list too long for the system) are thrown by `spawn()` itself.
 */
import { type ChildProcess, spawn as nodeSpawn } from "node:child_process";
import { join } from "../../combinator/join.js";
import { asyncBlock } from "../../coroutine/async-fn.js";
import type { FutureBase } from "../../future/future.js";
import { ready } from "../../future/leaf.js";
import { IoError } from "../error.js";
import { NodeReader } from "../node-reader.js";
import { NodeWriter } from "../node-writer.js";
import { readToEnd } from "../read.js";
import { Child } from "./child.js";
import type { ExitStatus, Output } from "./exit-status.js";

/** What a child's stdin, stdout or stderr is connected to. */
export type Stdio = "inherit" | "piped" | "null";

const NODE_STDIO = { inherit: "inherit", piped: "pipe", null: "ignore" } as const;
const EMPTY = new Uint8Array(0);

/** The longest program-and-arguments text an error quotes. */
const LABEL_MAX = 60;

/**
 * A process to start.
 *
 * @example
 * ```ts
 * const out = yield* new Command("git").args(["log", "--oneline", "-3"]).output();
 * console.log(new TextDecoder().decode(out.stdout));
 * ```
 */
export class Command {
  private readonly program: string;
  private readonly argList: string[] = [];
  /** Variables set (a string) or removed (`undefined`), in the order given; `null`: none. */
  private envChanges: Map<string, string | undefined> | null = null;
  private envCleared = false;
  private dir: string | undefined = undefined;
  private readonly stdio: [Stdio | undefined, Stdio | undefined, Stdio | undefined] = [
    undefined,
    undefined,
    undefined,
  ];
  private kills = false;

  /**
   * A command that runs `program`, found on the `PATH` unless it is a path.
   *
   * @example
   * ```ts
   * const ls = new Command("ls");
   * ```
   */
  constructor(program: string) {
    checkText(program, "new Command(program): program");
    if (program === "") throw new RangeError("new Command(program): program must not be empty");
    this.program = program;
  }

  /**
   * Add one argument (passed as it is: no shell, no quoting needed).
   *
   * @example
   * ```ts
   * new Command("grep").arg("-n").arg("soup");
   * ```
   */
  arg(arg: string): this {
    checkText(arg, "command.arg(arg): arg");
    this.argList.push(arg);
    return this;
  }

  /**
   * Add arguments, in order.
   *
   * @example
   * ```ts
   * new Command("ls").args(["-l", "-a"]);
   * ```
   */
  args(args: Iterable<string>): this {
    if (args === null || typeof args !== "object" || !(Symbol.iterator in args)) {
      throw new TypeError(
        `command.args(args): args must be an iterable of strings, got ${args === null ? "null" : typeof args}`,
      );
    }
    const list = [...args];
    for (let i = 0; i < list.length; i++) checkText(list[i], `command.args(args): args[${i}]`);
    this.argList.push(...list);
    return this;
  }

  /**
   * Set an environment variable for the child (the rest are inherited, unless `envClear()`).
   *
   * @example
   * ```ts
   * new Command("node").arg("serve.js").env("PORT", "8080");
   * ```
   */
  env(key: string, value: string): this {
    checkKey(key, "command.env(key, value): key");
    checkText(value, "command.env(key, value): value");
    this.changes().set(key, value);
    return this;
  }

  /**
   * Set several environment variables.
   *
   * @example
   * ```ts
   * new Command("node").arg("serve.js").envs({ PORT: "8080", NODE_ENV: "production" });
   * ```
   */
  envs(vars: Record<string, string> | Iterable<readonly [string, string]>): this {
    if (vars === null || typeof vars !== "object") {
      throw new TypeError(
        `command.envs(vars): vars must be an object or an iterable of [key, value], got ${vars === null ? "null" : typeof vars}`,
      );
    }
    const pairs = Symbol.iterator in vars ? [...vars] : Object.entries(vars);
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError("command.envs(vars): each entry must be a [key, value] pair");
      }
      checkKey(pair[0], "command.envs(vars): a key");
      checkText(pair[1], `command.envs(vars): the value of ${pair[0]}`);
    }
    for (const [k, v] of pairs) this.changes().set(k, v);
    return this;
  }

  /**
   * Do not pass an inherited environment variable to the child.
   *
   * @example
   * ```ts
   * new Command("node").arg("serve.js").envRemove("DEBUG");
   * ```
   */
  envRemove(key: string): this {
    checkKey(key, "command.envRemove(key): key");
    this.changes().set(key, undefined);
    return this;
  }

  /**
   * Start the child with no environment variables but those set by `env`/`envs` (after this
   * call or before it).
   *
   * @example
   * ```ts
   * new Command("/usr/bin/env").envClear().env("ONLY", "this");
   * ```
   */
  envClear(): this {
    this.envCleared = true;
    if (this.envChanges !== null) {
      for (const [k, v] of this.envChanges) if (v === undefined) this.envChanges.delete(k);
    }
    return this;
  }

  /**
   * The child's working directory (default: this process's).
   *
   * @example
   * ```ts
   * new Command("make").currentDir("./kitchen");
   * ```
   */
  currentDir(dir: string): this {
    checkText(dir, "command.currentDir(dir): dir");
    this.dir = dir;
    return this;
  }

  /**
   * What the child's stdin is: `"piped"` gives `child.stdin`, an `AsyncWrite`.
   *
   * @example
   * ```ts
   * const child = new Command("sort").stdin("piped").stdout("piped").spawn();
   * ```
   */
  stdin(cfg: Stdio): this {
    this.stdio[0] = checkStdio(cfg, "command.stdin(cfg)");
    return this;
  }

  /**
   * What the child's stdout is: `"piped"` gives `child.stdout`, an `AsyncRead`.
   *
   * @example
   * ```ts
   * const child = new Command("ls").stdout("piped").spawn();
   * const lines = new BufReader(child.stdout!).lines();
   * ```
   */
  stdout(cfg: Stdio): this {
    this.stdio[1] = checkStdio(cfg, "command.stdout(cfg)");
    return this;
  }

  /**
   * What the child's stderr is: `"piped"` gives `child.stderr`, an `AsyncRead`.
   *
   * @example
   * ```ts
   * new Command("make").stderr("null"); // its complaints go nowhere
   * ```
   */
  stderr(cfg: Stdio): this {
    this.stdio[2] = checkStdio(cfg, "command.stderr(cfg)");
    return this;
  }

  /**
   * Whether disposing the `Child` (or dropping a `status()` / `output()` future) kills the process
   * with `SIGKILL` (default `false`: it runs on, as in tokio).
   *
   * @example
   * ```ts
   * using server = new Command("node").arg("server.js").killOnDrop(true).spawn();
   * ```
   */
  killOnDrop(kill: boolean): this {
    if (typeof kill !== "boolean") {
      throw new TypeError(`command.killOnDrop(kill): kill must be a boolean, got ${typeof kill}`);
    }
    this.kills = kill;
    return this;
  }

  /**
   * Start the process now. stdin, stdout and stderr are inherited unless set. If the program
   * cannot start, the `Child`'s first `wait()` throws why (see the file's comment). Starting a
   * process holds the thread for some milliseconds (Node starts it synchronously, as tokio's
   * `spawn` does; more in a big process), so the runtime's long-poll warning may name the task
   * that starts it (raise `longPollThreshold` for a program that starts many).
   *
   * @example
   * ```ts
   * const child = new Command("sleep").arg("1").spawn();
   * yield* child.wait();
   * ```
   */
  spawn(): Child {
    return this.start("inherit", "inherit", "inherit");
  }

  /**
   * A future that starts the process at its first poll and gives how it ended. stdin, stdout and
   * stderr are inherited unless set; if set to `"piped"`, they are closed at once (nobody could
   * read them), as in tokio. Dropped before the end, it disposes the `Child` (killed if
   * `killOnDrop(true)`).
   *
   * @example
   * ```ts
   * const status = yield* new Command("make").status();
   * ```
   */
  status(): FutureBase<ExitStatus> & Disposable {
    const cmd = this;
    return asyncBlock(function* status() {
      const child = cmd.start("inherit", "inherit", "inherit");
      // Pipes nobody reads would stop a child that fills one: closed at once, as tokio does.
      child.stdout?.[Symbol.dispose]();
      child.stderr?.[Symbol.dispose]();
      child.stdout = child.stderr = null;
      try {
        return yield* child.wait();
      } finally {
        child[Symbol.dispose]();
      }
    });
  }

  /**
   * A future that starts the process at its first poll, collects all it writes to stdout and
   * stderr, and gives that with how it ended. stdout and stderr are piped and stdin is null,
   * unless set. Dropped before the end, it disposes the `Child` (killed if `killOnDrop(true)`).
   *
   * @example
   * ```ts
   * const { status, stdout } = yield* new Command("echo").arg("soup").output();
   * new TextDecoder().decode(stdout); // "soup\n"
   * ```
   */
  output(): FutureBase<Output> & Disposable {
    const cmd = this;
    return asyncBlock(function* output() {
      const child = cmd.start("null", "piped", "piped");
      try {
        const [stdout, stderr, status] = yield* join(
          child.stdout === null ? ready(EMPTY) : readToEnd(child.stdout),
          child.stderr === null ? ready(EMPTY) : readToEnd(child.stderr),
          child.wait(),
        );
        return { status, stdout, stderr };
      } finally {
        child[Symbol.dispose]();
      }
    });
  }

  /**
   * What errors call this command: the program and its arguments, quoted, cut at 60 characters.
   *
   * @example
   * ```ts
   * `${new Command("ls").arg("-l")}`; // "'ls -l'"
   * ```
   */
  toString(): string {
    const text = [this.program, ...this.argList].join(" ");
    return `'${text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text}'`;
  }

  private changes(): Map<string, string | undefined> {
    this.envChanges ??= new Map();
    return this.envChanges;
  }

  private environment(): NodeJS.ProcessEnv | undefined {
    const changes = this.envChanges;
    if (!this.envCleared && changes === null) return undefined;
    const env: NodeJS.ProcessEnv = this.envCleared ? {} : { ...process.env };
    if (changes !== null) {
      for (const [k, v] of changes) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
    }
    return env;
  }

  private start(stdin: Stdio, stdout: Stdio, stderr: Stdio): Child {
    const io = [this.stdio[0] ?? stdin, this.stdio[1] ?? stdout, this.stdio[2] ?? stderr];
    const label = this.toString();
    let proc: ChildProcess;
    try {
      proc = nodeSpawn(this.program, this.argList, {
        cwd: this.dir,
        env: this.environment(),
        stdio: io.map((s) => NODE_STDIO[s]),
        windowsHide: true,
      });
    } catch (e) {
      throw IoError.from(e, `spawn ${label}`);
    }
    return new Child(proc, label, this.kills, [
      proc.stdin === null ? null : new NodeWriter(proc.stdin, { name: `child ${label} stdin` }),
      proc.stdout === null ? null : new NodeReader(proc.stdout, { name: `child ${label} stdout` }),
      proc.stderr === null ? null : new NodeReader(proc.stderr, { name: `child ${label} stderr` }),
    ]);
  }
}

function checkText(value: unknown, where: string): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`${where} must be a string, got ${value === null ? "null" : typeof value}`);
  }
  if (value.includes("\0")) throw new RangeError(`${where} must not contain a NUL character`);
}

function checkKey(key: unknown, where: string): asserts key is string {
  checkText(key, where);
  if (key === "" || key.includes("=")) {
    throw new RangeError(`${where} must be a non-empty name without '=', got '${key}'`);
  }
}

function checkStdio(cfg: unknown, where: string): Stdio {
  if (cfg !== "inherit" && cfg !== "piped" && cfg !== "null") {
    throw new TypeError(
      `${where}: cfg must be "inherit", "piped" or "null", got ${typeof cfg === "string" ? `"${cfg}"` : typeof cfg}`,
    );
  }
  return cfg;
}
