/**
 * Files: the same work on a temporary file, Brigade beside native `node:fs/promises`, in one
 * process, interleaved, medians with the ratio:
 *
 * - read 32 MiB to the end: Brigade `readToEnd(File)` and the `readFile` helper, against a native
 *   `FileHandle.read` loop (2 MiB reads, as a Brigade `File` makes at most) and `fs.promises.readFile`;
 * - write 32 MiB in 64 KiB chunks: `writeAll` per chunk then `flush`, against awaiting
 *   `FileHandle.write` per chunk (a Brigade write is accepted at once and runs while the next chunk
 *   waits behind it, so both have one write in flight);
 * - 200,000 short lines: `BufReader(File).lines()` against `readline` over `createReadStream`.
 *
 * Effect 4 has no file system without a platform package (`@effect/platform-node`, not installed),
 * so it is not in these tables.
 *
 * Run: `node --expose-gc --import tsx bench/run.ts fs`. `BENCH_QUICK=1` for a smoke test.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile as nodeReadFile, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { BufReader } from "../src/io/buf-reader.js";
import { File } from "../src/io/fs/file.js";
import { readFile } from "../src/io/fs/helpers.js";
import { readToEnd } from "../src/io/read.js";
import { flush, writeAll } from "../src/io/write.js";
import { run } from "../src/runtime/runtime.js";
import { compare } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const TOTAL = (QUICK ? 4 : 32) * 1024 * 1024;
const CHUNK = 64 * 1024;
const LINES = QUICK ? 20_000 : 200_000;
const PAYLOAD = new Uint8Array(CHUNK).map((_, i) => i & 255);

function check(name: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${name}: ${got}, expected ${want}`);
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "brigade-fs-bench-"));
  try {
    const big = join(dir, "big.bin");
    writeFileSync(
      big,
      new Uint8Array(TOTAL).map((_, i) => i & 255),
    );
    const rounds = QUICK ? 3 : 9;

    await compare("fs: read 32 MiB to the end", { ops: TOTAL / CHUNK, unit: "ns/64KiB", rounds }, [
      {
        name: "brigade readToEnd(File)",
        run: () =>
          run(
            asyncBlock(function* () {
              using f = yield* File.open(big);
              check("brigade", (yield* readToEnd(f)).length, TOTAL);
            }),
          ),
      },
      {
        name: "native FileHandle.read loop",
        run: async () => {
          const h = await open(big);
          try {
            let buf = new Uint8Array(8192);
            let filled = 0;
            for (;;) {
              if (filled === buf.length) {
                const bigger = new Uint8Array(buf.length * 2);
                bigger.set(buf);
                buf = bigger;
              }
              const want = Math.min(buf.length - filled, 2 * 1024 * 1024);
              const { bytesRead } = await h.read(buf, filled, want, null);
              if (bytesRead === 0) break;
              filled += bytesRead;
            }
            check("native", filled, TOTAL);
          } finally {
            await h.close();
          }
        },
      },
      {
        name: "brigade readFile",
        run: () =>
          run(
            asyncBlock(function* () {
              check("brigade readFile", (yield* readFile(big)).length, TOTAL);
            }),
          ),
      },
      {
        name: "native readFile",
        run: async () => check("native readFile", (await nodeReadFile(big)).length, TOTAL),
      },
    ]);

    const out = join(dir, "out.bin");
    await compare(
      "fs: write 32 MiB in 64 KiB chunks",
      { ops: TOTAL / CHUNK, unit: "ns/64KiB", rounds },
      [
        {
          name: "brigade writeAll(File)",
          run: () =>
            run(
              asyncBlock(function* () {
                using f = yield* File.create(out);
                for (let sent = 0; sent < TOTAL; sent += CHUNK) yield* writeAll(f, PAYLOAD);
                yield* flush(f);
              }),
            ),
        },
        {
          name: "native FileHandle.write",
          run: async () => {
            const h = await open(out, "w");
            try {
              for (let sent = 0; sent < TOTAL; sent += CHUNK) {
                let off = 0;
                while (off < CHUNK) off += (await h.write(PAYLOAD, off, CHUNK - off)).bytesWritten;
              }
            } finally {
              await h.close();
            }
          },
        },
      ],
    );

    const text = join(dir, "lines.txt");
    writeFileSync(text, Array.from({ length: LINES }, (_, i) => `order ${i}: soup`).join("\n"));
    await compare("fs: read 200k short lines", { ops: LINES, unit: "ns/line", rounds }, [
      {
        name: "brigade BufReader(File).lines()",
        run: () =>
          run(
            asyncBlock(function* () {
              using f = yield* File.open(text);
              const lines = new BufReader(f).lines();
              let n = 0;
              yield* lines.forEach(() => {
                n++;
              });
              check("brigade lines", n, LINES);
            }),
          ),
      },
      {
        name: "native readline",
        run: async () => {
          let n = 0;
          const rl = createInterface({ input: createReadStream(text), crlfDelay: Infinity });
          for await (const _ of rl) n++;
          check("native lines", n, LINES);
        },
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
