/**
 * The `brigade` command. `bin/brigade.js` calls {@link main}; `npm run kitchen` runs this file
 * directly with tsx. Bad input ends with one line on stderr and exit code 2, never a stack trace.
 */
import { pathToFileURL } from "node:url";
import { parseArgs, USAGE, UsageError } from "./args.js";
import { runKitchen } from "./kitchen.js";

/** Where the command writes. Tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether `out` is a terminal (colours on). */
  isTTY: boolean;
}

let prepared = false;

/** Set when the reader of stdout went away (`| head`): the rest of the story is not printed. */
let stdoutClosed = false;
/** Likewise for stderr (`2>&1 | head`): the exit code still says what happened. */
let stderrClosed = false;

const processIo: Io = {
  out: (t) => {
    if (!stdoutClosed) process.stdout.write(`${t}\n`);
  },
  err: (t) => {
    if (!stderrClosed) process.stderr.write(`${t}\n`);
  },
  isTTY: colorWanted(process.stdout.isTTY === true, process.env),
};

/**
 * Whether to paint the story: only on a terminal, and not when the reader says no. `NO_COLOR` says
 * no when it is set to anything but the empty string (no-color.org: an empty value is as if unset),
 * and a `dumb` terminal cannot show escapes at all.
 *
 * @example
 * ```ts
 * colorWanted(true, { NO_COLOR: "1" }); // false
 * colorWanted(true, { NO_COLOR: "" }); // true
 * ```
 */
export function colorWanted(
  isTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (!isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return env.TERM !== "dumb";
}

/**
 * Run the command line `argv` (without `node` and the script); resolves with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(["kitchen", "join", "--explain"]);
 * ```
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  if (io === processIo && !prepared) {
    prepared = true;
    prepareProcess();
  }
  try {
    const cmd = parseArgs(argv);
    if (cmd.command === "help") {
      io.out(USAGE);
      return 0;
    }
    if (cmd.command === "version") {
      io.out("brigade 0.1.0");
      return 0;
    }
    return await runKitchen(cmd, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`brigade: ${e.message}`);
      return 2;
    }
    io.err(`brigade: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

/** Install the process-wide handlers the command needs, once. */
function prepareProcess(): void {
  // `brigade kitchen | head` closes the pipe early: that is the reader's choice, not an error.
  // Stop printing, and go on: the files asked for (`--html`, `--trace`) are still written.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") {
      stdoutClosed = true;
      return;
    }
    throw e;
  });
  process.stderr.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") {
      stderrClosed = true;
      return;
    }
    throw e;
  });
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
