/**
 * Child-process pipes: 32 MiB sent through a child's stdin and read back from its stdout (the child
 * is `node -e "process.stdin.pipe(process.stdout)"`), two ways, in one process, interleaved,
 * medians with the ratio:
 *
 * - `brigade`: `Command(...).stdin("piped").stdout("piped").spawn()`, `writeAll` of 64 KiB chunks
 *   then `shutdown` in one branch of a `join`, a `read` loop into one 64 KiB buffer in the other,
 *   then `wait()`;
 * - `node`: `child_process.spawn` with the same stdio, `write` with `'drain'` backpressure, a
 *   `'data'` listener counting bytes, and the `'exit'` event.
 *
 * Both run the same child and move the same bytes, so the child's own cost is in both; what
 * differs is how the parent drives the two pipes. Each variant checks the byte count.
 *
 * Run: `node --expose-gc --import tsx bench/run.ts process`. `BENCH_QUICK=1` for a smoke test.
 */
import { spawn as nodeSpawn } from "node:child_process";
import { join } from "../src/combinator/join.js";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { Command } from "../src/io/process/command.js";
import { read } from "../src/io/read.js";
import { shutdown, writeAll } from "../src/io/write.js";
import { run } from "../src/runtime/runtime.js";
import { compare } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const TOTAL = (QUICK ? 4 : 32) * 1024 * 1024;
const CHUNK = 64 * 1024;
const PAYLOAD = new Uint8Array(CHUNK).map((_, i) => i & 255);
const ECHO = ["-e", "process.stdin.pipe(process.stdout)"];

function check(name: string, got: number): void {
  if (got !== TOTAL) throw new Error(`${name} read back ${got} bytes, expected ${TOTAL}`);
}

function brigade(): Promise<void> {
  return run(
    asyncBlock(function* () {
      const child = new Command(process.execPath).args(ECHO).stdin("piped").stdout("piped").spawn();
      const stdin = child.stdin!;
      child.stdin = null;
      const out = child.stdout!;
      const [, got] = yield* join(
        asyncBlock(function* () {
          for (let sent = 0; sent < TOTAL; sent += CHUNK) yield* writeAll(stdin, PAYLOAD);
          yield* shutdown(stdin);
        }),
        asyncBlock(function* () {
          const buf = new Uint8Array(CHUNK);
          let n = 0;
          for (;;) {
            const k = yield* read(out, buf);
            if (k === 0) return n;
            n += k;
          }
        }),
      );
      yield* child.wait();
      check("brigade", got);
    }),
    { onWarning: () => {} },
  );
}

async function node(): Promise<void> {
  const child = nodeSpawn(process.execPath, ECHO, { stdio: ["pipe", "pipe", "inherit"] });
  let got = 0;
  const done = new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      got += d.length;
    });
    child.on("exit", () => resolve());
  });
  const ended = new Promise<void>((resolve) => child.stdout.on("end", resolve));
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (!child.stdin.write(Buffer.from(PAYLOAD))) {
      await new Promise<void>((resolve) => child.stdin.once("drain", resolve));
    }
  }
  child.stdin.end();
  await Promise.all([done, ended]);
  check("node", got);
}

export async function main(): Promise<void> {
  await compare(
    `child process pipe round trip, ${TOTAL / 1024 / 1024} MiB`,
    { ops: TOTAL / 1024 / 1024, unit: "ms/MiB", rounds: QUICK ? 3 : 9, perOp: "ms" },
    [
      { name: "brigade", run: brigade },
      { name: "node", run: node },
    ],
  );
}
