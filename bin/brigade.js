#!/usr/bin/env node
// The `brigade` command. A published package (dist/ and bin/ only) runs the compiled CLI. A clone
// of the repository runs the TypeScript source through tsx (a dev dependency), so the command never
// runs a dist/ left behind by an older build; without tsx (dev dependencies not installed) it falls
// back to dist/.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
const compiled = new URL("../dist/cli/main.js", import.meta.url);

async function load() {
  if (existsSync(source)) {
    let tsx = null;
    try {
      tsx = await import("tsx/esm/api");
    } catch (e) {
      if (!existsSync(compiled)) throw e;
    }
    if (tsx !== null) {
      tsx.register();
      return import(source.href);
    }
  }
  return import(compiled.href);
}

const cli = await load();
process.exitCode = await cli.main(process.argv.slice(2));
