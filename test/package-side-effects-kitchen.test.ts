/**
 * package.json `sideEffects` and the kitchen: `kitchen/node-host.ts` has an effect on import (it
 * installs the blocking pool as the stove scene's back room), and `kitchen/server.ts` and
 * `cli/kitchen.ts` import it bare for that effect, so the field names it beside `stream/ext`: a
 * bundled kitchen server or CLI keeps its back room. Bundled with esbuild for Node, as a user
 * bundling the CLI would.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

async function bundleAndRun(code: string): Promise<string[]> {
  const r = await build({
    stdin: { contents: code, resolveDir: ROOT, loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    logLevel: "silent",
  });
  const dir = mkdtempSync(join(tmpdir(), "brigade-r14-se-"));
  const file = join(dir, "m.mjs");
  writeFileSync(file, r.outputFiles[0]!.text);
  const logged: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => logged.push(args.join(" "));
  try {
    await import(pathToFileURL(file).href);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  return logged;
}

describe("sideEffects and the kitchen", () => {
  it("a program bundled from the kitchen server's module imports node-host for its effect, and the stove scene's back room is installed", async () => {
    const logged = await bundleAndRun(
      `import { serveKitchen } from "./src/kitchen/server.ts";
       import { kitchenHost } from "./src/kitchen/host.ts";
       console.log(typeof serveKitchen, kitchenHost.backRoom === null ? "no back room" : "back room");`,
    );
    // Before the fix: ["function no back room"] — the bare import of node-host.js was tree-shaken away.
    expect(logged).toEqual(["function back room"]);
  });
});
