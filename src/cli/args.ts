/**
 * The `brigade` command line, parsed. Parsing never prints and never exits: it returns the command
 * or throws a {@link UsageError}, whose one-line message the caller prints before exiting with 2.
 */

/** Bad input on the command line (or a file or port it names): one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** `brigade kitchen ...` */
export interface KitchenCommand {
  command: "kitchen";
  /** Scene ids, in the order given; empty means the whole tour. */
  scenes: string[];
  explain: boolean;
  realtime: boolean;
  html: string | null;
  trace: string | null;
  json: boolean;
  serve: boolean;
  port: number;
  list: boolean;
}

export type Command = KitchenCommand | { command: "help" } | { command: "version" };

/** The port `--serve` listens on unless `--port` says otherwise. */
export const DEFAULT_PORT = 4321;

export const USAGE = `Usage: brigade kitchen [scene ...] [options]

Plays the restaurant on the real Brigade runtime: every line is a real poll, wake or timer.

Options:
  --explain       show the machinery under each line (polls, timers, pagers)
  --realtime      run at real speed (default: paused time, the tour takes moments)
  --html FILE     write a self-contained timeline page of the run
  --trace FILE    write a Chrome trace (open it in Perfetto or chrome://tracing)
  --json          print the recorded events as JSON lines instead of the story
  --serve         open a local page (127.0.0.1) to watch scenes play step by step
  --port N        port for --serve (default ${DEFAULT_PORT})
  --list          list the scenes
  -h, --help      this help

A value follows its option after a space or an = sign (--html page.html, --html=page.html).`;

/**
 * Parse `argv` (without `node` and the script).
 *
 * @example
 * ```ts
 * parseArgs(["kitchen", "join", "--explain"]); // { command: "kitchen", scenes: ["join"], explain: true, ... }
 * ```
 */
export function parseArgs(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    return { command: "help" };
  }
  if (command === "--version" || command === "-v") return { command: "version" };
  if (command !== "kitchen") {
    throw new UsageError(`unknown command '${command}' (try: brigade kitchen --help)`);
  }
  const out: KitchenCommand = {
    command: "kitchen",
    scenes: [],
    explain: false,
    realtime: false,
    html: null,
    trace: null,
    json: false,
    serve: false,
    port: DEFAULT_PORT,
    list: false,
  };
  let help = false;
  let portGiven = false;
  /** Options that take a value may be given once: `--trace a --trace b` would drop one silently. */
  const given = new Set<string>();
  const once = (name: string): void => {
    if (given.has(name)) throw new UsageError(`${name} is given twice; give it once`);
    given.add(name);
  };
  for (let i = 0; i < rest.length; i++) {
    // `--html FILE` or `--html=FILE`: the inline form is split here.
    const raw = rest[i]!;
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const arg = eq < 0 ? raw : raw.slice(0, eq);
    let inline: string | null = eq < 0 ? null : raw.slice(eq + 1);
    const value = (): string => {
      if (inline !== null) {
        const v = inline;
        inline = null;
        if (v === "") throw new UsageError(`${arg} needs a value`);
        return v;
      }
      const v = rest[++i];
      // An empty argument (`--html ""`, an unset shell variable) names no file: the current
      // directory would be taken for it.
      if (v === undefined || v === "" || v.startsWith("--")) {
        throw new UsageError(`${arg} needs a value`);
      }
      return v;
    };
    switch (arg) {
      case "--explain":
        out.explain = true;
        break;
      case "--realtime":
        out.realtime = true;
        break;
      case "--json":
        out.json = true;
        break;
      case "--serve":
        out.serve = true;
        break;
      case "--list":
        out.list = true;
        break;
      case "-h":
      case "--help":
        help = true;
        break;
      case "--html":
        once(arg);
        out.html = value();
        break;
      case "--trace":
        once(arg);
        out.trace = value();
        break;
      case "--port":
        once(arg);
        out.port = parsePort(value());
        portGiven = true;
        break;
      default:
        if (arg.startsWith("-"))
          throw new UsageError(`unknown option '${arg}' (see brigade kitchen --help)`);
        out.scenes.push(arg);
    }
    if (inline !== null) throw new UsageError(`${arg} takes no value (got '${raw}')`);
  }
  if (help) return { command: "help" };
  checkCombination(out, portGiven);
  return out;
}

/**
 * `--serve` plays the scenes in the page, chosen there, and `--list` plays nothing, so the options
 * that shape a terminal run would be silently ignored beside them: refuse them, and `--port`
 * without `--serve`, by name.
 */
function checkCombination(cmd: KitchenCommand, portGiven: boolean): void {
  if (cmd.list) {
    const ignored = [
      cmd.scenes.length > 0 ? `scene names (${cmd.scenes.join(", ")})` : null,
      cmd.explain ? "--explain" : null,
      cmd.realtime ? "--realtime" : null,
      cmd.html !== null ? "--html" : null,
      cmd.trace !== null ? "--trace" : null,
      cmd.json ? "--json" : null,
      cmd.serve ? "--serve" : null,
      portGiven ? "--port" : null,
    ].filter((x) => x !== null);
    if (ignored.length > 0) {
      throw new UsageError(
        `--list cannot be combined with ${ignored.join(", ")}: it only lists the scenes`,
      );
    }
  } else if (cmd.serve) {
    const ignored = [
      cmd.scenes.length > 0 ? `scene names (${cmd.scenes.join(", ")})` : null,
      cmd.explain ? "--explain" : null,
      cmd.realtime ? "--realtime" : null,
      cmd.html !== null ? "--html" : null,
      cmd.trace !== null ? "--trace" : null,
      cmd.json ? "--json" : null,
    ].filter((x) => x !== null);
    if (ignored.length > 0) {
      throw new UsageError(
        `--serve cannot be combined with ${ignored.join(", ")}: the page chooses and plays the scenes itself`,
      );
    }
  } else if (portGiven) {
    throw new UsageError("--port only applies to --serve");
  }
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got '${v}'`);
  }
  return n;
}
