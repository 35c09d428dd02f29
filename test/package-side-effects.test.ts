/**
 * package.json's `sideEffects` lets a bundler drop the modules a program does not use: only the
 * stream combinators' module (`stream/ext`, which installs methods on `StreamBase`) has effects on
 * import. Bundled with esbuild from the sources (the field names both `src/` and `dist/`), a
 * program that uses `fromPromise` alone gets a few kilobytes, not the whole runtime, and one that
 * calls a combinator still has it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

async function bundle(code: string): Promise<string> {
  const r = await build({
    stdin: { contents: code, resolveDir: ROOT, loader: "ts" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
  });
  return r.outputFiles[0]!.text;
}

/** Run an ES module's text and return what it logged. */
async function runModule(text: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "brigade-se-"));
  const file = join(dir, "m.mjs");
  writeFileSync(file, text);
  const logged: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => logged.push(args.join(" "));
  try {
    const m = (await import(pathToFileURL(file).href)) as { done?: Promise<unknown> };
    await m.done;
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  return logged;
}

describe("package.json sideEffects", () => {
  it("a program that uses fromPromise alone bundles to under 16 KB (the whole core is over 100 KB)", async () => {
    const small = await bundle(
      `import { fromPromise } from "./src/index.ts"; console.log(typeof fromPromise);`,
    );
    expect(small.length).toBeLessThan(16_000);
    const whole = await bundle(`export * from "./src/index.ts";`);
    expect(whole.length).toBeGreaterThan(100_000);
    expect(await runModule(small)).toEqual(["function"]);
  });

  it("a program that calls a stream combinator keeps the module that installs them, and runs", async () => {
    const text = await bundle(
      `import { iter, run } from "./src/index.ts";
       export const done = run(iter([1, 2, 3]).map((x) => x * 2).collect()).then((v) => console.log(v.join(",")));`,
    );
    expect(await runModule(text)).toEqual(["2,4,6"]);
  });
});
